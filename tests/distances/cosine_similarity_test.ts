import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { assertNoLeak, plain, randomBatch, tf } from "../losses/_helpers.ts";
import { cosineSimilarity } from "../../lib/distances/cosine_similarity.ts";
import { distanceFromConfig } from "../../lib/distances/registry.ts";

Deno.test("cosineSimilarity() matches a brute-force cosine and is a similarity", () => {
  const { rows, matrix } = randomBatch(2, 2, 3, 4);
  const r = rows.map(plain.normalize);
  const want = r.flatMap((a) => r.map((b) => plain.dot(a, b)));
  const d = cosineSimilarity();
  assertClose(d.matrixArray(matrix), want, { atol: 1e-12 });
  assertClose(tf.tidy(() => d.matrix(tf.tensor2d(rows)).dataSync()), want, { atol: 1e-6 });
  assert.equal(d.isInverted, true);
  assert.equal(d.margin(0.2, 0.5), 0.3);
});

Deno.test("cosineSimilarity() gives finite gradients for a zero row", () => {
  const g = tf.grad((t: tf.Tensor) => tf.sum(cosineSimilarity().matrix(t as tf.Tensor2D)))(
    tf.tensor2d([[0, 0], [1, 1]]),
  ).dataSync();
  for (const v of g) assert(Number.isFinite(v));
});

Deno.test("cosineSimilarity() leaks no tensor and round-trips its config", () => {
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  assertNoLeak(() => cosineSimilarity().matrix(x));
  x.dispose();
  assert.deepEqual(distanceFromConfig(cosineSimilarity().config()).config(), { name: "cosine" });
});
