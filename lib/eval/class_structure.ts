/**
 * How classes sit in an embedding space: silhouette, neighbour label share, centroid
 * distances, an average-linkage tree of the classes, and how well centroid distances
 * follow a known class hierarchy. Results are plain JSON-friendly data.
 *
 * @module
 */
import type { ClassInfo, EmbeddingMatrix } from "../types.ts";
import { hierarchyFor, treeDistance } from "../data/hierarchy.ts";
import { checkLabels, checkMatrix, toFloat64 } from "./_validate.ts";
import { knnSearch } from "./knn.ts";
import { mantelTest } from "./statistics.ts";

/** A score overall and per class. */
export interface PerClassScore {
  /** Mean over all samples. */
  overall: number;
  /** Mean over the samples of each class; `null` for a class without samples. */
  perClass: (number | null)[];
}

/** Options naming the number of classes. */
export interface NumClassesOptions {
  /**
   * Number of classes (length of `perClass`).
   * @default {max label + 1}
   */
  numClasses?: number;
}

function checkInputs(
  m: EmbeddingMatrix,
  labels: Int32Array,
  action: string,
  numClasses?: number,
): number {
  checkMatrix(m, action, "embeddings");
  checkLabels(labels, m.rows, action, "labels");
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) throw new RangeError(`${action}: labels[${i}] is ${labels[i]}, need >= 0`);
    if (labels[i] > max) max = labels[i];
  }
  const c = numClasses ?? max + 1;
  if (!Number.isInteger(c) || c <= max) {
    throw new RangeError(`${action}: numClasses is ${c} but the largest label is ${max}`);
  }
  return c;
}

function euclidean(x: Float64Array, i: number, j: number, dim: number): number {
  let s = 0;
  const a = i * dim, b = j * dim;
  for (let d = 0; d < dim; d++) {
    const t = x[a + d] - x[b + d];
    s += t * t;
  }
  return Math.sqrt(s);
}

function perClassMeans(scores: Float64Array, labels: Int32Array, c: number): PerClassScore {
  const sums = new Float64Array(c), counts = new Int32Array(c);
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    sums[labels[i]] += scores[i];
    counts[labels[i]]++;
    total += scores[i];
  }
  return {
    overall: total / scores.length,
    perClass: Array.from(sums, (s, k) => (counts[k] ? s / counts[k] : null)),
  };
}

/**
 * The silhouette coefficient (Rousseeuw 1987) with Euclidean distances, exact in
 * O(N^2 · dim): `s(i) = (b(i) - a(i)) / max(a(i), b(i))`, where `a(i)` is the mean distance
 * to the other members of `i`'s class and `b(i)` the smallest mean distance to another
 * class. As scikit-learn's `silhouette_samples`: `s(i) = 0` in a singleton class, and 0
 * when `a(i) = b(i) = 0`.
 *
 * @param m The embeddings.
 * @param labels One non-negative class label per row.
 * @param options Number of classes.
 * @returns The mean silhouette over samples and per class.
 * @throws {TypeError} When the matrix or labels are malformed.
 * @throws {RangeError} When a label is negative or fewer than 2 classes have samples.
 *
 * @example
 * ```ts
 * import { silhouette } from "./class_structure.ts";
 * const m = { data: new Float64Array([0, 1, 10, 11]), rows: 4, dim: 1 };
 * const { overall } = silhouette(m, new Int32Array([0, 0, 1, 1]));
 * if (!(overall > 0.85)) throw new Error("well separated");
 * ```
 */
export function silhouette(
  m: EmbeddingMatrix,
  labels: Int32Array,
  options: NumClassesOptions = {},
): PerClassScore {
  const action = "Cannot compute the silhouette";
  const c = checkInputs(m, labels, action, options.numClasses);
  const n = m.rows, dim = m.dim;
  const counts = new Int32Array(c);
  for (let i = 0; i < n; i++) counts[labels[i]]++;
  const present = counts.filter((x) => x > 0).length;
  if (present < 2) {
    throw new RangeError(`${action}: ${present} class(es) have samples, need at least 2`);
  }
  const x = toFloat64(m);
  // sums[i * c + k]: total distance from sample i to the samples of class k.
  const sums = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = euclidean(x, i, j, dim);
      sums[i * c + labels[j]] += d;
      sums[j * c + labels[i]] += d;
    }
  }
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = labels[i];
    if (counts[own] === 1) continue;
    const a = sums[i * c + own] / (counts[own] - 1);
    let b = Infinity;
    for (let k = 0; k < c; k++) {
      if (k !== own && counts[k] > 0) b = Math.min(b, sums[i * c + k] / counts[k]);
    }
    const denom = Math.max(a, b);
    scores[i] = denom > 0 ? (b - a) / denom : 0;
  }
  return perClassMeans(scores, labels, c);
}

/** Options of {@linkcode neighborLabelShare}. */
export interface NeighborLabelShareOptions extends NumClassesOptions {
  /**
   * Neighbours per sample; lowered to `rows - 1` when there are fewer samples.
   * @default {10}
   */
  k?: number;
}

/**
 * The share of each sample's `k` nearest Euclidean neighbours (itself excluded) that carry
 * its label, averaged overall and per class: a local measure of class purity.
 *
 * @param m The embeddings, at least 2 rows.
 * @param labels One non-negative class label per row.
 * @param options `k` and the number of classes.
 * @returns The mean share overall and per class, each in [0, 1].
 * @throws {TypeError} When the matrix or labels are malformed.
 * @throws {RangeError} When there are fewer than 2 rows, `k < 1` or a label is negative.
 *
 * @example
 * ```ts
 * import { neighborLabelShare } from "./class_structure.ts";
 * const m = { data: new Float64Array([0, 1, 10, 11]), rows: 4, dim: 1 };
 * const { overall } = neighborLabelShare(m, new Int32Array([0, 0, 1, 1]), { k: 1 });
 * if (overall !== 1) throw new Error("each nearest neighbour shares the label");
 * ```
 */
export function neighborLabelShare(
  m: EmbeddingMatrix,
  labels: Int32Array,
  options: NeighborLabelShareOptions = {},
): PerClassScore {
  const action = "Cannot compute the neighbour label share";
  const c = checkInputs(m, labels, action, options.numClasses);
  const requested = options.k ?? 10;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new RangeError(`${action}: k is ${requested}, need an integer >= 1`);
  }
  if (m.rows < 2) throw new RangeError(`${action}: ${m.rows} row(s), need at least 2`);
  const k = Math.min(requested, m.rows - 1);
  const { indices } = knnSearch(m, m, k, { excludeSelf: true });
  const scores = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let same = 0;
    for (let t = 0; t < k; t++) if (labels[indices[i * k + t]] === labels[i]) same++;
    scores[i] = same / k;
  }
  return perClassMeans(scores, labels, c);
}

/**
 * The mean embedding of each class.
 *
 * @param m The embeddings.
 * @param labels One label in [0, numClasses) per row.
 * @param numClasses Number of classes.
 * @returns `numClasses * dim` values, row-major; a class without samples gets a row of `NaN`.
 * @throws {TypeError} When the matrix or labels are malformed.
 * @throws {RangeError} When a label is outside [0, numClasses).
 *
 * @example
 * ```ts
 * import { classCentroids } from "./class_structure.ts";
 * const m = { data: new Float64Array([0, 2, 10]), rows: 3, dim: 1 };
 * const c = classCentroids(m, new Int32Array([0, 0, 1]), 2);
 * if (c[0] !== 1 || c[1] !== 10) throw new Error();
 * ```
 */
export function classCentroids(
  m: EmbeddingMatrix,
  labels: Int32Array,
  numClasses: number,
): Float64Array {
  checkInputs(m, labels, "Cannot compute class centroids", numClasses);
  const dim = m.dim;
  const out = new Float64Array(numClasses * dim);
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < m.rows; i++) {
    const base = labels[i] * dim;
    counts[labels[i]]++;
    for (let d = 0; d < dim; d++) out[base + d] += m.data[i * dim + d];
  }
  for (let k = 0; k < numClasses; k++) {
    for (let d = 0; d < dim; d++) out[k * dim + d] = counts[k] ? out[k * dim + d] / counts[k] : NaN;
  }
  return out;
}

/**
 * Euclidean distances between class centroids.
 *
 * @param m The embeddings.
 * @param labels One label in [0, numClasses) per row.
 * @param numClasses Number of classes.
 * @returns `numClasses x numClasses`, row-major, symmetric, zero diagonal; `NaN` in the rows
 * and columns of classes without samples.
 * @throws {TypeError} When the matrix or labels are malformed.
 * @throws {RangeError} When a label is outside [0, numClasses).
 *
 * @example
 * ```ts
 * import { centroidDistances } from "./class_structure.ts";
 * const m = { data: new Float64Array([0, 0, 3, 4]), rows: 2, dim: 2 };
 * if (centroidDistances(m, new Int32Array([0, 1]), 2)[1] !== 5) throw new Error();
 * ```
 */
export function centroidDistances(
  m: EmbeddingMatrix,
  labels: Int32Array,
  numClasses: number,
): Float64Array {
  const centroids = classCentroids(m, labels, numClasses);
  const out = new Float64Array(numClasses * numClasses);
  for (let a = 0; a < numClasses; a++) {
    for (let b = a; b < numClasses; b++) {
      const d = a === b && !Number.isNaN(centroids[a * m.dim])
        ? 0
        : euclidean(centroids, a, b, m.dim);
      out[a * numClasses + b] = out[b * numClasses + a] = d;
    }
  }
  return out;
}

/**
 * Class-to-class mean pairwise Euclidean distance: entry `(a, b)` is the mean distance over
 * all pairs of one sample of `a` and one of `b`; the diagonal averages distinct pairs
 * within a class (its spread).
 *
 * @param m The embeddings.
 * @param labels One label in [0, numClasses) per row.
 * @param numClasses Number of classes.
 * @returns `numClasses x numClasses`, row-major, symmetric; `NaN` where there are no pairs
 * (an empty class, or the diagonal of a singleton class).
 * @throws {TypeError} When the matrix or labels are malformed.
 * @throws {RangeError} When a label is outside [0, numClasses).
 *
 * @example
 * ```ts
 * import { meanPairwiseDistances } from "./class_structure.ts";
 * const m = { data: new Float64Array([0, 2, 10]), rows: 3, dim: 1 };
 * const d = meanPairwiseDistances(m, new Int32Array([0, 0, 1]), 2);
 * if (d[0] !== 2 || d[1] !== 9) throw new Error();
 * ```
 */
export function meanPairwiseDistances(
  m: EmbeddingMatrix,
  labels: Int32Array,
  numClasses: number,
): Float64Array {
  const c = checkInputs(m, labels, "Cannot compute mean pairwise distances", numClasses);
  const x = toFloat64(m);
  const sums = new Float64Array(c * c), pairs = new Float64Array(c * c);
  for (let i = 0; i < m.rows; i++) {
    for (let j = i + 1; j < m.rows; j++) {
      const d = euclidean(x, i, j, m.dim);
      const a = labels[i], b = labels[j];
      sums[a * c + b] += d;
      pairs[a * c + b]++;
      if (a !== b) {
        sums[b * c + a] += d;
        pairs[b * c + a]++;
      }
    }
  }
  return sums.map((s, i) => (pairs[i] ? s / pairs[i] : NaN));
}

/** One merge of {@linkcode averageLinkage}, as a row of scipy's linkage matrix. */
export interface LinkageMerge {
  /** The smaller id of the two merged clusters (leaves are `0..n-1`, merge `i` is `n + i`). */
  a: number;
  /** The larger id. */
  b: number;
  /** Average distance between the two clusters when merged. */
  height: number;
  /** Number of leaves in the new cluster. */
  size: number;
}

/** What {@linkcode averageLinkage} returns. */
export interface LinkageResult {
  /** The `n - 1` merges, by non-decreasing height. */
  merges: LinkageMerge[];
  /** Leaves left to right for drawing the dendrogram (scipy's `leaves_list`). */
  order: number[];
}

/**
 * Agglomerative clustering with average linkage (UPGMA, Sokal and Michener 1958): merge the
 * two closest clusters, where the distance between clusters is the mean distance between
 * their leaves, `d(k, i∪j) = (|i| d(k,i) + |j| d(k,j)) / (|i| + |j|)`. Output follows
 * scipy's `linkage(method="average")`: leaves are `0..n-1`, the cluster made by merge `i`
 * has id `n + i`, each merge lists the smaller id first. Ties go to the pair of smallest
 * ids. O(n^3), meant for class-level trees (tens of classes).
 *
 * @param dist `n * n` distances, row-major, symmetric (only `i < j` is read).
 * @param n Number of leaves.
 * @returns The merges and the leaf order (root first, then `a` before `b`, depth first).
 * @throws {TypeError} When `dist` does not hold `n * n` values.
 * @throws {RangeError} When a distance is not finite.
 *
 * @example
 * ```ts
 * import { averageLinkage } from "./class_structure.ts";
 * const d = new Float64Array([0, 1, 5, 1, 0, 6, 5, 6, 0]);
 * const { merges } = averageLinkage(d, 3);
 * if (merges[1].height !== 5.5 || merges[0].a !== 0 || merges[0].b !== 1) throw new Error();
 * ```
 */
export function averageLinkage(dist: Float64Array, n: number): LinkageResult {
  const action = "Cannot build an average-linkage tree";
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${action}: n is ${n}`);
  if (dist.length !== n * n) {
    throw new TypeError(`${action}: ${dist.length} distances, not ${n}x${n}`);
  }
  // d: working distances between active clusters indexed by slot; slot s holds cluster ids[s].
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = dist[i * n + j];
      if (!Number.isFinite(v)) {
        throw new RangeError(`${action}: distance (${i}, ${j}) is ${v}`);
      }
      d[i * n + j] = d[j * n + i] = v;
    }
  }
  const ids = Array.from({ length: n }, (_, i) => i);
  const sizes = new Array<number>(n).fill(1);
  const active = new Array<boolean>(n).fill(true);
  const merges: LinkageMerge[] = [];
  for (let step = 0; step < n - 1; step++) {
    let best = Infinity, bi = -1, bj = -1;
    for (let i = 0; i < n; i++) {
      if (!active[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (!active[j]) continue;
        const v = d[i * n + j];
        const lower = Math.min(ids[i], ids[j]), upper = Math.max(ids[i], ids[j]);
        const bLower = bi < 0 ? Infinity : Math.min(ids[bi], ids[bj]);
        const bUpper = bi < 0 ? Infinity : Math.max(ids[bi], ids[bj]);
        if (v < best || (v === best && (lower < bLower || (lower === bLower && upper < bUpper)))) {
          best = v;
          bi = i;
          bj = j;
        }
      }
    }
    const si = sizes[bi], sj = sizes[bj];
    merges.push({
      a: Math.min(ids[bi], ids[bj]),
      b: Math.max(ids[bi], ids[bj]),
      height: best,
      size: si + sj,
    });
    // The merged cluster takes slot bi; slot bj retires.
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === bi || k === bj) continue;
      const v = (si * d[k * n + bi] + sj * d[k * n + bj]) / (si + sj);
      d[k * n + bi] = d[bi * n + k] = v;
    }
    active[bj] = false;
    ids[bi] = n + step;
    sizes[bi] = si + sj;
  }
  const order: number[] = [];
  if (n > 0) {
    const stack = [n > 1 ? 2 * n - 2 : 0];
    while (stack.length) {
      const id = stack.pop()!;
      if (id < n) order.push(id);
      else stack.push(merges[id - n].b, merges[id - n].a);
    }
  }
  return { merges, order };
}

/**
 * Tree distances between classes of a hierarchy (see `treeDistance`: 0 same class, 1 same
 * family, 2 same top category, 3 otherwise or unknown).
 *
 * @param classNames The class names, indexed by label.
 * @param hierarchy The hierarchy rows.
 * @returns `C x C`, row-major, with `C = classNames.length`.
 *
 * @example
 * ```ts
 * import { treeDistanceMatrix } from "./class_structure.ts";
 * const h = [
 *   { class: "pl40", top: "prohibitory", family: "speed-limit" },
 *   { class: "pl50", top: "prohibitory", family: "speed-limit" },
 * ];
 * if (treeDistanceMatrix(["pl40", "pl50"], h).join() !== "0,1,1,0") throw new Error();
 * ```
 */
export function treeDistanceMatrix(
  classNames: readonly string[],
  hierarchy: readonly ClassInfo[],
): Float64Array {
  const infos = hierarchyFor(classNames, hierarchy);
  const c = classNames.length;
  const out = new Float64Array(c * c);
  for (let a = 0; a < c; a++) {
    for (let b = 0; b < c; b++) out[a * c + b] = a === b ? 0 : treeDistance(infos[a], infos[b]);
  }
  return out;
}

/** Options of {@linkcode analyzeClassStructure}. */
export interface ClassStructureOptions {
  /** Class hierarchy; when given, centroid distances are compared with tree distances. */
  hierarchy?: readonly ClassInfo[];
  /**
   * Neighbours for the neighbour label share.
   * @default {10}
   */
  k?: number;
  /**
   * Permutations of the Mantel test.
   * @default {999}
   */
  permutations?: number;
  /**
   * Seed of the Mantel permutations.
   * @default {0}
   */
  seed?: number;
  /** Confusion matrix (rows: true class, columns: predicted), `C x C`, for the most confused pairs. */
  confusion?: readonly (readonly number[])[];
}

/** A pair of classes, by label. */
export interface ClassPair {
  /** The smaller label. */
  a: number;
  /** The larger label. */
  b: number;
  /** Tree distance between the two, when a hierarchy was given. */
  treeDistance?: number;
}

/** What {@linkcode analyzeClassStructure} returns (JSON-friendly: `null`, never `NaN`). */
export interface ClassStructureResult {
  /** The class names, indexed by label. */
  classNames: string[];
  /** Samples per class. */
  counts: number[];
  /** Silhouette; `null` when fewer than 2 classes have samples. */
  silhouette: PerClassScore | null;
  /** Neighbour label share with the `k` used; `null` with fewer than 2 samples. */
  neighborLabelShare: (PerClassScore & { k: number }) | null;
  /** `C x C` centroid distances; `null` in rows and columns of empty classes. */
  centroidDistances: (number | null)[][];
  /** Average-linkage tree of the classes with samples: leaf `i` is class `leaves[i]`. */
  linkage: LinkageResult & { leaves: number[]; orderNames: string[] };
  /** Centroid distances against tree distances over pairs of classes with samples. */
  hierarchyCorrelation?: {
    spearman: number | null;
    mantelPValue: number | null;
    permutations: number;
  };
  /** Up to 10 off-diagonal pairs with the most confusions (both directions summed, count > 0). */
  mostConfusedPairs?: (ClassPair & { count: number })[];
  /** Up to 10 pairs of classes with the closest centroids. */
  closestPairs: (ClassPair & { distance: number })[];
  /** What was skipped, for the caller to print. */
  warnings: string[];
}

/**
 * Analyses how classes are arranged in an embedding space: silhouette, neighbour label
 * share, centroid distances and their average-linkage tree, the closest class pairs, and,
 * when given, agreement with a class hierarchy (Spearman correlation of centroid vs tree
 * distances, with a Mantel permutation p-value) and the most confused pairs.
 *
 * @param m The embeddings.
 * @param labels One label in [0, classNames.length) per row.
 * @param classNames The class names, indexed by label.
 * @param options Hierarchy, `k`, Mantel permutations and seed, confusion matrix.
 * @returns Plain data, ready for `JSON.stringify` (as `analysis.json`).
 * @throws {TypeError} When the matrix, labels or confusion matrix are malformed.
 * @throws {RangeError} When a label is out of range.
 *
 * @example
 * ```ts
 * import { analyzeClassStructure } from "./class_structure.ts";
 * const m = { data: new Float64Array([0, 1, 10, 11, 30, 31]), rows: 6, dim: 1 };
 * const r = analyzeClassStructure(m, new Int32Array([0, 0, 1, 1, 2, 2]), ["a", "b", "c"], {
 *   k: 1,
 * });
 * if (r.closestPairs[0].a !== 0 || r.closestPairs[0].b !== 1) throw new Error();
 * ```
 */
export function analyzeClassStructure(
  m: EmbeddingMatrix,
  labels: Int32Array,
  classNames: readonly string[],
  options: ClassStructureOptions = {},
): ClassStructureResult {
  const action = "Cannot analyse class structure";
  const c = classNames.length;
  checkInputs(m, labels, action, c);
  const warnings: string[] = [];
  const counts = new Array<number>(c).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const present: number[] = [];
  for (let k = 0; k < c; k++) if (counts[k] > 0) present.push(k);
  const empty = c - present.length;
  if (empty > 0) warnings.push(`${empty} of ${c} classes have no samples and were left out`);

  let sil: PerClassScore | null = null;
  if (present.length >= 2) sil = silhouette(m, labels, { numClasses: c });
  else warnings.push("Silhouette skipped: fewer than 2 classes have samples");

  let share: (PerClassScore & { k: number }) | null = null;
  const k = Math.min(options.k ?? 10, m.rows - 1);
  if (m.rows >= 2) share = { ...neighborLabelShare(m, labels, { k, numClasses: c }), k };
  else warnings.push("Neighbour label share skipped: fewer than 2 samples");

  const centroid = centroidDistances(m, labels, c);
  const p = present.length;
  const sub = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) sub[i * p + j] = centroid[present[i] * c + present[j]];
  }
  const tree = averageLinkage(sub, p);
  const linkage = {
    ...tree,
    // `order` stays in leaf positions, as `merges` is: leaf i is class leaves[i].
    leaves: present.slice(),
    orderNames: tree.order.map((leaf) => classNames[present[leaf]]),
  };

  const infos = options.hierarchy ? hierarchyFor(classNames, options.hierarchy) : undefined;
  const treeOf = (a: number, b: number) =>
    infos ? { treeDistance: treeDistance(infos[a], infos[b]) } : {};

  const result: ClassStructureResult = {
    classNames: classNames.slice(),
    counts,
    silhouette: sil,
    neighborLabelShare: share,
    centroidDistances: Array.from(
      { length: c },
      (_, a) =>
        Array.from({ length: c }, (_, b) => {
          const v = centroid[a * c + b];
          return Number.isNaN(v) ? null : v;
        }),
    ),
    linkage,
    closestPairs: [],
    warnings,
  };

  const pairs: (ClassPair & { distance: number })[] = [];
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      const a = present[i], b = present[j];
      pairs.push({ a, b, distance: centroid[a * c + b], ...treeOf(a, b) });
    }
  }
  result.closestPairs = pairs
    .slice()
    .sort((x, y) => x.distance - y.distance || x.a - y.a || x.b - y.b)
    .slice(0, 10);

  if (options.hierarchy) {
    const permutations = options.permutations ?? 999;
    if (p < 3) {
      warnings.push("Hierarchy correlation skipped: fewer than 3 classes have samples");
    } else {
      const treeSub = treeDistanceMatrix(present.map((k) => classNames[k]), options.hierarchy);
      const mantel = mantelTest(sub, treeSub, p, { permutations, seed: options.seed ?? 0 });
      // The Mantel statistic is the Spearman correlation over the same pairs.
      const rho = mantel.statistic;
      if (Number.isNaN(rho)) warnings.push("Hierarchy correlation undefined: constant distances");
      result.hierarchyCorrelation = {
        spearman: Number.isNaN(rho) ? null : rho,
        mantelPValue: Number.isNaN(mantel.pValue) ? null : mantel.pValue,
        permutations,
      };
    }
  }

  if (options.confusion) {
    const conf = options.confusion;
    if (conf.length !== c || conf.some((row) => row.length !== c)) {
      throw new TypeError(`${action}: the confusion matrix is not ${c}x${c}`);
    }
    const confused: (ClassPair & { count: number })[] = [];
    for (let a = 0; a < c; a++) {
      for (let b = a + 1; b < c; b++) {
        const count = conf[a][b] + conf[b][a];
        if (count > 0) confused.push({ a, b, count, ...treeOf(a, b) });
      }
    }
    result.mostConfusedPairs = confused
      .sort((x, y) => y.count - x.count || x.a - y.a || x.b - y.b)
      .slice(0, 10);
  }
  return result;
}
