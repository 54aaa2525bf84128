import assert from "node:assert/strict";
import { closestName, unknownNameError } from "../lib/_suggest.ts";

Deno.test("closestName() picks the candidate with the smallest edit distance", () => {
  assert.equal(closestName("triplett", ["contrastive", "triplet", "nt-xent"]), "triplet");
  assert.equal(closestName("NTXENT", ["contrastive", "nt-xent"]), "nt-xent");
  assert.equal(closestName("x", []), undefined);
});

Deno.test("unknownNameError() names the kind, the value and the suggestion", () => {
  const e = unknownNameError("miner", "batchhard", ["none", "batch-hard"]);
  assert(e instanceof RangeError);
  assert.equal(e.message, 'Unknown miner "batchhard": did you mean "batch-hard"?');
});
