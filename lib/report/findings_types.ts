/**
 * The shape of `findings.json` ({@linkcode buildFindings} in build_findings.ts writes it):
 * comparisons with their effect, interval, method and verdict; the questions with their
 * answers; the results table; the runs left out.
 *
 * @module
 */
/** A comparison's verdict: what changing from `b` to `a` does to the metric. */
export type Verdict = "helps" | "hurts" | "no clear difference" | "undetermined";

/** How an interval was computed. */
export type IntervalMethod = "paired-t-over-seeds" | "paired-bootstrap-over-test-images";

/** The metrics a comparison can be about. */
export type ComparedMetric = "knnAccuracy1" | "meanAveragePrecisionAtR";

/** One paired comparison of `a` against `b`. */
export interface Comparison {
  /** The question it answers. */
  question: "mining" | "loss" | "dimension" | "memory";
  /** The dataset of both sides. */
  data: string;
  /** The changed factor's value on the first side (`"semihard"`, `"contrastive"`, `"d=16"`). */
  a: string;
  /** The value on the second side (`"none"`, `"triplet"`, `"d=32"`). */
  b: string;
  /** What both sides share, in words (`"triplet"`, `"no mining"`, `"all losses and miners"`). */
  scope: string;
  /** Embedding dimensions pooled. */
  dims: number[];
  /** Seeds pooled. */
  seeds: number[];
  /** The metric. */
  metric: ComparedMetric;
  /** `a - b` in percentage points (mean over the pooled pairs). */
  effect: number;
  /** The 95% interval of `effect`, in points; null when it could not be computed. */
  ci: [number, number] | null;
  /** How the interval was computed; null without one. */
  method: IntervalMethod | null;
  /** Seeds (t interval) or test images (bootstrap) the interval rests on. */
  n: number;
  /** McNemar's exact two-sided p-value (one pair, k=1 accuracy, one seed), else null. */
  pValue: number | null;
  /** "helps" when the interval is above 0, "hurts" when below, else "no clear difference". */
  verdict: Verdict;
  /** The run pairs `[a, b]`, by id. */
  runs: [string, string][];
  /** True for a per-dimension breakdown of a pooled comparison. */
  detail: boolean;
  /** One sentence with the numbers. */
  sentence: string;
}

/** One of the exercise's questions, answered for one dataset. */
export interface Question {
  /** Which question. */
  id: "mining" | "loss" | "dimension" | "grouping" | "hierarchy" | "memory";
  /** The dataset. */
  data: string;
  /** The question (`"Does mining help?"`). */
  question: string;
  /** The answer in one sentence. */
  answer: string;
  /** A short verdict (`"helps triplet; no clear difference for contrastive"`, `"clearly"`). */
  verdict: string;
  /** Further sentences with the numbers. */
  details: string[];
  /** The comparisons behind it (headline ones first, `detail` ones after). */
  comparisons: Comparison[];
  /** Figures and per-run values (grouping and hierarchy). */
  evidence?: Record<string, unknown>;
}

/** A run left out of the verdicts. */
export interface ExcludedRun {
  /** The run id. */
  id: string;
  /** Why, in words. */
  reasons: string[];
}

/** The mean of one metric over a cell's seeds, with its 95% interval (fractions in [0, 1]). */
export interface CellMetric {
  /** The mean over seeds (the value, with one seed). */
  mean: number;
  /** The 95% interval, or null. */
  ci: [number, number] | null;
  /** `"t-over-seeds"`, `"wilson-over-test-images"` (one seed, accuracy) or `"bootstrap-over-test-images"` (one seed, MAP@R). */
  method: string | null;
}

/** One cell of the results table: a loss, miner and dimension over its seeds. */
export interface ResultCell {
  /** The dataset. */
  data: string;
  /** The loss. */
  loss: string;
  /** The miner. */
  miner: string;
  /** The embedding dimension. */
  dim: number;
  /** Seeds of the cell's healthy runs. */
  seeds: number[];
  /** Their run ids. */
  runs: string[];
  /** Collapsed runs of this cell, left out of the means. */
  collapsed: string[];
  /** Test k-NN accuracy at k=1. */
  knnAccuracy1: CellMetric | null;
  /** Test MAP@R. */
  meanAveragePrecisionAtR: CellMetric | null;
}

/** `findings.json`. */
export interface FindingsFile {
  /** Format version. */
  version: 1;
  /** When it was written (ISO 8601). */
  generatedAt: string;
  /** The runs read and used. */
  runs: {
    total: number;
    used: number;
    datasets: string[];
    collapsed: ExcludedRun[];
  };
  /** How intervals were computed, in words. */
  method: string;
  /** The results table: one cell per data, loss, miner and dimension. */
  results: ResultCell[];
  /** One entry per question and dataset. */
  questions: Question[];
  /** What could not be compared, and why. */
  notes: string[];
}
