import assert from "node:assert/strict";
import { checkAccuracy } from "../../lib/conformance/check_accuracy.ts";

const CASE = new URL("../fixtures/pml/case1_b12_c4_d4.json", import.meta.url);

Deno.test("checkAccuracy() passes every accuracy check of a reference file", async () => {
  const json = JSON.parse(await Deno.readTextFile(CASE));
  const r = checkAccuracy(json, "case1.json");
  assert.ok(r.passed > 40, `only ${r.passed} checks ran`);
  assert.deepEqual([r.failed, r.skipped, r.lines], [0, 0, []]);
});

Deno.test("checkAccuracy() reports a wrong k-NN accuracy as a failure naming the entry", async () => {
  const json = JSON.parse(await Deno.readTextFile(CASE));
  json.accuracy.knn_classification.k_1.accuracy = 0.5;
  const r = checkAccuracy(json, "case1.json");
  assert.equal(r.failed, 1);
  assert.match(r.lines[0], /^FAIL case1\.json: accuracy\..*k_1/);
});

Deno.test("checkAccuracy() makes no check for a file without an accuracy section", () => {
  const r = checkAccuracy({}, "b.json");
  assert.deepEqual([r.passed, r.failed, r.skipped], [0, 0, 0]);
});
