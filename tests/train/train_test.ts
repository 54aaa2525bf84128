import assert from "node:assert/strict";
import * as tf from "../../lib/tf.ts";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { generateSynthetic } from "../../lib/data/synthetic.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";
import {
  contrastiveLoss,
  crossBatchMemory,
  proxyAnchorLoss,
  tripletMarginLoss,
} from "../../lib/losses/mod.ts";
import { batchHardMiner, distanceWeightedMiner } from "../../lib/miners/mod.ts";
import { createEmbeddingNet, type EmbeddingNet } from "../../lib/model/embedding_net.ts";
import {
  train,
  type TrainOptions,
  type TrainRecord,
  type TrainState,
} from "../../lib/train/train.ts";

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

Deno.test("train() waits for an async afterEpoch and records what it resolves to", async () => {
  const { records } = await run({
    afterEpoch: async (epoch) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { testKnnAccuracy1: epoch / 10 };
    },
  });
  assert.deepEqual(records.map((r) => r.testKnnAccuracy1), [0.1, 0.2]);
});

Deno.test("train() with minerReads async mines the same tuples and ends at the same weights as sync", async () => {
  const final = async (minerReads: "sync" | "async") => {
    const net = makeNet(3);
    const records: TrainRecord[] = [];
    try {
      await train(net, data, all, {
        loss: tripletMarginLoss(),
        miner: distanceWeightedMiner({ seed: 5 }),
        minerReads,
        epochs: 2,
        batchSize: 16,
        onRecord: (r) => records.push(r),
      });
      const weights = await Promise.all(net.variables.map((v) => v.data()));
      return {
        records: records.map(({ loss, minedTuplesPerBatch }) => ({ loss, minedTuplesPerBatch })),
        weights,
      };
    } finally {
      net.dispose();
    }
  };
  const sync = await final("sync");
  assert.deepEqual(await final("async"), sync);
  assert(sync.records.every((r) => (r.minedTuplesPerBatch as number) > 0));
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
      { name: "RangeError", message: new RegExp(`^Invalid learningRate ${learningRate}:`) },
    );
  }
  for (const epochs of [-1, 1.5]) {
    await assert.rejects(
      () => train(net, data, all, { loss: tripletMarginLoss(), epochs, batchSize: 16 }),
      { name: "RangeError", message: new RegExp(`^Invalid epochs ${epochs}:`) },
    );
  }
  await assert.rejects(
    () => train(net, data, all, { loss: tripletMarginLoss(), batchSize: 16, samplesPerClass: 5 }),
    RangeError,
  );
  await assert.rejects(
    () =>
      train(net, data, all, {
        loss: tripletMarginLoss(),
        batchSize: 16,
        minerReads: "later" as "sync",
      }),
    { name: "RangeError", message: /^Invalid minerReads "later": must be "sync" or "async"/ },
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
  for (
    const [miner, minerReads] of [
      [undefined, undefined],
      [batchHardMiner(), "sync"],
      [batchHardMiner(), "async"],
    ] as const
  ) {
    const net = makeNet();
    const before = tf.memory().numTensors;
    await train(net, data, all, {
      loss: tripletMarginLoss(),
      miner,
      minerReads,
      epochs: 2,
      batchSize: 16,
    });
    assert.equal(tf.memory().numTensors, before);
    net.dispose();
  }
});

/** Trains with a fresh net and ProxyAnchor loss (learned proxies), collecting everything. */
async function runFull(epochs: number, extra: Partial<TrainOptions> = {}) {
  const net = makeNet(1);
  const loss = proxyAnchorLoss({ numClasses: 4, embeddingSize: 4, seed: 2 });
  const records: TrainRecord[] = [];
  const states: TrainState[] = [];
  try {
    const result = await train(net, data, all, {
      loss,
      epochs,
      batchSize: 16,
      augment: true,
      onRecord: (r) => records.push(r),
      onCheckpoint: (s) => void states.push(s),
      ...extra,
    });
    const weights = net.variables.map((v) => v.dataSync().slice());
    const proxies = loss.trainableVariables!().map((v) => v.dataSync().slice());
    return { result, records, states, weights, proxies };
  } finally {
    net.dispose();
    tf.dispose(loss.trainableVariables!());
  }
}

Deno.test("train() resumed from a checkpoint ends exactly where an uninterrupted run ends", async () => {
  const full = await runFull(3);
  const first = await runFull(1);
  const rest = await runFull(3, { resumeFrom: first.states[0] });
  assert.deepEqual(full.records.map((r) => r.loss), [
    ...first.records.map((r) => r.loss),
    ...rest.records.map((r) => r.loss),
  ]);
  assert.deepEqual(rest.records.map((r) => r.epoch), [2, 3]);
  // Bit for bit: network weights, the loss's proxies, Adam's state, the final loss.
  assert.deepEqual(rest.weights, full.weights);
  assert.deepEqual(rest.proxies, full.proxies);
  assert.deepEqual(rest.states.at(-1)!.optimizer, full.states.at(-1)!.optimizer);
  assert.equal(rest.result.finalLoss, full.result.finalLoss);
  assert.equal(rest.states.at(-1)!.step, full.states.at(-1)!.step);
});

Deno.test("train() resumed with a random miner draws what an uninterrupted run draws", async () => {
  // A fresh miner each time, as a resumed process would build; its state comes from the checkpoint.
  const miner = () => distanceWeightedMiner({ seed: 5, cutoff: 0.5 });
  const full = await runFull(3, { miner: miner(), loss: tripletMarginLoss() });
  const first = await runFull(1, { miner: miner(), loss: tripletMarginLoss() });
  assert.equal(typeof first.states[0].minerRandomState, "number");
  const rest = await runFull(3, {
    miner: miner(),
    loss: tripletMarginLoss(),
    resumeFrom: first.states[0],
  });
  assert.deepEqual(
    full.records.map((r) => [r.loss, r.minedTuplesPerBatch]),
    [...first.records, ...rest.records].map((r) => [r.loss, r.minedTuplesPerBatch]),
  );
  assert.deepEqual(rest.weights, full.weights);
});

Deno.test("train() uses a cross-batch memory after warm-up and resumes with its queue to the same weights", async () => {
  // Fresh components each time, as a resumed process would build them.
  const options = (): Partial<TrainOptions> => ({
    loss: contrastiveLoss(),
    miner: batchHardMiner(),
    memory: {
      xbm: crossBatchMemory(contrastiveLoss(), {
        memorySize: 32,
        embeddingSize: 4,
        miner: batchHardMiner(),
      }),
      fromEpoch: 2,
    },
  });
  const full = await runFull(3, options());
  assert.deepEqual(full.records.map((r) => r.memory), [false, true, true]);
  const first = await runFull(2, options());
  const queue = first.states[1].memory!;
  assert.equal(queue.labels.length, 32);
  assert.ok(queue.hasBeenFilled, "two epochs of 32 images fill 32 slots");
  const rest = await runFull(3, { ...options(), resumeFrom: first.states[1] });
  assert.deepEqual(
    full.records.map((r) => [r.loss, r.minedTuplesPerBatch]),
    [...first.records, ...rest.records].map((r) => [r.loss, r.minedTuplesPerBatch]),
  );
  assert.deepEqual(rest.weights, full.weights);
  // A checkpoint past the warm-up without the queue cannot be resumed.
  const { memory: _, ...noQueue } = first.states[1];
  await assert.rejects(
    () => runFull(3, { ...options(), resumeFrom: noQueue }),
    /checkpoint has no cross-batch memory/,
  );
});

Deno.test("train() checkpoints every checkpointEvery epochs, after the epoch's record", async () => {
  const order: string[] = [];
  const { states } = await runFull(5, {
    checkpointEvery: 2,
    onRecord: (r) => order.push(`record ${r.epoch}`),
    onCheckpoint: async (s) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      order.push(`checkpoint ${s.epoch}`);
    },
  });
  assert.deepEqual(states, []);
  assert.deepEqual(order, [
    "record 1",
    "record 2",
    "checkpoint 2",
    "record 3",
    "record 4",
    "checkpoint 4",
    "record 5",
    "checkpoint 5",
  ]);
  const { states: every } = await runFull(2);
  assert.deepEqual(every.map((s) => [s.epoch, s.step]), [[1, 2], [2, 4]]);
  const [s] = every;
  assert.equal(s.optimizer.iterations, 2);
  assert.equal(s.optimizer.firstMoments.length, s.weights.length + s.lossWeights.length);
  await assert.rejects(() => runFull(1, { checkpointEvery: 0 }), RangeError);
});

Deno.test("train() stops at a batch boundary when its signal aborts, leaking no tensors", async () => {
  const controller = new AbortController();
  const before = tf.memory().numTensors;
  const progress: number[] = [];
  await assert.rejects(
    () =>
      run({
        epochs: 3,
        signal: controller.signal,
        onBatch: (done) => progress.push(done),
        onRecord: (r) => r.epoch === 1 && controller.abort(),
      }),
    { name: "AbortError" },
  );
  assert.deepEqual(progress, [1, 2], "trained past the abort");
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("train() rejects a checkpoint that does not fit the network or the schedule", async () => {
  const { states } = await runFull(1);
  const state = states[0];
  const net = makeNet();
  const loss = proxyAnchorLoss({ numClasses: 4, embeddingSize: 4, seed: 2 });
  try {
    const options = { loss, epochs: 2, batchSize: 16 };
    await assert.rejects(
      () => train(net, data, all, { ...options, resumeFrom: { ...state, weights: [] } }),
      { name: "RangeError", message: /^Cannot resume training from the checkpoint: .*network/ },
    );
    await assert.rejects(
      () => train(net, data, all, { ...options, epochs: 0, resumeFrom: state }),
      { name: "RangeError", message: /at epoch 1 of 0/ },
    );
    await assert.rejects(
      () => train(net, data, all, { ...options, loss: tripletMarginLoss(), resumeFrom: state }),
      { name: "RangeError", message: /loss weights/ },
    );
  } finally {
    net.dispose();
    tf.dispose(loss.trainableVariables!());
  }
});

Deno.test("train() resumed at its last epoch trains no more and keeps the final loss", async () => {
  const full = await runFull(2);
  const again = await runFull(2, { resumeFrom: full.states[1] });
  assert.deepEqual(again.records, []);
  assert.equal(again.result.finalLoss, full.result.finalLoss);
  assert.deepEqual(again.weights, full.weights);
});
