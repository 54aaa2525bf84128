import assert from "node:assert/strict";
import { minerConfig, resolveConfig, runId } from "../../lib/experiment/config.ts";
import type { EvaluationResult } from "../../lib/experiment/evaluate_run.ts";
import type { RunAnalysis } from "../../lib/experiment/analyze_run.ts";
import { finalRecord, resolvedConfig, runSummary } from "../../lib/experiment/run_record.ts";

const config = resolveConfig({
  data: "synthetic",
  dim: 4,
  epochs: 2,
  miner: minerConfig("semihard"),
});
const split = { train: Int32Array.from([0, 2, 3]), test: Int32Array.from([1, 4]) };
const backend = { name: "cpu", threads: 1, reason: "asked for", versions: { "tfjs-core": "4" } };
const dataset = {
  source: "synthetic",
  labels: Int32Array.from([0, 1, 0, 1, 1]),
  classNames: ["a", "b"],
  height: 8,
  width: 8,
  channels: 3,
};
const test = {
  knnAccuracy: { "1": 0.5, "5": 0.75 },
  precisionAt1: 0.5,
  meanAveragePrecisionAtR: 0.25,
  nmi: 0.1,
} as unknown as EvaluationResult["test"];

Deno.test("resolvedConfig() records the config, its components, backend and dataset in order", () => {
  const before = JSON.stringify(config);
  const resolved = resolvedConfig({
    id: runId(config),
    config,
    components: {
      loss: { name: "triplet-margin", margin: 0.1 },
      miner: { name: "semihard" },
      model: { name: "embedding-net", dim: 4 },
    },
    backend,
    dataset,
    split,
    hierarchy: { hierarchy: null, hierarchySource: null },
    evalEvery: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  assert.equal(JSON.stringify(config), before, "the config is not mutated");
  const keys = Object.keys(resolved);
  assert.equal(keys[0], "id");
  assert.deepEqual(keys.slice(-7), [
    "model",
    "backend",
    "versions",
    "dataset",
    "experiment",
    "evalEvery",
    "createdAt",
  ]);
  assert.equal(keys.indexOf("loss"), Object.keys(config).indexOf("loss") + 1);
  assert.deepEqual(resolved.loss, { name: "triplet-margin", margin: 0.1 });
  assert.deepEqual(resolved.backend, { name: "cpu", threads: 1, reason: "asked for" });
  assert.deepEqual(resolved.versions, backend.versions);
  assert.deepEqual(resolved.dataset, {
    source: "synthetic",
    numSamples: 5,
    numClasses: 2,
    classNames: ["a", "b"],
    imageShape: [8, 8, 3],
    split: "stratified",
    numTrain: 3,
    numTest: 2,
    hierarchy: null,
    hierarchySource: null,
  });
  assert.equal(resolved.experiment, config);
  assert.equal(resolved.createdAt, "2026-01-01T00:00:00.000Z");
  const predefined = resolvedConfig({
    id: "x",
    config,
    components: { loss: { name: "l" }, miner: { name: "none" }, model: { name: "m" } },
    backend,
    dataset: { ...dataset, predefinedSplit: split },
    split,
    hierarchy: { hierarchy: null, hierarchySource: "none" },
    evalEvery: 0,
    createdAt: "t",
  });
  assert.equal(predefined.dataset.split, "predefined");
  assert.equal(predefined.dataset.hierarchySource, "none");
});

Deno.test("finalRecord() names each k and takes the analysis's figures or null", () => {
  const analysis = { test: { silhouette: { overall: 0.3 } } } as unknown as RunAnalysis;
  assert.deepEqual(finalRecord(test, analysis, 2), {
    type: "final",
    testKnnAccuracy1: 0.5,
    testKnnAccuracy5: 0.75,
    precisionAt1: 0.5,
    meanAveragePrecisionAtR: 0.25,
    nmi: 0.1,
    testSilhouette: 0.3,
    hierarchySpearman: null,
    evalSeconds: 2,
  });
});

Deno.test("runSummary() gives summary.json's fields in order, the miner by its label", () => {
  const summary = runSummary({
    id: "run",
    config,
    miner: { name: "semihard" },
    numClasses: 2,
    split,
    backend,
    result: { trainSeconds: 3, finalLoss: 0.2, imagesPerSecond: 10 },
    evalSeconds: 1,
    test,
    collapse: { collapsed: false },
    finishedAt: "2026-01-01T00:00:01.000Z",
  });
  assert.deepEqual(Object.entries(summary), [
    ["id", "run"],
    ["data", "synthetic"],
    ["loss", config.loss.name],
    ["miner", "semihard"],
    ["dim", 4],
    ["seed", 0],
    ["epochs", 2],
    ["ks", config.ks],
    ["numClasses", 2],
    ["numTrain", 3],
    ["numTest", 2],
    ["backend", "cpu"],
    ["threads", 1],
    ["trainSeconds", 3],
    ["trainImagesPerSecond", 10],
    ["evalSeconds", 1],
    ["finalLoss", 0.2],
    ["test", test],
    ["collapsed", false],
    ["finishedAt", "2026-01-01T00:00:01.000Z"],
  ]);
});

Deno.test("runSummary() names a cross-batch memory after the miner, and only when there is one", () => {
  const input = {
    id: "run",
    config: { ...config, xbm: 128, xbmWarmup: 1 },
    miner: { name: "none" },
    numClasses: 2,
    split,
    backend,
    result: { trainSeconds: 3, finalLoss: 0.2, imagesPerSecond: 10 },
    evalSeconds: 1,
    test,
    collapse: { collapsed: false },
    finishedAt: "2026-01-01T00:00:01.000Z",
  };
  const keys = Object.keys(runSummary(input));
  assert.deepEqual(keys.slice(3, 6), ["miner", "xbm", "xbmWarmup"]);
  assert.equal(runSummary(input).xbm, 128);
  assert.ok(!("xbm" in runSummary({ ...input, config })));
});
