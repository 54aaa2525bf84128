import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { retrievalMetrics } from "../../lib/eval/retrieval.ts";
import { knnSearch } from "../../lib/eval/knn.ts";
import type { EmbeddingMatrix } from "../../lib/types.ts";

function line(values: number[]): EmbeddingMatrix {
  return { data: Float64Array.from(values), rows: values.length, dim: 1 };
}

// Reference on a line: labels A A B A B at 0 1 2 3 10. Queries: 0.9 (A, R=3),
// 2.4 (B, R=2) and a lone query of label 5.
const reference = line([0, 1, 2, 3, 10]);
const referenceLabels = new Int32Array([0, 0, 1, 0, 1]);
const query = line([0.9, 2.4, 0]);
const queryLabels = new Int32Array([0, 1, 5]);

Deno.test("retrievalMetrics() matches hand-solved values with max-bin-count", () => {
  // numK = max R = 3. Query A sees A A B; query B sees B A A.
  const m = retrievalMetrics(query, queryLabels, reference, referenceLabels);
  assert.equal(m.numNeighborsUsed, 3);
  assert.equal(m.numLoneQueries, 1);
  assert.deepEqual(m.warnings, []);
  assertClose(m.precisionAt1, 1, { atol: 1e-15, what: "P@1" });
  assertClose(m.rPrecision, (2 / 3 + 1 / 2) / 2, { atol: 1e-15, what: "R-precision" });
  assertClose(m.meanAveragePrecisionAtR, (2 / 3 + 1 / 2) / 2, { atol: 1e-15, what: "MAP@R" });
  assertClose(m.meanAveragePrecision, (2 / 3 + 1 / 2) / 2, { atol: 1e-15, what: "MAP" });
  assertClose(m.meanReciprocalRank, 1, { atol: 1e-15, what: "MRR" });
});

Deno.test("retrievalMetrics() divides MAP by R and looks past R when k > R", () => {
  // k=5: query A sees A A B A B, query B sees B A A A B.
  const m = retrievalMetrics(query, queryLabels, reference, referenceLabels, { k: 5 });
  assert.equal(m.numNeighborsUsed, 5);
  assertClose(m.rPrecision, (2 / 3 + 1 / 2) / 2, { atol: 1e-15, what: "R-precision" });
  assertClose(m.meanAveragePrecisionAtR, (2 / 3 + 1 / 2) / 2, { atol: 1e-15, what: "MAP@R" });
  assertClose(m.meanAveragePrecision, ((1 + 1 + 3 / 4) / 3 + (1 + 2 / 5) / 2) / 2, {
    atol: 1e-15,
    what: "MAP",
  });
});

Deno.test("retrievalMetrics() truncates R-precision and MAP@R when k < R, with a warning", () => {
  const m = retrievalMetrics(query, queryLabels, reference, referenceLabels, { k: 1 });
  assertClose(m.rPrecision, 1, { atol: 1e-15, what: "R-precision" });
  assertClose(m.meanAveragePrecisionAtR, (1 / 3 + 1 / 2) / 2, { atol: 1e-15, what: "MAP@R" });
  assertClose(m.meanAveragePrecision, (1 / 3 + 1 / 2) / 2, { atol: 1e-15, what: "MAP" });
  assert.equal(m.warnings.length, 1);
  assert.match(m.warnings[0], /k=1 is below R for 2 of 2 queries/);
});

Deno.test("retrievalMetrics() scores a query with no hit within k as 0", () => {
  const m = retrievalMetrics(line([10]), new Int32Array([0]), reference, referenceLabels, { k: 1 });
  assert.equal(m.precisionAt1, 0);
  assert.equal(m.meanReciprocalRank, 0);
  assert.equal(m.meanAveragePrecision, 0);
});

Deno.test("retrievalMetrics() gives 0 and a warning when every query is lone", () => {
  const m = retrievalMetrics(line([1, 2]), new Int32Array([7, 8]), reference, referenceLabels);
  assert.equal(m.numLoneQueries, 2);
  assert.equal(m.precisionAt1, 0);
  assert.equal(m.meanAveragePrecisionAtR, 0);
  assert.equal(m.numNeighborsUsed, 0);
  assert.match(m.warnings[0], /none of the 2 query labels occurs in the reference set/);
});

Deno.test("retrievalMetrics() leaves each query out of its own neighbours and R with excludeSelf", () => {
  const points = line([0, 1, 2, 10, 20]);
  // Label 2 occurs once: lone once the query itself is left out.
  const labels = new Int32Array([0, 0, 1, 1, 2]);
  const m = retrievalMetrics(points, labels, points, labels, { excludeSelf: true });
  assert.equal(m.numLoneQueries, 1);
  assert.equal(m.numNeighborsUsed, 1);
  // Nearest others: 0->1 (hit), 1->0 (tie with 2, lower index; hit), 2->1 (miss), 10->2 (hit).
  assertClose(m.precisionAt1, 3 / 4, { atol: 1e-15, what: "P@1" });
  assertClose(m.meanReciprocalRank, 3 / 4, { atol: 1e-15, what: "MRR" });
  assert.throws(
    () => retrievalMetrics(query, queryLabels, reference, referenceLabels, { excludeSelf: true }),
    /same set, got 3 and 5 rows/,
  );
});

Deno.test("retrievalMetrics() uses only the first columns of a given search", () => {
  const neighbors = knnSearch(query, reference, 5, { metric: "cosine" });
  const given = retrievalMetrics(query, queryLabels, reference, referenceLabels, {
    metric: "cosine",
    neighbors,
  });
  const fresh = retrievalMetrics(query, queryLabels, reference, referenceLabels, {
    metric: "cosine",
  });
  assert.deepEqual(given, fresh);
  assert.throws(
    () =>
      retrievalMetrics(query, queryLabels, reference, referenceLabels, {
        k: 5,
        neighbors: knnSearch(query, reference, 2),
      }),
    /need 3 x 5/,
  );
});

Deno.test("retrievalMetrics() rejects bad k and mismatched labels", () => {
  assert.throws(
    () => retrievalMetrics(query, queryLabels, reference, referenceLabels, { k: 6 }),
    /Invalid k 6: the training set has only 5 samples/,
  );
  assert.throws(
    () => retrievalMetrics(query, queryLabels, reference, referenceLabels, { k: 0 }),
    RangeError,
  );
  assert.throws(
    () => retrievalMetrics(query, new Int32Array([0]), reference, referenceLabels),
    /query labels has 1 entries for 3 rows/,
  );
});
