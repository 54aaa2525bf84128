import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { plain, randomBatch, tf } from "../losses/_helpers.ts";
import { dotProductSimilarity } from "../../lib/distances/dot_product_similarity.ts";
import { distanceFromConfig } from "../../lib/distances/registry.ts";

Deno.test("dotProductSimilarity() matches brute-force dot products without normalising", () => {
  const { rows, matrix } = randomBatch(3, 2, 2, 3);
  const want = rows.flatMap((a) => rows.map((b) => plain.dot(a, b)));
  const d = dotProductSimilarity();
  assertClose(d.matrixArray(matrix), want, { atol: 1e-12 });
  assertClose(tf.tidy(() => d.matrix(tf.tensor2d(rows)).dataSync()), want, { atol: 1e-5 });
  assert.equal(d.normalize, false);
  assert.deepEqual(distanceFromConfig(d.config()).config(), { name: "dot-product" });
});
