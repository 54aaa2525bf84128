/**
 * The findings page, written from `findings.json` ({@linkcode buildFindings}): each of the
 * exercise's questions answered in one sentence first, the numbers after (every
 * comparison with its effect, 95% interval, method, n and verdict), the collapsed runs
 * left out and why, and the centroid heat map and dendrogram of the best run.
 *
 * @module
 */
import type { ClassInfo } from "../types.ts";
import { type Comparison, type FindingsFile, formatP } from "./build_findings.ts";
import { centroidDistanceFigure, dendrogramFigure } from "./figures.ts";
import { escapeHtml, layout } from "./pages.ts";
import type { RunRecord } from "./read_runs.ts";
import { renderFigure } from "./render.ts";

/** Options of {@linkcode findingsPage}. */
export interface FindingsOptions {
  /** A class hierarchy that overrides the runs' own (dendrogram labels). */
  hierarchy?: readonly ClassInfo[] | null;
}

const METRIC_LABEL: Record<Comparison["metric"], string> = {
  knnAccuracy1: "k=1 accuracy",
  meanAveragePrecisionAtR: "MAP@R",
};

const runLink = (id: string) =>
  `<a href="runs/${encodeURIComponent(id)}.html">${escapeHtml(id)}</a>`;

function comparisonTable(cs: readonly Comparison[]): string {
  if (!cs.length) return "";
  const rows = cs.map((c) => {
    const ci = c.ci ? `${c.ci[0].toFixed(1)} to ${c.ci[1].toFixed(1)}` : "–";
    const cls = c.verdict === "helps" ? "good" : c.verdict === "hurts" ? "bad" : "";
    return `<tr><td class="t">${escapeHtml(c.a)} vs ${escapeHtml(c.b)}</td><td class="t">${
      escapeHtml(c.scope)
    }</td><td>${c.dims.join(", ")}</td><td class="t">${METRIC_LABEL[c.metric]}</td><td>${
      (c.effect >= 0 ? "+" : "") + c.effect.toFixed(1)
    }</td><td>${ci}</td><td class="t">${
      c.method === "paired-t-over-seeds" ? "t over seeds" : c.method ? "bootstrap over images" : "–"
    }</td><td>${c.n}</td><td>${
      c.pValue === null ? "–" : formatP(c.pValue)
    }</td><td class="t ${cls}">${escapeHtml(c.verdict)}</td></tr>`;
  });
  return `<details class="card"><summary>All ${cs.length} comparisons (effect a − b in points, 95% CI)</summary><div class="scroll"><table><thead><tr><th class="t">a vs b</th><th class="t">scope</th><th>d</th><th class="t">metric</th><th>effect</th><th>95% CI</th><th class="t">method</th><th>n</th><th>McNemar p</th><th class="t">verdict</th></tr></thead><tbody>${
    rows.join("")
  }</tbody></table></div></details>`;
}

function hierarchyFigures(
  findings: FindingsFile,
  runs: readonly RunRecord[],
  data: string,
  override: readonly ClassInfo[] | null,
): string {
  const q = findings.questions.find((x) => x.id === "hierarchy" && x.data === data);
  const bestId = q?.evidence?.bestRun;
  const best = runs.find((r) => r.id === bestId);
  const t = best?.analysis?.test;
  if (!best || !t?.linkage?.order?.length) return "";
  const info = new Map((override ?? best.hierarchy ?? []).map((c) => [c.class, c]));
  const { linkage } = t;
  const labels = linkage.orderNames.map((n) => {
    const c = info.get(n);
    return c ? `${n} · ${c.top}/${c.family}` : n;
  });
  const classes = linkage.order.map((leaf) => linkage.leaves[leaf]);
  const matrix = classes.map((i) => classes.map((j) => t.centroidDistances[i]?.[j] ?? null));
  const confused = (q!.evidence!.mostConfusedPairs ?? []) as {
    a: string;
    b: string;
    count: number;
    treeDistance: number | null;
    relation: string;
  }[];
  const table = confused.length
    ? `<h3>Most confused class pairs of ${runLink(best.id)}</h3>
<table><thead><tr><th class="t">pair</th><th>confusions</th><th>tree distance</th><th class="t">relation</th></tr></thead><tbody>${
      confused.map((p) =>
        `<tr><td class="t">${escapeHtml(p.a)} – ${escapeHtml(p.b)}</td><td>${p.count}</td><td>${
          p.treeDistance ?? "–"
        }</td><td class="t">${escapeHtml(p.relation)}</td></tr>`
      ).join("")
    }</tbody></table>`
    : "";
  return `${table}
<h3 id="centroids">Class centroid distances of ${
    runLink(best.id)
  } (best k=1 accuracy), in dendrogram order</h3>
<div class="grid"><div class="card">${
    renderFigure(centroidDistanceFigure(linkage.orderNames, matrix))
  }</div><div class="card">${
    renderFigure(dendrogramFigure(linkage.merges, linkage.order, labels))
  }</div></div>`;
}

/**
 * The findings page: one section per question and dataset, its answer in one sentence,
 * then the sentences with numbers and a table of every comparison; collapsed runs and
 * notes first.
 *
 * @param findings The findings ({@linkcode buildFindings}).
 * @param runs The runs they were built from (for the figures of the best run).
 * @param options A hierarchy to label the dendrogram with.
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { buildFindings } from "./build_findings.ts";
 * import { findingsPage } from "./findings.ts";
 * const html = findingsPage(await buildFindings([]), []);
 * if (!html.includes("No finished runs")) throw new Error();
 * ```
 */
export function findingsPage(
  findings: FindingsFile,
  runs: readonly RunRecord[],
  options: FindingsOptions = {},
): string {
  const parts: string[] = [
    `<h1>Findings</h1>
<p class="muted">Written from <a href="findings.json">findings.json</a>: ${findings.runs.used} of ${findings.runs.total} finished run(s) used. ${
      escapeHtml(findings.method)
    }</p>`,
  ];
  if (findings.runs.collapsed.length) {
    parts.push(
      `<div class="note warn"><strong>Left out: ${findings.runs.collapsed.length} collapsed run(s)</strong> (the embedding fell onto a point or a line; such a run says nothing about the loss or miner except that training failed):<ul>${
        findings.runs.collapsed.map((c) =>
          `<li>${runLink(c.id)}: ${escapeHtml(c.reasons.join("; ") || "collapsed")}</li>`
        ).join("")
      }</ul></div>`,
    );
  }
  for (const n of findings.notes) parts.push(`<p class="note">${escapeHtml(n)}</p>`);
  const several = findings.runs.datasets.length > 1;
  for (const data of findings.runs.datasets) {
    const qs = findings.questions.filter((q) => q.data === data);
    if (!qs.length) continue;
    if (several) parts.push(`<h2>Data: ${escapeHtml(data)}</h2>`);
    for (const q of qs) {
      parts.push(
        `<h2 id="${q.id}${several ? `-${encodeURIComponent(data)}` : ""}">${
          escapeHtml(q.question)
        }</h2>
<p class="answer"><strong>${escapeHtml(q.answer)}</strong></p>${
          q.details.length
            ? `<ul>${q.details.map((d) => `<li>${escapeHtml(d)}</li>`).join("")}</ul>`
            : ""
        }${comparisonTable(q.comparisons)}`,
      );
      if (q.id === "hierarchy") {
        parts.push(hierarchyFigures(findings, runs, data, options.hierarchy ?? null));
      }
    }
  }
  return layout("Findings", parts.join("\n"), "", "findings");
}
