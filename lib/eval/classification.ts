/**
 * k-nearest-neighbour classification: majority vote over neighbours, accuracy,
 * per-class accuracy and confusion matrix, as sklearn's `KNeighborsClassifier`
 * (brute force, euclidean, uniform weights).
 *
 * @module
 */
import type { EmbeddingMatrix } from "../types.ts";
import { type KnnMetric, type KnnResult, knnSearch } from "./knn.ts";
import { checkLabels, checkMatrix } from "./_validate.ts";

/** Predictions of a k-NN vote. */
export interface KnnVoteResult {
  /** Predicted label of each query. */
  predictions: Int32Array;
  /** 1 where two or more labels shared the top vote count (the smallest label won), else 0. */
  voteTies: Uint8Array;
  /** Number of queries with a vote tie. */
  numVoteTies: number;
}

/**
 * Majority vote over the first `k` neighbours of each query.
 *
 * On a tie the **smallest label value** wins, not the nearest neighbour's label, as
 * sklearn (`scipy.stats.mode`) does.
 *
 * @param neighbors A search result with at least `k` neighbours per query.
 * @param referenceLabels Labels of the reference rows that `neighbors.indices` points into.
 * @param k Neighbours that vote; defaults to all of `neighbors.k`.
 * @returns Predictions and vote-tie flags.
 * @throws {RangeError} When `k` is not an integer in [1, neighbors.k].
 *
 * @example
 * ```ts
 * import { knnVote } from "./classification.ts";
 * const neighbors = { indices: new Int32Array([0, 1, 2, 3]), distances: new Float64Array(4), k: 4, rows: 1 };
 * const { predictions, numVoteTies } = knnVote(neighbors, new Int32Array([5, 2, 5, 2]));
 * if (predictions[0] !== 2 || numVoteTies !== 1) throw new Error("smallest label should win the tie");
 * ```
 */
export function knnVote(
  neighbors: KnnResult,
  referenceLabels: ArrayLike<number>,
  k: number = neighbors.k,
): KnnVoteResult {
  if (!Number.isInteger(k) || k < 1 || k > neighbors.k) {
    throw new RangeError(`Invalid k ${k}: the neighbour lists hold only ${neighbors.k} entries`);
  }
  const { rows, indices } = neighbors;
  const predictions = new Int32Array(rows);
  const voteTies = new Uint8Array(rows);
  let numVoteTies = 0;
  const votes = new Float64Array(k);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < k; j++) votes[j] = referenceLabels[indices[i * neighbors.k + j]];
    // Sorted, the first run with the highest count holds the smallest winning label.
    votes.sort();
    let best = votes[0], bestCount = 0, tie = false;
    for (let start = 0; start < k;) {
      let end = start + 1;
      while (end < k && votes[end] === votes[start]) end++;
      const count = end - start;
      if (count > bestCount) {
        best = votes[start];
        bestCount = count;
        tie = false;
      } else if (count === bestCount) {
        tie = true;
      }
      start = end;
    }
    predictions[i] = best;
    if (tie) {
      voteTies[i] = 1;
      numVoteTies++;
    }
  }
  return { predictions, voteTies, numVoteTies };
}

/** Options of {@linkcode knnClassify}. */
export interface KnnClassifyOptions {
  /**
   * Neighbours that vote.
   * @default {1}
   */
  k?: number;
  /**
   * Neighbour metric (see {@linkcode knnSearch}).
   * @default {"euclidean"}
   */
  metric?: KnnMetric;
}

/**
 * Predicts a label for each query by a majority vote of its `k` nearest reference rows
 * (smallest label wins a tie).
 *
 * @param query Rows to classify.
 * @param reference Labelled rows (the training set).
 * @param referenceLabels Labels of `reference`.
 * @param options `k` and metric.
 * @returns Predictions and vote-tie flags.
 * @throws {TypeError} When shapes or labels do not match.
 * @throws {RangeError} When `k` is out of range.
 *
 * @example
 * ```ts
 * import { knnClassify } from "./classification.ts";
 * const reference = { data: new Float64Array([0, 1, 10, 11]), rows: 4, dim: 1 };
 * const query = { data: new Float64Array([0.4, 9]), rows: 2, dim: 1 };
 * const { predictions } = knnClassify(query, reference, new Int32Array([0, 0, 1, 1]), { k: 3 });
 * if (predictions.join() !== "0,1") throw new Error("wrong predictions");
 * ```
 */
export function knnClassify(
  query: EmbeddingMatrix,
  reference: EmbeddingMatrix,
  referenceLabels: ArrayLike<number>,
  options: KnnClassifyOptions = {},
): KnnVoteResult {
  checkLabels(referenceLabels, reference.rows, "Cannot classify", "reference labels");
  const k = options.k ?? 1;
  return knnVote(knnSearch(query, reference, k, { metric: options.metric }), referenceLabels, k);
}

/** Options of {@linkcode knnAccuracy}. */
export interface KnnAccuracyOptions {
  /**
   * The values of k to evaluate; the search runs once, for the largest.
   * @default {[1, 5]}
   */
  ks?: number[];
  /**
   * Number of classes (size of the confusion matrix); labels must be in [0, numClasses).
   * @default {1 + the largest query or reference label}
   */
  numClasses?: number;
  /**
   * Neighbour metric (see {@linkcode knnSearch}).
   * @default {"euclidean"}
   */
  metric?: KnnMetric;
  /**
   * A search already done for these queries and references, with at least `max(ks)`
   * neighbours per query, to reuse instead of searching again.
   */
  neighbors?: KnnResult;
}

/** k-NN classification scores at one k. */
export interface KnnAccuracyAtK {
  /** Neighbours that voted. */
  k: number;
  /** Fraction of queries predicted right. Queries whose class is absent from the reference count as wrong. */
  accuracy: number;
  /** Predicted label of each query. */
  predictions: Int32Array;
  /** 1 where the top vote was shared (the smallest label won), else 0. */
  voteTies: Uint8Array;
  /** Number of queries with a vote tie. */
  numVoteTies: number;
  /**
   * Accuracy over the queries of each true class, indexed by class; `null` for a class
   * with no query (`null` rather than NaN so that the result survives `JSON.stringify`).
   */
  perClassAccuracy: (number | null)[];
  /** `numClasses x numClasses` counts: `confusion[trueClass][predictedClass]`. */
  confusion: number[][];
}

/** What {@linkcode knnAccuracy} returns. */
export interface KnnAccuracyResult {
  /** Size of the confusion matrix and of `perClassAccuracy`. */
  numClasses: number;
  /** One entry per k, in the order of `options.ks`. */
  results: KnnAccuracyAtK[];
  /** The neighbour search (max(ks) neighbours), to reuse for retrieval metrics. */
  neighbors: KnnResult;
}

/**
 * k-NN classification accuracy of the queries against a labelled reference set, for
 * several k at once (one search for the largest k), with per-class accuracy, confusion
 * matrix and vote-tie counts. Matches sklearn's `KNeighborsClassifier(algorithm="brute",
 * metric="euclidean", weights="uniform")`; a tied vote goes to the smallest label.
 *
 * @param query Rows to classify.
 * @param queryLabels True labels of `query`, integers in [0, numClasses).
 * @param reference Labelled rows (the training set).
 * @param referenceLabels Labels of `reference`, integers in [0, numClasses).
 * @param options ks, numClasses, metric, or a search to reuse.
 * @returns Scores for each k and the search.
 * @throws {TypeError} When shapes or labels do not match.
 * @throws {RangeError} When a k is out of range, a label is outside [0, numClasses), or there are no queries.
 *
 * @example
 * ```ts
 * import { knnAccuracy } from "./classification.ts";
 * const reference = { data: new Float64Array([0, 1, 10, 11]), rows: 4, dim: 1 };
 * const query = { data: new Float64Array([0.5, 2, 10.5]), rows: 3, dim: 1 };
 * const { results } = knnAccuracy(query, new Int32Array([0, 1, 1]), reference, new Int32Array([0, 0, 1, 1]), { ks: [1] });
 * if (Math.abs(results[0].accuracy - 2 / 3) > 1e-15) throw new Error("wrong accuracy");
 * ```
 */
export function knnAccuracy(
  query: EmbeddingMatrix,
  queryLabels: ArrayLike<number>,
  reference: EmbeddingMatrix,
  referenceLabels: ArrayLike<number>,
  options: KnnAccuracyOptions = {},
): KnnAccuracyResult {
  const action = "Cannot compute k-NN accuracy";
  checkMatrix(query, action, "query");
  checkMatrix(reference, action, "reference");
  checkLabels(queryLabels, query.rows, action, "query labels");
  checkLabels(referenceLabels, reference.rows, action, "reference labels");
  if (query.rows === 0) throw new RangeError(`${action}: the query set is empty`);
  const ks = options.ks ?? [1, 5];
  if (!Array.isArray(ks) || ks.length === 0) {
    throw new TypeError(`${action}: ks must be a non-empty array, got ${JSON.stringify(ks)}`);
  }
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) {
      throw new RangeError(`Invalid k ${k}: expected an integer >= 1`);
    }
  }
  const maxK = Math.max(...ks);

  let largest = -1;
  for (const labels of [queryLabels, referenceLabels]) {
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] < 0) throw new RangeError(`${action}: label ${labels[i]} is negative`);
      if (labels[i] > largest) largest = labels[i];
    }
  }
  const numClasses = options.numClasses ?? largest + 1;
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses <= largest) {
    throw new RangeError(
      `${action}: numClasses ${numClasses} does not cover label ${largest}`,
    );
  }

  let neighbors = options.neighbors;
  if (neighbors === undefined) {
    neighbors = knnSearch(query, reference, maxK, { metric: options.metric });
  } else if (neighbors.rows !== query.rows || neighbors.k < maxK) {
    throw new RangeError(
      `${action}: the given search has ${neighbors.rows} queries x ${neighbors.k} neighbours, ` +
        `need ${query.rows} x ${maxK}`,
    );
  }

  const classCounts = new Float64Array(numClasses);
  for (let i = 0; i < query.rows; i++) classCounts[queryLabels[i]]++;
  const results = ks.map((k): KnnAccuracyAtK => {
    const vote = knnVote(neighbors, referenceLabels, k);
    const confusion = Array.from(
      { length: numClasses },
      () => new Array<number>(numClasses).fill(0),
    );
    let correct = 0;
    for (let i = 0; i < query.rows; i++) {
      confusion[queryLabels[i]][vote.predictions[i]]++;
      if (vote.predictions[i] === queryLabels[i]) correct++;
    }
    const perClassAccuracy = confusion.map((row, c) =>
      classCounts[c] === 0 ? null : row[c] / classCounts[c]
    );
    return { k, accuracy: correct / query.rows, ...vote, perClassAccuracy, confusion };
  });
  return { numClasses, results, neighbors };
}
