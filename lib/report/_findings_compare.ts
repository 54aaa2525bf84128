/**
 * Paired comparisons of runs for the findings: per-test-image scores (from evaluation.json
 * or the embeddings), which runs pair (same data, seed, settings; one factor differs), and
 * the effect with its interval: a paired t over seeds, or a paired bootstrap over test
 * images with McNemar's test for one pair. Private to `lib/report/`.
 *
 * @module
 */
import { join } from "node:path";
import { perQueryScores, type PerQueryScoresResult } from "../eval/per_query.ts";
import { mcnemarTest, pairedBootstrap, pairedDifference } from "../eval/statistics.ts";
import { readRunEmbeddings, RUN_FILES } from "../run/run_folder.ts";
import type { ComparedMetric, Comparison, IntervalMethod, Verdict } from "./findings_types.ts";
import type { RunRecord } from "./read_runs.ts";

/** Per-test-image scores of one run, shared by every comparison it is part of. */
export interface Scores {
  correct1: Uint8Array;
  averagePrecisionAtR: Float64Array;
  neighborPurity: Float64Array;
  purityCeiling: Float64Array;
  purityK: number;
  chancePurity: number;
  testIndices: string;
}

export const acc1 = (r: RunRecord) => r.summary.test.knnAccuracy["1"];
export const mapR = (r: RunRecord) => r.summary.test.meanAveragePrecisionAtR;
const METRICS: {
  metric: ComparedMetric;
  label: string;
  get: (r: RunRecord) => number | undefined;
}[] = [
  { metric: "knnAccuracy1", label: "k=1 accuracy", get: acc1 },
  { metric: "meanAveragePrecisionAtR", label: "MAP@R", get: mapR },
];

export const signed = (v: number, digits = 1) =>
  `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(digits)}`;
export const median = (v: readonly number[]) => {
  const s = v.slice().sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const mean = (v: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
};
export const list = (items: readonly (string | number)[]) =>
  items.length <= 2
    ? items.join(" and ")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
export const minerText = (m: string) => (m === "none" ? "no mining" : `${m} mining`);
export const dataOf = (r: RunRecord) => String(r.summary.data ?? "?");

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
export async function loadScores(run: RunRecord): Promise<Scores | null> {
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
  "xbm",
  "xbmWarmup",
];

/**
 * Everything a run was trained with except its data, loss, miner, dim and seed (and,
 * with `withoutMemory`, its cross-batch memory).
 */
export function settingsOf(r: RunRecord, withoutMemory = false): Record<string, unknown> {
  const c = r.config as Record<string, unknown>;
  return Object.fromEntries(
    SHARED_SETTINGS.filter((k) => !(withoutMemory && k.startsWith("xbm")))
      .map((k) => [k, c[k] ?? (k === "epochs" ? r.summary.epochs : null)]),
  );
}

/**
 * The fields two runs must share to be paired, except the one compared: data, seed (so the
 * split), every training setting, and the loss and miner with their options.
 */
function pairKey(r: RunRecord, without: Factor): string {
  const s = r.summary, c = r.config as Record<string, unknown>;
  return JSON.stringify([
    dataOf(r),
    without === "loss" ? null : c.loss ?? s.loss,
    without === "miner" ? null : c.miner ?? s.miner,
    without === "dim" ? null : s.dim,
    s.seed,
    settingsOf(r, without === "memory"),
  ]);
}

/** What a comparison changes between its two sides. */
export type Factor = "loss" | "miner" | "dim" | "memory";

/** Pairs `a` runs with `b` runs that agree on everything but `factor`. */
export function pairUp(
  runs: readonly RunRecord[],
  isA: (r: RunRecord) => boolean,
  isB: (r: RunRecord) => boolean,
  factor: Factor,
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

export function verdictOf(ci: [number, number] | null): Verdict {
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
    case "memory": {
      const head = `For ${c.scope}${where}, a cross-batch memory (${c.a})`;
      if (c.verdict === "undetermined") return `${head} changes ${metricLabel} by ${e}.`;
      const verb = c.verdict === "no clear difference" ? "makes no clear difference" : c.verdict;
      return `${head} ${verb}: ${metricLabel} ${e}.`;
    }
  }
}

/**
 * Compares paired runs: the effect `a - b` in points with its interval. Each pair must
 * share the seed, hence the split; with two or more seeds, each seed's mean difference
 * is one observation of a Student-t interval, with one seed the per-image differences
 * (averaged over the pairs) are bootstrapped.
 */
export function compare(
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
export function compareWithDetails(
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
