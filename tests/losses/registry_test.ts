import assert from "node:assert/strict";
import { LOSS_NAMES, lossFromConfig } from "../../lib/losses/registry.ts";

Deno.test("lossFromConfig() rebuilds every loss and suggests the closest name on a typo", () => {
  for (const name of LOSS_NAMES) {
    const loss = lossFromConfig({ name, numClasses: 3, embeddingSize: 4 });
    assert.equal(loss.config().name, name);
    (loss as { dispose?: () => void }).dispose?.();
  }
  assert.throws(() => lossFromConfig({ name: "triplett" }), {
    name: "RangeError",
    message: 'Unknown loss "triplett": did you mean "triplet"?',
  });
  assert.throws(
    () => lossFromConfig({ name: "contrastive", negMargin: -2 }),
    /negMargin must be >= 0, got -2/,
  );
});
