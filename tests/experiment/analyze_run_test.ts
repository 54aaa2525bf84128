import assert from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { generateSynthetic, SYNTHETIC_HIERARCHY } from "../../lib/data/synthetic.ts";
import { stratifiedSplit } from "../../lib/data/split.ts";
import { analyzeEmbeddings, analyzeRunFolder } from "../../lib/experiment/analyze_run.ts";
import type { SplitEmbeddings } from "../../lib/experiment/evaluate_run.ts";
import { tripletMarginLoss } from "../../lib/losses/mod.ts";
import { tripletMarginMiner } from "../../lib/miners/mod.ts";
import { embedDataset } from "../../lib/model/embed.ts";
import { createEmbeddingNet, type EmbeddingNet } from "../../lib/model/embedding_net.ts";
import { RUN_FILES } from "../../lib/run/run_folder.ts";
import { train } from "../../lib/train/train.ts";

await selectBackend("wasm");

Deno.test("analyzeEmbeddings(): a trained embedding follows the synthetic class tree, an untrained one much less", async () => {
  // All 37 synthetic classes, tiny images: the hierarchy is known exactly.
  const data = generateSynthetic({
    perClass: 8,
    size: 16,
    classes: SYNTHETIC_HIERARCHY.map((c) => c.class),
  });
  const split = stratifiedSplit(data.labels, { seed: 0 });
  const net = createEmbeddingNet({ inputShape: [16, 16, 3], dim: 8, seed: 0 });
  const spearmanOf = async (n: EmbeddingNet) => {
    const e: SplitEmbeddings = {
      dim: 8,
      train: await embedDataset(n, data, split.train),
      trainLabels: Int32Array.from(split.train, (i) => data.labels[i]),
      test: await embedDataset(n, data, split.test),
      testLabels: Int32Array.from(split.test, (i) => data.labels[i]),
      classNames: data.classNames,
    };
    const a = analyzeEmbeddings(e, { hierarchy: data.hierarchy, permutations: 99 });
    return a.test.hierarchyCorrelation!.spearman!;
  };
  try {
    const untrained = await spearmanOf(net);
    await train(net, data, split.train, {
      loss: tripletMarginLoss({ margin: 0.1 }),
      miner: tripletMarginMiner({ type: "semihard" }),
      epochs: 6,
      batchSize: 32,
      samplesPerClass: 4,
      seed: 0,
    });
    const trained = await spearmanOf(net);
    assert.ok(trained > 0.5, `trained Spearman ${trained}`);
    assert.ok(trained > untrained + 0.2, `trained ${trained} vs untrained ${untrained}`);
  } finally {
    net.dispose();
  }
});

Deno.test("analyzeRunFolder() writes analysis.json from a run's saved embeddings", async () => {
  const fixture =
    new URL("../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture/", import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ prefix: "metriclab-analysis-" });
  try {
    for (
      const name of [
        RUN_FILES.config,
        RUN_FILES.evaluation,
        RUN_FILES.embeddingsMeta,
        RUN_FILES.trainEmbeddings,
        RUN_FILES.testEmbeddings,
      ]
    ) {
      await Deno.mkdir(join(dir, name, ".."), { recursive: true });
      await Deno.copyFile(join(fixture, name), join(dir, name));
    }
    const analysis = await analyzeRunFolder(dir);
    const written = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.analysis)));
    assert.deepEqual(written, JSON.parse(JSON.stringify(analysis)));
    assert.ok(analysis.train.silhouette !== null);
    assert.ok(analysis.points.train > 0 && analysis.points.test > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
