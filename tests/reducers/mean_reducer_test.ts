import assert from "node:assert/strict";
import { assertNoLeak, tf } from "../losses/_helpers.ts";
import { meanReducer } from "../../lib/reducers/mean_reducer.ts";
import { reducerFromConfig } from "../../lib/reducers/registry.ts";

Deno.test("meanReducer() averages every term and gives 0 for none", () => {
  assert.equal(
    meanReducer().reduce({ losses: tf.tensor1d([1, 0, 2, 5]), kind: "element" }).dataSync()[0],
    2,
  );
  const g = tf.grad((t: tf.Tensor) =>
    meanReducer().reduce({ losses: t as tf.Tensor1D, kind: "element" })
  )(
    tf.tensor1d([1, 0, 3]),
  );
  assert.deepEqual(Array.from(g.dataSync()), Array.from(new Float32Array([1 / 3, 1 / 3, 1 / 3])));
  assert.equal(meanReducer().reduce({ losses: tf.tensor1d([]), kind: "element" }).dataSync()[0], 0);
});

Deno.test("meanReducer() leaks no tensor and round-trips its config", () => {
  const t = tf.tensor1d([1, 2]);
  assertNoLeak(() => meanReducer().reduce({ losses: t, kind: "element" }));
  t.dispose();
  assert.deepEqual(reducerFromConfig(meanReducer().config()).config(), { name: "mean" });
});
