import assert from "node:assert/strict";
import { fromCheckpoint, toCheckpoint } from "../../lib/run/checkpoint_state.ts";
import { readRunCheckpoint, writeRunCheckpoint } from "../../lib/run/run_folder.ts";

const f = (...v: number[]) => Float32Array.from(v);
const state = {
  epoch: 2,
  step: 8,
  trainSeconds: 1.5,
  images: 128,
  finalLoss: 0.25,
  minerRandomState: 7,
  weights: [f(1, 2, 3, 4), f(5)],
  lossWeights: [f(6, 7)],
  optimizer: {
    iterations: 8,
    beta1Power: 0.4,
    beta2Power: 0.99,
    firstMoments: [f(0.1, 0.2, 0.3, 0.4), f(0.5), f(0.6, 0.7)],
    secondMoments: [f(1, 1, 1, 1), f(2), f(3, 3)],
  },
};
const layout = {
  weightNames: ["dense/kernel", "dense/bias"],
  netShapes: [[2, 2], [1]],
  lossShapes: [[1, 2]],
};
const records = [{ type: "epoch", epoch: 2, loss: 0.25 }];

Deno.test("toCheckpoint() names and shapes each array, fromCheckpoint() reads the state back", async () => {
  const checkpoint = toCheckpoint(state, layout, records);
  assert.deepEqual(
    checkpoint.arrays.map((a) => [a.name, a.shape]),
    [
      ["net/dense/kernel", [2, 2]],
      ["net/dense/bias", [1]],
      ["loss/0", [1, 2]],
      ["adam/m/0", [2, 2]],
      ["adam/m/1", [1]],
      ["adam/m/2", [1, 2]],
      ["adam/v/0", [2, 2]],
      ["adam/v/1", [1]],
      ["adam/v/2", [1, 2]],
    ],
  );
  const dir = await Deno.makeTempDir({ prefix: "metriclab-checkpoint-state-" });
  try {
    await writeRunCheckpoint(dir, checkpoint);
    const back = fromCheckpoint((await readRunCheckpoint(dir))!, dir);
    assert.deepEqual(back, { state, records });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("toCheckpoint() leaves out an undefined miner state", () => {
  const { minerRandomState: _, ...without } = state;
  const checkpoint = toCheckpoint(without, layout, []);
  assert.equal("minerRandomState" in checkpoint.state, false);
  assert.equal("minerRandomState" in fromCheckpoint(checkpoint, "run").state, false);
});

Deno.test("fromCheckpoint() refuses a state without counters or records", () => {
  const checkpoint = toCheckpoint(state, layout, records);
  const { records: _, ...noRecords } = checkpoint.state;
  assert.throws(
    () => fromCheckpoint({ ...checkpoint, state: noRecords }, "runs/x"),
    {
      name: "SyntaxError",
      message: 'Cannot read checkpoint "runs/x": its state lacks counters or records',
    },
  );
});

Deno.test("a cross-batch memory's queue goes through a checkpoint file and back", async () => {
  const memory = {
    embeddings: f(0.5, -1, 2, 0, 0, 0),
    labels: Int32Array.from([3, 7, 0]),
    queueIdx: 2,
    hasBeenFilled: false,
  };
  const checkpoint = toCheckpoint({ ...state, memory }, layout, records);
  assert.deepEqual(
    checkpoint.arrays.slice(-2).map((a) => [a.name, a.shape]),
    [["xbm/embeddings", [3, 2]], ["xbm/labels", [3]]],
  );
  const dir = await Deno.makeTempDir({ prefix: "metriclab-checkpoint-memory-" });
  try {
    await writeRunCheckpoint(dir, checkpoint);
    const back = fromCheckpoint((await readRunCheckpoint(dir))!, dir).state;
    assert.deepEqual(back.memory, memory);
    // A state without a memory reads back without one.
    assert.equal(fromCheckpoint(toCheckpoint(state, layout, records), dir).state.memory, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
