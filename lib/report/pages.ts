/**
 * The report's HTML pages: self-contained (one inline `<style>`, inline SVG charts, a few
 * lines of inline script to sort the table, download figures and filter projections, images
 * as `data:` URIs), with relative links so that they open from the file system as well as
 * from a server.
 *
 * Every figure sits in a `<figure id="fig-...">` with links that save it as SVG (its Plot
 * SVGs, legends, title and caption composed into one SVG file) or PNG (that SVG drawn on a
 * canvas at 2x), named `<page>-<id>.svg|png`. The ids are stable:
 *
 * - run page: `fig-loss`, `fig-mined` (with a miner), `fig-accuracy-k`, `fig-per-class`,
 *   `fig-confusion`, and per projection `fig-<method>-<split>`: `fig-umap-train`,
 *   `fig-umap-test`, `fig-tsne-train`, `fig-tsne-test`, `fig-pca-train`, `fig-pca-test`, the
 *   test points placed into each train map `fig-<method>-test-in-train`, and for d = 2
 *   `fig-embedding-train`, `fig-embedding-test`;
 *   a projection's legend (class codes grouped by top category) hides a class or a category
 *   on click and isolates it on shift-click;
 * - index: `fig-summary-<data>-<metric>` (e.g. `fig-summary-tt100k-mini-acc-1`,
 *   `fig-summary-tt100k-mini-map-r`), one per dataset and metric, each zoomed to its data;
 * - compare page: `fig-compare-<group>-accuracy`, `fig-compare-<group>-loss`,
 *   `fig-compare-<group>-per-class`, where `<group>` is the group's title as a slug
 *   (`data-synthetic`).
 *
 * @module
 */
import { basename } from "node:path";
import {
  accuracyComparisonFigure,
  accuracyPerKFigure,
  compareAccuracyFigure,
  compareLossFigure,
  comparePerClassFigure,
  type ComparisonPoint,
  confusionFigure,
  lossCurveFigure,
  minedTuplesFigure,
  perClassAccuracyFigure,
  type RunValue,
} from "./figures.ts";
import {
  projectionColors,
  projectionFigure,
  type ProjectionPanel,
  projectionPanels,
} from "./projection_figure.ts";
import type { RunRecord } from "./read_runs.ts";
import { meanAndSpread } from "../eval/statistics.ts";
import { renderFigure } from "./render.ts";
import type { ClassInfo, Json } from "../types.ts";
import { CSS, EXPLORER_SCRIPT, FIGURE_SCRIPT, SORT_SCRIPT } from "./_page_assets.ts";

/** One test image with its nearest training neighbours. */
export interface GalleryItem {
  /** `data:image/png;base64,...` of the test image. */
  src: string;
  /** The true class name of the test image. */
  trueName: string;
  /** The k=1 prediction (the nearest neighbour's class). */
  predictedName: string;
  /** The nearest training images, nearest first: image, class name and distance. */
  neighbours: { src: string; name: string; distance: number }[];
}

/** The gallery of a run page: items, or a note saying why there are none. */
export interface Gallery {
  /** The gallery items (empty when there are none). */
  items: GalleryItem[];
  /** Why there are no items, when there are none. */
  note?: string;
}

/**
 * Escapes text for HTML content and attribute values.
 *
 * @param text Any text.
 * @returns The escaped text.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./pages.ts";
 * if (escapeHtml('<a href="x">') !== "&lt;a href=&quot;x&quot;&gt;") throw new Error();
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

const pct = (v: number | undefined | null) =>
  typeof v === "number" && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "–";
const num = (v: unknown, digits = 1) =>
  typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–";

/** Lowercase letters and digits joined by hyphens, for ids and file names. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

/** The navigation entry a page belongs to. */
export type Active = "index" | "compare" | "findings" | "run";

/**
 * Wraps a page body in the site's shell: head, inline style, navigation, optional script.
 *
 * @param title The page title.
 * @param body The body HTML.
 * @param root The relative path to the site root (`""` or `"../"`).
 * @param active The navigation entry to highlight.
 * @param script Inline script, if any.
 * @returns The HTML document.
 *
 * @example
 * ```ts
 * import { layout } from "./pages.ts";
 * if (!layout("x", "<p>hi</p>", "", "findings").includes('href="findings.html"')) throw new Error();
 * ```
 */
export function layout(
  title: string,
  body: string,
  root: string,
  active: Active,
  script = "",
): string {
  const link = (href: string, text: string, is: boolean) =>
    `<a href="${root}${href}"${is ? ' class="active"' : ""}>${text}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · metriclab</title>
<style>${CSS}</style>
</head>
<body>
<header><span class="brand">metriclab report</span>${
    link("index.html", "All runs", active === "index")
  }${link("compare.html", "Compare", active === "compare")}${
    link("findings.html", "Findings", active === "findings")
  }</header>
<main>
${body}
</main>
${script ? `<script>${script}</script>` : ""}${
    /data-download=|class="legend"/.test(body) ? `\n<script>${FIGURE_SCRIPT}</script>` : ""
  }${/class="pts"/.test(body) ? `\n<script>${EXPLORER_SCRIPT}</script>` : ""}
</body>
</html>
`;
}

/**
 * The file of a run's page, relative to the site root.
 *
 * @param id The run id (its folder name).
 * @returns `runs/<id>.html`.
 *
 * @example
 * ```ts
 * import { runPagePath } from "./pages.ts";
 * if (runPagePath("a") !== "runs/a.html") throw new Error();
 * ```
 */
export function runPagePath(id: string): string {
  return `runs/${id}.html`;
}

/** The link to a run's page from the site root. */
function runHref(id: string): string {
  return `runs/${encodeURIComponent(id)}.html`;
}

function ksOf(runs: readonly RunRecord[]): string[] {
  const ks = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.summary.test.knnAccuracy)) ks.add(k);
  return [...ks].sort((a, b) => Number(a) - Number(b));
}

function dataLabel(run: RunRecord): string {
  const d = String(run.summary.data ?? "?");
  return d.includes("/") ? basename(d) : d;
}

/** A short label of a run for legends: loss/miner d<dim> s<seed>. */
function shortLabel(run: RunRecord): string {
  const s = run.summary;
  return `${s.loss}/${s.miner} d${s.dim} s${s.seed}`;
}

function uniqueLabels(runs: readonly RunRecord[]): Map<string, string> {
  const labels = runs.map(shortLabel);
  return new Map(runs.map((r, i) => [
    r.id,
    labels.filter((l) => l === labels[i]).length > 1 ? r.id : labels[i],
  ]));
}

/**
 * A figure in a card: `<figure id>` with its heading, the rendered Plot output in
 * `<div class="plot">`, anything after it (a legend) and the download links.
 */
function figureCard(
  id: string,
  svg: string,
  heading?: string,
  options: { name?: string; after?: string; attributes?: Record<string, string> } = {},
): string {
  const attributes = Object.entries(options.attributes ?? {})
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`).join("");
  return `<div class="card"><figure id="${escapeHtml(id)}" data-name="${
    escapeHtml(options.name ? `${options.name}-${id}` : id)
  }"${attributes}>${
    heading ? `<h3>${escapeHtml(heading)}</h3>` : ""
  }<div class="plot">${svg}</div>${
    options.after ?? ""
  }<p class="dl">Download<a href="#" data-download="svg">SVG</a><a href="#" data-download="png">PNG</a></p></figure></div>`;
}

/** The legend of a projection: class codes grouped by top category, each a toggle. */
function projectionLegend(key: ReturnType<typeof projectionColors>): string {
  const groups = key.groups.map((g) => {
    const head = key.groups.length > 1
      ? `<button type="button" class="cat" data-category="${escapeHtml(g.name)}" title="${
        escapeHtml(`${g.name}: click to hide or show, shift-click to isolate`)
      }">${escapeHtml(g.name)}</button>`
      : "";
    const classes = g.classes.map((c) =>
      `<button type="button" data-class="${escapeHtml(c.name)}" title="${
        escapeHtml(`${c.name}${c.family ? ` (${g.name}, ${c.family})` : ""}: ${c.count} points`)
      }"><i style="background:${c.color}"></i>${escapeHtml(c.name)}</button>`
    ).join("");
    return `<div class="grp">${head}${classes}</div>`;
  }).join("");
  return `<div class="legend">${groups}<div class="muted">Click a class or category to hide it, shift-click to show it alone; <button type="button" data-reset>show all</button></div></div>`;
}

function comparisonPoints(runs: readonly RunRecord[]): ComparisonPoint[] {
  const points: ComparisonPoint[] = [];
  for (const r of runs) {
    const s = r.summary;
    const base = { id: r.id, loss: s.loss, miner: s.miner, dim: s.dim, seed: s.seed };
    for (const [k, v] of Object.entries(s.test.knnAccuracy)) {
      points.push({ ...base, metric: `acc@${k}`, value: v });
    }
    if (typeof s.test.meanAveragePrecisionAtR === "number") {
      points.push({ ...base, metric: "MAP@R", value: s.test.meanAveragePrecisionAtR });
    }
  }
  const order = (m: string) => m === "MAP@R" ? Infinity : Number(m.slice(4));
  return points.sort((a, b) => order(a.metric) - order(b.metric));
}

/**
 * A table of mean ± sample standard deviation over seeds of test k=1 accuracy and MAP@R,
 * one row per (loss, miner, dim) cell, with the number of seeds.
 *
 * @param runs The runs of one dataset.
 * @returns The HTML table (empty string when there are no runs).
 *
 * @example
 * ```ts
 * import { seedTable } from "./pages.ts";
 * if (seedTable([]) !== "") throw new Error();
 * ```
 */
export function seedTable(runs: readonly RunRecord[]): string {
  if (!runs.length) return "";
  const cells = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.summary.loss, r.summary.miner, r.summary.dim]);
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  const stat = (values: number[]) => {
    if (!values.length) return "–";
    const { mean, std } = meanAndSpread(values);
    return `${(100 * mean).toFixed(1)}${std === null ? "" : ` ± ${(100 * std).toFixed(1)}`}`;
  };
  const rows = [...cells].sort(([a], [b]) => a.localeCompare(b)).map(([key, group]) => {
    const [loss, miner, dim] = JSON.parse(key) as [string, string, number];
    const seeds = new Set(group.map((r) => r.summary.seed)).size;
    const acc = group.map((r) => r.summary.test.knnAccuracy["1"]).filter(Number.isFinite);
    const map = group.map((r) => r.summary.test.meanAveragePrecisionAtR)
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    return `<tr><td class="t">${escapeHtml(loss)}</td><td class="t">${escapeHtml(miner)}</td>` +
      `<td>${dim}</td><td>${stat(acc)}</td><td>${stat(map)}</td><td>${seeds}</td></tr>`;
  });
  return `<table class="seeds"><thead><tr><th class="t">loss</th><th class="t">miner</th>` +
    `<th>dim</th><th>acc@1 %</th><th>MAP@R %</th><th>seeds</th></tr></thead><tbody>\n${
      rows.join("\n")
    }\n</tbody></table>
<p class="muted">Mean ± sample standard deviation over seeds (no spread with one seed).</p>`;
}

function groupByData(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) groups.set(dataLabel(r), [...(groups.get(dataLabel(r)) ?? []), r]);
  return groups;
}

/** The reasons a run's summary.json records for its collapse, or null when it did not collapse. */
function collapseReasons(run: RunRecord): string[] | null {
  if (run.summary.collapsed !== true) return null;
  const c = run.summary.collapse as { reasons?: unknown } | undefined;
  return Array.isArray(c?.reasons) ? c.reasons.map(String) : [];
}

/**
 * The index page: every run in a sortable table, and per dataset a chart of accuracy by
 * loss x mining, coloured by dimension, one dot per seed with the mean of several seeds.
 *
 * @param runs The runs.
 * @param warnings Warnings to show (skipped runs).
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { indexPage } from "./pages.ts";
 * if (!indexPage([]).includes("No finished runs")) throw new Error();
 * ```
 */
export function indexPage(runs: readonly RunRecord[], warnings: readonly string[] = []): string {
  const ks = ksOf(runs);
  const cell = (v: number | undefined, text: string) =>
    `<td data-v="${typeof v === "number" && Number.isFinite(v) ? v : "-Infinity"}">${text}</td>`;
  const rows = runs.map((r) => {
    const s = r.summary;
    const t = s.test;
    const badge = collapseReasons(r)
      ? ` <span class="badge" title="${
        escapeHtml(collapseReasons(r)!.join("; "))
      }">collapsed</span>`
      : "";
    return `<tr><td class="t"><a href="${runHref(r.id)}">${escapeHtml(r.id)}</a>${badge}</td>` +
      `<td class="t">${escapeHtml(dataLabel(r))}</td><td class="t">${escapeHtml(s.loss)}</td>` +
      `<td class="t">${escapeHtml(s.miner)}</td>${cell(s.dim, String(s.dim))}${
        cell(s.seed, String(s.seed))
      }${cell(s.epochs, String(s.epochs))}` +
      ks.map((k) => cell(t.knnAccuracy[k], pct(t.knnAccuracy[k]))).join("") +
      cell(t.precisionAt1, pct(t.precisionAt1)) +
      cell(t.meanAveragePrecisionAtR, pct(t.meanAveragePrecisionAtR)) +
      cell(s.trainSeconds, num(s.trainSeconds)) +
      `<td class="t">${escapeHtml(String(s.backend ?? "–"))}</td></tr>`;
  });
  const head = ["run", "data", "loss", "miner"].map((h) => `<th class="t">${h}</th>`).join("") +
    ["dim", "seed", "epochs", ...ks.map((k) => `acc@${k}`), "P@1", "MAP@R", "train s"]
      .map((h) => `<th>${h}</th>`).join("") +
    `<th class="t">backend</th>`;
  const charts = [...groupByData(runs)].map(([data, group]) =>
    `<h2>${escapeHtml(data)}: accuracy by loss and mining</h2>
<p class="muted">Test k-NN accuracy (Euclidean, against all training embeddings) and MAP@R; one column per loss and miner, one colour per embedding dimension, one circle per seed; a black tick marks the mean where there are several seeds. Each metric's axis is zoomed to its values (the axis says where it starts). Hover for the run.</p>
<div class="grid">${
      [...new Set(comparisonPoints(group).map((p) => p.metric))].map((metric) =>
        figureCard(
          `fig-summary-${slug(data)}-${slug(metric)}`,
          renderFigure(
            accuracyComparisonFigure(comparisonPoints(group).filter((p) => p.metric === metric)),
          ),
        )
      ).join("")
    }</div>
${seedTable(group)}`
  ).join("\n");
  const collapsed = runs.filter((r) => collapseReasons(r));
  const notes =
    (warnings.length
      ? `<div class="note warn"><strong>${warnings.length} warning(s)</strong><ul>${
        warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")
      }</ul></div>`
      : "") +
    (collapsed.length
      ? `<div class="note warn"><strong>${collapsed.length} run(s) collapsed</strong> (marked <span class="badge">collapsed</span>): their embedding fell onto a point or a line. The <a href="findings.html">findings</a> leave them out of every verdict.</div>`
      : "");
  const body = runs.length
    ? `<h1>Runs</h1><p class="muted">${runs.length} finished run(s). Click a column header to sort.</p>
${notes}
<div class="scroll"><table class="sortable" id="runs"><thead><tr>${head}</tr></thead><tbody>
${rows.join("\n")}
</tbody></table></div>
${charts}`
    : `<h1>Runs</h1>${notes}<p class="note">No finished runs found.</p>`;
  return layout("All runs", body, "", "index", runs.length ? SORT_SCRIPT : "");
}

function configSummary(run: RunRecord): string {
  const s = run.summary;
  const c = run.config;
  const describe = (v: Json | undefined) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const { name, ...rest } = v as Record<string, Json>;
      const opts = Object.entries(rest).filter(([, x]) => typeof x !== "object" || x === null)
        .map(([k, x]) => `${k}=${x}`).join(", ");
      return `${name}${opts ? ` (${opts})` : ""}`;
    }
    return v === undefined ? "–" : String(v);
  };
  const items: [string, string][] = [
    ["data", String(s.data)],
    ["loss", describe(c.loss ?? s.loss)],
    ["miner", describe(c.miner ?? s.miner)],
    ["embedding dim", String(s.dim)],
    ["seed", String(s.seed)],
    ["epochs", String(s.epochs)],
    ["batch size", String(c.batchSize ?? "–")],
    ["learning rate", String(c.learningRate ?? "–")],
    ["network", describe((c.model as Record<string, Json> | undefined)?.architecture)],
    ["train / test samples", `${s.numTrain ?? "–"} / ${s.numTest ?? "–"}`],
    ["classes", String(s.numClasses ?? run.classNames.length)],
    ["backend", `${s.backend ?? "–"}${s.threads ? `, ${s.threads} thread(s)` : ""}`],
    ["train time", `${num(s.trainSeconds)} s`],
  ];
  const t = s.test;
  const metrics: [string, string][] = [
    ...Object.entries(t.knnAccuracy).map(([k, v]) =>
      [`k-NN accuracy, k=${k}`, pct(v)] as [
        string,
        string,
      ]
    ),
    ["precision@1", pct(t.precisionAt1)],
    ["R-precision", pct(t.rPrecision)],
    ["MAP@R", pct(t.meanAveragePrecisionAtR)],
    ["NMI", num(t.nmi, 3)],
    ["AMI", num(t.ami, 3)],
  ];
  const dl = (kv: [string, string][]) =>
    `<dl class="kv">${
      kv.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")
    }</dl>`;
  // The full config without the long class lists, which the figures already show.
  const dataset = c.dataset && typeof c.dataset === "object" && !Array.isArray(c.dataset)
    ? { ...c.dataset, classNames: "…", hierarchy: "…" }
    : c.dataset;
  const shown = { ...c, ...(dataset === undefined ? {} : { dataset }) };
  return `<div class="grid"><div class="card"><h3>Configuration</h3>${dl(items)}</div>
<div class="card"><h3>Test metrics</h3>${dl(metrics)}</div></div>
<details><summary>config.json</summary><pre>${
    escapeHtml(JSON.stringify(shown, null, 2))
  }</pre></details>`;
}

function galleryHtml(gallery: Gallery): string {
  if (!gallery.items.length) {
    return `<p class="note">${escapeHtml(gallery.note ?? "No gallery.")}</p>`;
  }
  const rows = gallery.items.map((item) => {
    const ok = item.trueName === item.predictedName;
    const query = `<div class="cell query"><img src="${item.src}" alt="${
      escapeHtml(item.trueName)
    }" title="test image, class ${escapeHtml(item.trueName)}"><span>${
      escapeHtml(item.trueName)
    }</span><span class="${ok ? "good" : "bad"}">${
      ok ? "correct" : `→ ${escapeHtml(item.predictedName)}`
    }</span></div>`;
    const neighbours = item.neighbours.map((n) =>
      `<div class="cell"><img class="${
        n.name === item.trueName ? "same" : "other"
      }" src="${n.src}" alt="${escapeHtml(n.name)}" title="${escapeHtml(n.name)}, distance ${
        n.distance.toFixed(3)
      }"><span>${escapeHtml(n.name)}</span><span class="muted">${
        n.distance.toFixed(2)
      }</span></div>`
    ).join("");
    return `<div class="row">${query}<div class="sep"></div>${neighbours}</div>`;
  });
  return `<p class="muted">Test images (blue frame) and their nearest training images by Euclidean distance in the embedding, nearest first; green frames share the test image's class, red ones do not. Misclassified images (k=1) come first.${
    gallery.note ? ` ${escapeHtml(gallery.note)}` : ""
  }</p><div class="gallery">${rows.join("\n")}</div>`;
}

/** Options of {@linkcode runPage}. */
export interface RunPageOptions {
  /** The gallery, or null to leave it out. */
  gallery?: Gallery | null;
  /**
   * The image explorer: `src`, the URL of its data script relative to the page (it names the
   * sprite sheets), or a `note` saying why there is none. Without it, hovering a point still
   * shows its class and split.
   */
  explorer?: { src: string } | { note: string } | null;
  /** A hierarchy that overrides the run's own (a `--hierarchy` file). */
  hierarchy?: readonly ClassInfo[] | null;
}

/**
 * A run's page: configuration, loss and mined tuples per epoch, accuracy per k, per-class
 * accuracy, confusion matrix, projections of train and test, and the neighbour gallery.
 *
 * @param run The run.
 * @param options Gallery and hierarchy.
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { runPage } from "./pages.ts";
 * import { readRun } from "./read_runs.ts";
 * const { run } = await readRun(new URL("../../tests/fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url).pathname);
 * if (!runPage(run).includes("<svg")) throw new Error("no charts");
 * ```
 */
export function runPage(run: RunRecord, options: RunPageOptions = {}): string {
  const reasons = collapseReasons(run);
  const parts: string[] = [
    `<h1>${escapeHtml(run.id)}</h1><p class="muted"><a href="../index.html">← all runs</a></p>`,
    reasons
      ? `<div class="note warn"><strong>This run's embedding collapsed</strong>${
        reasons.length ? `: ${escapeHtml(reasons.join("; "))}` : ""
      }. The <a href="../findings.html">findings</a> leave it out of every verdict.</div>`
      : "",
    configSummary(run),
    `<h2>Training</h2>`,
  ];
  if (run.epochs.length) {
    const figures = [
      figureCard("fig-loss", renderFigure(lossCurveFigure(run.epochs)), "Loss per epoch", {
        name: run.id,
      }),
    ];
    if (run.epochs.some((e) => typeof e.minedTuplesPerBatch === "number")) {
      figures.push(
        figureCard(
          "fig-mined",
          renderFigure(minedTuplesFigure(run.epochs)),
          "Mined tuples per batch",
          { name: run.id },
        ),
      );
    }
    parts.push(`<div class="grid">${figures.join("")}</div>`);
  } else parts.push(`<p class="note">No epoch records in metrics.jsonl.</p>`);
  parts.push(
    `<h2>Test accuracy</h2><div class="grid">${
      figureCard(
        "fig-accuracy-k",
        renderFigure(accuracyPerKFigure(run.summary.test.knnAccuracy)),
        "k-NN accuracy per k",
        { name: run.id },
      )
    }</div>`,
  );
  const ev = run.evaluation;
  const names = run.classNames;
  if (ev && Object.keys(ev.knn).length) {
    const k = Object.keys(ev.knn).sort((a, b) => Number(a) - Number(b))[0];
    const d = ev.knn[k];
    parts.push(`<h2>Per class (k=${escapeHtml(k)})</h2><div class="grid">`);
    if (Array.isArray(d.perClassAccuracy)) {
      parts.push(figureCard(
        "fig-per-class",
        renderFigure(perClassAccuracyFigure(names, d.perClassAccuracy, ev.testCountPerClass)),
        "Accuracy per class, worst first",
        { name: run.id },
      ));
    }
    if (Array.isArray(d.confusion)) {
      parts.push(figureCard(
        "fig-confusion",
        renderFigure(confusionFigure(names, d.confusion)),
        "Confusion matrix (rows: true class, shade: share of the row)",
        { name: run.id },
      ));
    }
    parts.push(`</div>`);
  } else {parts.push(
      `<p class="note">No evaluation.json: run <code>deno task evaluate --run ${
        escapeHtml(run.dir)
      }</code>.</p>`,
    );}
  parts.push(`<h2>Projections</h2>`);
  const hierarchy = options.hierarchy ?? run.hierarchy;
  const panels = projectionPanels(run);
  if (panels.length) {
    const explorer = options.explorer ?? null;
    parts.push(
      `<p class="muted explorer-note"${
        explorer && "src" in explorer ? ` data-explorer="${escapeHtml(explorer.src)}"` : ""
      }>Hover a point for its class${
        explorer && "src" in explorer
          ? ", its image and its nearest training samples' classes; click it to pin its 5 nearest training images with their distances (red frames: another class)"
          : ""
      }.${explorer && "note" in explorer ? ` ${escapeHtml(explorer.note)}` : ""}</p>`,
    );
    const card = (panel: ProjectionPanel) => {
      const figure = projectionFigure(panel.projection, names, {
        hierarchy,
        title: panel.title,
        background: panel.background,
        compact: true,
      });
      // The page's own legend (below) replaces Plot's swatches: it can filter.
      const color = { ...(figure.color ?? {}), legend: false };
      return figureCard(panel.id, renderFigure({ ...figure, color }), undefined, {
        name: run.id,
        after: projectionLegend(projectionColors(panel.projection, names, { hierarchy })),
        attributes: { "data-split": panel.split },
      });
    };
    let group = "";
    for (const panel of panels) {
      if (panel.group !== group) {
        parts.push(`${group ? "</div>" : ""}<h3>${escapeHtml(panel.group)}</h3><div class="grid">`);
        group = panel.group;
      }
      parts.push(card(panel));
    }
    parts.push(`</div>`);
  } else {
    parts.push(
      `<p class="note">No projections yet: <code>deno task project --run ${
        escapeHtml(run.dir)
      }</code> makes UMAP, t-SNE and PCA of the embeddings.</p>`,
    );
  }
  if (options.gallery !== null) {
    parts.push(
      `<h2>Nearest neighbours</h2>`,
      galleryHtml(options.gallery ?? { items: [], note: "No gallery." }),
    );
  }
  return layout(run.id, parts.join("\n"), "../", "run");
}

/** A titled set of runs for {@linkcode comparePage}. */
export interface CompareGroup {
  /** The heading of the group. */
  title: string;
  /** The runs of the group. */
  runs: RunRecord[];
}

/**
 * The comparison page: for each group, the runs side by side (metrics table, accuracy per k
 * and MAP@R, loss curves, per-class accuracy).
 *
 * @param groups The groups of runs to compare.
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { comparePage } from "./pages.ts";
 * if (!comparePage([]).includes("Nothing to compare")) throw new Error();
 * ```
 */
export function comparePage(groups: readonly CompareGroup[]): string {
  const sections = groups.map(({ title, runs }) => {
    const labels = uniqueLabels(runs);
    const ks = ksOf(runs);
    const metricRows: [string, (r: RunRecord) => string][] = [
      ["data", (r) => escapeHtml(dataLabel(r))],
      ["loss", (r) => escapeHtml(r.summary.loss)],
      ["miner", (r) => escapeHtml(r.summary.miner)],
      ["dim", (r) => String(r.summary.dim)],
      ["seed", (r) => String(r.summary.seed)],
      ["epochs", (r) => String(r.summary.epochs)],
      ...ks.map((k) =>
        [`acc@${k}`, (r: RunRecord) => pct(r.summary.test.knnAccuracy[k])] as [
          string,
          (r: RunRecord) => string,
        ]
      ),
      ["P@1", (r) => pct(r.summary.test.precisionAt1)],
      ["MAP@R", (r) => pct(r.summary.test.meanAveragePrecisionAtR)],
      ["train s", (r) => num(r.summary.trainSeconds)],
      ["backend", (r) => escapeHtml(String(r.summary.backend ?? "–"))],
    ];
    const table = `<div class="scroll"><table><thead><tr><th class="t"></th>${
      runs.map((r) =>
        `<th><a href="${runHref(r.id)}" title="${escapeHtml(r.id)}">${
          escapeHtml(labels.get(r.id)!)
        }</a></th>`
      ).join("")
    }</tr></thead><tbody>${
      metricRows.map(([name, f]) =>
        `<tr><td class="t">${name}</td>${runs.map((r) => `<td>${f(r)}</td>`).join("")}</tr>`
      ).join("")
    }</tbody></table></div>`;
    const acc: RunValue[] = [];
    const loss: RunValue[] = [];
    const perClass: RunValue[] = [];
    for (const r of runs) {
      const run = labels.get(r.id)!;
      for (const k of ks) {
        const v = r.summary.test.knnAccuracy[k];
        if (typeof v === "number") acc.push({ run, key: `acc@${k}`, value: v });
      }
      const map = r.summary.test.meanAveragePrecisionAtR;
      if (typeof map === "number") acc.push({ run, key: "MAP@R", value: map });
      for (const e of r.epochs) {
        loss.push({ run, key: String(e.epoch), value: e.loss, facet: r.summary.loss });
      }
      const k1 = r.evaluation?.knn?.[ks[0]]?.perClassAccuracy;
      if (Array.isArray(k1)) {
        k1.forEach((v, i) => perClass.push({ run, key: r.classNames[i] ?? String(i), value: v }));
      }
    }
    const id = `fig-compare-${slug(title)}`;
    const figures = [
      figureCard(
        `${id}-accuracy`,
        renderFigure(compareAccuracyFigure(acc)),
        "Test accuracy and MAP@R",
      ),
    ];
    if (loss.length) {
      figures.push(
        figureCard(
          `${id}-loss`,
          renderFigure(compareLossFigure(loss)),
          "Loss per epoch, one panel per loss",
        ),
      );
    }
    const perClassFigure = perClass.length
      ? figureCard(
        `${id}-per-class`,
        renderFigure(comparePerClassFigure(perClass)),
        `Accuracy per class (k=${ks[0]}), worst on average first`,
      )
      : "";
    return `<h2>${escapeHtml(title)}</h2>${table}<div class="grid">${
      figures.join("")
    }</div>${perClassFigure}`;
  });
  const body = groups.length
    ? `<h1>Compare runs</h1>${sections.join("\n")}`
    : `<h1>Compare runs</h1><p class="note">Nothing to compare: no finished runs.</p>`;
  return layout("Compare runs", body, "", "compare");
}
