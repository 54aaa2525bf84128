/**
 * Evaluating an embedding: test samples classified by k-NN (Euclidean) against all
 * training samples, plus retrieval metrics; and recomputing them from a run folder.
 *
 * @module
 */
import { join } from "node:path";
import { knnAccuracy } from "../eval/classification.ts";
import { clusteringMetrics } from "../eval/clustering.ts";
import { retrievalMetrics } from "../eval/retrieval.ts";
import { perQueryScores, type PerQueryScoresResult } from "../eval/per_query.ts";
import {
  readRunEmbeddings,
  RUN_FILES,
  type RunEmbeddings,
  writeJsonAtomic,
} from "../run/run_folder.ts";

export { readRunEmbeddings };
import type { Json } from "../types.ts";
import { detectCollapse } from "../eval/collapse.ts";

/** Embeddings of both sides of a split, with labels (the run folder's form). */
export type SplitEmbeddings = RunEmbeddings;

/** The headline test figures, as stored in `summary.json` under `test`. */
export interface TestMetrics {
  /** k-NN accuracy keyed by k (`{"1": 0.93, "5": 0.94}`). */
  knnAccuracy: Record<string, number>;
  /** Precision at 1 of retrieval among the test embeddings. */
  precisionAt1: number;
  /** R-precision. */
  rPrecision: number;
  /** Mean average precision at R (MAP@R). */
  meanAveragePrecisionAtR: number;
  /** Mean average precision. */
  meanAveragePrecision: number;
  /** Mean reciprocal rank. */
  meanReciprocalRank: number;
  /** NMI of a k-means clustering of the test embeddings (as many clusters as test classes) with the labels. */
  nmi: number;
  /** AMI of the same clustering. */
  ami: number;
}

/** What {@linkcode evaluateEmbeddings} returns. */
export interface EvaluationResult {
  /** The headline test figures. */
  test: TestMetrics;
  /** Per-k details for `evaluation.json`: per-class accuracy and the confusion matrix. */
  details: Record<string, Json>;
}

/**
 * Classifies the test embeddings by k-NN against the training embeddings (Euclidean,
 * majority vote, a tied vote goes to the smallest label) and computes retrieval metrics
 * (test queries against the training set, R = the class's training count), and NMI/AMI
 * of a seeded k-means clustering of the test embeddings.
 *
 * @param e Train and test embeddings with labels.
 * @param ks The k values. @default [1, 5]
 * @returns Headline metrics and details.
 * @throws {RangeError} When a k exceeds the training set.
 *
 * @example
 * ```ts
 * import { evaluateEmbeddings } from "./evaluate_run.ts";
 * const r = evaluateEmbeddings({ dim: 1, train: new Float32Array([0, 1, 10, 11]),
 *   trainLabels: new Int32Array([0, 0, 1, 1]), test: new Float32Array([0.5, 10.5]),
 *   testLabels: new Int32Array([0, 1]), classNames: ["a", "b"] }, [1]);
 * if (r.test.knnAccuracy["1"] !== 1) throw new Error("wrong");
 * ```
 */
export function evaluateEmbeddings(e: SplitEmbeddings, ks: number[] = [1, 5]): EvaluationResult {
  const train = { data: e.train, rows: e.trainLabels.length, dim: e.dim };
  const test = { data: e.test, rows: e.testLabels.length, dim: e.dim };
  const tooBig = ks.find((k) => k > train.rows);
  if (tooBig !== undefined) {
    throw new RangeError(`Invalid k ${tooBig}: the training set has only ${train.rows} samples`);
  }
  const acc = knnAccuracy(test, e.testLabels, train, e.trainLabels, {
    ks,
    numClasses: e.classNames.length,
  });
  const clustering = clusteringMetrics(test, e.testLabels, { seed: 0 });
  // One search serves the per-query scores and the retrieval metrics (its k covers R).
  const perQuery = perQueryScores(test, e.testLabels, train, e.trainLabels, { purityK: 10 });
  const retrieval = retrievalMetrics(test, e.testLabels, train, e.trainLabels, {
    k: "max-bin-count",
    neighbors: perQuery.neighbors,
  });
  const knn: Record<string, number> = {};
  const perK: Record<string, Json> = {};
  for (const r of acc.results) {
    knn[String(r.k)] = r.accuracy;
    perK[String(r.k)] = {
      accuracy: r.accuracy,
      numVoteTies: r.numVoteTies,
      perClassAccuracy: r.perClassAccuracy,
      confusion: r.confusion,
    };
  }
  return {
    test: {
      knnAccuracy: knn,
      precisionAt1: retrieval.precisionAt1,
      rPrecision: retrieval.rPrecision,
      meanAveragePrecisionAtR: retrieval.meanAveragePrecisionAtR,
      meanAveragePrecision: retrieval.meanAveragePrecision,
      meanReciprocalRank: retrieval.meanReciprocalRank,
      nmi: clustering.nmi,
      ami: clustering.ami,
    },
    details: {
      classNames: e.classNames,
      testCountPerClass: countPerClass(e.testLabels, e.classNames.length),
      knn: perK,
      retrieval: { ...retrieval } as unknown as Json,
      perQuery: perQueryJson(perQuery),
    },
  };
}

/** Six significant digits, null for NaN: per-query scores as `evaluation.json` keeps them. */
const compact = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);

/**
 * `evaluation.json`'s `perQuery`: each test sample's k=1 correctness, AP@R and neighbour
 * purity against the training split, in test order, for paired comparisons of runs.
 */
function perQueryJson(s: PerQueryScoresResult): Json {
  return {
    purityK: s.purityK,
    correct1: Array.from(s.correct1),
    averagePrecisionAtR: Array.from(s.averagePrecisionAtR, compact),
    neighborPurity: Array.from(s.neighborPurity, compact),
  };
}

function countPerClass(labels: Int32Array, n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

/**
 * Recomputes a run's metrics from its saved embeddings and rewrites `evaluation.json`
 * and the `test` part of `summary.json`, with its `collapsed` flag.
 *
 * @param dir The run folder.
 * @param ks The k values; default: the run's own.
 * @returns The recomputed metrics.
 *
 * @example
 * ```ts
 * import { evaluateRunFolder } from "./evaluate_run.ts";
 * await evaluateRunFolder("/nonexistent").then(() => { throw new Error("no error"); }, () => {});
 * ```
 */
export async function evaluateRunFolder(dir: string, ks?: number[]): Promise<EvaluationResult> {
  const embeddings = await readRunEmbeddings(dir);
  const summaryPath = join(dir, RUN_FILES.summary);
  let summary: Record<string, Json> = {};
  try {
    summary = JSON.parse(await Deno.readTextFile(summaryPath));
  } catch {
    // An unfinished run has no summary yet: evaluation still works from the embeddings.
  }
  const useKs = ks ?? ((summary.ks as number[] | undefined) ?? [1, 5]);
  const result = evaluateEmbeddings(embeddings, useKs);
  await writeJsonAtomic(join(dir, RUN_FILES.evaluation), result.details);
  if (Object.keys(summary).length) {
    await writeJsonAtomic(summaryPath, {
      ...summary,
      ks: useKs,
      test: result.test as unknown as Json,
      ...collapseFields(embeddings, result.test.knnAccuracy["1"]),
    });
  }
  return result;
}

/**
 * `summary.json`'s `collapsed` flag and its evidence (test embeddings; see
 * `detectCollapse`); nothing for embeddings it cannot judge (one dimension, one sample).
 *
 * @param e The run's embeddings.
 * @param accuracy Test k=1 accuracy, reported beside the geometry.
 * @returns The fields to add to the summary.
 *
 * @example
 * ```ts
 * import { collapseFields } from "./evaluate_run.ts";
 * const f = collapseFields({ dim: 2, train: new Float32Array(0), trainLabels: new Int32Array(0),
 *   test: new Float32Array([1, 0, 1, 0.001, 1, 0.002]), testLabels: new Int32Array([0, 1, 2]),
 *   classNames: ["a", "b", "c"] }, 0.3);
 * if (f.collapsed !== true) throw new Error("one direction is a collapse");
 * ```
 */
export function collapseFields(
  e: SplitEmbeddings,
  accuracy: number | undefined,
): Record<string, Json> {
  if (e.dim < 2 || e.testLabels.length < 2) return {};
  const c = detectCollapse(
    { data: e.test, rows: e.testLabels.length, dim: e.dim },
    e.testLabels,
    { accuracy, numClasses: e.classNames.length },
  );
  return {
    collapsed: c.collapsed,
    collapse: { reasons: c.reasons, evidence: c.evidence } as unknown as Json,
  };
}
