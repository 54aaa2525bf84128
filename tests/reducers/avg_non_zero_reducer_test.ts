import assert from "node:assert/strict";
import { assertAllZero, assertNoLeak, tf } from "../losses/_helpers.ts";
import { avgNonZeroReducer } from "../../lib/reducers/avg_non_zero_reducer.ts";
import { reducerFromConfig } from "../../lib/reducers/registry.ts";

Deno.test("avgNonZeroReducer() averages only the terms > 0 and routes the gradient to them", () => {
  const r = avgNonZeroReducer();
  assert.equal(r.reduce({ losses: tf.tensor1d([0, 2, 4, 0]), kind: "element" }).dataSync()[0], 3);
  const g = tf.grad((t: tf.Tensor) => r.reduce({ losses: t as tf.Tensor1D, kind: "element" }))(
    tf.tensor1d([0, 2, 4, 0]),
  );
  assert.deepEqual(Array.from(g.dataSync()), [0, 0.5, 0.5, 0]);
});

Deno.test("avgNonZeroReducer() gives 0 and a zero gradient when no term is positive", () => {
  const r = avgNonZeroReducer();
  assert.equal(r.reduce({ losses: tf.tensor1d([0, 0, -1]), kind: "element" }).dataSync()[0], 0);
  const g = tf.grad((t: tf.Tensor) => r.reduce({ losses: t as tf.Tensor1D, kind: "element" }))(
    tf.tensor1d([0, 0]),
  );
  assertAllZero(g.dataSync());
  assert.equal(r.reduce({ losses: tf.tensor1d([]), kind: "element" }).dataSync()[0], 0);
});

Deno.test("avgNonZeroReducer() leaks no tensor and round-trips its config", () => {
  const t = tf.tensor1d([1, 0]);
  assertNoLeak(() => avgNonZeroReducer().reduce({ losses: t, kind: "element" }));
  t.dispose();
  assert.deepEqual(reducerFromConfig(avgNonZeroReducer().config()).config(), {
    name: "avg-non-zero",
  });
});
