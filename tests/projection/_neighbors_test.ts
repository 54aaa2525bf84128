import assert from "node:assert/strict";
import { knnSearch } from "../../lib/eval/knn.ts";
import { allNearestNeighbors } from "../../lib/projection/_neighbors.ts";
import { createRng } from "../../lib/random.ts";

Deno.test("allNearestNeighbors() finds what knnSearch() finds, excluding each row itself", () => {
  const rng = createRng(4);
  for (const [rows, dim, k] of [[37, 5, 6], [130, 32, 90], [9, 3, 8]]) {
    const data = Float32Array.from({ length: rows * dim }, () => rng.normal());
    const m = { data, rows, dim };
    const got = allNearestNeighbors(m, k);
    const want = knnSearch(m, m, k, { excludeSelf: true });
    assert.deepEqual(got.indices, want.indices, `${rows} x ${dim}, k ${k}`);
    for (let e = 0; e < rows * k; e++) {
      assert.ok(Math.abs(got.distances[e] - want.distances[e]) < 1e-12);
    }
  }
});

Deno.test("allNearestNeighbors() breaks ties by the lower index, and rejects bad input", () => {
  // Points on a line at 0, 1, 2, 3, 4: the middle one's two nearest are at distance 1.
  const m = { data: new Float64Array([0, 1, 2, 3, 4]), rows: 5, dim: 1 };
  const { indices, distances } = allNearestNeighbors(m, 2);
  assert.deepEqual([...indices.subarray(4, 6)], [1, 3]);
  assert.deepEqual([...distances.subarray(4, 6)], [1, 1]);
  assert.deepEqual([...indices.subarray(0, 2)], [1, 2]);
  assert.throws(() => allNearestNeighbors(m, 5), /Invalid neighbour count 5: give 1 to 4/);
  const bad = { data: new Float64Array([0, NaN, 2]), rows: 3, dim: 1 };
  assert.throws(() => allNearestNeighbors(bad, 1), /value NaN at row 1/);
});
