/**
 * The findings page: the exercise's four questions answered with generated sentences backed
 * by numbers (paired differences over seeds, class-structure analysis), each linking to
 * the figure or run page it rests on.
 *
 * @module
 */
import { pairedDifference, type PairedDifferenceResult } from "../eval/statistics.ts";
import type { ClassInfo } from "../types.ts";
import { centroidDistanceFigure, dendrogramFigure } from "./figures.ts";
import { escapeHtml, layout } from "./pages.ts";
import type { RunRecord } from "./read_runs.ts";
import { renderFigure } from "./render.ts";

/** What a paired-difference sentence is about. */
export interface DifferenceSubject {
  /** What was changed, as the sentence's subject (`"Mining"`). */
  subject: string;
  /** The metric (`"k=1 accuracy"`). */
  metric: string;
  /** Where, appended to the metric (`" for triplet"`). */
  context?: string;
}

const signed = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(1)}`;

/**
 * One sentence on a paired difference in percentage points: "raised ... by" when the 95%
 * interval is above zero, "lowered" when below, "no clear difference" when it spans zero,
 * and a note that an interval needs two seeds when there is one pair.
 *
 * @param about Subject, metric and context.
 * @param r The paired difference, in percentage points.
 * @returns The sentence.
 *
 * @example
 * ```ts
 * import { differenceSentence } from "./findings.ts";
 * const r = { meanDifference: 4.1, standardError: 0.5, low: 2, high: 6.2, n: 3, df: 2 };
 * const s = differenceSentence({ subject: "Mining", metric: "k=1 accuracy", context: " for triplet" }, r);
 * if (s !== "Mining raised k=1 accuracy for triplet by 4.1 points (95% CI 2.0 to 6.2, 3 seeds).") throw new Error(s);
 * ```
 */
export function differenceSentence(about: DifferenceSubject, r: PairedDifferenceResult): string {
  const what = `${about.metric}${about.context ?? ""}`;
  const seeds = `${r.n} seed${r.n === 1 ? "" : "s"}`;
  if (r.low === null || r.high === null) {
    return `${about.subject} changed ${what} by ${
      signed(r.meanDifference)
    } points (${seeds}; a confidence interval needs at least two seeds).`;
  }
  const ci = `95% CI ${r.low.toFixed(1)} to ${r.high.toFixed(1)}, ${seeds}`;
  if (r.low > 0) {
    return `${about.subject} raised ${what} by ${r.meanDifference.toFixed(1)} points (${ci}).`;
  }
  if (r.high < 0) {
    return `${about.subject} lowered ${what} by ${(-r.meanDifference).toFixed(1)} points (${ci}).`;
  }
  return `${about.subject}: no clear difference in ${what} (mean ${
    signed(r.meanDifference)
  } points, ${ci}).`;
}

/** A set of paired runs: `a` and `b` share data, dim and seed, differing in one factor. */
export interface RunPairs {
  /** The context appended to the metric (`" for triplet at dim 64"`). */
  context: string;
  /** The pairs. */
  pairs: [RunRecord, RunRecord][];
}

function dataOf(r: RunRecord): string {
  return String(r.summary.data ?? "?");
}

/**
 * Pairs runs that differ in one factor and agree on the rest (data, dim, seed and the
 * other factor): `a` runs pass `isA`, `b` runs pass `isB`, grouped by `groupOf`.
 *
 * @param runs The runs.
 * @param isA Which runs are the first of a pair.
 * @param isB Which runs are the second.
 * @param groupOf The group (shared factor) of a run, e.g. its loss.
 * @returns One entry per data, group and dim with at least one pair.
 *
 * @example
 * ```ts
 * import { pairRuns } from "./findings.ts";
 * if (pairRuns([], () => true, () => true, () => "x").length !== 0) throw new Error();
 * ```
 */
export function pairRuns(
  runs: readonly RunRecord[],
  isA: (r: RunRecord) => boolean,
  isB: (r: RunRecord) => boolean,
  groupOf: (r: RunRecord) => string,
): RunPairs[] {
  const datas = new Set(runs.map(dataOf));
  const dims = new Set(runs.map((r) => r.summary.dim));
  const bKey = (r: RunRecord, group: string) =>
    JSON.stringify([dataOf(r), group, r.summary.dim, r.summary.seed]);
  const bs = new Map<string, RunRecord>();
  for (const r of runs) if (isB(r)) bs.set(bKey(r, groupOf(r)), r);
  const out = new Map<string, RunPairs>();
  for (const a of runs) {
    if (!isA(a)) continue;
    const group = groupOf(a);
    const b = bs.get(bKey(a, group));
    if (!b || b === a) continue;
    const context = ` for ${group}${dims.size > 1 ? ` at dim ${a.summary.dim}` : ""}${
      datas.size > 1 ? ` on ${dataOf(a)}` : ""
    }`;
    const entry = out.get(context) ?? { context, pairs: [] };
    entry.pairs.push([a, b]);
    out.set(context, entry);
  }
  return [...out.values()].sort((x, y) => x.context.localeCompare(y.context));
}

const acc1 = (r: RunRecord) => r.summary.test.knnAccuracy["1"];
const mapR = (r: RunRecord) => r.summary.test.meanAveragePrecisionAtR;

/**
 * Sentences for one comparison: k=1 accuracy and MAP@R, in points, for every set of pairs.
 *
 * @param subject The sentence subject (`"Mining"`).
 * @param sets The paired runs.
 * @returns One sentence per set and metric (metrics missing from a run are skipped).
 *
 * @example
 * ```ts
 * import { comparisonSentences } from "./findings.ts";
 * if (comparisonSentences("Mining", []).length !== 0) throw new Error();
 * ```
 */
export function comparisonSentences(subject: string, sets: readonly RunPairs[]): string[] {
  const out: string[] = [];
  for (const set of sets) {
    for (const [metric, get] of [["k=1 accuracy", acc1], ["MAP@R", mapR]] as const) {
      const pairs = set.pairs.filter(([a, b]) =>
        Number.isFinite(get(a) ?? NaN) && Number.isFinite(get(b) ?? NaN)
      );
      if (!pairs.length) continue;
      const r = pairedDifference(
        pairs.map(([a]) => 100 * get(a)!),
        pairs.map(([, b]) => 100 * get(b)!),
      );
      out.push(differenceSentence({ subject, metric, context: set.context }, r));
    }
  }
  return out;
}

const runLink = (r: RunRecord) =>
  `<a href="runs/${encodeURIComponent(r.id)}.html">${escapeHtml(r.id)}</a>`;
const median = (v: number[]) => {
  const s = v.slice().sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

function list(items: string[]): string {
  return `<ul>${items.map((s) => `<li>${s}</li>`).join("")}</ul>`;
}

/** Options of {@linkcode findingsPage}. */
export interface FindingsOptions {
  /** A class hierarchy that overrides the runs' own. */
  hierarchy?: ClassInfo[] | null;
}

/**
 * The findings page: does mining help, contrastive or triplet, do classes group together,
 * do group distances follow the class hierarchy.
 *
 * @param runs The runs.
 * @param options The hierarchy to label the dendrogram with.
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { findingsPage } from "./findings.ts";
 * if (!findingsPage([]).includes("deno task evaluate")) throw new Error();
 * ```
 */
export function findingsPage(
  runs: readonly RunRecord[],
  options: FindingsOptions = {},
): string {
  const parts: string[] = [`<h1>Findings</h1>
<p class="muted">Generated from ${runs.length} finished run(s). Differences are paired: runs that share data, dimension and seed (same split), in percentage points, with a 95% Student-t interval over seeds. Details on <a href="index.html">All runs</a>.</p>`];
  const none = (r: RunRecord) => r.summary.miner === "none";
  const mining = comparisonSentences(
    "Mining",
    [...new Set(runs.filter((r) => !none(r)).map((r) => r.summary.miner))].flatMap((miner) =>
      pairRuns(
        runs,
        (r) => r.summary.miner === miner,
        none,
        (r) => r.summary.loss,
      ).map((s) => ({ ...s, context: `${s.context} (${miner} vs none)` }))
    ),
  );
  parts.push(
    `<h2 id="mining">Does mining help?</h2>${
      mining.length
        ? list(mining.map(escapeHtml))
        : `<p class="note">No pairs of runs with and without mining that share data, dim and seed.</p>`
    }`,
  );
  const versus = comparisonSentences(
    "Contrastive instead of triplet",
    pairRuns(
      runs,
      (r) => r.summary.loss === "contrastive",
      (r) => r.summary.loss === "triplet",
      (r) => `miner ${r.summary.miner}`,
    ),
  );
  parts.push(
    `<h2 id="loss">Contrastive or triplet?</h2>${
      versus.length
        ? list(versus.map(escapeHtml))
        : `<p class="note">No pairs of contrastive and triplet runs that share data, miner, dim and seed.</p>`
    }`,
  );
  const analysed = runs.filter((r) => r.analysis?.test);
  const how =
    `<p class="note">No run has <code>analysis.json</code> yet. Make it with <code>deno task evaluate --run &lt;dir&gt; --hierarchy &lt;tsv&gt;</code>, then rebuild the report.</p>`;
  parts.push(`<h2 id="groups">Do samples of a class group together?</h2>`);
  const nmi = runs.filter((r) => Number.isFinite(r.summary.test.nmi ?? NaN));
  const nmiText = nmi.length
    ? ` Test NMI of k-means clusters against the labels averages ${
      mean(nmi.map((r) => r.summary.test.nmi!)).toFixed(2)
    } over ${nmi.length} run(s).`
    : "";
  if (!analysed.length) parts.push(how + (nmiText ? `<p>${nmiText.trim()}</p>` : ""));
  else {
    const withSil = analysed.filter((r) =>
      typeof r.analysis!.test.silhouette?.overall === "number"
    );
    const items: string[] = [];
    if (withSil.length) {
      const sils = withSil.map((r) => r.analysis!.test.silhouette!.overall);
      const best = withSil[sils.indexOf(Math.max(...sils))];
      const m = mean(sils);
      const verdict = m > 0.25
        ? "samples of a class group together clearly"
        : m > 0
        ? "samples of a class group together loosely"
        : "classes overlap more than they group";
      items.push(
        `Test silhouette averages ${m.toFixed(2)} over ${withSil.length} run(s): ${verdict} (best ${
          Math.max(...sils).toFixed(2)
        } in ${runLink(best)}).`,
      );
    }
    const withShare = analysed.filter((r) => r.analysis!.test.neighborLabelShare);
    if (withShare.length) {
      const shares = withShare.map((r) => r.analysis!.test.neighborLabelShare!.overall);
      const best = withShare[shares.indexOf(Math.max(...shares))];
      items.push(
        `On average ${(100 * mean(shares)).toFixed(1)}% of a test sample's ${
          withShare[0].analysis!.test.neighborLabelShare!.k
        } nearest neighbours share its class (best ${(100 * Math.max(...shares)).toFixed(1)}% in ${
          runLink(best)
        }).`,
      );
    }
    if (nmiText) items.push(escapeHtml(nmiText.trim()));
    parts.push(list(items));
  }
  parts.push(`<h2 id="hierarchy">Do group distances follow class similarity?</h2>`);
  if (!analysed.length) parts.push(how);
  else parts.push(...hierarchySection(analysed, options.hierarchy ?? null));
  return layout("Findings", parts.join("\n"), "", "findings");
}

function hierarchySection(runs: RunRecord[], override: ClassInfo[] | null): string[] {
  const parts: string[] = [];
  const corr = runs.filter((r) =>
    typeof r.analysis!.test.hierarchyCorrelation?.spearman === "number"
  );
  if (corr.length) {
    const rho = corr.map((r) => r.analysis!.test.hierarchyCorrelation!.spearman!);
    const positive = rho.filter((v) => v > 0).length;
    const significant = corr.filter((r) =>
      (r.analysis!.test.hierarchyCorrelation!.mantelPValue ?? 1) <= 0.05
    ).length;
    parts.push(
      `<p>In ${positive} of ${corr.length} run(s) the distances between class centroids correlate positively with the class-tree distance (median Spearman ${
        median(rho).toFixed(2)
      }, Mantel p ≤ 0.05 in ${significant}).</p>`,
    );
  } else {
    parts.push(
      `<p class="note">No run's analysis has a hierarchy correlation: run <code>deno task evaluate --run &lt;dir&gt; --hierarchy &lt;tsv&gt;</code>.</p>`,
    );
  }
  const score = (r: RunRecord) => acc1(r) ?? -Infinity;
  const best = runs.reduce((a, b) => (score(b) > score(a) ? b : a));
  const t = best.analysis!.test;
  const hierarchy = override ?? best.hierarchy;
  const info = new Map((hierarchy ?? []).map((c) => [c.class, c]));
  const name = (i: number) => t.classNames[i] ?? String(i);
  const confused = t.mostConfusedPairs ?? [];
  if (confused.length) {
    const rows = confused.slice(0, 8).map((p) => {
      const a = info.get(name(p.a)), b = info.get(name(p.b));
      const sibling = a && b
        ? (a.top === b.top && a.family === b.family
          ? "same family"
          : a.top === b.top
          ? "same top"
          : "different top")
        : "–";
      return `<tr><td class="t">${escapeHtml(name(p.a))} – ${
        escapeHtml(name(p.b))
      }</td><td>${p.count}</td><td>${p.treeDistance ?? "–"}</td><td class="t">${sibling}</td></tr>`;
    });
    const same = confused.slice(0, 8).filter((p) =>
      info.get(name(p.a))?.family !== undefined &&
      info.get(name(p.a))?.family === info.get(name(p.b))?.family &&
      info.get(name(p.a))?.top === info.get(name(p.b))?.top
    ).length;
    parts.push(`<h3>Most confused class pairs of ${runLink(best)}</h3>
<p>${same} of the ${rows.length} most confused pairs are siblings (same family).</p>
<table><thead><tr><th class="t">pair</th><th>confusions</th><th>tree distance</th><th class="t">relation</th></tr></thead><tbody>${
      rows.join("")
    }</tbody></table>`);
  }
  const { linkage } = t;
  if (linkage?.order?.length) {
    const labels = linkage.orderNames.map((n) => {
      const c = info.get(n);
      return c ? `${n} · ${c.top}/${c.family}` : n;
    });
    const classes = linkage.order.map((leaf) => linkage.leaves[leaf]);
    const matrix = classes.map((i) => classes.map((j) => t.centroidDistances[i]?.[j] ?? null));
    parts.push(
      `<h3 id="centroids">Class centroid distances of ${
        runLink(best)
      } (best k=1 accuracy), in dendrogram order</h3>
<div class="grid"><div class="card">${
        renderFigure(centroidDistanceFigure(linkage.orderNames, matrix))
      }</div><div class="card">${
        renderFigure(dendrogramFigure(linkage.merges, linkage.order, labels))
      }</div></div>`,
    );
  }
  return parts;
}
