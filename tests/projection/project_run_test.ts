import assert from "node:assert/strict";
import { join } from "node:path";
import {
  PROJECTIONS_FILE,
  type ProjectionsFile,
  projectRun,
  readProjections,
} from "../../lib/projection/project_run.ts";
import { RUN_FILES, writeFloat32, writeJsonAtomic } from "../../lib/run/run_folder.ts";
import { clusters } from "./_clusters.ts";

/** A tiny run folder: 60 train and 24 test points of dimension 4 in 3 classes. */
async function tinyRun(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "metriclab-projection-" });
  const train = clusters(60, 4, 3, 1), test = clusters(24, 4, 3, 2);
  await writeFloat32(join(dir, RUN_FILES.trainEmbeddings), Float32Array.from(train.m.data));
  await writeFloat32(join(dir, RUN_FILES.testEmbeddings), Float32Array.from(test.m.data));
  await writeJsonAtomic(join(dir, RUN_FILES.embeddingsMeta), {
    dim: 4,
    dtype: "float32-le",
    classNames: ["a", "b", "c"],
    trainLabels: Array.from(train.labels),
    testLabels: Array.from(test.labels),
  });
  return dir;
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
    assert.equal(seen.size, 6);
    assert.ok(
      warnings.some((w) => /^train tsne: a stratified subsample of 30 of 60 points/.test(w)),
    );
    const file = JSON.parse(await Deno.readTextFile(path)) as ProjectionsFile;
    assert.equal(file.version, 1);
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
      assert.equal(file[split].tsne!.options.method, "exact");
      assert.equal(file[split].tsne!.options.theta, null);
    }
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
      [options.method, options.theta, options.init, options.iterations, options.max],
      ["barnes-hut", 0.5, "pca", 1000, 5000],
    );
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
      projectRun(dir, { tsneMethod: "fft" as "auto" }),
      /Invalid tsneMethod "fft"/,
    );
    await writeFloat32(join(dir, RUN_FILES.testEmbeddings), new Float32Array(5));
    await assert.rejects(projectRun(dir, { methods: ["pca"] }), /do not match/);
    await Deno.writeTextFile(join(dir, PROJECTIONS_FILE), "{");
    await assert.rejects(readProjections(dir), SyntaxError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
