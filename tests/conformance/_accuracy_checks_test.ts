import assert from "node:assert/strict";
import { checkAccuracySection } from "../../lib/conformance/_accuracy_checks.ts";

const VECTORS = new URL("../fixtures/pml/", import.meta.url);
const files = [...Deno.readDirSync(VECTORS)]
  .map((e) => e.name)
  .filter((name) => name.endsWith(".json"))
  .sort();

function accuracyOf(name: string): Record<string, unknown> | undefined {
  return JSON.parse(Deno.readTextFileSync(new URL(name, VECTORS))).accuracy;
}

Deno.test({
  name: "checkAccuracySection() passes every accuracy entry of the PML vectors",
  fn() {
    let sections = 0;
    for (const name of files) {
      const accuracy = accuracyOf(name);
      if (accuracy === undefined) continue;
      sections++;
      const checks = checkAccuracySection(accuracy);
      const calculator = Object.keys(accuracy.calculator as object).length;
      const classification = Object.keys(accuracy.knn_classification as object).length;
      // 7 checks per calculator entry, 5 per k-NN classifier, 1 search, 5 clustering, 2 summary.
      assert.equal(checks.length, 7 * calculator + 5 * classification + 1 + 5 + 2, name);
      const failed = checks.filter((c) => !c.ok);
      assert.deepEqual(failed, [], `${name}: ${JSON.stringify(failed, null, 1)}`);
    }
    assert.ok(sections >= 2, `only ${sections} files with an accuracy section`);
  },
});

Deno.test({
  name: "checkAccuracySection() reports a changed prediction, neighbour or metric",
  fn() {
    // deno-lint-ignore no-explicit-any
    const accuracy = accuracyOf("case2_b32_c8_d8.json") as any;
    accuracy.knn_classification.k_3.predictions[4] += 1;
    const row = accuracy.calculator.cosine__k_5.knn_indices[0];
    [row[0], row[1]] = [row[1], row[0]];
    accuracy.calculator.euclidean_raw__k_max_bin_count.metrics.r_precision += 1e-11;
    accuracy.clustering.AMI += 1e-9;
    const failed = checkAccuracySection(accuracy).filter((c) => !c.ok).map((c) => c.name);
    assert.deepEqual(failed.sort(), [
      "calculator.cosine__k_5: knn_indices",
      "calculator.euclidean_raw__k_max_bin_count: metrics.r_precision",
      "clustering.AMI",
      "knn_classification.k_3: predictions",
    ]);
  },
});

Deno.test("checkAccuracySection() reports a malformed section without throwing", () => {
  assert.deepEqual(checkAccuracySection(null), [{
    name: "accuracy: read section",
    ok: false,
    detail: "TypeError: the accuracy section is not an object",
  }]);
  const partial = {
    query_embeddings: [[0], [1]],
    query_labels: [0, 1],
    reference_embeddings: [[0], [1]],
    reference_labels: [0, 1],
    calculator: { cosine__k_5: "not an object" },
    knn_classification: {},
    clustering: {},
  };
  const checks = checkAccuracySection(partial);
  assert.ok(checks.some((c) => c.name === "calculator: read" && !c.ok));
  assert.ok(checks.some((c) => c.name === "clustering: read" && !c.ok));
});
