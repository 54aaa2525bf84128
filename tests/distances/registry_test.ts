import assert from "node:assert/strict";
import { DISTANCE_NAMES, distanceFromConfig } from "../../lib/distances/registry.ts";

Deno.test("distanceFromConfig() rebuilds every distance and suggests a name for a typo", () => {
  for (const name of DISTANCE_NAMES) assert.equal(distanceFromConfig({ name }).config().name, name);
  assert.throws(() => distanceFromConfig({ name: "cosin" }), {
    name: "RangeError",
    message: 'Unknown distance "cosin": did you mean "cosine"?',
  });
  assert.throws(() => distanceFromConfig({ name: "lp", p: 3 }), RangeError);
});
