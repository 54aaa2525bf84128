/**
 * The parts of Barnes-Hut t-SNE (`barnesHutTsne` in tsne_bh.ts) that are tested against
 * brute force on their own: sparse input affinities and the quadtree repulsion.
 *
 * @module
 */
import { createRng } from "../random.ts";
import type { EmbeddingMatrix } from "../types.ts";
import { projectPca } from "./pca.ts";
import { allNearestNeighbors } from "./_neighbors.ts";

/** Below this cell depth, distinct points share a leaf (they are 2^-48 of the layout apart). */
const MAX_DEPTH = 48;

/** Sparse symmetric input affinities P (rows sum to 1 over the whole matrix), CSR. */
export interface SparseP {
  rowStart: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/**
 * Conditional affinities p(j|i) over each row's k nearest neighbours (`distances`, `n x
 * k`, nearest first, not squared): a Gaussian per row on the squared distances, its width
 * found by bisection so that its entropy is log(perplexity). Rows sum to 1.
 */
export function conditionalAffinities(
  distances: Float64Array,
  n: number,
  k: number,
  perplexity: number,
): Float64Array {
  const cond = new Float64Array(n * k);
  const target = Math.log(perplexity);
  const d2 = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    // Shifted by the nearest distance: the same p(j|i), but exp() cannot underflow to 0/0.
    const nearest = distances[base] * distances[base];
    let mean = 0;
    for (let t = 0; t < k; t++) {
      d2[t] = distances[base + t] * distances[base + t] - nearest;
      mean += d2[t];
    }
    mean /= k;
    let beta = mean > 0 ? 1 / mean : 1, lo = 0, hi = Infinity;
    for (let step = 0; step < 200; step++) {
      let sum = 0, weighted = 0;
      for (let t = 0; t < k; t++) {
        const p = Math.exp(-beta * d2[t]);
        cond[base + t] = p;
        sum += p;
        weighted += p * d2[t];
      }
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      const diff = entropy - target;
      for (let t = 0; t < k; t++) cond[base + t] /= sum;
      if (Math.abs(diff) < 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
  }
  return cond;
}

/**
 * The perplexity t-SNE can use for `n` points: null below 3 points (the caller lays them on
 * a line), else `perplexity` lowered to (n - 1) / 3 where it needs more than 3 x perplexity
 * neighbours; each change a warning.
 */
export function fittedPerplexity(n: number, perplexity: number, warnings: string[]): number | null {
  if (n < 3) {
    warnings.push(`t-SNE needs at least 3 points, got ${n}: placed them on a line`);
    return null;
  }
  if (n > 3 * perplexity) return perplexity;
  const lowered = Math.max(1, Math.floor((n - 1) / 3));
  warnings.push(
    `t-SNE perplexity lowered from ${perplexity} to ${lowered}: only ${n} points ` +
      `(it needs more than 3 x perplexity)`,
  );
  return lowered;
}

/**
 * KL(P || Q) of a layout `y` (`[x0, y0, x1, ...]`): P the sparse input affinities, Q the
 * Student-t affinities with normaliser `z`.
 */
export function klOf(p: SparseP, y: Float64Array, z: number): number {
  const { rowStart, cols, values } = p;
  let kl = 0;
  for (let i = 0; i + 1 < rowStart.length; i++) {
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      const j = cols[e];
      const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / ((1 + dx * dx + dy * dy) * z);
      if (values[e] > 0) kl += values[e] * Math.log(values[e] / Math.max(q, 1e-300));
    }
  }
  return kl;
}

/**
 * Conditional affinities p(j|i) over the exact k nearest neighbours (`allNearestNeighbors`,
 * {@linkcode conditionalAffinities}); then P = (p(j|i) + p(i|j)) / 2N.
 */
export function inputAffinities(m: EmbeddingMatrix, k: number, perplexity: number): SparseP {
  const n = m.rows;
  const { indices, distances } = allNearestNeighbors(m, k);
  const cond = conditionalAffinities(distances, n, k, perplexity);
  // Transpose the k-NN graph, so that each row also sees who has it as a neighbour.
  const inStart = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) inStart[indices[e] + 1]++;
  for (let i = 0; i < n; i++) inStart[i + 1] += inStart[i];
  const inFrom = new Int32Array(n * k), inValue = new Float64Array(n * k);
  const fill = inStart.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t], at = fill[j]++;
      inFrom[at] = i;
      inValue[at] = cond[i * k + t];
    }
  }
  const rowStart = new Int32Array(n + 1);
  const cols = new Int32Array(2 * n * k), values = new Float64Array(2 * n * k);
  const slot = new Int32Array(n).fill(-1);
  const scale = 1 / (2 * n);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    const start = nnz;
    const add = (j: number, v: number) => {
      if (slot[j] >= 0) values[slot[j]] += v * scale;
      else {
        slot[j] = nnz;
        cols[nnz] = j;
        values[nnz++] = v * scale;
      }
    };
    for (let t = 0; t < k; t++) add(indices[i * k + t], cond[i * k + t]);
    for (let at = inStart[i]; at < inStart[i + 1]; at++) add(inFrom[at], inValue[at]);
    for (let e = start; e < nnz; e++) slot[cols[e]] = -1;
    rowStart[i + 1] = nnz;
  }
  return { rowStart, cols: cols.slice(0, nnz), values: values.slice(0, nnz) };
}

/** The bounding box of the layout `y` (row-interleaved x0, y0, x1, y1, ...) of `n` points. */
export function layoutBounds(y: Float64Array, n: number) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const px = y[2 * i], py = y[2 * i + 1];
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
  }
  return { minX, minY, maxX, maxY };
}

/**
 * A point quadtree in flat typed arrays, rebuilt in place each iteration. Node 0 is the
 * root; a node's four children are consecutive from `child[node]` (0: a leaf). A leaf
 * holds one point, or several at the same place (duplicates, or below `MAX_DEPTH`).
 */
export class QuadTree {
  child: Int32Array;
  count: Int32Array;
  point: Int32Array;
  /** Sums of coordinates while building. */
  massX: Float64Array;
  massY: Float64Array;
  centerX: Float64Array;
  centerY: Float64Array;
  half: Float64Array;
  /** Per node, for the traversal: centre of mass x and y, squared cell width, count. */
  packed: Float64Array = new Float64Array(0);
  size = 0;
  stack: Int32Array;

  constructor(points: number) {
    const capacity = Math.max(16, 4 * points);
    this.child = new Int32Array(capacity);
    this.count = new Int32Array(capacity);
    this.point = new Int32Array(capacity);
    this.massX = new Float64Array(capacity);
    this.massY = new Float64Array(capacity);
    this.centerX = new Float64Array(capacity);
    this.centerY = new Float64Array(capacity);
    this.half = new Float64Array(capacity);
    this.stack = new Int32Array(4 * MAX_DEPTH + 8);
  }

  private grow(): void {
    const capacity = this.child.length * 2;
    const more = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity);
      b.set(a);
      return b;
    };
    this.child = more(this.child);
    this.count = more(this.count);
    this.point = more(this.point);
    this.massX = more(this.massX);
    this.massY = more(this.massY);
    this.centerX = more(this.centerX);
    this.centerY = more(this.centerY);
    this.half = more(this.half);
  }

  private reset(node: number, cx: number, cy: number, half: number): void {
    this.child[node] = 0;
    this.count[node] = 0;
    this.point[node] = -1;
    this.massX[node] = 0;
    this.massY[node] = 0;
    this.centerX[node] = cx;
    this.centerY[node] = cy;
    this.half[node] = half;
  }

  build(y: Float64Array, n: number): void {
    const { minX, minY, maxX, maxY } = layoutBounds(y, n);
    const rootHalf = Math.max(maxX - minX, maxY - minY, 1e-12) * (0.5 + 1e-9);
    this.size = 1;
    this.reset(0, (minX + maxX) / 2, (minY + maxY) / 2, rootHalf);
    for (let i = 0; i < n; i++) this.insert(i, y);
    // Pack what the traversal reads into one stride-4 array: one cache line per node.
    if (this.packed.length < 4 * this.size) this.packed = new Float64Array(4 * this.child.length);
    const { count, massX, massY, half, packed } = this;
    for (let node = 0; node < this.size; node++) {
      const c = count[node];
      packed[4 * node] = c > 0 ? massX[node] / c : 0;
      packed[4 * node + 1] = c > 0 ? massY[node] / c : 0;
      packed[4 * node + 2] = 4 * half[node] * half[node];
      packed[4 * node + 3] = c;
    }
  }

  private insert(p: number, y: Float64Array): void {
    const px = y[2 * p], py = y[2 * p + 1];
    let node = 0;
    for (let depth = 0;; depth++) {
      this.count[node]++;
      this.massX[node] += px;
      this.massY[node] += py;
      if (this.child[node] !== 0) {
        node = this.child[node] + this.quadrant(node, px, py);
        continue;
      }
      if (this.count[node] === 1) {
        this.point[node] = p;
        return;
      }
      const q = this.point[node], qx = y[2 * q], qy = y[2 * q + 1];
      if ((qx === px && qy === py) || depth >= MAX_DEPTH) return;
      // Split the leaf: its earlier points (copies of q) move to one child, p goes on down.
      if (this.size + 4 > this.child.length) this.grow();
      const base = this.size;
      this.size += 4;
      const h = this.half[node] / 2, cx = this.centerX[node], cy = this.centerY[node];
      for (let c = 0; c < 4; c++) {
        this.reset(base + c, c & 1 ? cx + h : cx - h, c & 2 ? cy + h : cy - h, h);
      }
      this.child[node] = base;
      const moved = base + this.quadrant(node, qx, qy);
      this.count[moved] = this.count[node] - 1;
      this.massX[moved] = this.massX[node] - px;
      this.massY[moved] = this.massY[node] - py;
      this.point[moved] = q;
      node = base + this.quadrant(node, px, py);
    }
  }

  private quadrant(node: number, px: number, py: number): number {
    return (px >= this.centerX[node] ? 1 : 0) | (py >= this.centerY[node] ? 2 : 0);
  }

  /**
   * Adds the repulsion on point i, sum_j q_ij^2 (y_i - y_j) with q_ij = 1 / (1 + d_ij^2)
   * unnormalised, into `force[2i..2i+1]`, and returns sum_j q_ij (including i itself: 1).
   */
  repulsion(i: number, y: Float64Array, theta2: number, force: Float64Array): number {
    const { child, packed, stack } = this;
    const xi = y[2 * i], yi = y[2 * i + 1];
    let sumQ = 0, fx = 0, fy = 0, top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const at = 4 * node;
      const dx = xi - packed[at], dy = yi - packed[at + 1];
      const d2 = dx * dx + dy * dy;
      const first = child[node];
      if (first === 0 || packed[at + 2] < theta2 * d2) {
        const q = 1 / (1 + d2), nq = packed[at + 3] * q, nq2 = nq * q;
        sumQ += nq;
        fx += nq2 * dx;
        fy += nq2 * dy;
      } else {
        for (let c = first; c < first + 4; c++) if (packed[4 * c + 3] > 0) stack[top++] = c;
      }
    }
    force[2 * i] = fx;
    force[2 * i + 1] = fy;
    return sumQ;
  }
}

/**
 * One gradient step of coordinate `c` with momentum and per-coordinate gains (the
 * delta-bar-delta rule of the reference t-SNE: a gain grows by 0.2 while the gradient's
 * sign opposes the last update, else shrinks by 0.8, never below 0.01); updates `gains`,
 * `update` and `y` in place.
 *
 * @param c The coordinate.
 * @param g Its gradient.
 * @param y The coordinates.
 * @param update The last update of each coordinate.
 * @param gains The gain of each coordinate.
 * @param momentum The momentum.
 * @param learningRate The learning rate.
 */
export function gainStep(
  c: number,
  g: number,
  y: Float64Array,
  update: Float64Array,
  gains: Float64Array,
  momentum: number,
  learningRate: number,
): void {
  const u = update[c];
  let gain = (g > 0) !== (u > 0) ? gains[c] + 0.2 : gains[c] * 0.8;
  if (gain < 0.01) gain = 0.01;
  gains[c] = gain;
  const step = momentum * u - learningRate * gain * g;
  update[c] = step;
  y[c] += step;
}

/** Moves the layout `y` of `n` points so that its mean is the origin. */
export function recentre(y: Float64Array, n: number): void {
  let meanX = 0, meanY = 0;
  for (let c = 0; c < 2 * n; c++) {
    if (c & 1) meanY += y[c];
    else meanX += y[c];
  }
  meanX /= n;
  meanY /= n;
  for (let i = 0; i < n; i++) (y[2 * i] -= meanX), (y[2 * i + 1] -= meanY);
}

/** The layout of inputs too small for t-SNE: the points in a row, 1 apart. */
export function rowLayout(n: number): { x: Float64Array; y: Float64Array } {
  return { x: Float64Array.from({ length: n }, (_, i) => i), y: new Float64Array(n) };
}

/** How `barnesHutTsne` and `fftTsne` place the points before optimising. */
export type TsneInit = "pca" | "random";

const INIT_SCALE = 1e-4;
/** The initial layout, row-interleaved (x0, y0, x1, y1, ...), and the init really used. */
export function initialLayout(
  m: EmbeddingMatrix,
  init: TsneInit,
  seed: number,
): { y: Float64Array; init: TsneInit } {
  const n = m.rows, y = new Float64Array(2 * n);
  if (init === "pca") {
    const { x, y: second } = projectPca(m);
    let mean = 0, variance = 0;
    for (let i = 0; i < n; i++) mean += x[i];
    mean /= n;
    for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2;
    const sd = Math.sqrt(variance / n);
    if (sd > 0 && Number.isFinite(sd)) {
      for (let i = 0; i < n; i++) {
        y[2 * i] = (x[i] * INIT_SCALE) / sd;
        y[2 * i + 1] = (second[i] * INIT_SCALE) / sd;
      }
      return { y, init };
    }
  }
  const rng = createRng(seed);
  for (let i = 0; i < 2 * n; i++) y[i] = rng.normal() * INIT_SCALE;
  return { y, init: "random" };
}

/** The options both large-set t-SNEs (FFT and Barnes-Hut) share. */
export interface TsneCommonOptions {
  seed: number;
  perplexity?: number;
  iterations?: number;
  learningRate?: number;
  init?: TsneInit;
  onProgress?: (done: number, total: number) => void;
}

/** Checks the options both large-set t-SNEs share and fills in their defaults. */
export function checkTsneOptions(m: EmbeddingMatrix, options: TsneCommonOptions) {
  const { data, rows: n, dim } = m;
  const { seed, iterations = 1000, onProgress } = options;
  const perplexity = options.perplexity ?? 30;
  if (data.length !== n * dim) {
    throw new RangeError(
      `Cannot project with t-SNE: ${data.length} values is not ${n} rows x ${dim} dims`,
    );
  }
  if (!(perplexity > 0) || !Number.isFinite(perplexity)) {
    throw new RangeError(`Invalid t-SNE perplexity ${perplexity}: must be positive`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`Invalid t-SNE iterations ${iterations}: give a positive integer`);
  }
  const learningRate = options.learningRate ?? Math.max(n / 12, 200);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`Invalid t-SNE learningRate ${learningRate}: must be positive`);
  }
  const init = options.init ?? "pca";
  if (init !== "pca" && init !== "random") {
    throw new RangeError(`Invalid t-SNE init "${init}": use "pca" or "random"`);
  }
  return { seed, perplexity, iterations, learningRate, init, onProgress };
}
