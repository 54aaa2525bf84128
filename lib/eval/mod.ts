/**
 * Evaluation of embeddings on plain typed arrays: exact k-NN search and k-NN
 * classification ({@linkcode knnSearch}, {@linkcode knnAccuracy}), retrieval metrics
 * (PML's `AccuracyCalculator`: {@linkcode retrievalMetrics}, {@linkcode perQueryScores}),
 * clustering (NMI/AMI, k-means), class-structure analysis (centroids, linkage, Mantel test
 * against a hierarchy), statistics for comparing runs (paired bootstrap, McNemar) and
 * collapse detection ({@linkcode detectCollapse}).
 *
 * @example
 * ```ts
 * import { knnAccuracy, retrievalMetrics } from "./mod.ts";
 * const reference = { data: new Float64Array([0, 1, 10, 11]), rows: 4, dim: 1 };
 * const query = { data: new Float64Array([0.5, 10.5]), rows: 2, dim: 1 };
 * const queryLabels = new Int32Array([0, 1]), referenceLabels = new Int32Array([0, 0, 1, 1]);
 * const knn = knnAccuracy(query, queryLabels, reference, referenceLabels, { ks: [1, 2] });
 * const retrieval = retrievalMetrics(query, queryLabels, reference, referenceLabels, {
 *   neighbors: knn.neighbors,
 * });
 * if (knn.results[0].accuracy !== 1 || retrieval.meanAveragePrecisionAtR !== 1) {
 *   throw new Error("expected perfect scores");
 * }
 * ```
 *
 * @module
 */
export * from "./knn.ts";
export * from "./classification.ts";
export * from "./retrieval.ts";
export * from "./clustering.ts";
export * from "./class_structure.ts";
export * from "./statistics.ts";
export * from "./collapse.ts";
export * from "./per_query.ts";
