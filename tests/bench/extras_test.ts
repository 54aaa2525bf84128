import assert from "node:assert/strict";
import { PROJECTION_BENCH_SIZES, runProjectionBench } from "../../lib/bench/extras.ts";

Deno.test("PROJECTION_BENCH_SIZES go from 2,000 to 20,000 points", () => {
  assert.deepEqual([...PROJECTION_BENCH_SIZES], [2000, 5000, 10000, 20000]);
});

Deno.test("runProjectionBench() times every size, and the first only with quick", () => {
  const full = runProjectionBench({ sizes: [40, 60] });
  assert.deepEqual(Object.keys(full.umapSeconds), ["40", "60"]);
  assert.deepEqual(Object.keys(full.tsneSeconds), ["40", "60"]);
  for (const s of [...Object.values(full.umapSeconds), ...Object.values(full.tsneSeconds)]) {
    assert.ok(typeof s === "number" && s >= 0);
  }
  const quick = runProjectionBench({ sizes: [40, 60], quick: true });
  assert.equal(typeof quick.umapSeconds["40"], "number");
  assert.equal(quick.umapSeconds["60"], null);
  assert.equal(quick.tsneSeconds["60"], null);
});
