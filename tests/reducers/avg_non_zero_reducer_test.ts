import assert from "node:assert/strict";
import { assertAllZero, assertNoLeak, tf } from "../losses/_helpers.ts";
import { avgNonZeroReducer } from "../../lib/reducers/avg_non_zero_reducer.ts";
import { reducerFromConfig } from "../../lib/reducers/registry.ts";

Deno.test("avgNonZeroReducer() averages only the terms > 0 and routes the gradient to them", () => {
  const r = avgNonZeroReducer();
  assert.equal(r.reduce(tf.tensor1d([0, 2, 4, 0])).dataSync()[0], 3);
  const g = tf.grad((t: tf.Tensor) => r.reduce(t as tf.Tensor1D))(tf.tensor1d([0, 2, 4, 0]));
  assert.deepEqual(Array.from(g.dataSync()), [0, 0.5, 0.5, 0]);
});

Deno.test("avgNonZeroReducer() gives 0 and a zero gradient when no term is positive", () => {
  const r = avgNonZeroReducer();
  assert.equal(r.reduce(tf.tensor1d([0, 0, -1])).dataSync()[0], 0);
  const g = tf.grad((t: tf.Tensor) => r.reduce(t as tf.Tensor1D))(tf.tensor1d([0, 0]));
  assertAllZero(g.dataSync());
  assert.equal(r.reduce(tf.tensor1d([])).dataSync()[0], 0);
});

Deno.test("avgNonZeroReducer() leaks no tensor and round-trips its config", () => {
  const t = tf.tensor1d([1, 0]);
  assertNoLeak(() => avgNonZeroReducer().reduce(t));
  t.dispose();
  assert.deepEqual(reducerFromConfig(avgNonZeroReducer().config()).config(), {
    name: "avg-non-zero",
  });
});
