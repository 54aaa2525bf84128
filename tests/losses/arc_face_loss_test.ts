import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { commonLossChecks, lossValue, plain, randomBatch, tf } from "./_helpers.ts";
import { arcFaceLoss } from "../../lib/losses/arc_face_loss.ts";
import { lossFromConfig } from "../../lib/losses/registry.ts";

function reference(
  rows: number[][],
  labels: Int32Array,
  W: number[][],
  marginDeg: number,
  scale: number,
) {
  const m = marginDeg * Math.PI / 180;
  const C = W[0].length;
  const cols = Array.from({ length: C }, (_, c) => plain.normalize(W.map((r) => r[c])));
  let total = 0;
  rows.forEach((row, i) => {
    const e = plain.normalize(row);
    const logits = cols.map((c) => plain.dot(e, c));
    const y = labels[i];
    const th = Math.acos(logits[y]);
    logits[y] = th <= Math.PI - m ? Math.cos(th + m) : logits[y] - m * Math.sin(m);
    const s = logits.map((l) => l * scale);
    const mx = Math.max(...s);
    total += mx + Math.log(s.reduce((a, v) => a + Math.exp(v - mx), 0)) - s[y];
  });
  return total / rows.length;
}

Deno.test("arcFaceLoss() matches a brute-force loop with fixed weights", () => {
  const { rows, labels } = randomBatch(61, 3, 3, 4, 0.8);
  const rng = randomBatch(62, 1, 4, 3).rows; // 4 x 3 = D x C weights
  const loss = arcFaceLoss({ numClasses: 3, embeddingSize: 4, weights: rng.flat(), scale: 16 });
  assertClose([lossValue(loss, rows, labels)], [reference(rows, labels, rng, 28.6, 16)], {
    atol: 2e-4,
  });
  loss.setWeights(rng.flat().map((v) => -v));
  const neg = rng.map((r) => r.map((v) => -v));
  assertClose([lossValue(loss, rows, labels)], [reference(rows, labels, neg, 28.6, 16)], {
    atol: 2e-4,
  });
  loss.dispose();
});

Deno.test("arcFaceLoss() lowers under SGD (embeddings and W) and leaks nothing", () => {
  const made: ReturnType<typeof arcFaceLoss>[] = [];
  commonLossChecks(() => {
    const l = arcFaceLoss({ numClasses: 3, embeddingSize: 4, seed: 1, scale: 8 });
    made.push(l);
    return l;
  }, { zeroOnEdges: false, lr: 0.01 });
  made.forEach((l) => l.dispose());
});

Deno.test("arcFaceLoss() is deterministic for a seed, validates, and round-trips its config", () => {
  const a = arcFaceLoss({ numClasses: 2, embeddingSize: 3, seed: 5 });
  const b = arcFaceLoss({ numClasses: 2, embeddingSize: 3, seed: 5 });
  assert.deepEqual(a.trainableVariables()[0].dataSync(), b.trainableVariables()[0].dataSync());
  assert.deepEqual(a.trainableVariables()[0].shape, [3, 2]);
  assert.deepEqual(lossFromConfig(a.config()).config(), a.config());
  assert.throws(() => arcFaceLoss({ numClasses: 0, embeddingSize: 3 }), RangeError);
  assert.throws(
    () => arcFaceLoss({ numClasses: 2, embeddingSize: 3, margin: -1 }),
    /margin must be >= 0/,
  );
  assert.throws(() => a.setWeights([1, 2]), /expected 6 weights/);
  assert.throws(
    () => a.compute(tf.tensor2d([[1, 2, 3]]), new Int32Array([2])),
    /label 2 is outside/,
  );
  a.dispose();
  b.dispose();
});
