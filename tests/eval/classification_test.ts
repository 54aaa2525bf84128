import assert from "node:assert/strict";
import { knnAccuracy, knnClassify, knnVote } from "../../lib/eval/classification.ts";
import { knnSearch } from "../../lib/eval/knn.ts";
import type { EmbeddingMatrix } from "../../lib/types.ts";

function line(values: number[]): EmbeddingMatrix {
  return { data: Float64Array.from(values), rows: values.length, dim: 1 };
}

Deno.test("knnVote() gives a tied vote to the smallest label, not the nearest", () => {
  const neighbors = {
    indices: new Int32Array([0, 1, 2, 3, 4, 0, 2, 1, 3, 4]),
    distances: new Float64Array(10),
    k: 5,
    rows: 2,
  };
  const labels = new Int32Array([7, 3, 7, 3, 9]);
  // Query 0, k=4: labels 7,3,7,3 -> tie between 3 and 7 -> 3 although 7 is nearest.
  const four = knnVote(neighbors, labels, 4);
  assert.deepEqual([...four.predictions], [3, 3]);
  assert.deepEqual([...four.voteTies], [1, 1]);
  assert.equal(four.numVoteTies, 2);
  // k=5 adds label 9: 7,3,7,3,9 is still a tie between 3 and 7.
  assert.deepEqual([...knnVote(neighbors, labels).predictions], [3, 3]);
  // k=3: 7,3,7 -> 7 outright; 7,7,3 -> 7.
  const three = knnVote(neighbors, labels, 3);
  assert.deepEqual([...three.predictions], [7, 7]);
  assert.equal(three.numVoteTies, 0);
  assert.throws(() => knnVote(neighbors, labels, 6), /Invalid k 6/);
});

Deno.test("knnClassify() predicts by majority of the nearest reference rows", () => {
  const reference = line([0, 1, 2, 10, 11]);
  const labels = new Int32Array([0, 0, 1, 1, 1]);
  const query = line([0.2, 1.9, 9]);
  assert.deepEqual([...knnClassify(query, reference, labels).predictions], [0, 1, 1]);
  assert.deepEqual([...knnClassify(query, reference, labels, { k: 3 }).predictions], [0, 0, 1]);
  assert.throws(
    () => knnClassify(query, reference, new Int32Array([0, 1])),
    /2 entries for 5 rows/,
  );
});

Deno.test("knnAccuracy() reports accuracy, per-class accuracy and the confusion matrix", () => {
  const reference = line([0, 1, 10, 11, 20]);
  const referenceLabels = new Int32Array([0, 0, 1, 1, 2]);
  // True labels 0, 0, 1, 2; class 3 has no query. Query 3 sits in class 1's region.
  const query = line([0.4, 9, 10.6, 12]);
  const queryLabels = new Int32Array([0, 0, 1, 2]);
  const { numClasses, results, neighbors } = knnAccuracy(
    query,
    queryLabels,
    reference,
    referenceLabels,
    { ks: [1, 3], numClasses: 4 },
  );
  assert.equal(numClasses, 4);
  assert.equal(neighbors.k, 3);
  const [k1, k3] = results;
  assert.equal(k1.k, 1);
  assert.deepEqual([...k1.predictions], [0, 1, 1, 1]);
  assert.equal(k1.accuracy, 0.5);
  assert.deepEqual(k1.perClassAccuracy, [0.5, 1, 0, null]);
  assert.deepEqual(k1.confusion, [[1, 1, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]);
  // k=3, query 1 (at 9): neighbours 10, 11 (label 1), 1 (label 0) -> 1.
  assert.deepEqual([...k3.predictions], [0, 1, 1, 1]);
  assert.equal(k3.numVoteTies, 0);
});

Deno.test("knnAccuracy() reuses a given search and agrees with a fresh one", () => {
  const reference = line([0, 1, 2, 3, 4, 5]);
  const referenceLabels = new Int32Array([0, 1, 0, 1, 0, 1]);
  const query = line([0.1, 2.2, 4.9]);
  const queryLabels = new Int32Array([0, 0, 1]);
  const neighbors = knnSearch(query, reference, 4);
  const given = knnAccuracy(query, queryLabels, reference, referenceLabels, {
    ks: [2, 4],
    neighbors,
  });
  const fresh = knnAccuracy(query, queryLabels, reference, referenceLabels, { ks: [2, 4] });
  assert.deepEqual(given.results, fresh.results);
  // k=2 and k=4 on alternating labels always tie: the smallest label (0) wins.
  assert.deepEqual([...given.results[0].predictions], [0, 0, 0]);
  assert.equal(given.results[0].numVoteTies, 3);
  assert.throws(
    () => knnAccuracy(query, queryLabels, reference, referenceLabels, { ks: [5], neighbors }),
    /3 queries x 4 neighbours, need 3 x 5/,
  );
});

Deno.test("knnAccuracy() rejects bad ks, labels and numClasses", () => {
  const reference = line([0, 1, 2]);
  const query = line([0.5]);
  const labels = new Int32Array([0, 1, 2]);
  const run = (options: object, q = new Int32Array([1])) =>
    knnAccuracy(query, q, reference, labels, options);
  assert.throws(() => run({ ks: [4] }), /Invalid k 4: the training set has only 3 samples/);
  assert.throws(() => run({ ks: [0] }), RangeError);
  assert.throws(() => run({ ks: [] }), TypeError);
  assert.throws(() => run({ numClasses: 2 }), /numClasses 2 does not cover label 2/);
  assert.throws(() => run({}, new Int32Array([-1])), /label -1 is negative/);
  assert.throws(() => run({}, new Int32Array([0, 1])), /query labels has 2 entries for 1 rows/);
  assert.throws(
    () => knnAccuracy(line([]), new Int32Array(0), reference, labels),
    /the query set is empty/,
  );
});
