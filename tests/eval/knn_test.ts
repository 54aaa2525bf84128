import assert from "node:assert/strict";
import { knnSearch } from "../../lib/eval/knn.ts";
import { createRng } from "../../lib/random.ts";
import type { EmbeddingMatrix } from "../../lib/types.ts";

function matrix(rows: number[][]): EmbeddingMatrix {
  return { data: Float64Array.from(rows.flat()), rows: rows.length, dim: rows[0].length };
}

function randomMatrix(rows: number, dim: number, seed: number, grid = 0): EmbeddingMatrix {
  const rng = createRng(seed);
  // With `grid`, values are rounded so that exact distance ties occur.
  const data = Float64Array.from(
    { length: rows * dim },
    () => grid > 0 ? Math.round(rng.normal() * grid) / grid : rng.normal(),
  );
  return { data, rows, dim };
}

/** The definition: sort every reference by (distance or negated cosine, index). */
function bruteForce(q: EmbeddingMatrix, r: EmbeddingMatrix, k: number, metric: string) {
  const unit = (m: EmbeddingMatrix, i: number) => {
    const row = [...m.data.subarray(i * m.dim, (i + 1) * m.dim)];
    const scale = 1 / Math.max(Math.sqrt(row.reduce((s, v) => s + v * v, 0)), 1e-12);
    return row.map((v) => v * scale);
  };
  const out: number[][] = [];
  for (let i = 0; i < q.rows; i++) {
    const a = unit(q, i);
    const keys = Array.from({ length: r.rows }, (_, j) => {
      const b = unit(r, j);
      let s = 0;
      for (let d = 0; d < q.dim; d++) {
        s += metric === "cosine"
          ? a[d] * b[d]
          : (q.data[i * q.dim + d] - r.data[j * r.dim + d]) ** 2;
      }
      return { j, key: metric === "cosine" ? -s : s };
    });
    keys.sort((x, y) => x.key - y.key || x.j - y.j);
    out.push(keys.slice(0, k).map((x) => x.j));
  }
  return out;
}

function rowsOf(indices: Int32Array, k: number): number[][] {
  return Array.from(
    { length: indices.length / k },
    (_, i) => [...indices.subarray(i * k, i * k + k)],
  );
}

Deno.test("knnSearch() finds hand-solved neighbours on a line", () => {
  const reference = matrix([[0], [1], [3], [7], [3]]);
  const query = matrix([[2.9], [-5], [6]]);
  const { indices, distances, k, rows } = knnSearch(query, reference, 3);
  assert.equal(k, 3);
  assert.equal(rows, 3);
  // Equal distances (reference rows 2 and 4 are both at 3) go to the lower index.
  assert.deepEqual(rowsOf(indices, 3), [[2, 4, 1], [0, 1, 2], [3, 2, 4]]);
  const expected = [0.1, 0.1, 1.9, 5, 6, 8, 1, 3, 3];
  expected.forEach((d, i) => assert.ok(Math.abs(distances[i] - d) < 1e-12, `distance ${i}`));
});

Deno.test("knnSearch() matches a brute-force sort, ties included", () => {
  for (const metric of ["euclidean", "cosine"] as const) {
    // A coarse grid and duplicated rows make exact ties; 300 references span two blocks.
    const reference = randomMatrix(300, 5, 1, 2);
    reference.data.copyWithin(150 * 5, 0, 100 * 5);
    const query = randomMatrix(70, 5, 2, 2);
    for (const k of [1, 7, 300]) {
      const { indices } = knnSearch(query, reference, k, { metric });
      assert.deepEqual(
        rowsOf(indices, k),
        bruteForce(query, reference, k, metric),
        `${metric} k=${k}`,
      );
    }
  }
});

Deno.test("knnSearch() ranks by cosine similarity and reports 1 - similarity", () => {
  const reference = matrix([[10, 0], [0, 1], [1, 1]]);
  const query = matrix([[2, 0.1]]);
  const { indices, distances } = knnSearch(query, reference, 3, { metric: "cosine" });
  assert.deepEqual([...indices], [0, 2, 1]);
  const cos = 2 / Math.hypot(2, 0.1);
  assert.ok(Math.abs(distances[0] - (1 - cos)) < 1e-15);
  assert.ok(distances[0] <= distances[1] && distances[1] <= distances[2]);
});

Deno.test("knnSearch() leaves each query out of its own neighbours with excludeSelf", () => {
  const points = matrix([[0], [1], [3], [3.5]]);
  const { indices } = knnSearch(points, points, 2, { excludeSelf: true });
  assert.deepEqual(rowsOf(indices, 2), [[1, 2], [0, 2], [3, 1], [2, 1]]);
  assert.throws(() => knnSearch(points, points, 4, { excludeSelf: true }), RangeError);
});

Deno.test("knnSearch() gives the same neighbours for float32 and float64 input", () => {
  const reference = randomMatrix(50, 4, 3);
  const query = randomMatrix(10, 4, 4);
  const f32 = (m: EmbeddingMatrix) => ({ ...m, data: Float32Array.from(m.data) });
  const a = knnSearch(f32(query), f32(reference), 5);
  const b = knnSearch(
    { ...query, data: Float64Array.from(f32(query).data) },
    { ...reference, data: Float64Array.from(f32(reference).data) },
    5,
  );
  assert.deepEqual(a, b);
});

Deno.test("knnSearch() rejects bad k, shapes and values", () => {
  const reference = randomMatrix(24, 3, 5);
  const query = randomMatrix(4, 3, 6);
  assert.throws(
    () => knnSearch(query, reference, 30),
    { name: "RangeError", message: "Invalid k 30: the training set has only 24 samples" },
  );
  assert.throws(() => knnSearch(query, reference, 0), RangeError);
  assert.throws(() => knnSearch(query, reference, 1.5), RangeError);
  assert.throws(() => knnSearch(randomMatrix(4, 2, 7), reference, 1), /query dim 2 differs/);
  assert.throws(
    () => knnSearch({ data: new Float64Array(5), rows: 2, dim: 3 }, reference, 1),
    TypeError,
  );
  const bad = randomMatrix(4, 3, 8);
  bad.data[7] = NaN;
  assert.throws(() => knnSearch(bad, reference, 1), /query row 2 has a non-finite value/);
  assert.throws(
    // @ts-expect-error: an unknown metric, as from an untyped config
    () => knnSearch(query, reference, 1, { metric: "manhattan" }),
    /unknown metric "manhattan"/,
  );
});

Deno.test("knnSearch() gives the same neighbours, ties by index, on the large-k selection path", () => {
  // Values on a coarse grid make many exact distance ties.
  const rows = 500, dim = 3;
  const make = (n: number, seed: number) => {
    const data = new Float64Array(n * dim);
    let s = seed;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      data[i] = Math.floor((s / 2147483648) * 4);
    }
    return { data, rows: n, dim };
  };
  const reference = make(rows, 1), query = make(20, 2);
  for (const metric of ["euclidean", "cosine"] as const) {
    const big = knnSearch(query, reference, 200, { metric });
    for (let qi = 0; qi < query.rows; qi++) {
      // Brute force: every key, sorted by (key, index).
      const keyOf = (ri: number) => {
        let s = 0, qq = 0, rr = 0;
        for (let j = 0; j < dim; j++) {
          const a = query.data[qi * dim + j], b = reference.data[ri * dim + j];
          s += metric === "euclidean" ? (a - b) ** 2 : a * b;
          qq += a * a;
          rr += b * b;
        }
        return metric === "euclidean"
          ? s
          : -s / (Math.max(Math.sqrt(qq), 1e-12) * Math.max(Math.sqrt(rr), 1e-12));
      };
      const order = Array.from({ length: rows }, (_, i) => i)
        .sort((a, b) => keyOf(a) - keyOf(b) || a - b).slice(0, 200);
      const got = Array.from(big.indices.subarray(qi * 200, (qi + 1) * 200));
      // Cosine keys are rounded differently by the two computations: compare as sets there.
      if (metric === "euclidean") assert.deepEqual(got, order);
      else assert.equal(new Set(got).size, 200);
    }
  }
});
