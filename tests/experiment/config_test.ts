import assert from "node:assert/strict";
import {
  DEFAULT_CONFIG,
  type ExperimentConfig,
  LOSS_CHOICES,
  lossConfig,
  MINER_CHOICES,
  minerConfig,
  resolveConfig,
  runId,
} from "../../lib/experiment/config.ts";
import { OptionError } from "../../lib/_errors.ts";
import { flagName } from "../../tasks/_cli.ts";

/** Asserts that `fn` throws a RangeError whose message names `--flag` and `value`. */
/** The error names the option and the value; the tasks show it with the flag. */
function assertRejects(fn: () => unknown, flag: string, value: string): void {
  assert.throws(fn, (e: unknown) => {
    assert(e instanceof OptionError, `expected an OptionError, got ${e}`);
    assert.match(e.message, new RegExp(`^Invalid ${e.option} `), e.message);
    assert.match(e.as(flagName), new RegExp(`--${flag}\\b`), e.message);
    assert(e.message.includes(value), `"${e.message}" does not name the value ${value}`);
    return true;
  });
}

Deno.test("resolveConfig() fills every default but data", () => {
  const c = resolveConfig({ data: "synthetic" });
  assert.deepEqual(c, { ...DEFAULT_CONFIG, data: "synthetic" });
  assert.equal(c.dim, 32);
  assert.equal(c.epochs, 10);
  assert.equal(c.testFraction, 0.2);
  assert.equal(c.learningRate, 1e-3);
  assert.deepEqual(c.ks, [1, 5]);
  assert.deepEqual(c.loss, { name: "triplet" });
  assert.deepEqual(c.miner, { name: "none" });
});

Deno.test("resolveConfig() keeps given values and does not mutate its input", () => {
  const partial = { data: "x", dim: 8, epochs: 0, seed: -3, ks: [1, 3], imageSize: 8 };
  const copy = structuredClone(partial);
  const c = resolveConfig(partial);
  assert.deepEqual(partial, copy);
  assert.equal(c.dim, 8);
  assert.equal(c.epochs, 0);
  assert.equal(c.seed, -3);
  assert.deepEqual(c.ks, [1, 3]);
  assert.equal(c.imageSize, 8);
  assert.equal(c.batchSize, DEFAULT_CONFIG.batchSize);
});

Deno.test("resolveConfig() rejects each invalid value, naming the flag and the value", () => {
  const base = { data: "synthetic" };
  assertRejects(() => resolveConfig({ ...base, data: "" }), "data", '""');
  assertRejects(() => resolveConfig({ ...base, dim: 0 }), "dim", "0");
  assertRejects(() => resolveConfig({ ...base, dim: 2.5 }), "dim", "2.5");
  assertRejects(() => resolveConfig({ ...base, epochs: -1 }), "epochs", "-1");
  assertRejects(() => resolveConfig({ ...base, seed: 0.5 }), "seed", "0.5");
  assertRejects(() => resolveConfig({ ...base, testFraction: 1.5 }), "test-fraction", "1.5");
  assertRejects(() => resolveConfig({ ...base, testFraction: 0 }), "test-fraction", "0");
  assertRejects(() => resolveConfig({ ...base, learningRate: 0 }), "lr", "0");
  assertRejects(() => resolveConfig({ ...base, learningRate: -1e-3 }), "lr", "-0.001");
  assertRejects(() => resolveConfig({ ...base, ks: [0] }), "k", "0");
  assertRejects(() => resolveConfig({ ...base, ks: [] }), "k", "[]");
  assertRejects(() => resolveConfig({ ...base, batchSize: 1 }), "batch-size", "1");
  assertRejects(() => resolveConfig({ ...base, samplesPerClass: 5 }), "m", "5");
  assertRejects(() => resolveConfig({ ...base, samplesPerClass: 0 }), "m", "0");
  // m divides the batch but only once: a batch needs at least two classes.
  assertRejects(
    () => resolveConfig({ ...base, batchSize: 8, samplesPerClass: 8 }),
    "m",
    "8",
  );
  assertRejects(() => resolveConfig({ ...base, minPerClass: 0 }), "min-per-class", "0");
  assertRejects(() => resolveConfig({ ...base, syntheticPerClass: 1 }), "per-class", "1");
  assertRejects(() => resolveConfig({ ...base, imageSize: 4 }), "image-size", "4");
  assertRejects(() => resolveConfig({ ...base, limit: -1 }), "limit", "-1");
  assertRejects(
    () => resolveConfig({ ...base, architecture: "resnet" as ExperimentConfig["architecture"] }),
    "architecture",
    "resnet",
  );
});

Deno.test("resolveConfig() names the --m rule with the batch size", () => {
  assert.throws(
    () => resolveConfig({ data: "synthetic", batchSize: 64, samplesPerClass: 5 }),
    (e: unknown) =>
      e instanceof OptionError && /^Invalid samplesPerClass 5\b.*batchSize 64/.test(e.message) &&
      /^Invalid --m 5\b.*--batch-size 64/.test(e.as(flagName)),
  );
});

Deno.test("resolveConfig() accepts the boundary values", () => {
  const c = resolveConfig({
    data: "synthetic",
    dim: 1,
    epochs: 0,
    imageSize: 8,
    limit: 0,
    batchSize: 2,
    samplesPerClass: 1,
    syntheticPerClass: 2,
    testFraction: 0.01,
  });
  assert.equal(c.batchSize, 2);
  assert.equal(resolveConfig({ data: "synthetic", imageSize: 0 }).imageSize, 0);
});

Deno.test({
  name: "resolveConfig() names a NaN learning rate as NaN",
  fn() {
    assertRejects(() => resolveConfig({ data: "synthetic", learningRate: NaN }), "lr", "NaN");
    assertRejects(
      () => resolveConfig({ data: "synthetic", learningRate: Infinity }),
      "lr",
      "Infinity",
    );
  },
});

Deno.test("resolveConfig() rejects a NaN learning rate with a RangeError naming --lr", () => {
  assert.throws(
    () => resolveConfig({ data: "synthetic", learningRate: NaN }),
    { name: "RangeError", message: /^Invalid learningRate / },
  );
});

Deno.test("lossConfig() keeps params and drops undefined ones", () => {
  assert.deepEqual(lossConfig("triplet", { margin: 0.1 }), { name: "triplet", margin: 0.1 });
  assert.deepEqual(lossConfig("contrastive", { posMargin: undefined, negMargin: 0.5 }), {
    name: "contrastive",
    negMargin: 0.5,
  });
  for (const name of LOSS_CHOICES) assert.equal(lossConfig(name).name, name);
});

Deno.test("lossConfig() rejects an unknown name, suggesting the closest", () => {
  assert.throws(() => lossConfig("triplett"), {
    name: "RangeError",
    message: /Unknown loss "triplett": did you mean "triplet"\?/,
  });
  assert.throws(() => lossConfig("ntxent"), { message: /did you mean "nt-xent"/ });
});

Deno.test("minerConfig() turns semihard into a triplet-margin miner with margin 0.2", () => {
  assert.deepEqual(minerConfig("semihard"), {
    name: "triplet-margin",
    type: "semihard",
    margin: 0.2,
  });
  for (const type of ["hard", "easy", "all"]) {
    assert.deepEqual(minerConfig(type), { name: "triplet-margin", type, margin: 0.2 });
  }
  assert.equal(minerConfig("semihard", { margin: 0.1 }).margin, 0.1);
  assert.deepEqual(minerConfig("none"), { name: "none" });
  assert.deepEqual(minerConfig("pair-margin", { posMargin: 0.1, negMargin: undefined }), {
    name: "pair-margin",
    posMargin: 0.1,
  });
  for (const name of MINER_CHOICES) assert.ok(minerConfig(name).name);
});

Deno.test("minerConfig() rejects an unknown name, suggesting the closest", () => {
  assert.throws(() => minerConfig("semihardd"), {
    name: "RangeError",
    message: /Unknown miner "semihardd": did you mean "semihard"\?/,
  });
  assert.throws(() => minerConfig("batchhard"), { message: /did you mean "batch-hard"/ });
});

Deno.test({
  name: "minerConfig() keeps the default margin when the margin param is undefined",
  fn() {
    assert.equal(minerConfig("semihard", { margin: undefined }).margin, 0.2);
    const viaCli = resolveConfig({
      data: "synthetic",
      miner: minerConfig("semihard", { margin: undefined }),
    });
    const viaSweep = resolveConfig({ data: "synthetic", miner: minerConfig("semihard", {}) });
    assert.equal(runId(viaCli), runId(viaSweep));
  },
});

Deno.test("runId() is readable and deterministic", () => {
  const c = resolveConfig({ data: "synthetic", miner: minerConfig("semihard"), dim: 16, seed: 2 });
  const id = runId(c);
  assert.match(id, /^synthetic-triplet-semihard-d16-s2-[0-9a-f]{8}$/);
  assert.equal(runId(structuredClone(c)), id);
  assert.equal(runId({ ...c }), id);
  // Key order does not matter.
  const reordered = Object.fromEntries(Object.entries(c).reverse()) as unknown as ExperimentConfig;
  assert.equal(runId(reordered), id);
});

Deno.test("runId() changes with the seed, the loss margin and any other field", () => {
  const c = resolveConfig({ data: "synthetic", loss: lossConfig("triplet", { margin: 0.1 }) });
  const id = runId(c);
  assert.notEqual(runId({ ...c, seed: 1 }), id);
  assert.notEqual(runId({ ...c, loss: lossConfig("triplet", { margin: 0.2 }) }), id);
  assert.notEqual(runId({ ...c, learningRate: 2e-3 }), id);
  assert.notEqual(runId({ ...c, epochs: 11 }), id);
  // Only the hash tells these apart: the readable part is the same.
  assert.equal(runId({ ...c, epochs: 11 }).slice(0, -8), id.slice(0, -8));
});

Deno.test("runId() uses the last path segment of the data, made file-name safe", () => {
  const c = resolveConfig({ data: "/some/where/my data/" });
  assert.match(runId(c), /^my_data-triplet-none-d32-s0-[0-9a-f]{8}$/);
  const batchHard = resolveConfig({ data: "x", miner: minerConfig("batch-hard") });
  assert.match(runId(batchHard), /^x-triplet-batch-hard-/);
});

Deno.test("runId() leaves the hierarchy out: ids made before it existed are unchanged", () => {
  // Computed before ExperimentConfig had a hierarchy field.
  const plain = resolveConfig({ data: "synthetic" });
  assert.equal(runId(plain), "synthetic-triplet-none-d32-s0-fafd73b0");
  const tt100k = resolveConfig({
    data: "data/tt100k",
    loss: lossConfig("contrastive"),
    miner: minerConfig("semihard"),
    dim: 16,
    seed: 2,
    epochs: 3,
  });
  assert.equal(runId(tt100k), "tt100k-contrastive-semihard-d16-s2-08576092");
  const { hierarchy: _, ...without } = plain;
  for (const hierarchy of ["auto", "none", "/some/classes.tsv", undefined]) {
    assert.equal(runId({ ...plain, hierarchy }), runId(plain), String(hierarchy));
  }
  assert.equal(runId(without as ExperimentConfig), runId(plain));
  // An old config.json's experiment (no hierarchy key) resolves to the same id.
  assert.equal(runId(resolveConfig(without as ExperimentConfig)), runId(plain));
});

Deno.test("resolveConfig() defaults the hierarchy to auto, keeps a given one, rejects an empty one", () => {
  assert.equal(resolveConfig({ data: "synthetic" }).hierarchy, "auto");
  assert.equal(resolveConfig({ data: "synthetic", hierarchy: undefined }).hierarchy, "auto");
  assert.equal(resolveConfig({ data: "synthetic", hierarchy: "none" }).hierarchy, "none");
  assert.equal(resolveConfig({ data: "synthetic", hierarchy: "c.tsv" }).hierarchy, "c.tsv");
  assertRejects(() => resolveConfig({ data: "synthetic", hierarchy: "" }), "hierarchy", '""');
  assertRejects(
    () => resolveConfig({ data: "synthetic", hierarchy: 3 as unknown as string }),
    "hierarchy",
    "3",
  );
});

Deno.test("lossConfig() and minerConfig() reject options the component does not have", () => {
  assert.throws(
    () => lossConfig("contrastive", { margin: 0.1 }),
    (e: unknown) =>
      e instanceof RangeError && /Unknown option "margin" for loss "contrastive"/.test(e.message),
  );
  assert.throws(() => minerConfig("batch-hard", { epsilon: 0.1 }), RangeError);
  assert.equal(lossConfig("multi-similarity", { alpha: 3 }).alpha, 3);
  assert.deepEqual(minerConfig("semihard", { distance: { name: "cosine" } }).distance, {
    name: "cosine",
  });
});

Deno.test("resolveConfig() checks the cross-batch memory, and runId() names it only when there is one", () => {
  const base = { data: "synthetic" };
  const plain = resolveConfig(base);
  assert.ok(!("xbm" in plain) && !("xbmWarmup" in plain));
  // A config without a memory keeps the id it had before the field existed.
  assert.equal(runId(resolveConfig({ ...base, xbm: 0 })), runId(plain));
  const withMemory = resolveConfig({ ...base, xbm: 512, xbmWarmup: 2 });
  assert.equal(withMemory.xbm, 512);
  assert.match(runId(withMemory), /^synthetic-triplet-none-xbm512-d32-s0-[0-9a-f]{8}$/);
  assert.notEqual(runId(withMemory), runId(resolveConfig({ ...base, xbm: 512 })));
  assert.equal(resolveConfig({ ...base, xbm: 64 }).xbmWarmup, 0);
  assertRejects(() => resolveConfig({ ...base, xbm: -1 }), "xbm", "-1");
  assertRejects(() => resolveConfig({ ...base, xbm: 2.5 }), "xbm", "2.5");
  // Smaller than a batch: the batch would overwrite itself.
  assertRejects(() => resolveConfig({ ...base, xbm: 32 }), "xbm", "32");
  assertRejects(() => resolveConfig({ ...base, xbm: 64, xbmWarmup: 10 }), "xbm-warmup", "10");
  assertRejects(() => resolveConfig({ ...base, xbmWarmup: 1 }), "xbm-warmup", "1");
});
