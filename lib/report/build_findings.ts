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
import { pairedBootstrap, studentTQuantile } from "../eval/statistics.ts";
import type { ClassInfo } from "../types.ts";
import {
  acc1,
  dataOf,
  loadScores,
  mapR,
  mean,
  plural,
  type Scores,
  settingsOf,
} from "./_findings_compare.ts";
import {
  dimensionQuestion,
  groupingQuestion,
  hierarchyQuestion,
  lossQuestion,
  memoryOf,
  memoryQuestion,
  miningQuestion,
} from "./_findings_questions.ts";
import type {
  CellMetric,
  ComparedMetric,
  ExcludedRun,
  FindingsFile,
  Question,
  ResultCell,
} from "./findings_types.ts";
import type { RunRecord } from "./read_runs.ts";

export * from "./findings_types.ts";
export { effectText, formatP } from "./_findings_compare.ts";

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
    const memory = memoryOf(r);
    const key = JSON.stringify([
      dataOf(r),
      r.summary.loss,
      memory === "none" ? r.summary.miner : `${r.summary.miner} + ${memory}`,
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
      memoryQuestion(data, group, scores, settings),
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
