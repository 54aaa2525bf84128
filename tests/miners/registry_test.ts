import assert from "node:assert/strict";
import { MINER_NAMES, minerFromConfig } from "../../lib/miners/registry.ts";

Deno.test("minerFromConfig() rebuilds every miner, gives undefined for none, suggests on a typo", () => {
  for (const name of MINER_NAMES) {
    const m = minerFromConfig({ name });
    if (name === "none") assert.equal(m, undefined);
    else assert.equal(m?.config().name, name);
  }
  assert.throws(() => minerFromConfig({ name: "batch-hrad" }), {
    name: "RangeError",
    message: 'Unknown miner "batch-hrad": did you mean "batch-hard"?',
  });
  assert.throws(
    () => minerFromConfig({ name: "pair-margin", distance: { name: "cosin" } }),
    /did you mean "cosine"/,
  );
});
