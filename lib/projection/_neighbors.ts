/**
 * The exact k nearest neighbours of every row among the rows of one matrix, for the input
 * affinities of t-SNE. Squared distances come as `|a|^2 + |b|^2 - 2 a·b`, the dot products
 * four rows by four at a time (sixteen running sums that stay in registers, each value
 * loaded once per four products), each pair of blocks once for both of its rows.
 * Where a BLAS loads (`loadBlas`), the dot products come from its `dgemm` instead, a block
 * of rows against all rows at a time, on every core: the same neighbours up to the last
 * bits of the distances (ties broken alike). Deterministic; equal distances go to the
 * lower index.
 *
 * @module
 */
import { type Blas, loadBlas } from "../backend/blas.ts";
import type { EmbeddingMatrix } from "../types.ts";

/** Each row's k nearest other rows, nearest first, and their distances. */
export interface Neighbors {
  /** `rows x k` row indices. */
  indices: Int32Array;
  /** `rows x k` Euclidean distances (not squared). */
  distances: Float64Array;
}

/** Rows per block: four query rows against four candidate rows. */
const BLOCK = 4;
/** Query rows per BLAS product (a `GEMM_ROWS x rows` block of dot products). */
const GEMM_ROWS = 128;

/** The system BLAS, or null where none loads (the products are then our own). */
function blasOrNull(): Blas | null {
  try {
    return loadBlas();
  } catch {
    return null;
  }
}

/**
 * The exact `k` nearest neighbours of each row of `m` among the other rows, by Euclidean
 * distance; the returned distances are recomputed directly for the chosen pairs.
 *
 * @param m The rows.
 * @param k Neighbours per row, `1 <= k < rows`.
 * @param useBlas Whether to take the dot products from the system BLAS where one loads
 * (default); false computes them in JavaScript.
 * @returns Indices and distances, `rows x k`, nearest first.
 * @throws {RangeError} On a bad `k` or a value that is not finite.
 */
export function allNearestNeighbors(
  m: EmbeddingMatrix,
  k: number,
  useBlas: boolean = true,
): Neighbors {
  const { rows: n, dim } = m;
  if (!Number.isInteger(k) || k < 1 || k >= n) {
    throw new RangeError(`Invalid neighbour count ${k}: give 1 to ${n - 1} for ${n} rows`);
  }
  // Padded to whole blocks with copies of the last row (never offered: j < n is checked).
  const padded = Math.ceil(n / BLOCK) * BLOCK;
  const data = new Float64Array(padded * dim);
  for (let i = 0; i < padded * dim; i++) {
    const v = m.data[i < n * dim ? i : (n - 1) * dim + (i % dim)];
    if (!Number.isFinite(v)) {
      throw new RangeError(`Cannot search neighbours: value ${v} at row ${Math.floor(i / dim)}`);
    }
    data[i] = v;
  }
  const norms = new Float64Array(padded);
  for (let i = 0; i < padded; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[i * dim + d] * data[i * dim + d];
    norms[i] = s;
  }
  const keys = new Float64Array(n * k).fill(Infinity);
  const indices = new Int32Array(n * k).fill(-1);
  const blas = useBlas ? blasOrNull() : null;
  const search: Search = { data, n, dim, norms, k, keys, indices };
  if (blas) gemmSearch(blas, search);
  else blockSearch(search);
  sortRows(keys, indices, n, k);
  const distances = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const v = data[i * dim + d] - data[j * dim + d];
        s += v * v;
      }
      distances[i * k + t] = Math.sqrt(s);
    }
  }
  return { indices, distances };
}

/** A search's rows (padded), their squared norms, and each row's top k so far (heaps). */
interface Search {
  data: Float64Array;
  n: number;
  dim: number;
  norms: Float64Array;
  k: number;
  keys: Float64Array;
  indices: Int32Array;
}

/** Every row's top k by squared distance, each pair of four-row blocks once for both. */
function blockSearch({ data, n, dim, norms, k, keys, indices }: Search): void {
  const dots = new Float64Array(BLOCK * BLOCK);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    for (let j0 = i0; j0 < n; j0 += BLOCK) {
      dotBlock(data, dim, i0, j0, dots);
      for (let a = 0; a < BLOCK && i0 + a < n; a++) {
        const i = i0 + a;
        for (let b = 0; b < BLOCK && j0 + b < n; b++) {
          const j = j0 + b;
          if (j0 === i0 ? j <= i : false) continue;
          const key = Math.max(0, norms[i] + norms[j] - 2 * dots[a * BLOCK + b]);
          if (key <= keys[i * k]) offer(keys, indices, i * k, k, key, j);
          if (key <= keys[j * k]) offer(keys, indices, j * k, k, key, i);
        }
      }
    }
  }
}

/** Every row's top k, from `GEMM_ROWS` rows' dot products with all rows at a time. */
function gemmSearch(blas: Blas, { data, n, dim, norms, k, keys, indices }: Search): void {
  const all = data.subarray(0, n * dim);
  const block = new Float64Array(Math.min(GEMM_ROWS, n) * n);
  for (let i0 = 0; i0 < n; i0 += GEMM_ROWS) {
    const rows = Math.min(GEMM_ROWS, n - i0);
    blas.dgemm(false, true, rows, n, dim, data.subarray(i0 * dim, (i0 + rows) * dim), all, block);
    for (let a = 0; a < rows; a++) {
      const i = i0 + a, base = i * k, row = a * n, ni = norms[i];
      let worst = keys[base];
      for (let j = 0; j < n; j++) {
        const key = ni + norms[j] - 2 * block[row + j];
        if (key <= worst && j !== i) {
          offer(keys, indices, base, k, Math.max(0, key), j);
          worst = keys[base];
        }
      }
    }
  }
}

/** The 16 dot products of rows `i0..i0+3` with rows `j0..j0+3` into `out`, row-major. */
function dotBlock(data: Float64Array, dim: number, i0: number, j0: number, out: Float64Array) {
  const a0 = i0 * dim, a1 = a0 + dim, a2 = a1 + dim, a3 = a2 + dim;
  const b0 = j0 * dim, b1 = b0 + dim, b2 = b1 + dim, b3 = b2 + dim;
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let d = 0; d < dim; d++) {
    const x0 = data[a0 + d], x1 = data[a1 + d], x2 = data[a2 + d], x3 = data[a3 + d];
    const y0 = data[b0 + d], y1 = data[b1 + d], y2 = data[b2 + d], y3 = data[b3 + d];
    s00 += x0 * y0, s01 += x0 * y1, s02 += x0 * y2, s03 += x0 * y3;
    s10 += x1 * y0, s11 += x1 * y1, s12 += x1 * y2, s13 += x1 * y3;
    s20 += x2 * y0, s21 += x2 * y1, s22 += x2 * y2, s23 += x2 * y3;
    s30 += x3 * y0, s31 += x3 * y1, s32 += x3 * y2, s33 += x3 * y3;
  }
  out[0] = s00, out[1] = s01, out[2] = s02, out[3] = s03;
  out[4] = s10, out[5] = s11, out[6] = s12, out[7] = s13;
  out[8] = s20, out[9] = s21, out[10] = s22, out[11] = s23;
  out[12] = s30, out[13] = s31, out[14] = s32, out[15] = s33;
}

/** Whether (key a, index i) ranks after (key b, index j): farther, or as far and a higher index. */
function after(a: number, i: number, b: number, j: number): boolean {
  return a > b || (a === b && i > j);
}

/**
 * Offers candidate `j` at squared distance `key` to the top k from `base`, kept as a max-heap
 * on (key, index) with the worst at `base`: it replaces the worst when it ranks before it.
 */
function offer(
  keys: Float64Array,
  indices: Int32Array,
  base: number,
  k: number,
  key: number,
  j: number,
): void {
  if (!after(keys[base], indices[base], key, j)) return;
  let at = 0;
  for (;;) {
    const left = 2 * at + 1;
    if (left >= k) break;
    const right = left + 1;
    let child = base + left;
    if (
      right < k && after(keys[base + right], indices[base + right], keys[child], indices[child])
    ) {
      child = base + right;
    }
    if (!after(keys[child], indices[child], key, j)) break;
    keys[base + at] = keys[child];
    indices[base + at] = indices[child];
    at = child - base;
  }
  keys[base + at] = key;
  indices[base + at] = j;
}

/** Sorts each row's heap of k candidates nearest first (ties: lower index first). */
function sortRows(keys: Float64Array, indices: Int32Array, n: number, k: number): void {
  const order = Array.from({ length: k }, (_, t) => t);
  const rowKeys = new Float64Array(k), rowIndices = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    order.sort((a, b) => keys[base + a] - keys[base + b] || indices[base + a] - indices[base + b]);
    for (let t = 0; t < k; t++) {
      rowKeys[t] = keys[base + order[t]];
      rowIndices[t] = indices[base + order[t]];
    }
    keys.set(rowKeys, base);
    indices.set(rowIndices, base);
    for (let t = 0; t < k; t++) order[t] = t;
  }
}
