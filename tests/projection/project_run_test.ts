import assert from "node:assert/strict";
import { join } from "node:path";
import {
  PROJECTIONS_FILE,
  type ProjectionsFile,
  projectRun,
  readProjections,
  TSNE_MAX_DEFAULT,
} from "../../lib/projection/project_run.ts";
import { readRun } from "../../lib/report/read_runs.ts";
import { RUN_FILES, writeFloat32, writeJsonAtomic } from "../../lib/run/run_folder.ts";
import type { EmbeddingMatrix } from "../../lib/types.ts";
import { clusters, nearestLabelAgreement, splitClusters } from "./_clusters.ts";

type Split = { m: EmbeddingMatrix; labels: ArrayLike<number> };

/** A run folder holding the given train and test embeddings. */
async function writeRun(train: Split, test: Split): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "metriclab-projection-" });
  await writeFloat32(join(dir, RUN_FILES.trainEmbeddings), Float32Array.from(train.m.data));
  await writeFloat32(join(dir, RUN_FILES.testEmbeddings), Float32Array.from(test.m.data));
  const classes = Math.max(...Array.from(train.labels), ...Array.from(test.labels)) + 1;
  await writeJsonAtomic(join(dir, RUN_FILES.embeddingsMeta), {
    dim: train.m.dim,
    dtype: "float32-le",
    classNames: Array.from({ length: classes }, (_, c) => `c${c}`),
    trainLabels: Array.from(train.labels),
    testLabels: Array.from(test.labels),
  });
  return dir;
}

/** A tiny run folder: 60 train and 24 test points of dimension 4 in 3 classes. */
function tinyRun(): Promise<string> {
  return writeRun(clusters(60, 4, 3, 1), clusters(24, 4, 3, 2));
}

/** The file without timings, which differ from run to run. */
function withoutSeconds(file: unknown): unknown {
  return JSON.parse(JSON.stringify(file, (key, value) => key === "seconds" ? 0 : value));
}

Deno.test("projectRun() writes projections.json with every method for train and test", async () => {
  const dir = await tinyRun();
  try {
    const seen = new Set<string>();
    const { path, warnings } = await projectRun(dir, {
      tsneMax: 30,
      onProgress: ({ split, method, done, total }) => {
        assert.ok(done <= total);
        seen.add(`${split} ${method}`);
      },
    });
    assert.equal(path, join(dir, PROJECTIONS_FILE));
    assert.equal(seen.size, 9);
    assert.ok(
      warnings.some((w) => /^train tsne: a stratified subsample of 30 of 60 points/.test(w)),
    );
    const file = JSON.parse(await Deno.readTextFile(path)) as ProjectionsFile;
    assert.equal(file.version, 2);
    assert.equal(file.embedding, undefined);
    const meta = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.embeddingsMeta)));
    for (const split of ["train", "test"] as const) {
      const labels: number[] = meta[`${split}Labels`];
      assert.deepEqual(Object.keys(file[split]).sort(), ["pca", "tsne", "umap"]);
      for (const [method, p] of Object.entries(file[split])) {
        assert.equal(p.method, method);
        assert.equal(p.total, labels.length);
        const subsampled = method === "tsne" && labels.length > 30;
        assert.equal(p.subsampled, subsampled, `${split} ${method}`);
        assert.equal(p.rows.length, subsampled ? 30 : labels.length);
        assert.ok(p.rows.every((r, i) => i === 0 || p.rows[i - 1] < r));
        assert.deepEqual(p.labels, p.rows.map((r) => labels[r]));
        assert.equal(p.x.length, p.rows.length);
        assert.equal(p.y.length, p.rows.length);
        assert.ok([...p.x, ...p.y].every(Number.isFinite));
        assert.ok(p.seconds >= 0);
      }
      // 30 of 60 points in 3 equal classes: 10 each.
      const counts = [0, 1, 2].map((c) => file[split].tsne!.labels.filter((l) => l === c).length);
      if (split === "train") assert.deepEqual(counts, [10, 10, 10]);
      assert.equal(file[split].umap!.options.seed, 0);
      assert.equal(file[split].tsne!.options.max, 30);
      assert.equal(file[split].tsne!.options.algorithm, "exact");
      assert.equal(file[split].tsne!.options.theta, null);
      for (const [method, p] of Object.entries(file[split])) {
        assert.deepEqual(
          [p.options.method, p.options.fitted, p.options.points, p.options.total],
          [method, "separately", p.rows.length, labels.length],
        );
        assert.equal(p.options.subsampled, p.subsampled);
      }
    }
    // The test points placed into each train map: the test split's rows, all 24 here.
    assert.deepEqual(Object.keys(file.testInTrain).sort(), ["pca", "tsne", "umap"]);
    for (const [method, p] of Object.entries(file.testInTrain)) {
      assert.equal(p.method, method);
      assert.deepEqual(p.rows, file.test[p.method]!.rows);
      assert.deepEqual(p.labels, file.test[p.method]!.labels);
      assert.equal(p.x.length, 24);
      assert.equal(p.y.length, 24);
      assert.ok([...p.x, ...p.y].every(Number.isFinite));
      assert.deepEqual(
        [p.options.fitted, p.options.reference, p.options.referencePoints],
        ["into-train", `train.${method}`, file.train[p.method]!.rows.length],
      );
    }
    assert.deepEqual(
      ["pca", "umap", "tsne"].map((m) => file.testInTrain[m as "pca"]!.options.method),
      ["pca-train-basis", "umap-transform", "tsne-fixed-reference"],
    );
    const tsne = file.testInTrain.tsne!.options;
    assert.deepEqual(
      [tsne.perplexity, tsne.neighbors, tsne.theta, tsne.iterations, tsne.max],
      [file.train.tsne!.options.perplexity, 27, 0, 250, 30],
    );
    const umap = file.testInTrain.umap!.options;
    assert.deepEqual([umap.nNeighbors, umap.minDist, umap.nEpochs, umap.seed], [15, 0.1, 100, 0]);
    assert.deepEqual(await readProjections(dir), file);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("projectRun() is reproducible and keeps methods it did not rerun", async () => {
  const dir = await tinyRun();
  try {
    await projectRun(dir, { methods: ["pca", "umap"], seed: 3 });
    const first = (await readProjections(dir))!;
    await projectRun(dir, { methods: ["pca", "umap"], seed: 3 });
    const second = (await readProjections(dir))!;
    assert.deepEqual(withoutSeconds(second), withoutSeconds(first));
    assert.equal(first.train.tsne, undefined);
    await projectRun(dir, { methods: ["pca"], seed: 4 });
    const third = (await readProjections(dir))!;
    assert.deepEqual(third.train.umap, second.train.umap);
    await projectRun(dir, { methods: ["tsne"], tsneMethod: "barnes-hut" });
    const { options, subsampled } = (await readProjections(dir))!.train.tsne!;
    assert.equal(subsampled, false);
    assert.deepEqual(
      [options.algorithm, options.theta, options.init, options.iterations, options.max],
      ["barnes-hut", 0.5, "pca", 1000, TSNE_MAX_DEFAULT],
    );
    assert.equal((await readProjections(dir))!.testInTrain.tsne!.options.theta, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("projectRun() rejects a missing run, bad embeddings and bad options", async () => {
  await assert.rejects(projectRun("/nonexistent/run"), /Cannot project run "\/nonexistent\/run"/);
  const dir = await tinyRun();
  try {
    await assert.rejects(
      projectRun(dir, { methods: ["mds" as "pca"] }),
      (e) => e instanceof RangeError && /Unknown projection method "mds"/.test(e.message),
    );
    await assert.rejects(projectRun(dir, { tsneMax: 0 }), RangeError);
    await assert.rejects(
      projectRun(dir, { tsneMethod: "mds" as "auto" }),
      /Invalid tsneMethod "mds": use "exact", "barnes-hut", "fft" or "auto"/,
    );
    await writeFloat32(join(dir, RUN_FILES.testEmbeddings), new Float32Array(5));
    await assert.rejects(projectRun(dir, { methods: ["pca"] }), /do not match/);
    await Deno.writeTextFile(join(dir, PROJECTIONS_FILE), "{");
    await assert.rejects(readProjections(dir), SyntaxError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("projectRun() places test points into the train UMAP and t-SNE beside their class", async () => {
  const { train, test } = splitClusters(300, 90, 8, 5, 4);
  const dir = await writeRun(train, test);
  try {
    await projectRun(dir, { methods: ["umap", "tsne"], umapMax: 80 });
    const file = (await readProjections(dir))!;
    for (const method of ["umap", "tsne"] as const) {
      const placed = file.testInTrain[method]!;
      const agree = nearestLabelAgreement(file.train[method]!, placed);
      assert.ok(agree >= 0.9, `${method}: nearest train point of the same class for ${agree}`);
    }
    // UMAP subsamples the train map and the test points alike: 80 of 300, 80 of 90.
    const umap = file.testInTrain.umap!;
    assert.deepEqual([umap.rows.length, umap.subsampled, umap.total], [80, true, 90]);
    assert.deepEqual(umap.rows, file.test.umap!.rows);
    assert.deepEqual(
      [umap.options.points, umap.options.subsampled, umap.options.referencePoints],
      [80, true, 80],
    );
    // 300 train points: FFT t-SNE by default, placed with Barnes-Hut accuracy 0.5.
    assert.equal(file.train.tsne!.options.algorithm, "fft");
    assert.equal(file.testInTrain.tsne!.options.theta, 0.5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("projectRun() records a 2-D embedding as is, and places test points in the train PCA basis", async () => {
  // Train points mirrored about (10, -5) on both axes: the mean is (10, -5) and the axes
  // are the coordinate axes (more spread on x), so the train PCA of a point is (x - 10, y + 5).
  const offsets = [[3, 1], [1.5, 0.5], [4, 2]];
  const trainRows = offsets.flatMap(([a, b]) =>
    [[a, b], [-a, b], [a, -b], [-a, -b]].map(([u, v]) => [10 + u, -5 + v])
  );
  const testRows = [[13, 25], [10, -5], [-2, 0.5]];
  const matrix = (rows: number[][]) => ({
    m: { data: Float64Array.from(rows.flat()), rows: rows.length, dim: 2 },
    labels: rows.map((_, i) => i % 2),
  });
  const dir = await writeRun(matrix(trainRows), matrix(testRows));
  try {
    await projectRun(dir, { methods: ["pca"] });
    const file = (await readProjections(dir))!;
    const placed = file.testInTrain.pca!;
    testRows.forEach(([x, y], i) => {
      assert.ok(Math.abs(placed.x[i] - (x - 10)) < 1e-9, `x[${i}] = ${placed.x[i]}`);
      assert.ok(Math.abs(placed.y[i] - (y + 5)) < 1e-9, `y[${i}] = ${placed.y[i]}`);
    });
    assert.deepEqual(
      [placed.options.method, placed.options.fitted, placed.options.reference],
      ["pca-train-basis", "into-train", "train.pca"],
    );
    for (const [split, rows] of [["train", trainRows], ["test", testRows]] as const) {
      const drawn = file.embedding![split];
      assert.equal(drawn.method, "embedding");
      assert.deepEqual(drawn.x, rows.map((r) => r[0]));
      assert.deepEqual(drawn.y, rows.map((r) => r[1]));
      assert.deepEqual(drawn.rows, rows.map((_, i) => i));
      assert.deepEqual(drawn.labels, rows.map((_, i) => i % 2));
      assert.deepEqual(drawn.options, {
        method: "embedding",
        fitted: "none",
        dim: 2,
        points: rows.length,
        total: rows.length,
        subsampled: false,
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readProjections() reads a version 1 file as version 2, and projectRun() upgrades it", async () => {
  const dir = await tinyRun();
  try {
    const record = (method: string, options: Record<string, unknown>) => ({
      method,
      rows: [0, 1],
      labels: [0, 1],
      x: [0, 1],
      y: [1, 0],
      subsampled: true,
      total: 60,
      seconds: 0.5,
      options,
    });
    const v1 = {
      version: 1,
      train: { tsne: record("tsne", { method: "barnes-hut", perplexity: 30, max: 2 }) },
      test: { umap: record("umap", { seed: 0, nNeighbors: 15 }) },
    };
    await Deno.writeTextFile(join(dir, PROJECTIONS_FILE), JSON.stringify(v1));
    const file = (await readProjections(dir))!;
    assert.equal(file.version, 2);
    assert.deepEqual(file.testInTrain, {});
    assert.deepEqual(file.train.tsne!.options, {
      method: "tsne",
      algorithm: "barnes-hut",
      perplexity: 30,
      max: 2,
      fitted: "separately",
      points: 2,
      total: 60,
      subsampled: true,
    });
    assert.deepEqual(file.test.umap!.options, {
      method: "umap",
      seed: 0,
      nNeighbors: 15,
      fitted: "separately",
      points: 2,
      total: 60,
      subsampled: true,
    });
    assert.deepEqual(file.train.tsne!.x, [0, 1]);
    await projectRun(dir, { methods: ["pca"] });
    const written = JSON.parse(await Deno.readTextFile(join(dir, PROJECTIONS_FILE)));
    assert.equal(written.version, 2);
    assert.deepEqual(written.train.tsne, file.train.tsne);
    assert.deepEqual(Object.keys(written.testInTrain), ["pca"]);
    await Deno.writeTextFile(
      join(dir, PROJECTIONS_FILE),
      '{"version": 3, "train": {}, "test": {}}',
    );
    await assert.rejects(readProjections(dir), /not a projections file of version 1 or 2/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("projectRun() places test points the same way each time", async () => {
  const dir = await tinyRun();
  try {
    await projectRun(dir, { tsneMax: 30, seed: 2 });
    const first = (await readProjections(dir))!;
    await projectRun(dir, { tsneMax: 30, seed: 2 });
    const second = (await readProjections(dir))!;
    assert.deepEqual(withoutSeconds(second.testInTrain), withoutSeconds(first.testInTrain));
    assert.deepEqual(withoutSeconds(second), withoutSeconds(first));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readRun() reads the projections of version 1 and of version 2 with their caption fields", async () => {
  const fixture = new URL(
    "../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture",
    import.meta.url,
  ).pathname;
  const old = (await readRun(fixture)).run.projections!;
  assert.equal(old.version, 1);
  assert.equal(old.testInTrain, undefined);
  assert.deepEqual(
    [old.train.tsne!.options!.method, old.train.tsne!.options!.fitted],
    ["tsne", "separately"],
  );
  const dir = await Deno.makeTempDir({ prefix: "metriclab-projection-" });
  try {
    await Deno.mkdir(join(dir, "embeddings"));
    for (const f of ["summary.json", "config.json", "projections.json", "embeddings/meta.json"]) {
      await Deno.copyFile(join(fixture, f), join(dir, f));
    }
    for (const f of ["embeddings/train.f32", "embeddings/test.f32"]) {
      await Deno.copyFile(join(fixture, f), join(dir, f));
    }
    await projectRun(dir, { methods: ["pca"] });
    const { run, warnings } = await readRun(dir);
    assert.ok(!warnings.some((w) => /projections/.test(w)), warnings.join("\n"));
    const p = run.projections!;
    assert.equal(p.version, 2);
    assert.deepEqual(
      [p.testInTrain?.pca?.options?.method, p.testInTrain?.pca?.options?.fitted],
      ["pca-train-basis", "into-train"],
    );
    assert.equal(p.train.umap!.options!.fitted, "separately");
    const file = JSON.parse(await Deno.readTextFile(join(dir, PROJECTIONS_FILE)));
    const drawn = { method: "embedding", rows: [0], labels: [1], x: [0.5], y: [2], total: 1 };
    file.embedding = { train: drawn, test: drawn };
    await Deno.writeTextFile(join(dir, PROJECTIONS_FILE), JSON.stringify(file));
    const withEmbedding = (await readRun(dir)).run.projections!.embedding!;
    assert.deepEqual(withEmbedding.test.options, {
      method: "embedding",
      fitted: "none",
      points: 1,
      total: 1,
      subsampled: false,
    });
    file.embedding = { train: drawn, test: { ...drawn, method: "pca" } };
    await Deno.writeTextFile(join(dir, PROJECTIONS_FILE), JSON.stringify(file));
    assert.match((await readRun(dir)).warnings.join("\n"), /embedding\.test is not an embedding/);
    // A fitted value the page cannot caption is a corrupt file.
    file.embedding = undefined;
    file.testInTrain.pca.options.fitted = "somehow";
    await Deno.writeTextFile(join(dir, PROJECTIONS_FILE), JSON.stringify(file));
    const bad = await readRun(dir);
    assert.equal(bad.run.projections, null);
    assert.match(bad.warnings.join("\n"), /testInTrain\.pca has fitted "somehow"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
