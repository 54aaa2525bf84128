/**
 * UMAP's fit and transform on typed arrays: the fuzzy neighbour graph from exact nearest
 * neighbours, then stochastic gradient epochs over its edges. The same steps and constants
 * as umap-js 1.4.0 (whose curve fit of `a` and `b`, `findABParams`, is used as is), with
 * the three costs of umap-js at tens of thousands of points taken out: its approximate
 * neighbour search (exact neighbours here, `_neighbors.ts`), its sparse matrices keyed by
 * strings for the graph's union, and its arrays of arrays in the epochs.
 *
 * @module
 */
import { findABParams } from "umap-js/dist/umap.js";
import { knnSearch } from "../eval/knn.ts";
import { allNearestNeighbors } from "./_neighbors.ts";
import type { Rng } from "../random.ts";
import type { EmbeddingMatrix } from "../types.ts";

/** umap-js's tolerance of the smoothed-distance search, and its floor on a scale. */
const SMOOTH_K_TOLERANCE = 1e-5, MIN_K_DIST_SCALE = 1e-3;
/** Gradient clip, learning rate, repulsion and negative samples per positive (umap-js's). */
const CLIP = 4, LEARNING_RATE = 1, REPULSION = 1, NEGATIVE_SAMPLE_RATE = 5;

/** Weighted directed edges: `head[e]` is pulled towards `tail[e]` with `weight[e]`. */
export interface Edges {
  head: Int32Array;
  tail: Int32Array;
  weight: Float64Array;
}

/** umap-js's epochs for a fit of `rows` points: 500 up to 2,500, then 400, 300, 200. */
export function defaultEpochs(rows: number): number {
  return rows <= 2500 ? 500 : rows <= 5000 ? 400 : rows <= 7500 ? 300 : 200;
}

/**
 * Each row's distance to its nearest neighbour (`rho`, with `localConnectivity`) and the
 * scale (`sigma`) at which its neighbours' memberships sum to log2(k): umap-js's
 * `smoothKNNDistance`. The first neighbour of each row is skipped in the sum (in the fit,
 * the point itself).
 */
function smoothDistances(
  distances: Float64Array,
  rows: number,
  k: number,
  localConnectivity: number,
): { sigmas: Float64Array; rhos: Float64Array } {
  const target = Math.log2(k);
  const sigmas = new Float64Array(rows), rhos = new Float64Array(rows);
  let total = 0;
  for (let i = 0; i < distances.length; i++) total += distances[i];
  const meanAll = total / distances.length;
  for (let i = 0; i < rows; i++) {
    const row = distances.subarray(i * k, (i + 1) * k);
    const nonZero = Array.from(row).filter((d) => d > 0);
    const index = Math.floor(localConnectivity), interpolation = localConnectivity - index;
    if (nonZero.length >= localConnectivity) {
      if (index > 0) {
        rhos[i] = nonZero[index - 1];
        if (interpolation > SMOOTH_K_TOLERANCE) {
          rhos[i] += interpolation * (nonZero[index] - nonZero[index - 1]);
        }
      } else {
        rhos[i] = nonZero.length ? interpolation * nonZero[0] : 0;
      }
    } else if (nonZero.length > 0) {
      rhos[i] = Math.max(...nonZero);
    }
    let lo = 0, hi = Infinity, mid = 1;
    for (let iter = 0; iter < 64; iter++) {
      let sum = 0;
      for (let j = 1; j < k; j++) {
        const d = row[j] - rhos[i];
        sum += d > 0 ? Math.exp(-(d / mid)) : 1;
      }
      if (Math.abs(sum - target) < SMOOTH_K_TOLERANCE) break;
      if (sum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    let mean = 0;
    for (let j = 0; j < k; j++) mean += row[j];
    mean /= k;
    sigmas[i] = Math.max(mid, MIN_K_DIST_SCALE * (rhos[i] > 0 ? mean : meanAll));
  }
  return { sigmas, rhos };
}

/** A row's membership in each neighbour's fuzzy set (0 for itself), row-major. */
function memberships(
  indices: Int32Array,
  distances: Float64Array,
  rows: number,
  k: number,
  localConnectivity: number,
  selfRows: boolean,
): Float64Array {
  const { sigmas, rhos } = smoothDistances(distances, rows, k, localConnectivity);
  const values = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < k; j++) {
      const e = i * k + j, d = distances[e] - rhos[i];
      values[e] = selfRows && indices[e] === i ? 0 : d <= 0 ? 1 : Math.exp(-(d / sigmas[i]));
    }
  }
  return values;
}

/**
 * The fit's fuzzy graph: each point's k nearest neighbours (itself first), memberships,
 * and their fuzzy union w + w' - w w' over both directions (umap-js's `setOpMixRatio` 1),
 * as both directed edges of every pair with a weight above the largest over `nEpochs`.
 */
export function fuzzyGraph(m: EmbeddingMatrix, k: number, nEpochs: number): Edges {
  const rows = m.rows;
  // Each row itself first (distance 0), then its k - 1 nearest others.
  const others = allNearestNeighbors(m, k - 1);
  const indices = new Int32Array(rows * k), distances = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    indices[i * k] = i;
    indices.set(others.indices.subarray(i * (k - 1), (i + 1) * (k - 1)), i * k + 1);
    distances.set(others.distances.subarray(i * (k - 1), (i + 1) * (k - 1)), i * k + 1);
  }
  const w = memberships(indices, distances, rows, k, 1, true);
  // Each row's neighbours sorted by index, to find the reverse edge by binary search.
  const byIndex = new Int32Array(rows * k), weightByIndex = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    const order = Array.from({ length: k }, (_, j) => j)
      .sort((a, b) => indices[i * k + a] - indices[i * k + b]);
    order.forEach((j, at) => {
      byIndex[i * k + at] = indices[i * k + j];
      weightByIndex[i * k + at] = w[i * k + j];
    });
  }
  const reverse = (from: number, to: number): number => {
    let lo = from * k, hi = lo + k - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, v = byIndex[mid];
      if (v === to) return weightByIndex[mid];
      if (v < to) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  };
  const head: number[] = [], tail: number[] = [], weight: number[] = [];
  let max = 0;
  for (let i = 0; i < rows; i++) {
    for (let at = i * k; at < (i + 1) * k; at++) {
      const j = byIndex[at], a = weightByIndex[at];
      if (j === i || a === 0 && reverse(j, i) === 0) continue;
      const b = reverse(j, i);
      const union = a + b - a * b;
      // A pair both rows list is kept once per direction: from the row that lists it.
      head.push(i), tail.push(j), weight.push(union);
      if (b === 0) head.push(j), tail.push(i), weight.push(union);
      if (union > max) max = union;
    }
  }
  return keepAbove({ head, tail, weight }, max / nEpochs);
}

/** The edges whose weight is at least `floor`, as typed arrays. */
function keepAbove(e: { head: number[]; tail: number[]; weight: number[] }, floor: number) {
  const keep = e.weight.map((v, i) => v >= floor ? i : -1).filter((i) => i >= 0);
  return {
    head: Int32Array.from(keep, (i) => e.head[i]),
    tail: Int32Array.from(keep, (i) => e.tail[i]),
    weight: Float64Array.from(keep, (i) => e.weight[i]),
  };
}

/** Mantissa bits of {@linkcode powerOf}'s table: a relative error of about 1e-4. */
const POWER_BITS = 12;

/**
 * x^b for positive finite x, by two table lookups on x's exponent and top mantissa bits
 * (relative error about 1e-4, well below the noise of stochastic gradient steps): the
 * epochs take a power per positive and per negative sample, and `Math.pow` costs about ten
 * times as much.
 */
export function powerOf(b: number): (x: number) => number {
  const size = 1 << POWER_BITS;
  const mantissa = Float64Array.from({ length: size }, (_, i) => Math.pow(1 + (i + 0.5) / size, b));
  const exponent = Float64Array.from({ length: 2048 }, (_, e) => Math.pow(2, (e - 1023) * b));
  const bits = new Float64Array(1), words = new Uint32Array(bits.buffer);
  const high = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  return (x: number) => {
    bits[0] = x;
    const hi = words[high];
    return exponent[hi >>> 20] * mantissa[(hi >>> (20 - POWER_BITS)) & (size - 1)];
  };
}

/** What one run of epochs moves, and against what. */
export interface LayoutProblem {
  /** The edges, `head` into `moving`, `tail` into `fixed` (or `moving` when the same). */
  edges: Edges;
  /** Positions `[x0, y0, x1, y1, ...]` updated in place. */
  moving: Float64Array;
  /** The positions pulled towards and sampled as negatives (`moving` in a fit). */
  fixed: Float64Array;
  /** Epochs to run. */
  nEpochs: number;
  /** UMAP's `minDist`. */
  minDist: number;
  /** Random numbers in [0, 1): the negative samples. */
  rng: Rng;
  /** Called after each epoch. */
  onEpoch?: (done: number, total: number) => void;
}

/**
 * UMAP's stochastic gradient epochs (umap-js's `optimizeLayoutStep`): each edge pulls its
 * head towards its tail every `1 / weight`-scaled epochs, then pushes it away from
 * `NEGATIVE_SAMPLE_RATE` random points; the learning rate falls linearly to 0. In a fit
 * (`fixed` is `moving`) the tail moves too.
 */
export function optimizeLayout(p: LayoutProblem): void {
  const { head, tail, weight } = p.edges;
  const { moving, fixed, nEpochs, rng } = p;
  const moveOther = moving === fixed, vertices = fixed.length / 2;
  const { a, b } = findABParams(1, p.minDist);
  const pow = powerOf(b);
  let max = 0;
  for (const w of weight) if (w > max) max = w;
  const n = head.length;
  const perSample = new Float64Array(n), perNegative = new Float64Array(n);
  const nextSample = new Float64Array(n), nextNegative = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const samples = weight[e] / max * nEpochs;
    perSample[e] = samples > 0 ? nEpochs / samples : -1;
    perNegative[e] = nextNegative[e] = perSample[e] / NEGATIVE_SAMPLE_RATE;
    nextSample[e] = perSample[e];
  }
  const clip = (v: number) => v > CLIP ? CLIP : v < -CLIP ? -CLIP : v;
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    const alpha = LEARNING_RATE * (1 - epoch / nEpochs);
    for (let e = 0; e < n; e++) {
      if (nextSample[e] > epoch) continue;
      const j = head[e] * 2, k = tail[e] * 2;
      let dx = moving[j] - fixed[k], dy = moving[j + 1] - fixed[k + 1];
      const d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        const powB = pow(d2);
        const coeff = -2 * a * b * (powB / d2) / (a * powB + 1);
        const gx = clip(coeff * dx), gy = clip(coeff * dy);
        moving[j] += gx * alpha;
        moving[j + 1] += gy * alpha;
        if (moveOther) {
          fixed[k] -= gx * alpha;
          fixed[k + 1] -= gy * alpha;
        }
      }
      nextSample[e] += perSample[e];
      const negatives = Math.floor((epoch - nextNegative[e]) / perNegative[e]);
      for (let s = 0; s < negatives; s++) {
        const o = Math.floor(rng.next() * vertices) * 2;
        dx = moving[j] - fixed[o];
        dy = moving[j + 1] - fixed[o + 1];
        const dd = dx * dx + dy * dy;
        if (dd > 0) {
          const coeff = 2 * REPULSION * b / ((0.001 + dd) * (a * pow(dd) + 1));
          moving[j] += clip(coeff * dx) * alpha;
          moving[j + 1] += clip(coeff * dy) * alpha;
        } else if (o !== j || !moveOther) {
          moving[j] += CLIP * alpha;
          moving[j + 1] += CLIP * alpha;
        }
      }
      nextNegative[e] += negatives * perNegative[e];
    }
    p.onEpoch?.(epoch + 1, nEpochs);
  }
}

/**
 * New points placed into a fitted layout (umap-js's `transform`): their `k` exact nearest
 * fitted neighbours, a start at the membership-weighted mean of those neighbours'
 * positions, then `nEpochs` epochs that move only the new points.
 */
export function transformLayout(
  query: EmbeddingMatrix,
  fitted: EmbeddingMatrix,
  layout: Float64Array,
  k: number,
  nEpochs: number,
  minDist: number,
  rng: Rng,
): Float64Array {
  const { indices, distances } = knnSearch(query, fitted, k);
  const rows = query.rows;
  const w = memberships(indices, distances, rows, k, 0, false);
  const placed = new Float64Array(rows * 2);
  const head: number[] = [], tail: number[] = [], weight: number[] = [];
  let max = 0;
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += w[i * k + j];
    for (let j = 0; j < k; j++) {
      const e = i * k + j, to = indices[e], share = sum > 0 ? w[e] / sum : 1 / k;
      placed[i * 2] += share * layout[to * 2];
      placed[i * 2 + 1] += share * layout[to * 2 + 1];
      if (w[e] > 0) head.push(i), tail.push(to), weight.push(w[e]);
      if (w[e] > max) max = w[e];
    }
  }
  const edges = keepAbove({ head, tail, weight }, max / nEpochs);
  optimizeLayout({ edges, moving: placed, fixed: layout, nEpochs, minDist, rng });
  return placed;
}
