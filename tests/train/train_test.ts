import assert from "node:assert/strict";
import * as tf from "../../lib/tf.ts";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { generateSynthetic } from "../../lib/data/synthetic.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";
import { contrastiveLoss, tripletMarginLoss } from "../../lib/losses/mod.ts";
import { batchHardMiner } from "../../lib/miners/mod.ts";
import { createEmbeddingNet, type EmbeddingNet } from "../../lib/model/embedding_net.ts";
import { train, type TrainOptions, type TrainRecord } from "../../lib/train/train.ts";

await selectBackend("wasm");

const data = generateSynthetic({ classes: ["pl50", "pne", "p11", "pm20"], perClass: 8, size: 16 });
const all = Int32Array.from(data.labels.keys());

function makeNet(seed = 0): EmbeddingNet {
  return createEmbeddingNet({ inputShape: [16, 16, 3], dim: 4, seed });
}

/** Trains a fresh net and returns the records and the result. */
async function run(options: Partial<TrainOptions> & { netSeed?: number } = {}) {
  const net = makeNet(options.netSeed);
  const records: TrainRecord[] = [];
  try {
    const result = await train(net, data, all, {
      loss: tripletMarginLoss(),
      epochs: 2,
      batchSize: 16,
      samplesPerClass: 4,
      onRecord: (r) => records.push(r),
      ...options,
    });
    return { records, result };
  } finally {
    net.dispose();
  }
}

Deno.test("train() records one epoch record per epoch with a finite loss", async () => {
  const progress: [number, number][] = [];
  const { records, result } = await run({
    epochs: 3,
    onBatch: (done, total) => progress.push([done, total]),
  });
  assert.deepEqual(records.map((r) => [r.type, r.epoch]), [["epoch", 1], ["epoch", 2], [
    "epoch",
    3,
  ]]);
  for (const r of records) {
    assert(Number.isFinite(r.loss) && (r.loss as number) >= 0, `loss ${r.loss}`);
    assert((r.seconds as number) > 0);
    assert((r.imagesPerSecond as number) > 0);
    assert(!("minedTuplesPerBatch" in r));
  }
  // 32 samples in batches of 16: 2 batches per epoch.
  assert.deepEqual(progress, [[1, 6], [2, 6], [3, 6], [4, 6], [5, 6], [6, 6]]);
  assert.equal(result.finalLoss, records[2].loss);
  assert(result.trainSeconds > 0 && result.imagesPerSecond > 0);
});

Deno.test("train() lowers the loss over a few epochs", async () => {
  const { records } = await run({ epochs: 3 });
  assert((records[2].loss as number) < (records[0].loss as number), JSON.stringify(records));
});

Deno.test("train() gives identical losses for the same seeds", async () => {
  const a = await run({ seed: 3, netSeed: 5 });
  const b = await run({ seed: 3, netSeed: 5 });
  assert.deepEqual(a.records.map((r) => r.loss), b.records.map((r) => r.loss));
  const c = await run({ seed: 4, netSeed: 5 });
  assert.notDeepEqual(c.records.map((r) => r.loss), a.records.map((r) => r.loss));
});

Deno.test("train() changes the weights in place", async () => {
  const net = makeNet();
  const before = net.variables.map((v) => v.dataSync().slice());
  await train(net, data, all, { loss: tripletMarginLoss(), epochs: 1, batchSize: 16 });
  const after = net.variables.map((v) => v.dataSync().slice());
  assert.notDeepEqual(after[0], before[0]);
  net.dispose();
});

Deno.test("train() with a miner records minedTuplesPerBatch", async () => {
  const { records } = await run({ miner: batchHardMiner() });
  assert.equal(records.length, 2);
  for (const r of records) {
    // Batch-hard mines one triplet per anchor: 16 per batch of 16 (4 classes x 4).
    assert.equal(r.minedTuplesPerBatch, 16);
    assert(Number.isFinite(r.loss));
  }
});

Deno.test("train() merges afterEpoch's figures into the record", async () => {
  const seen: number[] = [];
  const { records } = await run({
    afterEpoch: (epoch) => {
      seen.push(epoch);
      return epoch === 2 ? { testKnnAccuracy1: 0.5 } : undefined;
    },
  });
  assert.deepEqual(seen, [1, 2]);
  assert(!("testKnnAccuracy1" in records[0]));
  assert.equal(records[1].testKnnAccuracy1, 0.5);
});

Deno.test("train() with 0 epochs records nothing and leaves the weights alone", async () => {
  const net = makeNet();
  const before = net.variables.map((v) => v.dataSync().slice());
  const records: TrainRecord[] = [];
  const result = await train(net, data, all, {
    loss: tripletMarginLoss(),
    epochs: 0,
    batchSize: 16,
    onRecord: (r) => records.push(r),
  });
  assert.deepEqual(records, []);
  assert.deepEqual(result, { trainSeconds: 0, finalLoss: 0, imagesPerSecond: 0 });
  assert.deepEqual(net.variables.map((v) => v.dataSync().slice()), before);
  net.dispose();
});

Deno.test("train() rejects an invalid learning rate or epoch count, naming the flag", async () => {
  const net = makeNet();
  for (const learningRate of [0, -1, NaN, Infinity]) {
    await assert.rejects(
      () => train(net, data, all, { loss: tripletMarginLoss(), learningRate, batchSize: 16 }),
      { name: "RangeError", message: new RegExp(`^Invalid --lr ${learningRate}:`) },
    );
  }
  for (const epochs of [-1, 1.5]) {
    await assert.rejects(
      () => train(net, data, all, { loss: tripletMarginLoss(), epochs, batchSize: 16 }),
      { name: "RangeError", message: new RegExp(`^Invalid --epochs ${epochs}:`) },
    );
  }
  await assert.rejects(
    () => train(net, data, all, { loss: tripletMarginLoss(), batchSize: 16, samplesPerClass: 5 }),
    RangeError,
  );
  net.dispose();
});

Deno.test("train() stops with a RangeError when the loss becomes infinite", async () => {
  // Unnormalised distances and a huge step: the embeddings overflow float32 at step 2.
  const net = makeNet();
  const before = tf.memory().numTensors;
  await assert.rejects(
    () =>
      train(net, data, all, {
        loss: contrastiveLoss({ distance: lpDistance({ normalize: false }) }),
        learningRate: 1e6,
        epochs: 2,
        batchSize: 16,
      }),
    { name: "RangeError", message: /^Training diverged: the loss became (Infinity|NaN) .*--lr/ },
  );
  assert.equal(tf.memory().numTensors, before, "tensors leaked on divergence");
  net.dispose();
});

Deno.test("train() leaks no tensors", async () => {
  for (const miner of [undefined, batchHardMiner()]) {
    const net = makeNet();
    const before = tf.memory().numTensors;
    await train(net, data, all, { loss: tripletMarginLoss(), miner, epochs: 2, batchSize: 16 });
    assert.equal(tf.memory().numTensors, before);
    net.dispose();
  }
});
