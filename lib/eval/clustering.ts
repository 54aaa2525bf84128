/**
 * Cluster agreement scores (NMI, AMI, as scikit-learn with arithmetic-mean
 * normalisation) and a seeded k-means (k-means++ initialisation, Lloyd iterations).
 *
 * @module
 */
import type { EmbeddingMatrix } from "../types.ts";
import { createRng, type Rng } from "../random.ts";
import { checkLabels, checkMatrix, toFloat64 } from "./_validate.ts";

/** A contingency table in sparse, row-major form, with its margins. */
interface Contingency {
  n: number;
  /** Row sums (sizes of the classes of `a`), in increasing label order. */
  rowSums: Float64Array;
  /** Column sums (sizes of the classes of `b`). */
  colSums: Float64Array;
  /** Non-zero cells in row-major order: row, column and count. */
  cellRows: Int32Array;
  cellCols: Int32Array;
  cellCounts: Float64Array;
}

/** Maps labels to 0..u-1 in increasing value order. */
function denseCodes(labels: ArrayLike<number>): { codes: Int32Array; size: number } {
  const unique = Array.from(new Set(Array.from(labels))).sort((x, y) => x - y);
  const index = new Map(unique.map((v, i) => [v, i]));
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) codes[i] = index.get(labels[i])!;
  return { codes, size: unique.length };
}

function contingency(a: ArrayLike<number>, b: ArrayLike<number>): Contingency {
  const ca = denseCodes(a), cb = denseCodes(b);
  const n = a.length;
  const pairs = new Float64Array(n);
  for (let i = 0; i < n; i++) pairs[i] = ca.codes[i] * cb.size + cb.codes[i];
  pairs.sort();
  const rows: number[] = [], cols: number[] = [], counts: number[] = [];
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && pairs[j] === pairs[i]) j++;
    rows.push(Math.floor(pairs[i] / cb.size));
    cols.push(pairs[i] % cb.size);
    counts.push(j - i);
    i = j;
  }
  const rowSums = new Float64Array(ca.size), colSums = new Float64Array(cb.size);
  for (let c = 0; c < counts.length; c++) {
    rowSums[rows[c]] += counts[c];
    colSums[cols[c]] += counts[c];
  }
  return {
    n,
    rowSums,
    colSums,
    cellRows: Int32Array.from(rows),
    cellCols: Int32Array.from(cols),
    cellCounts: Float64Array.from(counts),
  };
}

/** Mutual information in nats from a contingency table, as sklearn's `mutual_info_score`. */
function mutualInfo(t: Contingency): number {
  if (t.rowSums.length === 1 || t.colSums.length === 1) return 0;
  const logN = Math.log(t.n);
  let mi = 0;
  for (let c = 0; c < t.cellCounts.length; c++) {
    const nij = t.cellCounts[c];
    const p = nij / t.n;
    const outer = t.rowSums[t.cellRows[c]] * t.colSums[t.cellCols[c]];
    const term = p * (Math.log(nij) - logN) + p * (-Math.log(outer) + logN + logN);
    // sklearn zeroes each term below machine epsilon before summing.
    if (Math.abs(term) >= Number.EPSILON) mi += term;
  }
  return Math.max(mi, 0);
}

/** Shannon entropy in nats of a labelling given its class sizes. */
function entropy(sizes: Float64Array, n: number): number {
  if (n === 0) return 1;
  const logN = Math.log(n);
  let h = 0;
  for (const s of sizes) if (s > 0) h -= (s / n) * (Math.log(s) - logN);
  return h;
}

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, action: string): void {
  checkLabels(a, a?.length ?? 0, action, "first labelling");
  checkLabels(b, a.length, action, "second labelling");
}

/**
 * Normalized mutual information of two labellings, `MI(a, b) / mean(H(a), H(b))`
 * (sklearn's `normalized_mutual_info_score`, `average_method="arithmetic"`).
 * Two labellings that are each a single cluster (or empty) score 1; MI = 0 scores 0.
 *
 * @param a One labelling (e.g. the true classes); any integers.
 * @param b Another labelling of the same items (e.g. cluster ids).
 * @returns A score in [0, 1]; 1 when the partitions are equal up to renaming.
 * @throws {TypeError} When lengths differ or a label is not an integer.
 *
 * @example
 * ```ts
 * import { normalizedMutualInfo } from "./clustering.ts";
 * const nmi = normalizedMutualInfo(new Int32Array([0, 0, 1, 1]), new Int32Array([5, 5, 2, 2]));
 * if (Math.abs(nmi - 1) > 1e-15) throw new Error("renamed clusters should score 1");
 * ```
 */
export function normalizedMutualInfo(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, "Cannot compute NMI");
  const t = contingency(a, b);
  const ra = t.rowSums.length, rb = t.colSums.length;
  if ((ra === 1 && rb === 1) || (ra === 0 && rb === 0)) return 1;
  const mi = mutualInfo(t);
  if (mi === 0) return 0;
  const normalizer = (entropy(t.rowSums, t.n) + entropy(t.colSums, t.n)) / 2;
  return mi / normalizer;
}

/**
 * Adjusted mutual information of two labellings (sklearn's `adjusted_mutual_info_score`,
 * `average_method="arithmetic"`): `(MI - E[MI]) / (mean(H(a), H(b)) - E[MI])`, where
 * E[MI] is the expected mutual information of two random labellings with the same
 * cluster sizes under the hypergeometric model (Vinh, Epps & Bailey, JMLR 2010).
 *
 * @param a One labelling (e.g. the true classes); any integers.
 * @param b Another labelling of the same items (e.g. cluster ids).
 * @returns 1 for identical partitions, about 0 for independent ones, possibly negative.
 * @throws {TypeError} When lengths differ or a label is not an integer.
 *
 * @example
 * ```ts
 * import { adjustedMutualInfo } from "./clustering.ts";
 * const ami = adjustedMutualInfo(new Int32Array([0, 0, 1, 1, 2, 2]), new Int32Array([1, 1, 0, 0, 2, 2]));
 * if (Math.abs(ami - 1) > 1e-12) throw new Error("equal partitions should score 1");
 * ```
 */
export function adjustedMutualInfo(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, "Cannot compute AMI");
  const t = contingency(a, b);
  const ra = t.rowSums.length, rb = t.colSums.length;
  if ((ra === 1 && rb === 1) || (ra === 0 && rb === 0)) return 1;
  const mi = mutualInfo(t);
  const emi = expectedMutualInfo(t.rowSums, t.colSums, t.n);
  const normalizer = (entropy(t.rowSums, t.n) + entropy(t.colSums, t.n)) / 2;
  let denominator = normalizer - emi;
  // As sklearn: keep the sign, avoid 0/0 when the expectation equals the maximum.
  denominator = denominator < 0
    ? Math.min(denominator, -Number.EPSILON)
    : Math.max(denominator, Number.EPSILON);
  return (mi - emi) / denominator;
}

/**
 * Expected mutual information of two labellings with margins `a` and `b` over `n` items:
 * Σ_ij Σ_nij (nij/N) log(N nij / (a_i b_j)) · P(nij), P hypergeometric, in log space.
 */
function expectedMutualInfo(a: Float64Array, b: Float64Array, n: number): number {
  if (a.length === 1 || b.length === 1) return 0;
  const lf = logFactorials(n);
  const logN = Math.log(n);
  let emi = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    const logA = Math.log(ai);
    for (let j = 0; j < b.length; j++) {
      const bj = b[j];
      const logB = Math.log(bj);
      const fixed = lf[ai] + lf[bj] + lf[n - ai] + lf[n - bj] - lf[n];
      const start = Math.max(1, ai - n + bj), end = Math.min(ai, bj);
      for (let nij = start; nij <= end; nij++) {
        const term2 = logN + Math.log(nij) - logA - logB;
        const logP = fixed - lf[nij] - lf[ai - nij] - lf[bj - nij] - lf[n - ai - bj + nij];
        emi += (nij / n) * term2 * Math.exp(logP);
      }
    }
  }
  return emi;
}

/**
 * `log(k!)` for k = 0..n: summed logs below 32, then the Stirling series of ln Γ(k + 1),
 * which at k >= 32 is accurate to float64 rounding.
 */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let k = 1; k <= Math.min(n, 31); k++) out[k] = out[k - 1] + Math.log(k);
  for (let k = 32; k <= n; k++) {
    const x = k + 1;
    const r = 1 / x, r2 = r * r;
    const series = r *
      (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188)))));
    out[k] = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
  }
  return out;
}

/** Options of {@linkcode kMeans}. */
export interface KMeansOptions {
  /**
   * Seed of the k-means++ initialisation; equal seeds give equal results.
   * @default {0}
   */
  seed?: number;
  /**
   * Independent initialisations; the one with the lowest inertia is kept.
   * @default {10}
   */
  nInit?: number;
  /**
   * Lloyd iterations per initialisation at most.
   * @default {300}
   */
  maxIter?: number;
  /**
   * Convergence: stop when the summed squared centre shift is at most
   * `tol * mean per-feature variance of the data` (sklearn's rule), or when no label changes.
   * @default {1e-4}
   */
  tol?: number;
}

/** What {@linkcode kMeans} returns. */
export interface KMeansResult {
  /** Cluster of each row, in [0, k). */
  labels: Int32Array;
  /** The k centres, `k x dim`. */
  centers: EmbeddingMatrix;
  /** Sum of squared distances of the rows to their centres. */
  inertia: number;
  /** Lloyd iterations of the kept run. */
  iterations: number;
  /** E.g. fewer distinct clusters than k, when the data has fewer than k distinct rows. */
  warnings: string[];
}

/**
 * Seeded k-means: greedy k-means++ initialisation (2 + ⌊ln k⌋ candidates per centre,
 * as sklearn), Lloyd iterations, `nInit` restarts keeping the lowest inertia. An
 * empty cluster is moved to the row farthest from its centre. Deterministic for a seed,
 * but not the same random stream as sklearn, so its clusters can differ from sklearn's.
 *
 * @param data Rows to cluster.
 * @param k Number of clusters, an integer in [1, rows].
 * @param options Seed, restarts, iteration cap and tolerance.
 * @returns Labels, centres, inertia, iterations and warnings.
 * @throws {TypeError} When `data` is malformed.
 * @throws {RangeError} When `k`, `nInit` or `maxIter` is out of range.
 *
 * @example
 * ```ts
 * import { kMeans } from "./clustering.ts";
 * const data = { data: new Float64Array([0, 0.1, 0.2, 10, 10.1, 10.2]), rows: 6, dim: 1 };
 * const { labels } = kMeans(data, 2, { seed: 1 });
 * if (labels[0] !== labels[2] || labels[0] === labels[3]) throw new Error("wrong clusters");
 * ```
 */
export function kMeans(
  data: EmbeddingMatrix,
  k: number,
  options: KMeansOptions = {},
): KMeansResult {
  const action = "Cannot run k-means";
  checkMatrix(data, action, "data");
  if (!Number.isInteger(k) || k < 1 || k > data.rows) {
    throw new RangeError(`${action}: k ${k} must be an integer in [1, ${data.rows}]`);
  }
  const nInit = options.nInit ?? 10;
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  if (!Number.isInteger(nInit) || nInit < 1) {
    throw new RangeError(`${action}: nInit ${nInit} must be an integer >= 1`);
  }
  if (!Number.isInteger(maxIter) || maxIter < 1) {
    throw new RangeError(`${action}: maxIter ${maxIter} must be an integer >= 1`);
  }
  if (!(tol >= 0)) throw new RangeError(`${action}: tol ${tol} must be >= 0`);

  const x = toFloat64(data);
  const { rows, dim } = data;
  const threshold = tol * meanVariance(x, rows, dim);
  const rng = createRng(options.seed ?? 0);
  let best: KMeansResult | undefined;
  for (let run = 0; run < nInit; run++) {
    const centers = kMeansPlusPlus(x, rows, dim, k, rng);
    const result = lloyd(x, rows, dim, k, centers, maxIter, threshold);
    if (best === undefined || result.inertia < best.inertia) best = result;
  }
  const distinct = new Set(best!.labels).size;
  if (distinct < k) {
    best!.warnings.push(
      `k-means found ${distinct} distinct clusters for k=${k}: the data has too few distinct rows`,
    );
  }
  return best!;
}

function meanVariance(x: Float64Array, rows: number, dim: number): number {
  let total = 0;
  for (let j = 0; j < dim; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += x[i * dim + j];
    mean /= rows;
    let v = 0;
    for (let i = 0; i < rows; i++) v += (x[i * dim + j] - mean) ** 2;
    total += v / rows;
  }
  return total / dim;
}

function squaredDistance(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  dim: number,
) {
  let s = 0;
  for (let j = 0; j < dim; j++) {
    const d = a[aOff + j] - b[bOff + j];
    s += d * d;
  }
  return s;
}

/** Greedy k-means++ (Arthur & Vassilvitskii 2007): sample candidates by D², keep the best. */
function kMeansPlusPlus(x: Float64Array, rows: number, dim: number, k: number, rng: Rng) {
  const centers = new Float64Array(k * dim);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(rows);
  centers.set(x.subarray(first * dim, first * dim + dim), 0);
  let closest = new Float64Array(rows);
  for (let i = 0; i < rows; i++) closest[i] = squaredDistance(x, i * dim, x, first * dim, dim);
  let potential = closest.reduce((s, v) => s + v, 0);
  const candidateClosest = new Float64Array(rows);
  for (let c = 1; c < k; c++) {
    let bestPotential = Infinity, bestId = -1;
    let bestClosest = new Float64Array(rows);
    for (let t = 0; t < trials; t++) {
      // Sample a row with probability proportional to its squared distance (D²).
      let target = rng.next() * potential, id = 0;
      while (id < rows - 1 && target >= closest[id]) target -= closest[id++];
      if (potential === 0) id = rng.int(rows); // all rows coincide with a centre
      let candidatePotential = 0;
      for (let i = 0; i < rows; i++) {
        const d = Math.min(closest[i], squaredDistance(x, i * dim, x, id * dim, dim));
        candidateClosest[i] = d;
        candidatePotential += d;
      }
      if (candidatePotential < bestPotential) {
        bestPotential = candidatePotential;
        bestId = id;
        bestClosest.set(candidateClosest);
      }
    }
    centers.set(x.subarray(bestId * dim, bestId * dim + dim), c * dim);
    [closest, bestClosest] = [bestClosest, closest];
    potential = bestPotential;
  }
  return centers;
}

/** Assigns each row to its nearest centre; returns the inertia. */
function assign(
  x: Float64Array,
  rows: number,
  dim: number,
  k: number,
  centers: Float64Array,
  labels: Int32Array,
  dist: Float64Array,
): number {
  let inertia = 0;
  for (let i = 0; i < rows; i++) {
    let best = 0, bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const d = squaredDistance(x, i * dim, centers, c * dim, dim);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    labels[i] = best;
    dist[i] = bestD;
    inertia += bestD;
  }
  return inertia;
}

function lloyd(
  x: Float64Array,
  rows: number,
  dim: number,
  k: number,
  centers: Float64Array,
  maxIter: number,
  threshold: number,
): KMeansResult {
  const labels = new Int32Array(rows);
  const previous = new Int32Array(rows).fill(-1);
  const dist = new Float64Array(rows);
  const sums = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  let iterations = 0;
  for (; iterations < maxIter;) {
    assign(x, rows, dim, k, centers, labels, dist);
    iterations++;
    if (labels.every((l, i) => l === previous[i])) break;
    previous.set(labels);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < rows; i++) {
      counts[labels[i]]++;
      for (let j = 0; j < dim; j++) sums[labels[i] * dim + j] += x[i * dim + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) continue;
      // Empty cluster: move it to the row farthest from its centre.
      // Only rows of clusters with 2+ members, so that no other cluster empties.
      let far = -1;
      for (let i = 0; i < rows; i++) {
        if (counts[labels[i]] > 1 && (far < 0 || dist[i] > dist[far])) far = i;
      }
      dist[far] = 0;
      counts[labels[far]]--;
      for (let j = 0; j < dim; j++) {
        sums[labels[far] * dim + j] -= x[far * dim + j];
        sums[c * dim + j] = x[far * dim + j];
      }
      counts[c] = 1;
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < dim; j++) {
        const v = sums[c * dim + j] / counts[c];
        shift += (v - centers[c * dim + j]) ** 2;
        centers[c * dim + j] = v;
      }
    }
    if (shift <= threshold) break;
  }
  // Final assignment so that labels and inertia match the returned centres.
  const inertia = assign(x, rows, dim, k, centers, labels, dist);
  return { labels, centers: { data: centers, rows: k, dim }, inertia, iterations, warnings: [] };
}

/** Options of {@linkcode clusteringMetrics}. */
export type ClusteringMetricsOptions = KMeansOptions;

/** What {@linkcode clusteringMetrics} returns. */
export interface ClusteringMetricsResult {
  /** NMI of the true labels and the k-means clusters. */
  nmi: number;
  /** AMI of the true labels and the k-means clusters. */
  ami: number;
  /** Clusters used: the number of distinct labels. */
  numClusters: number;
  /** The k-means cluster of each row. */
  clusterLabels: Int32Array;
}

/**
 * PML's `NMI`/`AMI` accuracy metrics: cluster the embeddings with k-means into as many
 * clusters as there are distinct labels, then score the clusters against the labels.
 *
 * @param embeddings Rows to cluster (PML uses the query set).
 * @param labels True label of each row.
 * @param options k-means options (seed, restarts, ...).
 * @returns NMI, AMI, the cluster count and the clusters.
 * @throws {TypeError} When shapes or labels do not match.
 *
 * @example
 * ```ts
 * import { clusteringMetrics } from "./clustering.ts";
 * const data = { data: new Float64Array([0, 0.1, 5, 5.1]), rows: 4, dim: 1 };
 * const { nmi, ami } = clusteringMetrics(data, new Int32Array([3, 3, 7, 7]));
 * if (Math.abs(nmi - 1) > 1e-12 || Math.abs(ami - 1) > 1e-12) throw new Error("should be perfect");
 * ```
 */
export function clusteringMetrics(
  embeddings: EmbeddingMatrix,
  labels: ArrayLike<number>,
  options: ClusteringMetricsOptions = {},
): ClusteringMetricsResult {
  checkLabels(labels, embeddings.rows, "Cannot compute clustering metrics", "labels");
  const numClusters = new Set(Array.from(labels)).size;
  const clusterLabels = kMeans(embeddings, numClusters, options).labels;
  return {
    nmi: normalizedMutualInfo(labels, clusterLabels),
    ami: adjustedMutualInfo(labels, clusterLabels),
    numClusters,
    clusterLabels,
  };
}
