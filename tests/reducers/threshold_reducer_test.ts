import assert from "node:assert/strict";
import { assertNoLeak, tf } from "../losses/_helpers.ts";
import { thresholdReducer } from "../../lib/reducers/threshold_reducer.ts";
import { reducerFromConfig } from "../../lib/reducers/registry.ts";

Deno.test("thresholdReducer() averages the terms strictly inside (low, high)", () => {
  const t = tf.tensor1d([0.5, 1, 2, 3, 4, 5]);
  assert.equal(
    thresholdReducer({ low: 1, high: 4 }).reduce({ losses: t, kind: "element" }).dataSync()[0],
    2.5,
  );
  assert.equal(
    thresholdReducer({ low: 3 }).reduce({ losses: t, kind: "element" }).dataSync()[0],
    4.5,
  );
  assert.equal(
    thresholdReducer({ high: 1 }).reduce({ losses: t, kind: "element" }).dataSync()[0],
    0.5,
  );
  assert(
    Math.abs(thresholdReducer().reduce({ losses: t, kind: "element" }).dataSync()[0] - 15.5 / 6) <
      1e-6,
  );
  assert.equal(
    thresholdReducer({ low: 10 }).reduce({ losses: t, kind: "element" }).dataSync()[0],
    0,
  );
});

Deno.test("thresholdReducer() rejects bad bounds", () => {
  assert.throws(() => thresholdReducer({ low: 2, high: 1 }), /low \(2\) must be < high \(1\)/);
  assert.throws(() => thresholdReducer({ low: NaN }), RangeError);
});

Deno.test("thresholdReducer() leaks no tensor and round-trips its config", () => {
  const t = tf.tensor1d([1, 0]);
  assertNoLeak(() => thresholdReducer({ low: 0.5 }).reduce({ losses: t, kind: "element" }));
  t.dispose();
  const r = thresholdReducer({ low: 0.1, high: 2 });
  assert.deepEqual(reducerFromConfig(r.config()).config(), {
    name: "threshold",
    low: 0.1,
    high: 2,
  });
  assert.throws(() => reducerFromConfig({ name: "avg-nonzero" }), /did you mean "avg-non-zero"/);
});
