/**
 * Collapse detection: whether an embedding has fallen onto (nearly) one point or one line,
 * as a triplet loss with batch-hard mining from scratch does. Geometry decides; accuracy
 * is reported beside it. Results are plain JSON-friendly data.
 *
 * @module
 */
import { join } from "node:path";
import type { EmbeddingMatrix } from "../types.ts";
import { createRng } from "../random.ts";
import { readRunEmbeddings, RUN_FILES } from "../run/run_folder.ts";
import { checkLabels, checkMatrix } from "./_validate.ts";

/**
 * The two limits {@linkcode detectCollapse} applies, chosen from real runs (see there):
 * an embedding is collapsed when its mean normalised distance is below
 * `meanNormalizedDistance` or its top principal component holds at least
 * `topComponentShare` of the variance.
 */
export const COLLAPSE_THRESHOLDS = {
  /** Mean distance between L2-normalised rows below which the rows point one way. */
  meanNormalizedDistance: 0.1,
  /** Share of the variance on the first principal component from which it is near rank-1. */
  topComponentShare: 0.95,
} as const;

/** Options of {@linkcode detectCollapse}. */
export interface DetectCollapseOptions {
  /**
   * The embedding's k=1 test accuracy, if known: reported with chance, never decisive.
   * @default {undefined}
   */
  accuracy?: number;
  /**
   * Number of classes, for the chance accuracy `1 / numClasses`.
   * @default {number of distinct labels}
   */
  numClasses?: number;
  /**
   * Seed of the subsample and of the power iteration's start ({@linkcode createRng}).
   * @default {0}
   */
  seed?: number;
  /**
   * Rows analysed at most: more are subsampled uniformly without replacement (the cost is
   * `maxPoints^2 · dim / 2` for the distances and `maxPoints · dim^2` for the covariance).
   * @default {2000}
   */
  maxPoints?: number;
}

/** The numbers behind a {@linkcode CollapseResult}. All finite or `null`, never `NaN`. */
export interface CollapseEvidence {
  /** Rows analysed (all rows, or `maxPoints` of them). */
  points: number;
  /**
   * Mean Euclidean distance between distinct L2-normalised rows: 0 when all rows point
   * one way, about 1.41 (`sqrt 2`) for orthogonal directions, at most 2. A row of zeros
   * stays zeros.
   */
  meanNormalizedDistance: number;
  /** Standard deviation of those distances (same units: antipodal rows are 2 apart). */
  distanceSpread: number;
  /**
   * Largest eigenvalue of the covariance of the raw rows over its trace (power
   * iteration); `null` when all rows are the same point.
   */
  topComponentShare: number | null;
  /**
   * Participation ratio of the covariance eigenvalues, `(Σλ)² / Σλ²`: 1 for a line, `dim`
   * for an isotropic cloud; `null` when all rows are the same point.
   */
  effectiveRank: number | null;
  /** Mean Euclidean norm of the raw rows. */
  meanNorm: number;
  /** The accuracy given in the options, when given. */
  accuracy?: number;
  /** `1 / numClasses`. */
  chanceAccuracy: number;
}

/** What {@linkcode detectCollapse} returns. */
export interface CollapseResult {
  /** Whether the geometry shows a collapse (one point or one line). */
  collapsed: boolean;
  /** One sentence per criterion met (empty when not collapsed), then the accuracy. */
  reasons: string[];
  /** The numbers the decision was made from. */
  evidence: CollapseEvidence;
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * Tells whether an embedding has collapsed onto (nearly) one point or one line, from two
 * geometric criteria; either one suffices:
 *
 * - **one direction**: the mean distance between L2-normalised rows (what an `lp`
 *   distance with `normalize` compares) is below 0.1, so every row points the same way;
 * - **near rank-1**: the first principal component of the raw rows holds at least 95% of
 *   the variance (the rows lie along one line).
 *
 * Accuracy is not part of the decision: an untrained network's k-NN accuracy is far above
 * chance and overlaps a collapsed one's, so `accuracy` and `chanceAccuracy` are only
 * reported (and named in the reasons when the geometry says collapsed). Relative spreads
 * of the distances (coefficient of variation, IQR/median) did not separate the groups
 * either; `distanceSpread` is reported in absolute units.
 *
 * The limits come from real runs of `deno task train` (test embeddings, dim 32 unless
 * noted; 8 epochs on `synthetic --image-size 32`, 37 classes; 5 epochs on `tt100k-mini`,
 * 64x64):
 *
 * | runs (test split) | acc@1 | mean normalised distance | top component share | effective rank |
 * | --- | --- | --- | --- | --- |
 * | collapsed: triplet + batch-hard (synthetic d32 seeds 0 and 1, d8, d32 after 1 and 2 epochs; tt100k) | 0.16-0.33 | 0.011-0.035 | 0.988-0.998 | 1.00-1.02 |
 * | healthy: triplet or contrastive, no miner or semihard (synthetic d32 and d8; tt100k) | 0.32-0.71 | 0.65-1.34 | 0.24-0.65 | 2.1-7.1 |
 * | untrained: 0 epochs (synthetic d32 and d8; tt100k) | 0.06-0.24 | 0.40-0.66 | 0.22-0.70 | 1.9-10.5 |
 *
 * Each limit sits roughly midway on a log scale: 0.1 is 3x above the largest collapsed
 * distance (0.035) and 4x below the smallest other one (0.40, untrained); 0.95 leaves a
 * residual variance of 5%, 4x above the collapsed runs' largest (1.2%) and 6x below the
 * smallest of the others (30%, untrained tt100k; 35% trained).
 *
 * @param embeddings The rows to check, `dim >= 2`, at least 2 rows, finite.
 * @param labels One integer label per row (for the chance accuracy).
 * @param options Accuracy, number of classes, seed and subsample size.
 * @returns Whether it collapsed, the reasons, and the evidence.
 * @throws {TypeError} When the matrix or labels are malformed.
 * @throws {RangeError} When there are fewer than 2 rows, `dim < 2`, a value is not finite,
 *   `accuracy` is outside [0, 1], `numClasses < 1` or `maxPoints < 2`.
 *
 * @example
 * ```ts
 * import { detectCollapse } from "./collapse.ts";
 * // Six points along one ray from the origin: one direction, and one line.
 * const data = new Float32Array([1, 1, 2, 2, 3, 3, 4, 4.01, 5, 5, 6, 6]);
 * const result = detectCollapse({ data, rows: 6, dim: 2 }, [0, 0, 1, 1, 2, 2]);
 * if (!result.collapsed || result.reasons.length !== 2) throw new Error("missed a collapse");
 * ```
 */
export function detectCollapse(
  embeddings: EmbeddingMatrix,
  labels: ArrayLike<number>,
  options: DetectCollapseOptions = {},
): CollapseResult {
  const action = "Cannot check for collapse";
  checkMatrix(embeddings, action, "embeddings");
  checkLabels(labels, embeddings.rows, action, "labels");
  const { rows, dim } = embeddings;
  if (rows < 2) throw new RangeError(`${action}: ${rows} row(s), need at least 2`);
  if (dim < 2) {
    throw new RangeError(`${action}: dim is ${dim}, need >= 2 (one number has no direction)`);
  }
  const maxPoints = options.maxPoints ?? 2000;
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new RangeError(`${action}: maxPoints is ${maxPoints}, need an integer >= 2`);
  }
  const { accuracy } = options;
  if (accuracy !== undefined && !(accuracy >= 0 && accuracy <= 1)) {
    throw new RangeError(`${action}: accuracy is ${accuracy}, need a value in [0, 1]`);
  }
  const numClasses = options.numClasses ?? new Set(Array.from(labels)).size;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`${action}: numClasses is ${numClasses}, need an integer >= 1`);
  }
  const rng = createRng(options.seed ?? 0);

  // The rows analysed: all, or a uniform subsample (partial Fisher-Yates), in row order.
  let picked = Int32Array.from({ length: rows }, (_, i) => i);
  if (rows > maxPoints) {
    for (let i = 0; i < maxPoints; i++) {
      const j = i + rng.int(rows - i);
      const t = picked[i];
      picked[i] = picked[j];
      picked[j] = t;
    }
    picked = picked.slice(0, maxPoints).sort();
  }
  const n = picked.length;
  const x = new Float64Array(n * dim);
  for (let p = 0; p < n; p++) {
    const from = picked[p] * dim;
    for (let d = 0; d < dim; d++) x[p * dim + d] = embeddings.data[from + d];
  }

  const { meanNorm, meanDistance, spread } = normalizedDistances(x, n, dim);
  const { total, top, squares } = covarianceSpectrum(x, n, dim, rng);
  const topComponentShare = total > 0 ? Math.min(1, top / total) : null;
  const effectiveRank = total > 0 ? (total * total) / squares : null;

  const reasons: string[] = [];
  if (total === 0) reasons.push(`all ${n} rows analysed are the same point`);
  if (meanDistance < COLLAPSE_THRESHOLDS.meanNormalizedDistance) {
    reasons.push(
      `the rows point in nearly one direction: L2-normalised, they are ${
        meanDistance.toFixed(3)
      } apart on average (sd ${spread.toFixed(3)}; orthogonal rows are 1.414 apart)`,
    );
  }
  if (
    topComponentShare !== null && topComponentShare >= COLLAPSE_THRESHOLDS.topComponentShare
  ) {
    reasons.push(
      `${percent(topComponentShare)} of the variance lies on one direction (near rank-1: ` +
        `effective rank ${effectiveRank!.toFixed(2)} of ${dim})`,
    );
  }
  const collapsed = reasons.length > 0;
  const chanceAccuracy = 1 / numClasses;
  if (collapsed && accuracy !== undefined) {
    reasons.push(
      `k=1 test accuracy is ${percent(accuracy)} (chance ${percent(chanceAccuracy)})`,
    );
  }
  const evidence: CollapseEvidence = {
    points: n,
    meanNormalizedDistance: meanDistance,
    distanceSpread: spread,
    topComponentShare,
    effectiveRank,
    meanNorm,
    ...(accuracy !== undefined ? { accuracy } : {}),
    chanceAccuracy,
  };
  return { collapsed, reasons, evidence };
}

/** Mean row norm, and the mean and standard deviation of distances between unit rows. */
function normalizedDistances(x: Float64Array, n: number, dim: number) {
  const unit = new Float64Array(n * dim);
  let normSum = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += x[i * dim + d] ** 2;
    const norm = Math.sqrt(s);
    normSum += norm;
    // A zero row has no direction: it stays zero, 1 away from every unit row.
    if (norm > 0) { for (let d = 0; d < dim; d++) unit[i * dim + d] = x[i * dim + d] / norm; }
  }
  // Welford's running mean and variance: one pass, no array of n^2 / 2 distances.
  let count = 0, mean = 0, m2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        // Differences, not 2 - 2cos: exact for the tiny distances of a collapse.
        const t = unit[i * dim + d] - unit[j * dim + d];
        s += t * t;
      }
      const v = Math.sqrt(s);
      count++;
      const delta = v - mean;
      mean += delta / count;
      m2 += delta * (v - mean);
    }
  }
  return { meanNorm: normSum / n, meanDistance: mean, spread: Math.sqrt(Math.max(0, m2 / count)) };
}

/**
 * Trace, largest eigenvalue and sum of squared eigenvalues (`‖C‖_F²`) of the covariance
 * `C` of the rows (divisor n). The largest eigenvalue by power iteration from a random
 * start (never orthogonal to the top eigenvector, unlike a fixed one), stopped when the
 * Rayleigh quotient changes by less than 1e-12 of itself.
 */
function covarianceSpectrum(x: Float64Array, n: number, dim: number, rng: { normal(): number }) {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) row[d] = x[i * dim + d] - mean[d];
    for (let p = 0; p < dim; p++) {
      const a = row[p];
      if (a === 0) continue;
      for (let q = p; q < dim; q++) cov[p * dim + q] += a * row[q];
    }
  }
  let total = 0, squares = 0;
  for (let p = 0; p < dim; p++) {
    for (let q = p; q < dim; q++) {
      const c = cov[p * dim + q] / n;
      cov[p * dim + q] = cov[q * dim + p] = c;
      squares += p === q ? c * c : 2 * c * c;
    }
    total += cov[p * dim + p];
  }
  if (!(total > 0)) return { total: 0, top: 0, squares: 0 };
  let v = Float64Array.from({ length: dim }, () => rng.normal());
  let w = new Float64Array(dim);
  let top = 0;
  for (let iteration = 0; iteration < 2000; iteration++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += v[d] * v[d];
    norm = Math.sqrt(norm);
    for (let d = 0; d < dim; d++) v[d] /= norm;
    let rayleigh = 0;
    for (let p = 0; p < dim; p++) {
      let s = 0;
      for (let q = 0; q < dim; q++) s += cov[p * dim + q] * v[q];
      w[p] = s;
      rayleigh += v[p] * s;
    }
    const done = Math.abs(rayleigh - top) <= 1e-12 * rayleigh;
    top = rayleigh;
    if (done) break;
    [v, w] = [w, v];
  }
  return { total, top, squares };
}

/**
 * {@linkcode detectCollapse} on a run folder's test embeddings (the split that is
 * evaluated), with the k=1 test accuracy of its `summary.json` when there is one.
 *
 * @param dir The run folder.
 * @param options Seed and subsample size (accuracy and classes come from the folder).
 * @returns Whether the run's embedding collapsed, the reasons and the evidence.
 * @throws {Error} `Cannot check run for collapse "<dir>": ...` when the embeddings are
 *   missing or do not match their meta.json.
 *
 * @example
 * ```ts
 * import { collapseOfRunFolder } from "./collapse.ts";
 * await collapseOfRunFolder("/nonexistent").then(() => { throw new Error("no error"); }, () => {});
 * ```
 */
export async function collapseOfRunFolder(
  dir: string,
  options: Pick<DetectCollapseOptions, "seed" | "maxPoints"> = {},
): Promise<CollapseResult> {
  const embeddings = await readRunEmbeddings(dir, "Cannot check run for collapse");
  let accuracy: number | undefined;
  let numClasses = embeddings.classNames.length || undefined;
  try {
    const summary = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.summary)));
    const value = summary?.test?.knnAccuracy?.["1"];
    if (typeof value === "number" && value >= 0 && value <= 1) accuracy = value;
    if (numClasses === undefined && Number.isInteger(summary?.numClasses)) {
      numClasses = summary.numClasses;
    }
  } catch {
    // No summary (an unfinished run) or an unreadable one: judge the geometry alone.
  }
  const rows = embeddings.testLabels.length;
  return detectCollapse(
    { data: embeddings.test, rows, dim: embeddings.dim },
    embeddings.testLabels,
    { ...options, accuracy, numClasses },
  );
}
