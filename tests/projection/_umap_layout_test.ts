import assert from "node:assert/strict";
import { powerOf } from "../../lib/projection/_umap_layout.ts";

Deno.test("powerOf() gives x^b within 2e-4 of Math.pow over the range the epochs meet", () => {
  for (const b of [0.5, 0.79, 0.8942, 1.2]) {
    const pow = powerOf(b);
    let worst = 0;
    for (let x = 1e-8; x < 1e6; x *= 1.0007) {
      worst = Math.max(worst, Math.abs(pow(x) / Math.pow(x, b) - 1));
    }
    assert.ok(worst < 2e-4, `b = ${b}: relative error ${worst}`);
  }
});
