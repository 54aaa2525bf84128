import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { assertAllZero, assertNoLeak, plain, randomBatch, tf } from "../losses/_helpers.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";
import { distanceFromConfig } from "../../lib/distances/registry.ts";

Deno.test("lpDistance() matches a brute-force Euclidean distance, normalised or not", () => {
  const { rows, matrix } = randomBatch(1, 3, 3, 5);
  for (const normalize of [true, false]) {
    const d = lpDistance({ normalize });
    const r = normalize ? rows.map(plain.normalize) : rows;
    const want = r.flatMap((a) => r.map((b) => plain.dist(a, b)));
    assertClose(d.matrixArray(matrix), want, { atol: 1e-12, what: "matrixArray" });
    const got = tf.tidy(() => d.matrix(tf.tensor2d(rows)).dataSync());
    assertClose(got, want, { atol: 1e-5, what: "matrix" });
  }
});

Deno.test("lpDistance() solves a 3-4-5 triangle and takes a second matrix", () => {
  const d = lpDistance({ normalize: false });
  const a = tf.tensor2d([[0, 0]]), b = tf.tensor2d([[3, 4], [0, 1]]);
  assert.deepEqual(Array.from(d.matrix(a, b).dataSync()), [5, 1]);
  assert.deepEqual(Array.from(lpDistance({ normalize: false, power: 2 }).matrix(a, b).dataSync()), [
    25,
    1,
  ]);
  const m = d.matrixArray({ data: [0, 0] as unknown as Float64Array, rows: 1, dim: 2 }, {
    data: new Float64Array([3, 4]),
    rows: 1,
    dim: 2,
  });
  assert.equal(m[0], 5);
  tf.dispose([a, b]);
});

Deno.test("lpDistance() has a zero value and zero gradient (never NaN) at duplicate points", () => {
  const d = lpDistance();
  const x = tf.tensor2d([[1, 2], [1, 2], [0, 0]]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(d.matrix(t as tf.Tensor2D)))(x).dataSync();
  for (const v of g) assert(Number.isFinite(v));
  const diag = d.matrix(x).dataSync();
  assert.equal(diag[0], 0);
  assert.equal(diag[1], 0);
  // only the duplicate pair and the zero row: the gradient of their mutual distance is 0
  const g2 = tf.grad((t: tf.Tensor) => tf.sum(d.matrix(tf.slice(t as tf.Tensor2D, 0, 2))))(x);
  assertAllZero(g2.dataSync());
  tf.dispose([x, g2]);
});

Deno.test("lpDistance() rejects p != 2 and non-positive power", () => {
  assert.throws(() => lpDistance({ p: 1 }), RangeError);
  assert.throws(() => lpDistance({ power: 0 }), /power must be > 0, got 0/);
});

Deno.test("lpDistance() leaks no tensor and round-trips its config", () => {
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  assertNoLeak(() => lpDistance().matrix(x));
  x.dispose();
  const d = lpDistance({ normalize: false, power: 2 });
  assert.deepEqual(distanceFromConfig(d.config()).config(), d.config());
  assert.deepEqual(d.config(), { name: "lp", normalize: false, p: 2, power: 2 });
  assert.equal(d.margin(3, 1), 2);
});
