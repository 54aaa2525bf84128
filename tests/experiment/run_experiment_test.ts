import assert from "node:assert/strict";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { generateSynthetic } from "../../lib/data/synthetic.ts";
import { resolveConfig, runId } from "../../lib/experiment/config.ts";
import { evaluateRunFolder } from "../../lib/experiment/evaluate_run.ts";
import { analyzeRunFolder } from "../../lib/experiment/analyze_run.ts";
import { loadData } from "../../lib/experiment/load_data.ts";
import { runExperiment } from "../../lib/experiment/run_experiment.ts";
import { embedDataset } from "../../lib/model/embed.ts";
import { loadRunModel } from "../../lib/experiment/load_run_model.ts";
import {
  readFloat32,
  readJsonLines,
  readRunCheckpoint,
  RUN_FILES,
  writeJsonAtomic,
} from "../../lib/run/run_folder.ts";
import type { TrainRecord } from "../../lib/train/train.ts";

const backend = await selectBackend("wasm");

const config = resolveConfig({
  data: "synthetic",
  imageSize: 16,
  syntheticPerClass: 6,
  epochs: 1,
  dim: 4,
  batchSize: 16,
  samplesPerClass: 4,
});

async function readJson(path: string) {
  return JSON.parse(await Deno.readTextFile(path));
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const name = prefix + e.name;
    if (e.isDirectory) out.push(...await listFiles(join(dir, e.name), `${name}/`));
    else out.push(name);
  }
  return out.sort();
}

Deno.test("runExperiment() writes a complete run folder and skips it the second time", async (t) => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    const records: TrainRecord[] = [];
    const result = await runExperiment(config, {
      out,
      backend,
      onRecord: (r) => records.push(r),
    });
    const dir = join(out, runId(config));
    assert.equal(result.dir, dir);
    assert.equal(result.skipped, false);
    assert.deepEqual(records.map((r) => r.type), ["epoch", "final"]);

    await t.step("the folder holds every run file and nothing else", async () => {
      // The triplet loss has no learned weights, so no loss.json / loss-weights.bin; a
      // finished run's checkpoint and lock are removed, and it has no failure.json.
      const expected = Object.entries(RUN_FILES)
        .filter(([key]) =>
          !["lossManifest", "lossWeights", "checkpoint", "lock", "failure"].includes(key)
        )
        .map(([, f]) => `${runId(config)}/${f}`);
      assert.deepEqual(await listFiles(out), expected.sort());
    });

    const dataset = generateSynthetic({ perClass: 6, size: 16 });
    const numClasses = dataset.classNames.length;
    const split = await readJson(join(dir, RUN_FILES.split));
    const meta = await readJson(join(dir, RUN_FILES.embeddingsMeta));

    await t.step("config.json holds the resolved config, model and backend", async () => {
      const saved = await readJson(join(dir, RUN_FILES.config));
      assert.equal(saved.id, runId(config));
      assert.equal(saved.data, "synthetic");
      assert.equal(saved.dim, 4);
      assert.equal(saved.loss.name, "triplet");
      assert.equal(typeof saved.loss.margin, "number", "loss defaults not resolved");
      assert.deepEqual(saved.miner, { name: "none" });
      assert.equal(saved.model.name, "embedding-net");
      assert.deepEqual(saved.model.inputShape, [16, 16, 3]);
      assert.equal(saved.backend.name, "wasm");
      assert.equal(saved.dataset.numClasses, numClasses);
      assert.equal(saved.dataset.numSamples, numClasses * 6);
      assert.equal(saved.dataset.split, "stratified");
      // The synthetic signs bring their own hierarchy; the id ignores the hierarchy.
      assert.equal(saved.dataset.hierarchySource, "synthetic");
      assert.deepEqual(
        saved.dataset.hierarchy.map((h: { class: string }) => h.class),
        dataset.classNames,
      );
      assert.equal(saved.experiment.hierarchy, "auto");
    });

    await t.step("train and test are disjoint, complete and cover every class", () => {
      const train: number[] = split.train, test: number[] = split.test;
      assert.equal(new Set([...train, ...test]).size, train.length + test.length, "overlap");
      assert.deepEqual([...train, ...test].sort((a, b) => a - b), [...dataset.labels.keys()]);
      for (let c = 0; c < numClasses; c++) {
        assert(train.some((i) => dataset.labels[i] === c), `class ${c} not in train`);
        assert(test.some((i) => dataset.labels[i] === c), `class ${c} not in test`);
      }
      assert.deepEqual(meta.trainIndices, train);
      assert.deepEqual(meta.testIndices, test);
      assert.deepEqual(meta.trainLabels, train.map((i) => dataset.labels[i]));
      assert.deepEqual(meta.testLabels, test.map((i) => dataset.labels[i]));
    });

    await t.step("metrics.jsonl has the epoch line then the final line", async () => {
      const { records: lines, warnings } = await readJsonLines(join(dir, RUN_FILES.metrics));
      assert.deepEqual(warnings, []);
      assert.deepEqual(lines.map((r) => r.type), ["epoch", "final"]);
      assert.equal(lines[0].epoch, 1);
      assert(Number.isFinite(lines[0].loss));
      for (
        const key of [
          "testKnnAccuracy1",
          "testKnnAccuracy5",
          "precisionAt1",
          "meanAveragePrecisionAtR",
        ]
      ) {
        assert.equal(typeof lines[1][key], "number", key);
      }
      assert.deepEqual(lines, JSON.parse(JSON.stringify(records)));
    });

    await t.step("embeddings and weights have the expected sizes", async () => {
      assert.equal(meta.dim, 4);
      assert.equal(meta.dtype, "float32-le");
      const trainBytes = (await Deno.stat(join(dir, RUN_FILES.trainEmbeddings))).size;
      const testBytes = (await Deno.stat(join(dir, RUN_FILES.testEmbeddings))).size;
      assert.equal(trainBytes, split.train.length * 4 * 4);
      assert.equal(testBytes, split.test.length * 4 * 4);
      const manifest = await readJson(join(dir, RUN_FILES.modelManifest));
      const count = manifest.weights.reduce(
        (n: number, w: { shape: number[] }) => n + w.shape.reduce((a, b) => a * b, 1),
        0,
      );
      assert.equal((await Deno.stat(join(dir, RUN_FILES.modelWeights))).size, count * 4);
    });

    await t.step("the saved model reproduces the saved embeddings", async () => {
      const net = await loadRunModel(dir);
      try {
        const again = await embedDataset(net, dataset, Int32Array.from(split.test));
        const saved = await readFloat32(join(dir, RUN_FILES.testEmbeddings));
        assert.equal(again.length, saved.length);
        again.forEach((v, i) => assert(Math.abs(v - saved[i]) < 1e-5, `value ${i}`));
      } finally {
        net.dispose();
      }
    });

    const summary = await readJson(join(dir, RUN_FILES.summary));
    await t.step("summary.json holds the headline figures", () => {
      assert.deepEqual(result.summary, summary);
      assert.equal(summary.id, runId(config));
      assert.equal(summary.backend, "wasm");
      assert.equal(typeof summary.trainSeconds, "number");
      assert(summary.trainSeconds > 0);
      assert.equal(summary.numTrain, split.train.length);
      assert.equal(summary.numTest, split.test.length);
      assert.deepEqual(Object.keys(summary.test.knnAccuracy).sort(), ["1", "5"]);
      for (
        const v of [
          ...Object.values(summary.test.knnAccuracy) as number[],
          summary.test.precisionAt1,
          summary.test.rPrecision,
          summary.test.meanAveragePrecisionAtR,
        ]
      ) {
        assert(typeof v === "number" && v >= 0 && v <= 1, String(v));
      }
      const evaluation = JSON.parse(Deno.readTextFileSync(join(dir, RUN_FILES.evaluation)));
      assert.deepEqual(Object.keys(evaluation.knn).sort(), ["1", "5"]);
      assert.equal(evaluation.knn["1"].accuracy, summary.test.knnAccuracy["1"]);
    });

    await t.step("evaluateRunFolder() recomputes the same test metrics", async () => {
      const evaluated = await evaluateRunFolder(dir);
      assert.deepEqual(evaluated.test, summary.test);
      assert.deepEqual((await readJson(join(dir, RUN_FILES.summary))).test, summary.test);
    });

    await t.step("a second call skips the finished run", async () => {
      const mtime = (await Deno.stat(join(dir, RUN_FILES.summary))).mtime;
      const again = await runExperiment(config, { out, backend });
      assert.equal(again.skipped, true);
      assert.equal(again.dir, dir);
      assert.deepEqual(again.summary, await readJson(join(dir, RUN_FILES.summary)));
      assert.deepEqual((await Deno.stat(join(dir, RUN_FILES.summary))).mtime, mtime);
    });

    await t.step(
      "force retrains to the same test metrics (one backend is deterministic)",
      async () => {
        const forced = await runExperiment(config, { out, backend, force: true });
        assert.equal(forced.skipped, false);
        assert.deepEqual(forced.summary.test, summary.test);
        assert.equal(forced.summary.finalLoss, summary.finalLoss);
      },
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runExperiment() writes nothing when the input is bad", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    await assert.rejects(
      () => runExperiment({ ...config, ks: [1, 500] }, { out, backend }),
      { name: "RangeError", message: /^Invalid ks 500: / },
    );
    await assert.rejects(
      () => runExperiment({ ...config, data: join(out, "missing") }, { out, backend }),
      { message: /missing.*does not exist/ },
    );
    await assert.rejects(
      () => runExperiment({ ...config, loss: { name: "triplet", margin: -1 } }, { out, backend }),
      RangeError,
    );
    assert.deepEqual(await listFiles(out), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runExperiment() saves ProxyAnchor's learned proxies with the model", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    const proxy = resolveConfig({ ...config, loss: { name: "proxy-anchor" } });
    const { dir } = await runExperiment(proxy, { out, backend });
    const manifest = await readJson(join(dir, RUN_FILES.lossManifest));
    assert.equal(manifest.loss.name, "proxy-anchor");
    const numClasses = generateSynthetic({ perClass: 2, size: 8 }).classNames.length;
    assert.deepEqual(manifest.weights, [{ shape: [numClasses, 4] }]);
    const proxies = await readFloat32(join(dir, RUN_FILES.lossWeights));
    assert.equal(proxies.length, numClasses * 4);
    assert.ok(proxies.every(Number.isFinite));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runExperiment() appends metrics.jsonl records in epoch order", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    const { dir } = await runExperiment(resolveConfig({ ...config, epochs: 4 }), { out, backend });
    const { records } = await readJsonLines(join(dir, RUN_FILES.metrics));
    assert.deepEqual(records.map((r) => r.epoch ?? r.type), [1, 2, 3, 4, "final"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runExperiment() refuses a folder that holds a different run, writing nothing", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    const dir = join(out, runId(config));
    await writeJsonAtomic(join(dir, RUN_FILES.config), { id: "someone-else" });
    await assert.rejects(
      () => runExperiment(config, { out, backend }),
      {
        message:
          `Cannot write run to "${dir}": it holds a different run (someone-else); use another out or force`,
      },
    );
    await Deno.writeTextFile(join(dir, RUN_FILES.config), "{ not json");
    await assert.rejects(
      () => runExperiment(config, { out, backend }),
      { message: /it holds a different run \(no readable config\.json\)/ },
    );
    assert.deepEqual(await listFiles(out), [`${runId(config)}/config.json`]);
    // --force replaces it.
    const forced = await runExperiment(config, { out, backend, force: true });
    assert.equal(forced.skipped, false);
    assert.equal((await readJson(join(dir, RUN_FILES.config))).id, runId(config));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runExperiment() resumes an interrupted run to the uninterrupted result", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    const two = resolveConfig({ ...config, epochs: 2, loss: { name: "proxy-anchor" } });
    const reference = await runExperiment(two, { out: join(out, "reference"), backend });
    const stopped = join(out, "stopped");
    const dir = join(stopped, runId(two));
    // Abort once epoch 1 is recorded: its checkpoint is written, then training stops.
    const controller = new AbortController();
    await assert.rejects(
      () =>
        runExperiment(two, {
          out: stopped,
          backend,
          signal: controller.signal,
          onRecord: (r) => r.epoch === 1 && controller.abort(),
        }),
      { name: "AbortError" },
    );
    assert.equal((await readRunCheckpoint(dir))?.epoch, 1);
    const before = await readJsonLines(join(dir, RUN_FILES.metrics));
    assert.deepEqual(before.records.map((r) => r.epoch), [1]);
    // As if killed while appending epoch 1's record: a torn line, which the checkpoint
    // (written first) still holds.
    const line = await Deno.readTextFile(join(dir, RUN_FILES.metrics));
    await Deno.writeTextFile(join(dir, RUN_FILES.metrics), line.slice(0, 9));

    const starts: number[] = [];
    const resumed = await runExperiment(two, {
      out: stopped,
      backend,
      onStart: ({ epoch }) => starts.push(epoch),
    });
    assert.deepEqual(starts, [1]);
    assert.equal(resumed.resumedFrom, 1);
    assert(resumed.warnings.some((w) => /last line/.test(w)), String(resumed.warnings));
    assert.deepEqual(resumed.summary.test, reference.summary.test);
    assert.equal(resumed.summary.finalLoss, reference.summary.finalLoss);
    for (
      const file of [RUN_FILES.trainEmbeddings, RUN_FILES.testEmbeddings, RUN_FILES.lossWeights]
    ) {
      assert.deepEqual(
        await Deno.readFile(join(dir, file)),
        await Deno.readFile(join(reference.dir, file)),
        file,
      );
    }
    const { records } = await readJsonLines(join(dir, RUN_FILES.metrics));
    assert.deepEqual(records.map((r) => r.epoch ?? r.type), [1, 2, "final"]);
    const { records: expected } = await readJsonLines(join(reference.dir, RUN_FILES.metrics));
    assert.deepEqual(records.map((r) => r.loss), expected.map((r) => r.loss));
    assert.equal(await readRunCheckpoint(dir), undefined, "the checkpoint outlived the run");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runExperiment() starts an incomplete run without a checkpoint over", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    const dir = join(out, runId(config));
    await writeJsonAtomic(join(dir, RUN_FILES.config), { id: runId(config) });
    await Deno.writeTextFile(join(dir, RUN_FILES.metrics), '{"type":"epoch","epoch":1}\n');
    const result = await runExperiment(config, { out, backend });
    assert.equal(result.resumedFrom, undefined);
    const { records } = await readJsonLines(join(dir, RUN_FILES.metrics));
    assert.deepEqual(records.map((r) => r.epoch ?? r.type), [1, "final"]);
    assert.equal((await readJson(join(dir, RUN_FILES.config))).dim, 4);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runExperiment() will not resume when the data no longer gives the run's split", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    const two = resolveConfig({ ...config, epochs: 2 });
    const controller = new AbortController();
    await assert.rejects(() =>
      runExperiment(two, {
        out,
        backend,
        signal: controller.signal,
        onRecord: () => controller.abort(),
      })
    );
    const dir = join(out, runId(two));
    const split = await readJson(join(dir, RUN_FILES.split));
    await writeJsonAtomic(join(dir, RUN_FILES.split), { ...split, test: split.test.slice(1) });
    await assert.rejects(
      () => runExperiment(two, { out, backend }),
      { message: /^Cannot resume run ".*": the data no longer gives its split\.json/ },
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

/** A class-folder dataset of TT100K codes: 6 small PNGs per class, each different. */
async function withTt100kFolder(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "metriclab-tt100k-" });
  try {
    let state = 7;
    for (const [c, name] of ["pl50", "pl60", "i2", "w13"].entries()) {
      await Deno.mkdir(join(root, name));
      for (let i = 0; i < 6; i++) {
        const data = new Uint8Array(8 * 8 * 3).map((_, j) => {
          state = (state * 1103515245 + 12345) >>> 0;
          return (c * 60 + (j % 3) * 20 + (state >>> 24) % 40) & 255;
        });
        await Deno.writeFile(
          join(root, name, `${i}.png`),
          encodePng({ width: 8, height: 8, data, channels: 3 }),
        );
      }
    }
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** `config` on a folder of TT100K codes, and that folder loaded (without the decode cache). */
async function tt100kRun(root: string, hierarchy?: string) {
  const c = resolveConfig({ ...config, data: root, hierarchy });
  return { config: c, dataset: await loadData(c, { cache: false }) };
}

Deno.test("runExperiment() applies TT100K's hierarchy to TT100K class codes and records its source", async (t) => {
  await withTt100kFolder(async (root) => {
    const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
    try {
      const { config: auto, dataset } = await tt100kRun(root);
      const result = await runExperiment(auto, { out, backend, dataset });
      assert.deepEqual(result.warnings, []);
      const saved = await readJson(join(result.dir, RUN_FILES.config));
      const analysis = await readJson(join(result.dir, RUN_FILES.analysis));

      await t.step("config.json holds TT100K's rows of the dataset's classes", () => {
        assert.deepEqual(saved.dataset.classNames, ["i2", "pl50", "pl60", "w13"]);
        assert.equal(saved.dataset.hierarchySource, "tt100k (built-in)");
        assert.deepEqual(
          saved.dataset.hierarchy.map((h: { class: string; top: string }) => [h.class, h.top]),
          [["i2", "mandatory"], ["pl50", "prohibitory"], ["pl60", "prohibitory"], [
            "w13",
            "warning",
          ]],
        );
        assert.equal(saved.experiment.hierarchy, "auto");
      });

      await t.step("analysis.json has the hierarchy correlation", () => {
        assert.ok(analysis.test.hierarchyCorrelation, "no test hierarchyCorrelation");
        assert.ok(analysis.train.hierarchyCorrelation, "no train hierarchyCorrelation");
        assert.equal(typeof analysis.test.hierarchyCorrelation.permutations, "number");
      });

      await t.step("the run id does not depend on the hierarchy", () => {
        assert.equal(runId(resolveConfig({ ...auto, hierarchy: "none" })), runId(auto));
        assert.equal(saved.id, runId(auto));
      });

      await t.step("analyzeRunFolder() falls back to TT100K's table for an older run", async () => {
        const { hierarchy: _, hierarchySource: __, ...older } = saved.dataset;
        await writeJsonAtomic(join(result.dir, RUN_FILES.config), { ...saved, dataset: older });
        const again = await analyzeRunFolder(result.dir, { permutations: 9 });
        assert.ok(again.test.hierarchyCorrelation, "no fallback to TT100K's table");
        // ... but not for a run trained with --hierarchy none.
        await writeJsonAtomic(join(result.dir, RUN_FILES.config), {
          ...saved,
          dataset: { ...older, hierarchy: null, hierarchySource: "none" },
        });
        const off = await analyzeRunFolder(result.dir, { permutations: 9 });
        assert.equal(off.test.hierarchyCorrelation, undefined);
      });
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
});

Deno.test("runExperiment() with hierarchy none analyses without one, the same run folder", async () => {
  await withTt100kFolder(async (root) => {
    const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
    try {
      const { config: none, dataset } = await tt100kRun(root, "none");
      const result = await runExperiment(none, { out, backend, dataset });
      assert.equal(result.dir, join(out, runId(resolveConfig({ ...none, hierarchy: "auto" }))));
      const saved = await readJson(join(result.dir, RUN_FILES.config));
      assert.equal(saved.dataset.hierarchy, null);
      assert.equal(saved.dataset.hierarchySource, "none");
      assert.equal(saved.experiment.hierarchy, "none", "train --resume would lose it");
      const analysis = await readJson(join(result.dir, RUN_FILES.analysis));
      assert.equal(analysis.test.hierarchyCorrelation, undefined);
      const { records } = await readJsonLines(join(result.dir, RUN_FILES.metrics));
      assert.equal(records.at(-1)!.hierarchySpearman, null);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
});

Deno.test("runExperiment() with a hierarchy file uses its rows and warns of missing classes", async () => {
  await withTt100kFolder(async (root) => {
    const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
    const tsv = join(out, "classes.tsv");
    try {
      await Deno.writeTextFile(
        tsv,
        "class\ttop\tfamily\nw13\tmine\ta\npl50\tmine\tb\npl60\tmine\tb\nzz\tmine\tc\n",
      );
      const { config: file, dataset } = await tt100kRun(root, tsv);
      const result = await runExperiment(file, { out: join(out, "runs"), backend, dataset });
      assert.equal(result.warnings.length, 1, result.warnings.join("\n"));
      assert.match(result.warnings[0], /no row for 1 of 4 classes \("i2"\)/);
      const saved = await readJson(join(result.dir, RUN_FILES.config));
      assert.equal(saved.dataset.hierarchySource, tsv);
      assert.equal(saved.experiment.hierarchy, tsv);
      assert.deepEqual(
        saved.dataset.hierarchy.map((h: { class: string; top: string }) => [h.class, h.top]),
        [["pl50", "mine"], ["pl60", "mine"], ["w13", "mine"]],
      );
      const analysis = await readJson(join(result.dir, RUN_FILES.analysis));
      assert.ok(analysis.test.hierarchyCorrelation);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
});

Deno.test("runExperiment() with a missing hierarchy file names it and writes nothing", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
  try {
    const missing = join(out, "missing.tsv");
    await assert.rejects(
      () => runExperiment(resolveConfig({ ...config, hierarchy: missing }), { out, backend }),
      (e: unknown) => {
        assert.ok(e instanceof Deno.errors.NotFound, String(e));
        assert.equal(e.message, `Cannot read hierarchy "${missing}": file not found`);
        return true;
      },
    );
    assert.deepEqual(await listFiles(out), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("runExperiment() resumed with another hierarchy records the one its analysis used", async () => {
  await withTt100kFolder(async (root) => {
    const out = await Deno.makeTempDir({ prefix: "metriclab-run-" });
    try {
      const { config: none, dataset } = await tt100kRun(root, "none");
      const two = resolveConfig({ ...none, epochs: 2 });
      const controller = new AbortController();
      await assert.rejects(() =>
        runExperiment(two, {
          out,
          backend,
          dataset,
          signal: controller.signal,
          onRecord: () => controller.abort(),
        })
      );
      const auto = resolveConfig({ ...two, hierarchy: "auto" });
      const resumed = await runExperiment(auto, { out, backend, dataset });
      assert.equal(resumed.resumedFrom, 1);
      const saved = await readJson(join(resumed.dir, RUN_FILES.config));
      assert.equal(saved.dataset.hierarchySource, "tt100k (built-in)");
      assert.equal(saved.dataset.hierarchy.length, 4);
      assert.equal(saved.experiment.hierarchy, "auto");
      assert.equal(saved.hierarchy, "auto");
      const analysis = await readJson(join(resumed.dir, RUN_FILES.analysis));
      assert.ok(analysis.test.hierarchyCorrelation);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
});
