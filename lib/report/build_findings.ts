/**
 * The exercise's answers as data (`findings.json`): one entry per question (does mining
 * help, for each loss; contrastive or triplet, for each miner; which dimension; do classes
 * group; do group distances follow the class hierarchy), each comparison with its effect in
 * points, a 95% interval, the method, n and a verdict. The findings page and the slides are
 * written from this data.
 *
 * Intervals: with two or more seeds, a paired Student-t interval over seeds (each seed's
 * difference averaged over the pooled runs); with one seed, a paired bootstrap over the
 * test images (the runs share the split, so each image is scored by both), with McNemar's
 * exact test for a single pair's k=1 accuracy. Collapsed runs are left out of every verdict.
 *
 * @module
 */
import { collapseOfRunFolder } from "../eval/collapse.ts";
import { perQueryScores, type PerQueryScoresResult } from "../eval/per_query.ts";
import {
  mcnemarTest,
  pairedBootstrap,
  pairedDifference,
  studentTQuantile,
} from "../eval/statistics.ts";
import { join } from "node:path";
import { readRunEmbeddings, RUN_FILES } from "../run/run_folder.ts";
import type { ClassInfo } from "../types.ts";
import type { RunRecord } from "./read_runs.ts";

/** A comparison's verdict: what changing from `b` to `a` does to the metric. */
export type Verdict = "helps" | "hurts" | "no clear difference" | "undetermined";

/** How an interval was computed. */
export type IntervalMethod = "paired-t-over-seeds" | "paired-bootstrap-over-test-images";

/** The metrics a comparison can be about. */
export type ComparedMetric = "knnAccuracy1" | "meanAveragePrecisionAtR";

/** One paired comparison of `a` against `b`. */
export interface Comparison {
  /** The question it answers. */
  question: "mining" | "loss" | "dimension";
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
  id: "mining" | "loss" | "dimension" | "grouping" | "hierarchy";
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

/** Options of {@linkcode buildFindings}. */
export interface BuildFindingsOptions {
  /** A hierarchy that overrides the runs' own (for the confused-pair relations). */
  hierarchy?: readonly ClassInfo[] | null;
  /** Bootstrap resamples. @default {2000} */
  resamples?: number;
  /** Seed of the bootstrap. @default {0} */
  seed?: number;
  /** Fixed `generatedAt` (tests). */
  now?: Date;
}

/** Per-test-image scores of one run, shared by every comparison it is part of. */
interface Scores {
  correct1: Uint8Array;
  averagePrecisionAtR: Float64Array;
  neighborPurity: Float64Array;
  purityCeiling: Float64Array;
  purityK: number;
  chancePurity: number;
  testIndices: string;
}

const acc1 = (r: RunRecord) => r.summary.test.knnAccuracy["1"];
const mapR = (r: RunRecord) => r.summary.test.meanAveragePrecisionAtR;
const METRICS: {
  metric: ComparedMetric;
  label: string;
  get: (r: RunRecord) => number | undefined;
}[] = [
  { metric: "knnAccuracy1", label: "k=1 accuracy", get: acc1 },
  { metric: "meanAveragePrecisionAtR", label: "MAP@R", get: mapR },
];

const signed = (v: number, digits = 1) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(digits)}`;
const median = (v: readonly number[]) => {
  const s = v.slice().sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (v: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
};
const list = (items: readonly (string | number)[]) =>
  items.length <= 2
    ? items.join(" and ")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const minerText = (m: string) => (m === "none" ? "no mining" : `${m} mining`);
const dataOf = (r: RunRecord) => String(r.summary.data ?? "?");

/** `evaluation.json`'s `perQuery` when it matches `n` test samples, else null. */
function savedPerQuery(run: RunRecord, n: number) {
  const p = (run.evaluation as { perQuery?: Record<string, unknown> } | null)?.perQuery;
  const ok = (v: unknown): v is (number | null)[] => Array.isArray(v) && v.length === n;
  if (
    !p || typeof p.purityK !== "number" || !ok(p.correct1) || !ok(p.averagePrecisionAtR) ||
    !ok(p.neighborPurity)
  ) return null;
  return {
    purityK: p.purityK,
    correct1: Uint8Array.from(p.correct1, (v) => (v ? 1 : 0)),
    averagePrecisionAtR: Float64Array.from(p.averagePrecisionAtR, (v) => v ?? NaN),
    neighborPurity: Float64Array.from(p.neighborPurity, (v) => v ?? 0),
  };
}

/**
 * A run's per-test-image scores: from `evaluation.json` when it has them (runs evaluated
 * since they were added), else computed from the saved embeddings; null without either.
 */
async function loadScores(run: RunRecord): Promise<Scores | null> {
  let meta: { trainLabels?: unknown; testLabels?: unknown; testIndices?: unknown };
  try {
    meta = JSON.parse(await Deno.readTextFile(join(run.dir, RUN_FILES.embeddingsMeta)));
  } catch {
    return null;
  }
  if (!Array.isArray(meta.trainLabels) || !Array.isArray(meta.testLabels)) return null;
  const trainLabels = meta.trainLabels as number[], testLabels = meta.testLabels as number[];
  if (!trainLabels.length || !testLabels.length) return null;
  let s:
    | Pick<
      PerQueryScoresResult,
      "purityK" | "correct1" | "averagePrecisionAtR" | "neighborPurity"
    >
    | null = savedPerQuery(run, testLabels.length);
  if (!s) {
    try {
      const e = await readRunEmbeddings(run.dir);
      s = perQueryScores(
        { data: e.test, rows: e.testLabels.length, dim: e.dim },
        e.testLabels,
        { data: e.train, rows: e.trainLabels.length, dim: e.dim },
        e.trainLabels,
        { purityK: 10 },
      );
    } catch {
      return null;
    }
  }
  // Purity of random neighbours: the chance that a training sample shares a test sample's
  // class; the ceiling: min(1, R / k) where R is the class's training count.
  const trainCount = new Map<number, number>();
  for (const l of trainLabels) trainCount.set(l, (trainCount.get(l) ?? 0) + 1);
  let chance = 0;
  const purityCeiling = Float64Array.from(
    testLabels,
    (l) => Math.min(1, (trainCount.get(l) ?? 0) / s.purityK),
  );
  for (const l of testLabels) chance += (trainCount.get(l) ?? 0) / trainLabels.length;
  const scores = s;
  return {
    correct1: scores.correct1,
    averagePrecisionAtR: scores.averagePrecisionAtR,
    neighborPurity: scores.neighborPurity,
    purityCeiling,
    purityK: scores.purityK,
    chancePurity: chance / testLabels.length,
    testIndices: Array.isArray(meta.testIndices)
      ? meta.testIndices.join(",")
      : `${testLabels.length}`,
  };
}

/** The training settings (config.json) that runs must share to be compared or pooled. */
const SHARED_SETTINGS = [
  "syntheticPerClass",
  "imageSize",
  "minPerClass",
  "limit",
  "testFraction",
  "architecture",
  "epochs",
  "batchSize",
  "samplesPerClass",
  "learningRate",
  "augment",
];

/** Everything a run was trained with except its data, loss, miner, dim and seed. */
function settingsOf(r: RunRecord): Record<string, unknown> {
  const c = r.config as Record<string, unknown>;
  return Object.fromEntries(
    SHARED_SETTINGS.map((k) => [k, c[k] ?? (k === "epochs" ? r.summary.epochs : null)]),
  );
}

/**
 * The fields two runs must share to be paired, except the one compared: data, seed (so the
 * split), every training setting, and the loss and miner with their options.
 */
function pairKey(r: RunRecord, without: "loss" | "miner" | "dim"): string {
  const s = r.summary, c = r.config as Record<string, unknown>;
  return JSON.stringify([
    dataOf(r),
    without === "loss" ? null : c.loss ?? s.loss,
    without === "miner" ? null : c.miner ?? s.miner,
    without === "dim" ? null : s.dim,
    s.seed,
    settingsOf(r),
  ]);
}

/** Pairs `a` runs with `b` runs that agree on everything but `factor`. */
function pairUp(
  runs: readonly RunRecord[],
  isA: (r: RunRecord) => boolean,
  isB: (r: RunRecord) => boolean,
  factor: "loss" | "miner" | "dim",
): [RunRecord, RunRecord][] {
  const bs = new Map<string, RunRecord>();
  for (const r of runs) if (isB(r)) bs.set(pairKey(r, factor), r);
  const out: [RunRecord, RunRecord][] = [];
  for (const a of runs) {
    if (!isA(a)) continue;
    const b = bs.get(pairKey(a, factor));
    if (b && b !== a) out.push([a, b]);
  }
  return out;
}

interface CompareSpec {
  question: Comparison["question"];
  data: string;
  a: string;
  b: string;
  scope: string;
  detail: boolean;
}

function verdictOf(ci: [number, number] | null): Verdict {
  if (!ci) return "undetermined";
  if (ci[0] > 0) return "helps";
  if (ci[1] < 0) return "hurts";
  return "no clear difference";
}

function methodText(c: Comparison): string {
  if (!c.method) return "no interval: the runs' embeddings are missing and there is one seed";
  const pooled = c.dims.length > 1 ? `, pooled over d = ${c.dims.join(", ")}` : "";
  if (c.method === "paired-t-over-seeds") {
    return `paired t over ${plural(c.n, "seed")}${pooled}`;
  }
  const p = c.pValue === null ? "" : `, McNemar p = ${formatP(c.pValue)}`;
  return `paired bootstrap over ${c.n} test images, 1 seed${pooled}${p}`;
}

/**
 * Formats a p-value for a sentence: two significant digits, `< 0.001` below that.
 *
 * @param p The p-value.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatP } from "./build_findings.ts";
 * if (formatP(0.0386) !== "0.039" || formatP(0.00001) !== "< 0.001") throw new Error();
 * ```
 */
export function formatP(p: number): string {
  if (p < 0.001) return "< 0.001";
  return p >= 0.1 ? p.toFixed(2) : p.toPrecision(2);
}

/**
 * The interval text of a comparison: `+3.7 points (95% CI +1.2 to +6.1; paired bootstrap
 * over 296 test images, 1 seed)`.
 *
 * @param c The comparison.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { effectText } from "./build_findings.ts";
 * const t = effectText({ effect: 2, ci: [1, 3], method: "paired-t-over-seeds", n: 3, dims: [32], pValue: null } as never);
 * if (t !== "+2.0 points (95% CI +1.0 to +3.0; paired t over 3 seeds)") throw new Error(t);
 * ```
 */
export function effectText(c: Comparison): string {
  const ci = c.ci ? `95% CI ${signed(c.ci[0])} to ${signed(c.ci[1])}; ` : "";
  return `${signed(c.effect)} points (${ci}${methodText(c)})`;
}

function comparisonSentence(c: Comparison, metricLabel: string): string {
  const where = c.detail ? ` at d = ${c.dims[0]}` : "";
  const e = effectText(c);
  switch (c.question) {
    case "mining": {
      const head = `For ${c.scope}${where}, ${c.a} mining`;
      if (c.verdict === "undetermined") return `${head} changes ${metricLabel} by ${e}.`;
      const verb = c.verdict === "no clear difference" ? "makes no clear difference" : c.verdict;
      return `${head} ${verb}: ${metricLabel} ${e}.`;
    }
    case "loss": {
      const head = c.verdict === "helps"
        ? `${c.a} beats ${c.b}`
        : c.verdict === "hurts"
        ? `${c.b} beats ${c.a}`
        : `no clear difference between ${c.a} and ${c.b}`;
      return `With ${c.scope}${where}, ${head} in ${metricLabel}: ${c.a} − ${c.b} = ${e}.`;
    }
    case "dimension": {
      const head = c.verdict === "hurts"
        ? `${c.a} is below ${c.b}`
        : c.verdict === "helps"
        ? `${c.a} is above ${c.b}`
        : `${c.a} is not clearly different from ${c.b}`;
      return `${head} in ${metricLabel} (${c.scope}): ${e}.`;
    }
  }
}

/**
 * Compares paired runs: the effect `a - b` in points with its interval. Each pair must
 * share the seed, hence the split; with two or more seeds, each seed's mean difference
 * is one observation of a Student-t interval, with one seed the per-image differences
 * (averaged over the pairs) are bootstrapped.
 */
function compare(
  spec: CompareSpec,
  pairs: [RunRecord, RunRecord][],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Comparison[] {
  const out: Comparison[] = [];
  for (const { metric, label, get } of METRICS) {
    const usable = pairs.filter(([a, b]) =>
      Number.isFinite(get(a) ?? NaN) && Number.isFinite(get(b) ?? NaN)
    );
    if (!usable.length) continue;
    const seeds = [...new Set(usable.map(([a]) => a.summary.seed))].sort((x, y) => x - y);
    const dims = [...new Set(usable.map(([a]) => a.summary.dim))].sort((x, y) => x - y);
    let effect = 100 * mean(usable.map(([a, b]) => get(a)! - get(b)!));
    let ci: [number, number] | null = null, method: IntervalMethod | null = null;
    let n = usable.length, pValue: number | null = null;
    if (seeds.length >= 2) {
      const perSeed = seeds.map((s) => {
        const p = usable.filter(([a]) => a.summary.seed === s);
        return [mean(p.map(([a]) => 100 * get(a)!)), mean(p.map(([, b]) => 100 * get(b)!))];
      });
      const r = pairedDifference(perSeed.map((v) => v[0]), perSeed.map((v) => v[1]));
      // The effect the interval is about: seeds weigh the same even where a seed has fewer
      // pairs (a collapsed run left out). Seeds that agree exactly leave no spread to
      // estimate: no interval then, rather than a zero-width one.
      effect = r.meanDifference;
      ci = r.standardError ? [r.low!, r.high!] : null;
      method = "paired-t-over-seeds";
      n = seeds.length;
    } else {
      const sides = usable.map(([a, b]) => [scores.get(a), scores.get(b)] as const);
      const ok = sides.every(([x, y]) => x && y && x.testIndices === y.testIndices) &&
        new Set(sides.map(([x]) => x!.testIndices)).size === 1;
      if (ok) {
        const images = sides[0][0]!.correct1.length;
        const pick = (s: Scores) => metric === "knnAccuracy1" ? s.correct1 : s.averagePrecisionAtR;
        const av = new Float64Array(images), bv = new Float64Array(images);
        for (const [x, y] of sides) {
          const xa = pick(x!), ya = pick(y!);
          for (let i = 0; i < images; i++) {
            av[i] += (100 * xa[i]) / sides.length;
            bv[i] += (100 * ya[i]) / sides.length;
          }
        }
        // Images whose class has no training sample have no AP@R.
        const keep: number[] = [];
        for (let i = 0; i < images; i++) if (Number.isFinite(av[i] + bv[i])) keep.push(i);
        const r = pairedBootstrap(keep.map((i) => av[i]), keep.map((i) => bv[i]), {
          resamples: options.resamples,
          seed: options.seed,
        });
        ci = [r.low, r.high];
        method = "paired-bootstrap-over-test-images";
        n = keep.length;
        if (metric === "knnAccuracy1" && sides.length === 1) {
          pValue = mcnemarTest(sides[0][0]!.correct1, sides[0][1]!.correct1).pValue;
        }
      }
    }
    const c: Comparison = {
      question: spec.question,
      data: spec.data,
      a: spec.a,
      b: spec.b,
      scope: spec.scope,
      dims,
      seeds,
      metric,
      effect,
      ci,
      method,
      n,
      pValue,
      verdict: verdictOf(ci),
      runs: usable.map(([a, b]) => [a.id, b.id]),
      detail: spec.detail,
      sentence: "",
    };
    c.sentence = comparisonSentence(c, label);
    out.push(c);
  }
  return out;
}

/** Pooled comparisons, then one per dimension when several dimensions were pooled. */
function compareWithDetails(
  spec: Omit<CompareSpec, "detail">,
  pairs: [RunRecord, RunRecord][],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Comparison[] {
  const pooled = compare({ ...spec, detail: false }, pairs, scores, options);
  const dims = [...new Set(pairs.map(([a]) => a.summary.dim))].sort((x, y) => x - y);
  if (dims.length < 2) return pooled;
  return [
    ...pooled,
    ...dims.flatMap((d) =>
      compare(
        { ...spec, detail: true },
        pairs.filter(([a]) => a.summary.dim === d),
        scores,
        options,
      )
    ),
  ];
}

const headline = (cs: readonly Comparison[]) =>
  cs.filter((c) => !c.detail && c.metric === "knnAccuracy1");

function miningQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Question | null {
  const miners = [...new Set(runs.map((r) => r.summary.miner))].filter((m) => m !== "none")
    .sort();
  const losses = [...new Set(runs.map((r) => r.summary.loss))].sort();
  const comparisons: Comparison[] = [];
  for (const loss of losses) {
    for (const miner of miners) {
      const pairs = pairUp(
        runs,
        (r) => r.summary.loss === loss && r.summary.miner === miner,
        (r) => r.summary.loss === loss && r.summary.miner === "none",
        "miner",
      );
      if (pairs.length) {
        comparisons.push(
          ...compareWithDetails(
            { question: "mining", data, a: miner, b: "none", scope: loss },
            pairs,
            scores,
            options,
          ),
        );
      }
    }
  }
  if (!comparisons.length) return null;
  const heads = headline(comparisons);
  const cap = (t: string) => t[0].toUpperCase() + t.slice(1);
  const parts = heads.map((c) => {
    const what = miners.length > 1 ? `${c.a} mining ` : "";
    const e = `${signed(c.effect)} points`;
    return c.verdict === "helps" || c.verdict === "hurts"
      ? `${what}${c.verdict} ${c.scope} (${e})`
      : c.verdict === "undetermined"
      ? `${what}changes ${c.scope} by ${e} (no interval)`
      : `${what}makes no clear difference for ${c.scope} (${e})`;
  });
  // MAP@R where its verdict differs from the accuracy's: the two can disagree.
  const mapParts = comparisons.filter((c) => !c.detail && c.metric === "meanAveragePrecisionAtR")
    .filter((m) =>
      heads.some((h) => h.scope === m.scope && h.a === m.a && h.verdict !== m.verdict) &&
      (m.verdict === "helps" || m.verdict === "hurts")
    ).map((m) =>
      `${miners.length > 1 ? `${m.a} mining ` : ""}${m.verdict} ${m.scope} (${
        signed(m.effect)
      } points)`
    );
  const answer =
    (miners.length === 1
      ? `${cap(miners[0])} mining ${list(parts)}, in k=1 accuracy.`
      : `${cap(list(parts))}, in k=1 accuracy.`) +
    (mapParts.length ? ` In MAP@R it ${list(mapParts)}.` : "");
  return {
    id: "mining",
    data,
    question: "Does mining help?",
    answer,
    verdict: heads.map((c) => `${c.verdict} for ${c.scope}`).join("; "),
    details: comparisons.filter((c) => !c.detail).map((c) => c.sentence),
    comparisons,
  };
}

function lossQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Question | null {
  const miners = [...new Set(runs.map((r) => r.summary.miner))].sort((a, b) =>
    a === "none" ? -1 : b === "none" ? 1 : a.localeCompare(b)
  );
  const comparisons: Comparison[] = [];
  for (const miner of miners) {
    const pairs = pairUp(
      runs,
      (r) => r.summary.loss === "contrastive" && r.summary.miner === miner,
      (r) => r.summary.loss === "triplet" && r.summary.miner === miner,
      "loss",
    );
    if (pairs.length) {
      comparisons.push(
        ...compareWithDetails(
          { question: "loss", data, a: "contrastive", b: "triplet", scope: minerText(miner) },
          pairs,
          scores,
          options,
        ),
      );
    }
  }
  if (!comparisons.length) return null;
  const heads = headline(comparisons);
  const parts = heads.map((c) =>
    c.verdict === "helps"
      ? `contrastive is better with ${c.scope} (${signed(c.effect)} points)`
      : c.verdict === "hurts"
      ? `triplet is better with ${c.scope} (${signed(-c.effect)} points)`
      : `no clear difference with ${c.scope} (${signed(c.effect)} points for contrastive)`
  );
  const mapParts = comparisons.filter((c) => !c.detail && c.metric === "meanAveragePrecisionAtR")
    .filter((m) =>
      heads.some((h) => h.scope === m.scope && h.verdict !== m.verdict) &&
      (m.verdict === "helps" || m.verdict === "hurts")
    ).map((m) =>
      m.verdict === "helps"
        ? `contrastive is better with ${m.scope} (${signed(m.effect)} points)`
        : `triplet is better with ${m.scope} (${signed(-m.effect)} points)`
    );
  const answer = `${list(parts).replace(/^./, (ch) => ch.toUpperCase())}, in k=1 accuracy.${
    mapParts.length ? ` In MAP@R, ${list(mapParts)}.` : ""
  }`;
  return {
    id: "loss",
    data,
    question: "Contrastive or triplet?",
    answer,
    verdict: heads.map((c) =>
      `${
        c.verdict === "helps" ? "contrastive" : c.verdict === "hurts" ? "triplet" : c.verdict
      } with ${c.scope}`
    ).join("; "),
    details: comparisons.filter((c) => !c.detail).map((c) => c.sentence),
    comparisons,
  };
}

function dimensionQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Question | null {
  const dims = [...new Set(runs.map((r) => r.summary.dim))].sort((a, b) => a - b);
  if (dims.length < 2) return null;
  const meanAcc = new Map(dims.map((d) => [
    d,
    mean(runs.filter((r) => r.summary.dim === d).map((r) => acc1(r) ?? 0)),
  ]));
  const best = dims.reduce((x, y) => (meanAcc.get(y)! > meanAcc.get(x)! ? y : x));
  const comparisons: Comparison[] = [];
  for (const d of dims) {
    if (d === best) continue;
    const pairs = pairUp(
      runs,
      (r) => r.summary.dim === d,
      (r) => r.summary.dim === best,
      "dim",
    );
    if (!pairs.length) continue;
    const c = compare(
      {
        question: "dimension",
        data,
        a: `d=${d}`,
        b: `d=${best}`,
        scope: "paired by loss, miner and seed",
        detail: false,
      },
      pairs,
      scores,
      options,
    );
    // The pooled comparison is over dims {d, best}; its `dims` names the one compared.
    for (const x of c) x.dims = [d];
    comparisons.push(...c);
  }
  if (!comparisons.length) return null;
  const heads = headline(comparisons);
  const notWorse = dims.filter((d) =>
    d === best ||
    heads.some((c) =>
      c.a === `d=${d}` && (c.verdict === "no clear difference" || c.verdict === "helps")
    )
  );
  const pick = notWorse[0];
  const below = heads.filter((c) => c.verdict === "hurts").map((c) => c.a.slice(2));
  const answer = pick === best
    ? `d = ${best} is best: ${
      below.length
        ? `d = ${list(below)} ${below.length === 1 ? "is" : "are"} clearly below it`
        : "the others are not clearly different"
    } in k=1 accuracy.`
    : `d = ${pick} is enough: it is not clearly below the best, d = ${best} (${
      signed(heads.find((c) => c.a === `d=${pick}`)!.effect)
    } points)${
      below.length
        ? `, while d = ${list(below)} ${below.length === 1 ? "is" : "are"} clearly below it`
        : ""
    }.`;
  return {
    id: "dimension",
    data,
    question: "Which embedding dimension?",
    answer,
    verdict: `d=${pick}`,
    details: [
      `Mean k=1 accuracy by dimension: ${
        dims.map((d) => `d = ${d}: ${(100 * meanAcc.get(d)!).toFixed(1)}%`).join(", ")
      }.`,
      ...comparisons.map((c) => c.sentence),
    ],
    comparisons,
    evidence: { meanAccuracy: Object.fromEntries(dims.map((d) => [d, meanAcc.get(d)])), best },
  };
}

/**
 * Grades a median neighbour purity: how far it goes from chance towards its ceiling
 * (classes with fewer than k training images cannot fill k neighbours).
 */
function groupingGrade(purity: number, chance: number, ceiling: number): string {
  // Chance-corrected: with few classes random neighbours already share a class often.
  const reached = (purity - chance) / Math.max(ceiling - chance, 1e-9);
  if (reached >= 0.8) return "strongly";
  if (reached >= 0.5) return "clearly";
  if (purity >= Math.max(0.2 * ceiling, 3 * chance)) return "loosely";
  return "hardly";
}

function groupingQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
): Question | null {
  const rows = runs.map((r) => {
    const s = scores.get(r);
    return {
      id: r.id,
      purity: s ? mean(s.neighborPurity) : null,
      ceiling: s ? mean(s.purityCeiling) : null,
      chance: s ? s.chancePurity : null,
      k: s?.purityK ?? null,
      testSilhouette: r.analysis?.test?.silhouette?.overall ?? null,
      trainSilhouette: r.analysis?.train?.silhouette?.overall ?? null,
      accuracy: acc1(r) ?? null,
    };
  });
  const withPurity = rows.filter((r) => r.purity !== null);
  const withSil = rows.filter((r) => r.testSilhouette !== null);
  if (!withPurity.length && !withSil.length) return null;
  const details: string[] = [];
  let answer: string, verdict: string;
  if (withPurity.length) {
    const p = median(withPurity.map((r) => r.purity!));
    const chance = median(withPurity.map((r) => r.chance!));
    const ceiling = median(withPurity.map((r) => r.ceiling!));
    const best = withPurity.reduce((x, y) => (y.purity! > x.purity! ? y : x));
    const k = withPurity[0].k;
    verdict = groupingGrade(p, chance, ceiling);
    const yes = verdict === "hardly" ? "Hardly" : `Yes, ${verdict}`;
    answer = `${yes}: a test image's ${k} nearest training images share its class ${
      (100 * p).toFixed(0)
    }% of the time (median over ${plural(withPurity.length, "run")}; chance ${
      (100 * chance).toFixed(0)
    }%, ceiling ${(100 * ceiling).toFixed(0)}%).`;
    details.push(
      `Neighbour purity against the training split ranges from ${
        (100 * Math.min(...withPurity.map((r) => r.purity!))).toFixed(0)
      }% to ${
        (100 * best.purity!).toFixed(0)
      }% (${best.id}). The ceiling is below 100% only for classes with fewer than ${k} training images.`,
    );
  } else {
    const s = median(withSil.map((r) => r.testSilhouette!));
    verdict = s > 0.25 ? "clearly" : s > 0 ? "loosely" : "hardly";
    answer = `${verdict === "hardly" ? "Hardly" : `Yes, ${verdict}`}: median test silhouette ${
      s.toFixed(2)
    } over ${plural(withSil.length, "run")}.`;
  }
  if (withSil.length) {
    const test = median(withSil.map((r) => r.testSilhouette!));
    const train = withSil.filter((r) => r.trainSilhouette !== null);
    details.push(
      `Median silhouette: test ${test.toFixed(2)}${
        train.length ? `, train ${median(train.map((r) => r.trainSilhouette!)).toFixed(2)}` : ""
      } (1 = tight, separate groups; 0 = overlapping).`,
    );
  }
  return {
    id: "grouping",
    data,
    question: "Do samples of a class group together?",
    answer,
    verdict,
    details,
    comparisons: [],
    evidence: { runs: rows },
  };
}

function relation(a: ClassInfo | undefined, b: ClassInfo | undefined): string {
  if (!a || !b) return "unknown";
  if (a.top !== b.top) return "different category";
  return a.family === b.family ? "same family" : "same category";
}

function hierarchyQuestion(
  data: string,
  runs: readonly RunRecord[],
  override: readonly ClassInfo[] | null,
): Question | null {
  const analysed = runs.filter((r) => r.analysis?.test);
  if (!analysed.length) {
    return {
      id: "hierarchy",
      data,
      question: "Do group distances follow class similarity?",
      answer:
        "Unknown: no run has analysis.json (make it with deno task evaluate --run <dir>, then rebuild).",
      verdict: "unknown",
      details: [],
      comparisons: [],
    };
  }
  const corr = analysed.filter((r) =>
    typeof r.analysis!.test.hierarchyCorrelation?.spearman === "number"
  );
  const best = analysed.reduce((x, y) => ((acc1(y) ?? -1) > (acc1(x) ?? -1) ? y : x));
  const hierarchy = override ?? best.hierarchy;
  const info = new Map((hierarchy ?? []).map((c) => [c.class, c]));
  const t = best.analysis!.test;
  const name = (i: number) => t.classNames[i] ?? String(i);
  const confused = (t.mostConfusedPairs ?? []).slice(0, 8).map((p) => ({
    a: name(p.a),
    b: name(p.b),
    count: p.count,
    treeDistance: hierarchy ? (p.treeDistance ?? null) : null,
    relation: relation(info.get(name(p.a)), info.get(name(p.b))),
  }));
  const closest = (t.closestPairs ?? []).slice(0, 8).map((p) => ({
    a: name(p.a),
    b: name(p.b),
    distance: p.distance,
    relation: relation(info.get(name(p.a)), info.get(name(p.b))),
  }));
  const details: string[] = [];
  let answer: string, verdict: string;
  if (!corr.length) {
    verdict = "unknown";
    answer =
      "Unknown: these runs have no class hierarchy (train with --hierarchy FILE, or name the classes with TT100K codes).";
  } else {
    const rho = corr.map((r) => r.analysis!.test.hierarchyCorrelation!.spearman!);
    const significant = corr.filter((r) =>
      (r.analysis!.test.hierarchyCorrelation!.mantelPValue ?? 1) <= 0.05
    ).length;
    const m = median(rho);
    const share = significant / corr.length;
    verdict = m >= 0.5 && share >= 0.8
      ? "strongly"
      : m >= 0.3 && share >= 0.5
      ? "clearly"
      : m > 0.1 && significant > 0
      ? "weakly"
      : "no";
    const ps = corr.map((r) => r.analysis!.test.hierarchyCorrelation!.mantelPValue ?? 1);
    answer = verdict === "no"
      ? `No: centroid distances do not follow the class tree (median Spearman ${
        m.toFixed(2)
      }, Mantel p ≤ 0.05 in ${significant} of ${plural(corr.length, "run")}).`
      : `Yes, ${verdict}: classes that are close in the class tree (same family, same category) have closer centroids (median Spearman ${
        m.toFixed(2)
      } with the tree distance; Mantel p ≤ 0.05 in ${significant} of ${
        plural(corr.length, "run")
      }, smallest p ${formatP(Math.min(...ps))}).`;
  }
  if (confused.length) {
    const siblings = confused.filter((p) => p.relation === "same family").length;
    details.push(
      `In ${best.id} (best k=1 accuracy), ${siblings} of the ${confused.length} most confused class pairs are in the same family${
        confused.length
          ? `: ${confused.slice(0, 4).map((p) => `${p.a}–${p.b} (${p.count})`).join(", ")}`
          : ""
      }.`,
    );
  }
  if (closest.length) {
    details.push(
      `Closest class centroids: ${
        closest.slice(0, 4).map((p) => `${p.a}–${p.b} (${p.relation})`).join(", ")
      }.`,
    );
  }
  return {
    id: "hierarchy",
    data,
    question: "Do group distances follow class similarity?",
    answer,
    verdict,
    details,
    comparisons: [],
    evidence: {
      bestRun: best.id,
      runs: corr.map((r) => ({
        id: r.id,
        spearman: r.analysis!.test.hierarchyCorrelation!.spearman,
        mantelPValue: r.analysis!.test.hierarchyCorrelation!.mantelPValue,
      })),
      mostConfusedPairs: confused,
      closestPairs: closest,
    },
  };
}

/** Wilson's 95% score interval of a proportion `p` of `n` trials. */
function wilson(p: number, n: number): [number, number] {
  const z = 1.959963984540054, z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

function cellMetric(
  runs: readonly RunRecord[],
  get: (r: RunRecord) => number | undefined,
  scores: Map<RunRecord, Scores | null>,
  kind: ComparedMetric,
  settings: { resamples: number; seed: number },
): CellMetric | null {
  const values = runs.map(get).filter((v): v is number => Number.isFinite(v ?? NaN));
  if (!values.length) return null;
  const m = mean(values);
  if (values.length >= 2) {
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
    const half = studentTQuantile(0.975, values.length - 1) * sd / Math.sqrt(values.length);
    return { mean: m, ci: [m - half, m + half], method: "t-over-seeds" };
  }
  const s = scores.get(runs[0]);
  if (!s) return { mean: m, ci: null, method: null };
  if (kind === "knnAccuracy1") {
    return { mean: m, ci: wilson(m, s.correct1.length), method: "wilson-over-test-images" };
  }
  const ap = Array.from(s.averagePrecisionAtR).filter(Number.isFinite);
  const r = pairedBootstrap(ap, new Float64Array(ap.length), settings);
  return { mean: m, ci: [r.low, r.high], method: "bootstrap-over-test-images" };
}

function resultCells(
  runs: readonly RunRecord[],
  healthy: ReadonlySet<RunRecord>,
  scores: Map<RunRecord, Scores | null>,
  settings: { resamples: number; seed: number },
): ResultCell[] {
  const cells = new Map<string, RunRecord[]>();
  for (const r of runs) {
    // Runs trained with other settings (or loss or miner options) are a cell of their own.
    const c = r.config as Record<string, unknown>;
    const key = JSON.stringify([
      dataOf(r),
      r.summary.loss,
      r.summary.miner,
      r.summary.dim,
      JSON.stringify([c.loss ?? null, c.miner ?? null, settingsOf(r)]),
    ]);
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  return [...cells.entries()].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
    .map(([key, group]) => {
      const [data, loss, miner, dim] = JSON.parse(key) as [string, string, string, number];
      const ok = group.filter((r) => healthy.has(r)).sort((a, b) =>
        a.summary.seed - b.summary.seed
      );
      return {
        data,
        loss,
        miner,
        dim,
        seeds: ok.map((r) => r.summary.seed),
        runs: ok.map((r) => r.id),
        collapsed: group.filter((r) => !healthy.has(r)).map((r) => r.id),
        knnAccuracy1: ok.length ? cellMetric(ok, acc1, scores, "knnAccuracy1", settings) : null,
        meanAveragePrecisionAtR: ok.length
          ? cellMetric(ok, mapR, scores, "meanAveragePrecisionAtR", settings)
          : null,
      };
    });
}

/** The collapse verdict of a run: summary.json's when recorded, else computed from its embeddings. */
async function collapseOf(run: RunRecord): Promise<ExcludedRun | null> {
  const s = run.summary as Record<string, unknown>;
  if (typeof s.collapsed === "boolean") {
    if (!s.collapsed) return null;
    const c = s.collapse as { reasons?: unknown } | undefined;
    const reasons = Array.isArray(c?.reasons) ? c!.reasons.map(String) : [];
    return { id: run.id, reasons };
  }
  try {
    const c = await collapseOfRunFolder(run.dir);
    return c.collapsed ? { id: run.id, reasons: c.reasons } : null;
  } catch {
    return null;
  }
}

/**
 * Answers the exercise's questions from finished runs: `findings.json`'s content.
 *
 * Runs are paired when they share data, seed and epochs and differ in the compared factor
 * only. Collapsed runs (recorded in summary.json, or detected from the embeddings) are
 * left out of every verdict and listed in `runs.collapsed`.
 *
 * @param runs The finished runs (as `readRuns` gives them).
 * @param options Hierarchy override, bootstrap resamples and seed.
 * @returns The findings, JSON-ready.
 *
 * @example
 * ```ts
 * import { buildFindings } from "./build_findings.ts";
 * const f = await buildFindings([]);
 * if (f.questions.length !== 0 || !f.notes[0].startsWith("No finished runs")) throw new Error();
 * ```
 */
export async function buildFindings(
  runs: readonly RunRecord[],
  options: BuildFindingsOptions = {},
): Promise<FindingsFile> {
  const settings = { resamples: options.resamples ?? 2000, seed: options.seed ?? 0 };
  const notes: string[] = [];
  const collapsed: ExcludedRun[] = [];
  const healthy: RunRecord[] = [];
  for (const r of runs) {
    const c = await collapseOf(r);
    if (c) collapsed.push(c);
    else healthy.push(r);
  }
  const datasets = [...new Set(runs.map(dataOf))].sort();
  if (!runs.length) notes.push("No finished runs: nothing to compare.");
  else if (!healthy.length) {
    notes.push(
      `All ${
        plural(runs.length, "run")
      } collapsed (see runs.collapsed): no verdict can be drawn from them.`,
    );
  }
  if (datasets.length > 1) {
    notes.push(
      `Runs on ${datasets.length} datasets (${
        datasets.join(", ")
      }): each is answered on its own; runs on different data are never compared.`,
    );
  }
  const scores = new Map<RunRecord, Scores | null>();
  for (const r of healthy) scores.set(r, await loadScores(r));
  const missing = healthy.filter((r) => !scores.get(r)).map((r) => r.id);
  if (missing.length) {
    notes.push(
      `No per-image scores for ${plural(missing.length, "run")} (embeddings missing: ${
        missing.slice(0, 3).join(", ")
      }${missing.length > 3 ? ", …" : ""}): one-seed comparisons with them have no interval.`,
    );
  }
  const questions: Question[] = [];
  for (const data of datasets) {
    const group = healthy.filter((r) => dataOf(r) === data);
    if (!group.length) continue;
    const made = [
      miningQuestion(data, group, scores, settings),
      lossQuestion(data, group, scores, settings),
      dimensionQuestion(data, group, scores, settings),
      groupingQuestion(data, group, scores),
      hierarchyQuestion(data, group, options.hierarchy ?? null),
    ];
    const names = ["mining", "loss", "dimension"];
    for (const [i, q] of made.entries()) {
      if (q) questions.push(q);
      else if (i < 3) {
        notes.push(
          `${data}: no ${names[i]} comparison: no two runs differ only in the ${
            names[i] === "mining"
              ? "miner"
              : names[i] === "loss"
              ? "loss (contrastive vs triplet)"
              : "dimension"
          }${
            collapsed.some((c) => runs.find((r) => r.id === c.id && dataOf(r) === data))
              ? " among the runs that did not collapse"
              : ""
          }.`,
        );
      }
    }
  }
  return {
    version: 1,
    generatedAt: (options.now ?? new Date()).toISOString(),
    runs: { total: runs.length, used: healthy.length, datasets, collapsed },
    method:
      "Differences are a − b in percentage points between runs that share data, seed (hence the split) and epochs. With two or more seeds: a paired Student-t 95% interval over seeds, each seed's difference averaged over the pooled dimensions. With one seed: a paired bootstrap (2,000 resamples) over the test images, each image scored by both runs (k=1 correct or not; its AP@R), and McNemar's exact test for one pair's k=1 accuracy. A verdict is 'helps' or 'hurts' when the interval excludes 0, else 'no clear difference'. Collapsed runs are left out.",
    results: resultCells(runs, new Set(healthy), scores, settings),
    questions,
    notes,
  };
}
