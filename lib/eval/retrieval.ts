/**
 * Retrieval metrics with the semantics of PML's `AccuracyCalculator`
 * (`avg_of_avgs=False`): precision@1, R-precision, MAP@R, MAP and MRR.
 *
 * @module
 */
import type { EmbeddingMatrix } from "../types.ts";
import { type KnnMetric, type KnnResult, knnSearch } from "./knn.ts";
import { checkLabels, checkMatrix } from "./_validate.ts";

/** Options of {@linkcode retrievalMetrics}. */
export interface RetrievalMetricsOptions {
  /**
   * Neighbours to retrieve per query. `"max-bin-count"` uses the largest R over the query
   * labels (PML's default), which gives true R-precision and MAP@R. A number smaller than
   * some R truncates R-precision and MAP@R as PML does (and adds a warning).
   * @default {"max-bin-count"}
   */
  k?: number | "max-bin-count";
  /**
   * Neighbour metric: `"euclidean"` on the raw embeddings (PML's default `FaissKNN`) or
   * `"cosine"` (`CustomKNN(CosineSimilarity())`).
   * @default {"euclidean"}
   */
  metric?: KnnMetric;
  /**
   * The query set is the reference set (PML's `ref_includes_query`): each query is left out
   * of its own neighbours and of its R.
   * @default {false}
   */
  excludeSelf?: boolean;
  /**
   * A search already done for these queries and references (same metric and `excludeSelf`)
   * with at least as many neighbours as needed; only its first columns are used.
   */
  neighbors?: KnnResult;
}

/** What {@linkcode retrievalMetrics} returns; each metric is a plain mean over non-lone queries. */
export interface RetrievalMetricsResult {
  /** Fraction of queries whose nearest neighbour has their label. */
  precisionAt1: number;
  /** Mean of (#relevant in the first min(R, numK)) / min(R, numK). */
  rPrecision: number;
  /** Mean of (sum of P@i over relevant i <= min(R, numK)) / R. */
  meanAveragePrecisionAtR: number;
  /** Mean of (sum of P@i over relevant i <= numK) / R. */
  meanAveragePrecision: number;
  /** Mean of 1 / rank of the first relevant neighbour within numK, 0 if none. */
  meanReciprocalRank: number;
  /** Queries whose label has no other item in the reference set; they are left out of every mean. */
  numLoneQueries: number;
  /** numK: the neighbours retrieved per query. */
  numNeighborsUsed: number;
  /** Things the caller may want to print (truncated R, no usable query). */
  warnings: string[];
}

/**
 * Retrieval quality of the queries against a labelled reference set, as PML's
 * `AccuracyCalculator(k=..., avg_of_avgs=False)`.
 *
 * With R the number of reference items sharing a query's label and numK the neighbours
 * retrieved: r_precision = hits in the first min(R, numK) / min(R, numK);
 * MAP@R = Σ_{i ≤ min(R, numK), i relevant} P@i / R; MAP = Σ_{i ≤ numK, relevant} P@i / R;
 * MRR = 1 / rank of the first relevant neighbour (0 if none). Lone queries (R = 0) are
 * excluded; if every query is lone all metrics are 0, as in PML. See Musgrave et al.,
 * "A Metric Learning Reality Check", ECCV 2020, for MAP@R.
 *
 * @param query Query rows.
 * @param queryLabels Labels of `query` (any integers).
 * @param reference Reference rows, same `dim`.
 * @param referenceLabels Labels of `reference`.
 * @param options k, metric, self-exclusion, or a search to reuse.
 * @returns The five metrics, the lone-query count, numK and warnings.
 * @throws {TypeError} When shapes or labels do not match.
 * @throws {RangeError} When a numeric k is out of range or a given search is too small.
 *
 * @example
 * ```ts
 * import { retrievalMetrics } from "./retrieval.ts";
 * const reference = { data: new Float64Array([0, 1, 2, 10]), rows: 4, dim: 1 };
 * const query = { data: new Float64Array([1.6]), rows: 1, dim: 1 };
 * // Neighbours 2 (label 0), 1 (label 1), 0 (label 1); R = 2 for label 1.
 * const m = retrievalMetrics(query, new Int32Array([1]), reference, new Int32Array([1, 1, 0, 0]));
 * if (m.precisionAt1 !== 0 || m.rPrecision !== 0.5 || m.meanReciprocalRank !== 0.5) {
 *   throw new Error("wrong metrics");
 * }
 * ```
 */
export function retrievalMetrics(
  query: EmbeddingMatrix,
  queryLabels: ArrayLike<number>,
  reference: EmbeddingMatrix,
  referenceLabels: ArrayLike<number>,
  options: RetrievalMetricsOptions = {},
): RetrievalMetricsResult {
  const action = "Cannot compute retrieval metrics";
  checkMatrix(query, action, "query");
  checkMatrix(reference, action, "reference");
  checkLabels(queryLabels, query.rows, action, "query labels");
  checkLabels(referenceLabels, reference.rows, action, "reference labels");
  const excludeSelf = options.excludeSelf ?? false;
  if (excludeSelf && query.rows !== reference.rows) {
    throw new TypeError(
      `${action}: excludeSelf needs the query and reference to be the same set, ` +
        `got ${query.rows} and ${reference.rows} rows`,
    );
  }
  const kOption = options.k ?? "max-bin-count";
  if (kOption !== "max-bin-count" && (!Number.isInteger(kOption) || kOption < 1)) {
    throw new RangeError(`Invalid k ${kOption}: expected an integer >= 1 or "max-bin-count"`);
  }

  const referenceCounts = new Map<number, number>();
  for (let i = 0; i < reference.rows; i++) {
    const label = referenceLabels[i];
    referenceCounts.set(label, (referenceCounts.get(label) ?? 0) + 1);
  }
  const selfCount = excludeSelf ? 1 : 0;
  const relevantCount = new Int32Array(query.rows);
  let numLoneQueries = 0;
  let maxBinCount = 0;
  for (let i = 0; i < query.rows; i++) {
    const r = (referenceCounts.get(queryLabels[i]) ?? 0) - selfCount;
    relevantCount[i] = r;
    if (r <= 0) numLoneQueries++;
    if (r > maxBinCount) maxBinCount = r;
  }

  const warnings: string[] = [];
  if (numLoneQueries === query.rows) {
    warnings.push(
      query.rows === 0
        ? "No retrieval metrics: the query set is empty; all metrics are 0"
        : `No retrieval metrics: none of the ${query.rows} query labels occurs in the reference set; all metrics are 0`,
    );
    return {
      precisionAt1: 0,
      rPrecision: 0,
      meanAveragePrecisionAtR: 0,
      meanAveragePrecision: 0,
      meanReciprocalRank: 0,
      numLoneQueries,
      numNeighborsUsed: 0,
      warnings,
    };
  }
  const numK = kOption === "max-bin-count" ? maxBinCount : kOption;

  let neighbors = options.neighbors;
  if (neighbors === undefined) {
    neighbors = knnSearch(query, reference, numK, { metric: options.metric, excludeSelf });
  } else if (neighbors.rows !== query.rows || neighbors.k < numK) {
    throw new RangeError(
      `${action}: the given search has ${neighbors.rows} queries x ${neighbors.k} neighbours, ` +
        `need ${query.rows} x ${numK}`,
    );
  }

  let sumP1 = 0, sumRP = 0, sumMapR = 0, sumMap = 0, sumMrr = 0;
  let used = 0, truncated = 0;
  const stride = neighbors.k;
  for (let i = 0; i < query.rows; i++) {
    const r = relevantCount[i];
    if (r <= 0) continue;
    used++;
    const label = queryLabels[i];
    const cut = Math.min(r, numK);
    if (cut < r) truncated++;
    let hits = 0, hitsAtCut = 0, precisionSum = 0, precisionSumAtCut = 0, reciprocalRank = 0;
    for (let j = 0; j < numK; j++) {
      if (referenceLabels[neighbors.indices[i * stride + j]] !== label) continue;
      hits++;
      const precision = hits / (j + 1);
      precisionSum += precision;
      if (j < cut) {
        hitsAtCut++;
        precisionSumAtCut += precision;
      }
      if (reciprocalRank === 0) reciprocalRank = 1 / (j + 1);
    }
    if (referenceLabels[neighbors.indices[i * stride]] === label) sumP1++;
    sumRP += hitsAtCut / cut;
    sumMapR += precisionSumAtCut / r;
    sumMap += precisionSum / r;
    sumMrr += reciprocalRank;
  }
  if (truncated > 0) {
    warnings.push(
      `k=${numK} is below R for ${truncated} of ${used} queries: r-precision and MAP@R are ` +
        `truncated (as PML); use k "max-bin-count" for the true values`,
    );
  }
  return {
    precisionAt1: sumP1 / used,
    rPrecision: sumRP / used,
    meanAveragePrecisionAtR: sumMapR / used,
    meanAveragePrecision: sumMap / used,
    meanReciprocalRank: sumMrr / used,
    numLoneQueries,
    numNeighborsUsed: numK,
    warnings,
  };
}
