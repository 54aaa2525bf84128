/**
 * Conformance of `lib/eval/` against the `accuracy` section of the reference vectors
 * from pytorch-metric-learning (`shared/vectors/pml/*.json`). Used by the tests and by
 * the conformance runner; not part of the public API.
 *
 * @module
 */
import type { EmbeddingMatrix } from "../types.ts";
import { type KnnMetric, knnSearch } from "../eval/knn.ts";
import { knnAccuracy } from "../eval/classification.ts";
import { retrievalMetrics } from "../eval/retrieval.ts";
import { adjustedMutualInfo, normalizedMutualInfo } from "../eval/clustering.ts";

/** The outcome of one comparison. */
export interface ConformanceCheck {
  /** What was compared, e.g. `"calculator.cosine__k_5: knn_indices"`. */
  name: string;
  /** Whether the result matched within tolerance. */
  ok: boolean;
  /** Why it failed (first difference, or the error thrown). */
  detail?: string;
}

/** Absolute tolerance for retrieval metrics and k-NN accuracy. */
const METRIC_TOLERANCE = 1e-12;
/** Absolute tolerance for NMI and AMI. */
const CLUSTER_TOLERANCE = 1e-10;

/** The vectors' k-NN function names and the metrics that reproduce their neighbour order. */
const KNN_METRICS: Record<string, KnnMetric> = { euclidean_raw: "euclidean", cosine: "cosine" };

/** Vector metric names and the fields of a `RetrievalMetricsResult`. */
const METRIC_FIELDS = {
  precision_at_1: "precisionAt1",
  r_precision: "rPrecision",
  mean_average_precision_at_r: "meanAveragePrecisionAtR",
  mean_average_precision: "meanAveragePrecision",
  mean_reciprocal_rank: "meanReciprocalRank",
} as const;

/**
 * Runs every comparison of one vector file's `accuracy` object: k-NN indices and the five
 * retrieval metrics of each `calculator` entry, the sklearn k-NN classification entries
 * (neighbours, predictions, accuracy, vote ties), NMI/AMI from the stored cluster labels,
 * and the lone-query and bin-count summary. It never throws: a malformed section or an
 * error inside a check gives a failed entry.
 *
 * @param accuracy The parsed `accuracy` value of a vector file.
 * @returns One entry per check, in a stable order.
 *
 * @example
 * ```ts
 * import { checkAccuracySection } from "./_accuracy_checks.ts";
 * const checks = checkAccuracySection({ not: "an accuracy section" });
 * if (checks.length !== 1 || checks[0].ok) throw new Error("expected one failed check");
 * ```
 */
export function checkAccuracySection(accuracy: unknown): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [];
  let data: Parsed;
  try {
    data = parse(accuracy);
  } catch (error) {
    return [{ name: "accuracy: read section", ok: false, detail: message(error) }];
  }
  const run = (name: string, body: () => string | undefined) => {
    try {
      const detail = body();
      checks.push(detail === undefined ? { name, ok: true } : { name, ok: false, detail });
    } catch (error) {
      checks.push({ name, ok: false, detail: message(error) });
    }
  };
  const section = accuracy as Record<string, unknown>;

  const guard = (name: string, body: () => void) => {
    try {
      body();
    } catch (error) {
      checks.push({ name: `${name}: read`, ok: false, detail: message(error) });
    }
  };

  guard("calculator", () => checkCalculator(section, data, run));
  guard("knn_classification", () => checkClassification(section, data, run));
  guard("clustering", () => checkClustering(section, data, run));
  guard("summary", () => checkSummary(section, data, run));
  return checks;
}

type Run = (name: string, body: () => string | undefined) => void;

function checkCalculator(section: Record<string, unknown>, data: Parsed, run: Run): void {
  const { query, queryLabels, reference, referenceLabels } = data;
  const calculator = objectField(section, "calculator");
  for (const key of Object.keys(calculator).sort()) {
    const entry = objectField(calculator, key);
    const prefix = `calculator.${key}`;
    const knnName = key.split("__k_")[0];
    const metric = KNN_METRICS[knnName];
    if (metric === undefined) {
      run(`${prefix}: knn function`, () => `unknown k-NN function "${knnName}"`);
      continue;
    }
    const kArgument = entry.k_argument;
    const k = kArgument === "max_bin_count" ? "max-bin-count" : Number(kArgument);
    const numK = Number(entry.num_neighbors_used);
    let neighbors: ReturnType<typeof knnSearch> | undefined;
    run(`${prefix}: knn_indices`, () => {
      neighbors = knnSearch(query, reference, numK, { metric });
      return compareRows(neighbors.indices, numK, intRows(entry.knn_indices));
    });
    let metrics: ReturnType<typeof retrievalMetrics> | undefined;
    run(`${prefix}: num_neighbors_used`, () => {
      metrics = retrievalMetrics(query, queryLabels, reference, referenceLabels, {
        k,
        metric,
        neighbors,
      });
      return metrics.numNeighborsUsed === numK
        ? undefined
        : `got ${metrics.numNeighborsUsed}, expected ${numK}`;
    });
    const expected = objectField(entry, "metrics");
    for (const [name, field] of Object.entries(METRIC_FIELDS)) {
      run(`${prefix}: metrics.${name}`, () => {
        if (metrics === undefined) return "no metrics were computed";
        return compareNumber(metrics[field], expected[name], METRIC_TOLERANCE);
      });
    }
  }
}

function checkClassification(section: Record<string, unknown>, data: Parsed, run: Run): void {
  const { query, queryLabels, reference, referenceLabels } = data;
  const classification = objectField(section, "knn_classification");
  const entries = Object.keys(classification).sort().map((key) => ({
    key,
    entry: objectField(classification, key),
  }));
  let knn: ReturnType<typeof knnAccuracy> | undefined;
  run("knn_classification: search and vote", () => {
    knn = knnAccuracy(query, queryLabels, reference, referenceLabels, {
      ks: entries.map(({ entry }) => Number(entry.k)),
    });
    return undefined;
  });
  entries.forEach(({ key, entry }, index) => {
    const prefix = `knn_classification.${key}`;
    const at = () => {
      if (knn === undefined) throw new Error("the k-NN classification did not run");
      return knn.results[index];
    };
    run(`${prefix}: neighbor_indices`, () => {
      const k = at().k;
      const indices = new Int32Array(query.rows * k);
      for (let i = 0; i < query.rows; i++) {
        for (let j = 0; j < k; j++) {
          indices[i * k + j] = knn!.neighbors.indices[i * knn!.neighbors.k + j];
        }
      }
      return compareRows(indices, k, intRows(entry.neighbor_indices));
    });
    run(`${prefix}: predictions`, () => compareInts(at().predictions, ints(entry.predictions)));
    run(
      `${prefix}: accuracy`,
      () => compareNumber(at().accuracy, entry.accuracy, METRIC_TOLERANCE),
    );
    run(`${prefix}: vote_tie_per_query`, () => {
      const expected = booleans(entry.vote_tie_per_query);
      return compareInts(at().voteTies, expected.map((b) => (b ? 1 : 0)));
    });
    run(`${prefix}: num_queries_with_vote_tie`, () => {
      const got = at().numVoteTies, expected = Number(entry.num_queries_with_vote_tie);
      return got === expected ? undefined : `got ${got}, expected ${expected}`;
    });
  });
}

function checkClustering(section: Record<string, unknown>, data: Parsed, run: Run): void {
  const { queryLabels } = data;
  const clustering = objectField(section, "clustering");
  const clusterLabels = ints(clustering.cluster_labels);
  for (const [name, fn] of [["NMI", normalizedMutualInfo], ["AMI", adjustedMutualInfo]] as const) {
    for (const field of [name, `${name}_sklearn_direct`]) {
      if (!(field in clustering)) continue;
      run(
        `clustering.${field}`,
        () => compareNumber(fn(queryLabels, clusterLabels), clustering[field], CLUSTER_TOLERANCE),
      );
    }
  }
  run("clustering.num_clusters", () => {
    const got = new Set(queryLabels).size, expected = Number(clustering.num_clusters);
    return got === expected ? undefined : `got ${got}, expected ${expected}`;
  });
}

function checkSummary(section: Record<string, unknown>, data: Parsed, run: Run): void {
  const { query, queryLabels, reference, referenceLabels } = data;
  run("summary: num_lone_queries, max_bin_count", () => {
    const m = retrievalMetrics(query, queryLabels, reference, referenceLabels);
    const lone = Number(section.num_lone_queries), bins = Number(section.max_bin_count);
    if (m.numLoneQueries !== lone) {
      return `num_lone_queries: got ${m.numLoneQueries}, expected ${lone}`;
    }
    if (m.numNeighborsUsed !== bins) {
      return `max_bin_count: got ${m.numNeighborsUsed}, expected ${bins}`;
    }
    return undefined;
  });
  run("summary: reference_count_per_query_label", () => {
    const expected = objectField(section, "reference_count_per_query_label");
    for (const label of new Set(queryLabels)) {
      const got = referenceLabels.filter((l) => l === label).length;
      if (got !== Number(expected[String(label)])) {
        return `label ${label}: got ${got}, expected ${expected[String(label)]}`;
      }
    }
    return undefined;
  });
}

interface Parsed {
  query: EmbeddingMatrix;
  queryLabels: Int32Array;
  reference: EmbeddingMatrix;
  referenceLabels: Int32Array;
}

function parse(accuracy: unknown): Parsed {
  if (accuracy === null || typeof accuracy !== "object" || Array.isArray(accuracy)) {
    throw new TypeError("the accuracy section is not an object");
  }
  const section = accuracy as Record<string, unknown>;
  for (const field of ["calculator", "knn_classification", "clustering"]) {
    objectField(section, field);
  }
  return {
    query: matrix(section.query_embeddings, "query_embeddings"),
    queryLabels: ints(section.query_labels),
    reference: matrix(section.reference_embeddings, "reference_embeddings"),
    referenceLabels: ints(section.reference_labels),
  };
}

function objectField(o: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = o[field];
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new TypeError(`field "${field}" is missing or not an object`);
  }
  return v as Record<string, unknown>;
}

function matrix(value: unknown, name: string): EmbeddingMatrix {
  if (!Array.isArray(value) || value.length === 0 || !Array.isArray(value[0])) {
    throw new TypeError(`${name} is not a non-empty array of rows`);
  }
  const dim = value[0].length;
  const data = new Float64Array(value.length * dim);
  value.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== dim) {
      throw new TypeError(`${name}[${i}] is not a row of ${dim}`);
    }
    row.forEach((v, j) => (data[i * dim + j] = Number(v)));
  });
  return { data, rows: value.length, dim };
}

function ints(value: unknown): Int32Array {
  if (!Array.isArray(value)) throw new TypeError("expected an array of integers");
  return Int32Array.from(value, (v) => {
    if (!Number.isInteger(v)) throw new TypeError(`expected an integer, got ${JSON.stringify(v)}`);
    return v;
  });
}

function booleans(value: unknown): boolean[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "boolean")) {
    throw new TypeError("expected an array of booleans");
  }
  return value;
}

function intRows(value: unknown): Int32Array[] {
  if (!Array.isArray(value)) throw new TypeError("expected an array of index rows");
  return value.map(ints);
}

function compareRows(got: Int32Array, k: number, expected: Int32Array[]): string | undefined {
  if (got.length !== expected.length * k) {
    return `got ${got.length / k} rows, expected ${expected.length}`;
  }
  for (let i = 0; i < expected.length; i++) {
    const row = got.subarray(i * k, (i + 1) * k);
    if (expected[i].length !== k || row.some((v, j) => v !== expected[i][j])) {
      return `row ${i}: got [${row.join(", ")}], expected [${expected[i].join(", ")}]`;
    }
  }
  return undefined;
}

function compareInts(got: ArrayLike<number>, expected: ArrayLike<number>): string | undefined {
  if (got.length !== expected.length) {
    return `got ${got.length} values, expected ${expected.length}`;
  }
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== expected[i]) return `at ${i}: got ${got[i]}, expected ${expected[i]}`;
  }
  return undefined;
}

function compareNumber(got: number, expected: unknown, tolerance: number): string | undefined {
  if (typeof expected !== "number") {
    return `expected value ${JSON.stringify(expected)} is not a number`;
  }
  const diff = Math.abs(got - expected);
  return diff <= tolerance
    ? undefined
    : `got ${got}, expected ${expected} (|diff| ${diff} > ${tolerance})`;
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
