/** Shared helpers of the distance, reducer, miner and loss tests (cpu backend, tiny data). */
import * as tf from "../../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { createRng } from "../../lib/random.ts";
import type { EmbeddingMatrix, IndicesTuple, MetricLoss } from "../../lib/types.ts";

await tf.setBackend("cpu");

export { tf };

/** A seeded batch: `perClass` samples of each of `classes` Gaussian clusters in `dim` dims. */
export function randomBatch(
  seed: number,
  classes: number,
  perClass: number,
  dim: number,
  spread = 0.5,
): { rows: number[][]; labels: Int32Array; matrix: EmbeddingMatrix } {
  const rng = createRng(seed);
  const means = Array.from(
    { length: classes },
    () => Array.from({ length: dim }, () => rng.normal()),
  );
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let k = 0; k < perClass; k++) {
      rows.push(means[c].map((m) => m + spread * rng.normal()));
      labels.push(c);
    }
  }
  // interleave so that labels are not sorted
  const order = rng.shuffle(Array.from(rows.keys()));
  const r = order.map((i) => rows[i]);
  const l = Int32Array.from(order, (i) => labels[i]);
  return { rows: r, labels: l, matrix: { data: Float64Array.from(r.flat()), rows: r.length, dim } };
}

/** Plain float64 helpers for brute-force references. */
export const plain = {
  normalize: (v: number[]) => {
    const n = Math.max(Math.hypot(...v), 1e-12);
    return v.map((x) => x / n);
  },
  dist: (a: number[], b: number[]) => Math.hypot(...a.map((x, i) => x - b[i])),
  dot: (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0),
};

/** The loss value as a number (tensors disposed). */
export function lossValue(
  loss: MetricLoss,
  rows: number[][],
  labels: Int32Array,
  indices?: IndicesTuple,
): number {
  return tf.tidy(() => loss.compute(tf.tensor2d(rows), labels, indices).dataSync()[0]);
}

/** The gradient of the loss with respect to the embeddings, flattened. */
export function lossGrad(
  loss: MetricLoss,
  rows: number[][],
  labels: Int32Array,
  indices?: IndicesTuple,
): Float32Array {
  return tf.tidy(() =>
    tf.grad((x: tf.Tensor) => loss.compute(x as tf.Tensor2D, labels, indices))(tf.tensor2d(rows))
      .dataSync() as Float32Array
  );
}

/** Runs `steps` of plain SGD on the embeddings (and the loss's own variables); returns the losses before and after. */
export function sgd(
  loss: MetricLoss,
  rows: number[][],
  labels: Int32Array,
  steps: number,
  lr: number,
): { before: number; after: number } {
  const x = tf.variable(tf.tensor2d(rows));
  const vars = [x, ...(loss.trainableVariables?.() ?? [])];
  const before = lossValue(loss, rows, labels);
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => loss.compute(x, labels), vars);
      for (const v of vars) {
        assert(grads[v.name] !== undefined, `no gradient for ${v.name}`);
        v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
      }
    });
  }
  const after = tf.tidy(() => loss.compute(x, labels).dataSync()[0]);
  x.dispose();
  return { before, after };
}

/** Asserts that `fn` leaves no tensor behind but the one it returns (which is disposed here). */
export function assertNoLeak(fn: () => tf.Tensor | void): void {
  const before = tf.memory().numTensors;
  const out = fn();
  if (out) out.dispose();
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
}

/** Asserts every element is finite and 0. */
export function assertAllZero(values: ArrayLike<number>, message = ""): void {
  for (let i = 0; i < values.length; i++) {
    assert(values[i] === 0, `${message} [${i}] = ${values[i]}, want 0`);
  }
}

/** The checks every embedding loss gets: no leak, SGD lowers it, all-zero edge cases never NaN. */
export function commonLossChecks(
  make: () => MetricLoss,
  opts: { zeroOnEdges?: boolean; lr?: number; steps?: number } = {},
): void {
  const { rows, labels } = randomBatch(31, 3, 3, 4, 0.7);
  const loss = make();
  const x = tf.tensor2d(rows);
  // no leak: the returned scalar is the only new tensor (variables created up front)
  loss.trainableVariables?.();
  assertNoLeak(() => loss.compute(x, labels));
  assertNoLeak(() => tf.grad((t: tf.Tensor) => loss.compute(t as tf.Tensor2D, labels))(x));
  x.dispose();
  const steps = opts.steps ?? 5;
  if (steps > 0) {
    const { before, after } = sgd(loss, rows, labels, steps, opts.lr ?? 0.05);
    assert(after < before, `SGD did not lower the loss: ${before} -> ${after}`);
  }
  if (opts.zeroOnEdges ?? true) {
    for (const edge of [new Int32Array([0, 0, 0, 0]), new Int32Array([0, 1, 2, 3])]) {
      const r = rows.slice(0, 4);
      assert.equal(lossValue(loss, r, edge), 0);
      assertAllZero(lossGrad(loss, r, edge), "edge gradient");
    }
  }
}
