/**
 * Scores of each test query against the training set: is its nearest training neighbour
 * of its class (k=1 k-NN correct), its average precision at R, and the share of its k
 * nearest training neighbours that share its class (neighbour purity). Per-query values
 * are what a paired bootstrap over test images or McNemar's test needs to compare two
 * runs evaluated on the same test split.
 *
 * @module
 */
import type { EmbeddingMatrix } from "../types.ts";
import { type KnnResult, knnSearch } from "./knn.ts";
import { checkLabels, checkMatrix } from "./_validate.ts";

/** Options of {@linkcode perQueryScores}. */
export interface PerQueryScoresOptions {
  /**
   * Neighbours counted by the neighbour purity.
   * @default {10}
   */
  purityK?: number;
}

/** What {@linkcode perQueryScores} returns: one entry per query, in query order. */
export interface PerQueryScoresResult {
  /** 1 when the nearest training neighbour has the query's label (k=1 k-NN is right), else 0. */
  correct1: Uint8Array;
  /**
   * Average precision at R (R = training samples of the query's class): the term of
   * MAP@R for this query; `NaN` for a query whose class has no training sample.
   */
  averagePrecisionAtR: Float64Array;
  /** Share of the `purityK` nearest training neighbours that have the query's label. */
  neighborPurity: Float64Array;
  /**
   * The highest purity each query could reach: `min(1, R / purityK)`. Below 1 only for
   * classes with fewer than `purityK` training samples.
   */
  purityCeiling: Float64Array;
  /** The k of the neighbour purity (at most the training set's size). */
  purityK: number;
  /** The neighbour search, `max(R over queries, purityK)` neighbours per query. */
  neighbors: KnnResult;
}

/**
 * Scores every test query against the training references with one exact Euclidean
 * search (as `knnSearch`; ties go to the lower training index, so `correct1` agrees with
 * `knnAccuracy` at k=1 and `averagePrecisionAtR` averages to `retrievalMetrics`' MAP@R).
 *
 * AP@R of a query (Musgrave et al. 2020): `Σ_{i ≤ R, neighbour i relevant} P@i / R`.
 *
 * @param query Test embeddings.
 * @param queryLabels Their labels.
 * @param reference Training embeddings, same `dim`.
 * @param referenceLabels Their labels.
 * @param options The purity's k.
 * @returns Per-query correctness, AP@R, neighbour purity and its ceiling.
 * @throws {TypeError} When shapes or labels do not match.
 * @throws {RangeError} When `purityK` is not a positive integer or a value is not finite.
 *
 * @example
 * ```ts
 * import { perQueryScores } from "./per_query.ts";
 * const reference = { data: new Float64Array([0, 1, 10, 11]), rows: 4, dim: 1 };
 * const query = { data: new Float64Array([0.4, 9]), rows: 2, dim: 1 };
 * const s = perQueryScores(query, [0, 0], reference, [0, 0, 1, 1], { purityK: 2 });
 * if (s.correct1.join() !== "1,0" || s.neighborPurity[0] !== 1 || s.neighborPurity[1] !== 0) {
 *   throw new Error("wrong scores");
 * }
 * ```
 */
export function perQueryScores(
  query: EmbeddingMatrix,
  queryLabels: ArrayLike<number>,
  reference: EmbeddingMatrix,
  referenceLabels: ArrayLike<number>,
  options: PerQueryScoresOptions = {},
): PerQueryScoresResult {
  const action = "Cannot score queries";
  checkMatrix(query, action, "query");
  checkMatrix(reference, action, "reference");
  checkLabels(queryLabels, query.rows, action, "query labels");
  checkLabels(referenceLabels, reference.rows, action, "reference labels");
  const wanted = options.purityK ?? 10;
  if (!Number.isInteger(wanted) || wanted < 1) {
    throw new RangeError(`${action}: purityK is ${wanted}, need an integer >= 1`);
  }
  if (reference.rows === 0) throw new RangeError(`${action}: the reference set is empty`);
  const purityK = Math.min(wanted, reference.rows);
  const counts = new Map<number, number>();
  for (let i = 0; i < reference.rows; i++) {
    counts.set(referenceLabels[i], (counts.get(referenceLabels[i]) ?? 0) + 1);
  }
  let maxR = 0;
  for (let i = 0; i < query.rows; i++) maxR = Math.max(maxR, counts.get(queryLabels[i]) ?? 0);
  const k = Math.min(reference.rows, Math.max(maxR, purityK));
  const neighbors = knnSearch(query, reference, k);
  const correct1 = new Uint8Array(query.rows);
  const averagePrecisionAtR = new Float64Array(query.rows);
  const neighborPurity = new Float64Array(query.rows);
  const purityCeiling = new Float64Array(query.rows);
  for (let i = 0; i < query.rows; i++) {
    const label = queryLabels[i];
    const r = counts.get(label) ?? 0;
    const row = neighbors.indices.subarray(i * k, (i + 1) * k);
    correct1[i] = referenceLabels[row[0]] === label ? 1 : 0;
    let hits = 0, precisionSum = 0, pure = 0;
    for (let j = 0; j < Math.max(r, purityK); j++) {
      if (referenceLabels[row[j]] !== label) continue;
      hits++;
      if (j < r) precisionSum += hits / (j + 1);
      if (j < purityK) pure++;
    }
    averagePrecisionAtR[i] = r > 0 ? precisionSum / r : NaN;
    neighborPurity[i] = pure / purityK;
    purityCeiling[i] = Math.min(1, r / purityK);
  }
  return { correct1, averagePrecisionAtR, neighborPurity, purityCeiling, purityK, neighbors };
}
