/**
 * The report's figures as Observable Plot options: pure functions from data to an options
 * object; {@linkcode renderFigure} in `render.ts` is the only place that draws them.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { ClassInfo } from "../types.ts";
import type { EpochRecord, Projection } from "./read_runs.ts";

/** Plot options (what `Plot.plot` takes). */
export type FigureOptions = Plot.PlotOptions;

/** Twenty distinguishable colours (Tableau 10, then its lighter partners). */
export const CATEGORY_COLORS: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
  "#a0cbe8",
  "#ffbe7d",
  "#ff9d9a",
  "#86bcb6",
  "#8cd17d",
  "#f1ce63",
  "#d4a6c8",
  "#fabfd2",
  "#d7b5a6",
  "#79706e",
];

/** Above this many classes, projections are coloured by the top of the class hierarchy. */
export const MAX_COLORED_CLASSES = 20;

const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Left margin that fits the longest label (about 6.5 px a character at 11 px). */
/** Size and margins of a class x class heat map: cells shrink as classes grow, labels fit. */
function squareGrid(names: readonly string[]) {
  const margin = labelMargin(names);
  const cell = names.length > 40 ? 11 : names.length > 15 ? 14 : 28;
  return {
    width: margin + 20 + cell * names.length,
    height: margin + 40 + cell * names.length,
    marginLeft: margin,
    marginBottom: margin,
  };
}

function labelMargin(labels: readonly string[], min = 40): number {
  const longest = labels.reduce((m, s) => Math.max(m, s.length), 0);
  return Math.max(min, Math.min(220, Math.round(longest * 6.5) + 12));
}

/** Tick values for an epoch axis: every epoch up to 12 of them, else about 10 ticks. */
function epochTicks(epochs: readonly number[]): number[] | number {
  const unique = [...new Set(epochs)].sort((a, b) => a - b);
  return unique.length <= 12 ? unique : 10;
}

/** One point of {@linkcode accuracyComparisonFigure}: a metric of one run. */
export interface ComparisonPoint {
  /** The run id (shown on hover). */
  id: string;
  /** The loss name of the run. */
  loss: string;
  /** The miner name of the run. */
  miner: string;
  /** The embedding dimension of the run. */
  dim: number;
  /** The seed of the run. */
  seed: number;
  /** The metric's name, e.g. `"acc@1"` or `"MAP@R"` (one facet row each). */
  metric: string;
  /** The value in [0, 1]. */
  value: number;
}

/**
 * The y domain (in %) that frames values: padded by 15% of their range (at least 2 points),
 * rounded out to multiples of 5, within [0, 100], from 0 when the padding would reach below 5.
 *
 * @param percents The values, in %.
 * @returns `[low, high]`.
 *
 * @example
 * ```ts
 * import { zoomedPercentDomain } from "./figures.ts";
 * const [low, high] = zoomedPercentDomain([67, 71]);
 * if (low !== 65 || high !== 75) throw new Error(`${low}-${high}`);
 * ```
 */
export function zoomedPercentDomain(percents: readonly number[]): [number, number] {
  const finite = percents.filter(Number.isFinite);
  if (!finite.length) return [0, 100];
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const pad = Math.max(2, 0.15 * (hi - lo));
  const low = lo - pad < 5 ? 0 : Math.floor((lo - pad) / 5) * 5;
  return [low, Math.min(100, Math.max(low + 5, Math.ceil((hi + pad) / 5) * 5))];
}

/**
 * Accuracy by loss x mining: one column per loss and miner, one colour per dimension, one
 * dot per seed, a black tick at the mean where a setting has several seeds, one facet row
 * per metric. The y axis is zoomed to the data ({@linkcode zoomedPercentDomain}) and says so
 * when it does not start at 0; a rule marks its bottom. With one metric, the axis names it.
 *
 * @param points The values, one per run and metric.
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { accuracyComparisonFigure } from "./figures.ts";
 * const fig = accuracyComparisonFigure([{ id: "a", loss: "triplet", miner: "none", dim: 8,
 *   seed: 0, metric: "acc@1", value: 0.5 }]);
 * if (fig.marks?.length !== 3) throw new Error("expected rule, dots and means");
 * ```
 */
export function accuracyComparisonFigure(points: readonly ComparisonPoint[]): FigureOptions {
  const data = points.map((p) => ({
    ...p,
    setting: `${p.loss} / ${p.miner}`,
    dimLabel: `d=${p.dim}`,
    percent: 100 * p.value,
  }));
  const groups = new Map<string, typeof data>();
  for (const d of data) {
    const key = `${d.setting}|${d.dimLabel}|${d.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const means = [...groups.values()].filter((g) => g.length > 1).map((g) => ({
    ...g[0],
    percent: g.reduce((s, d) => s + d.percent, 0) / g.length,
    seeds: g.length,
  }));
  const settings = [...new Set(data.map((d) => d.setting))].sort();
  const dims = [...new Set(data.map((d) => d.dim))].sort((a, b) => a - b).map((d) => `d=${d}`);
  const metrics = [...new Set(data.map((d) => d.metric))];
  const domain = zoomedPercentDomain(data.map((d) => d.percent));
  const name = metrics.length === 1 ? `${metrics[0]} (%)` : "%";
  return {
    width: Math.max(480, Math.min(1200, 150 * settings.length + 80)),
    height: 60 + 200 * metrics.length + (metrics.length === 1 ? 20 : 0),
    marginBottom: 40,
    // One metric: its name and the zoom take the top line, above the settings.
    ...(metrics.length === 1 ? { marginTop: 56 } : {}),
    fx: { label: metrics.length === 1 ? null : "loss / miner", domain: settings },
    fy: metrics.length === 1 ? { axis: null, domain: metrics } : { label: null, domain: metrics },
    x: { label: null, domain: dims, padding: 0.3 },
    y: {
      label: domain[0] > 0 ? `${name}, zoomed: the axis starts at ${domain[0]}, not 0` : name,
      domain,
      grid: true,
    },
    color: { legend: true, domain: dims, range: CATEGORY_COLORS.slice(0, dims.length) },
    marks: [
      Plot.ruleY([domain[0]]),
      Plot.dot(data, {
        fx: "setting",
        fy: "metric",
        x: "dimLabel",
        y: "percent",
        stroke: "dimLabel",
        r: 4,
        strokeWidth: 1.5,
        title: (d: (typeof data)[number]) =>
          `${d.id}\n${d.metric} ${d.percent.toFixed(1)}% (seed ${d.seed})`,
      }),
      Plot.tickY(means, {
        fx: "setting",
        fy: "metric",
        x: "dimLabel",
        y: "percent",
        stroke: "black",
        strokeWidth: 2,
        title: (d: (typeof means)[number]) => `mean of ${d.seeds} seeds: ${d.percent.toFixed(1)}%`,
      }),
    ],
  };
}

/**
 * The training loss per epoch.
 *
 * @param epochs The epoch records of `metrics.jsonl`.
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { lossCurveFigure } from "./figures.ts";
 * const fig = lossCurveFigure([{ epoch: 1, loss: 0.9 }, { epoch: 2, loss: 0.5 }]);
 * if (fig.marks?.length !== 2) throw new Error("expected a line and dots");
 * ```
 */
export function lossCurveFigure(epochs: readonly EpochRecord[]): FigureOptions {
  const title = (d: EpochRecord) => `epoch ${d.epoch}: loss ${d.loss.toPrecision(4)}`;
  return {
    width: 480,
    height: 260,
    // Whole epochs only: fractional ticks would print as repeated integers.
    x: { label: "epoch", ticks: epochTicks(epochs.map((e) => e.epoch)), tickFormat: "d" },
    y: { label: "loss", grid: true, zero: true },
    marks: [
      Plot.line(epochs, { x: "epoch", y: "loss", stroke: CATEGORY_COLORS[0] }),
      Plot.dot(epochs, { x: "epoch", y: "loss", fill: CATEGORY_COLORS[0], r: 3, title }),
    ],
  };
}

/**
 * The mean number of mined tuples per batch, per epoch.
 *
 * @param epochs The epoch records (those without `minedTuplesPerBatch` are left out).
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { minedTuplesFigure } from "./figures.ts";
 * const fig = minedTuplesFigure([{ epoch: 1, loss: 1, minedTuplesPerBatch: 40 }]);
 * if (fig.marks?.length !== 2) throw new Error("expected bars and a rule");
 * ```
 */
export function minedTuplesFigure(epochs: readonly EpochRecord[]): FigureOptions {
  const data = epochs.filter((e) => typeof e.minedTuplesPerBatch === "number");
  return {
    width: 480,
    height: 260,
    x: { label: "epoch", type: "band" },
    y: { label: "mined tuples per batch", grid: true },
    marks: [
      Plot.barY(data, {
        x: "epoch",
        y: "minedTuplesPerBatch",
        fill: CATEGORY_COLORS[1],
        title: (d: EpochRecord) =>
          `epoch ${d.epoch}: ${d.minedTuplesPerBatch?.toFixed(1)} tuples per batch`,
      }),
      Plot.ruleY([0]),
    ],
  };
}

/**
 * Test k-NN accuracy for each k, labelled in percent.
 *
 * @param knnAccuracy Accuracy keyed by k (`{"1": 0.9, "5": 0.92}`).
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { accuracyPerKFigure } from "./figures.ts";
 * const fig = accuracyPerKFigure({ "1": 0.5, "5": 0.6 });
 * if (fig.marks?.length !== 3) throw new Error("expected bars, labels and a rule");
 * ```
 */
export function accuracyPerKFigure(knnAccuracy: Readonly<Record<string, number>>): FigureOptions {
  const data = Object.entries(knnAccuracy)
    .map(([k, v]) => ({ k: `k=${k}`, order: Number(k), percent: 100 * v }))
    .sort((a, b) => a.order - b.order);
  return {
    width: Math.max(200, 90 * data.length + 60),
    height: 240,
    x: { label: null, domain: data.map((d) => d.k), padding: 0.3 },
    y: { label: "test accuracy (%)", domain: [0, 100], grid: true },
    marks: [
      Plot.barY(data, { x: "k", y: "percent", fill: CATEGORY_COLORS[0] }),
      Plot.text(data, {
        x: "k",
        y: "percent",
        text: (d: (typeof data)[number]) => `${d.percent.toFixed(1)}%`,
        dy: -7,
      }),
      Plot.ruleY([0]),
    ],
  };
}

/**
 * Per-class accuracy as horizontal bars, worst class on top.
 *
 * @param classNames Class names, indexed by label.
 * @param accuracy Accuracy of each class, indexed by label.
 * @param counts Test samples of each class (shown on hover), if known.
 * @returns Plot options (the height grows with the number of classes).
 *
 * @example
 * ```ts
 * import { perClassAccuracyFigure } from "./figures.ts";
 * const fig = perClassAccuracyFigure(["a", "b"], [1, 0.5]);
 * const y = fig.y as { domain: string[] };
 * if (y.domain[0] !== "b") throw new Error("worst first");
 * ```
 */
export function perClassAccuracyFigure(
  classNames: readonly string[],
  accuracy: readonly number[],
  counts?: readonly number[],
): FigureOptions {
  const data = classNames.map((name, i) => ({
    name,
    percent: 100 * (accuracy[i] ?? 0),
    count: counts?.[i],
  }));
  const order = [...data].sort((a, b) => a.percent - b.percent || a.name.localeCompare(b.name));
  return {
    width: 560,
    height: 50 + 14 * data.length,
    marginLeft: labelMargin(classNames),
    x: { label: "test accuracy (%)", domain: [0, 100], grid: true, axis: "top" },
    y: { label: null, domain: order.map((d) => d.name) },
    marks: [
      Plot.barX(data, {
        y: "name",
        x: "percent",
        fill: (d: (typeof data)[number]) => d.percent,
        title: (d: (typeof data)[number]) =>
          `${d.name}: ${d.percent.toFixed(1)}%${d.count === undefined ? "" : ` of ${d.count}`}`,
      }),
      Plot.ruleX([0]),
    ],
    color: { type: "linear", scheme: "rdylgn", domain: [0, 100] },
  };
}

/**
 * The confusion matrix as a heat map: true class down, predicted class across, one cell
 * per pair with a count (empty cells are left out), the class names on both axes.
 *
 * @param classNames Class names, indexed by label.
 * @param confusion `confusion[true][predicted]` counts.
 * @returns Plot options (the size grows with the number of classes).
 *
 * @example
 * ```ts
 * import { confusionFigure } from "./figures.ts";
 * const fig = confusionFigure(["a", "b"], [[2, 1], [0, 3]]);
 * if (fig.marks?.length !== 1) throw new Error("expected one cell mark");
 * ```
 */
export function confusionFigure(
  classNames: readonly string[],
  confusion: readonly (readonly number[])[],
): FigureOptions {
  const cells: { actual: string; predicted: string; count: number; share: number }[] = [];
  confusion.forEach((row, i) => {
    const total = row.reduce((s, v) => s + v, 0);
    row.forEach((count, j) => {
      if (count > 0) {
        cells.push({
          actual: classNames[i] ?? String(i),
          predicted: classNames[j] ?? String(j),
          count,
          share: total ? count / total : 0,
        });
      }
    });
  });
  const names = classNames.slice();
  return {
    ...squareGrid(names),
    x: { label: "predicted", domain: names, tickRotate: -90 },
    y: { label: "true", domain: names },
    // A ramp legend: renderFigure gives linkedom a stand-in canvas for it.
    color: {
      scheme: "blues",
      type: "sqrt",
      domain: [0, 1],
      legend: true,
      label: "share of the true class's test images",
      tickFormat: "%",
      ticks: [0, 0.1, 0.25, 0.5, 1],
    },
    marks: [
      Plot.cell(cells, {
        x: "predicted",
        y: "actual",
        fill: "share",
        inset: 0.5,
        title: (d: (typeof cells)[number]) =>
          `true ${d.actual}, predicted ${d.predicted}: ${d.count} (${percent(d.share)})`,
      }),
    ],
  };
}

/** Options of {@linkcode projectionFigure} and {@linkcode projectionColors}. */
export interface ProjectionFigureOptions {
  /** Class hierarchy rows: with them, a hue per top category and shades per class or family. */
  hierarchy?: readonly ClassInfo[] | null;
  /** Figure title. @default {"<METHOD>"} */
  title?: string;
  /** Plot width in pixels. @default {560} */
  width?: number;
  /** Plot height in pixels. @default {500} */
  height?: number;
  /**
   * Points drawn in light grey under the projection, sharing its axes: the training map
   * under test points placed into it.
   */
  background?: { x: readonly number[]; y: readonly number[] } | null;
  /**
   * Draw each class's dots as one SVG `<path>` (a zero-length segment per point, rounded to
   * the pixel, round caps in the class colour) with no per-point `<title>`: about a tenth of
   * the bytes of a `<circle>` per point. The points are in {@linkcode projectionPointOrder};
   * a page's explorer maps the mouse to them. The background is drawn as one path as well.
   * @default {false}
   */
  compact?: boolean;
}

/** One class of a projection's colour key. */
export interface ProjectionClassColor {
  /** The class name (its code, e.g. `"pl50"`). */
  name: string;
  /** Its colour (`#rrggbb`). */
  color: string;
  /** Its points in the projection. */
  count: number;
  /** Its family in the hierarchy, if any. */
  family?: string;
}

/** One group of the colour key: a top category, a name prefix, or all classes. */
export interface ProjectionColorGroup {
  /** The group's name (`"prohibitory"`, `"pl"`, or `"classes"`). */
  name: string;
  /** A colour that stands for the group (its middle shade). */
  color: string;
  /** Its classes, in legend order. */
  classes: ProjectionClassColor[];
}

/** The colour key of a projection: how classes were coloured and their colours. */
export interface ProjectionColors {
  /**
   * `"category"`: a hue per top category of the hierarchy, shades per class (or per family
   * where a category has more than {@linkcode MAX_SHADES} classes); `"prefix"`: no hierarchy
   * and more than {@linkcode MAX_COLORED_CLASSES} classes, a hue per leading letters of the
   * class code (`pl` of `pl50`), shades per class; `"class"`: the categorical palette by class
   * (cycled above 20 classes when the codes share no 2 to 8 prefixes).
   */
  scheme: "category" | "prefix" | "class";
  /** The groups, each with its classes. */
  groups: ProjectionColorGroup[];
  /** Class name -> colour. */
  colorOf: Map<string, string>;
}

/** Above this many classes a top category is shaded per family rather than per class. */
export const MAX_SHADES = 12;

/** Hue ranges (degrees) and lightness of the top categories: TT100K's, then any others. */
const CATEGORY_HUES: Record<
  string,
  { hue: [number, number]; sat: number; light: [number, number] }
> = {
  mandatory: { hue: [198, 232], sat: 70, light: [30, 62] },
  prohibitory: { hue: [352, 392], sat: 78, light: [36, 62] },
  warning: { hue: [38, 54], sat: 92, light: [38, 56] },
  other: { hue: [210, 210], sat: 6, light: [30, 66] },
};
const EXTRA_HUES: [number, number][] = [[160, 185], [95, 130], [265, 295], [300, 330], [20, 35]];

function hslHex(h: number, s: number, l: number): string {
  const hue = ((h % 360) + 360) % 360;
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number) => {
    const k = (n + hue / 30) % 12;
    const c = l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * c).toString(16).padStart(2, "0");
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

/** `n` shades of one hue range: hue moves along the range, lightness jumps (golden ratio) so that neighbours differ. */
function shades(
  n: number,
  spec: { hue: [number, number]; sat: number; light: [number, number] },
): string[] {
  return Array.from({ length: n }, (_, i) => {
    const t = n === 1 ? 0.5 : i / (n - 1);
    const l = n === 1 ? 0.5 : (i * 0.618034 + 0.25) % 1;
    return hslHex(
      spec.hue[0] + (spec.hue[1] - spec.hue[0]) * t,
      spec.sat,
      spec.light[0] + (spec.light[1] - spec.light[0]) * l,
    );
  });
}

const byCode = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/**
 * The colours of a projection's classes: with a hierarchy, a hue per top category (mandatory
 * blue, prohibitory red to orange, warning amber, other grey) and shades per class within it,
 * or per family where a category has more than {@linkcode MAX_SHADES} classes; without one,
 * the categorical palette up to {@linkcode MAX_COLORED_CLASSES} classes, else a hue per
 * leading letters of the class code when that gives 2 to 8 groups, else the palette cycled.
 *
 * @param projection The projection (its labels count the points of each class).
 * @param classNames Class names, indexed by label.
 * @param options The hierarchy.
 * @returns The scheme, the groups with their classes and colours, and a class -> colour map.
 *
 * @example
 * ```ts
 * import { projectionColors } from "./figures.ts";
 * const key = projectionColors({ method: "pca", rows: [0, 1], labels: [0, 1], x: [0, 1],
 *   y: [0, 1], subsampled: false, total: 2, seconds: 0 }, ["i2", "pl50"], {
 *   hierarchy: [{ class: "i2", top: "mandatory", family: "x" },
 *     { class: "pl50", top: "prohibitory", family: "y" }] });
 * if (key.groups.map((g) => g.name).join() !== "mandatory,prohibitory") throw new Error();
 * ```
 */
export function projectionColors(
  projection: Projection,
  classNames: readonly string[],
  options: Pick<ProjectionFigureOptions, "hierarchy"> = {},
): ProjectionColors {
  const counts = new Map<string, number>();
  for (const label of projection.labels) {
    const name = classNames[label] ?? String(label);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const names = [...counts.keys()].sort(byCode);
  const byName = new Map((options.hierarchy ?? []).map((h) => [h.class, h]));
  const known = names.some((n) => byName.has(n));
  const colorOf = new Map<string, string>();
  const groups: ProjectionColorGroup[] = [];
  const finish = (name: string, classes: string[], colors: string[]) => {
    const entries = classes.map((c, i) => {
      colorOf.set(c, colors[i]);
      const family = byName.get(c)?.family;
      return {
        name: c,
        color: colors[i],
        count: counts.get(c) ?? 0,
        ...(family ? { family } : {}),
      };
    });
    groups.push({ name, color: colors[Math.floor((colors.length - 1) / 2)], classes: entries });
  };
  if (known) {
    const tops = new Map<string, string[]>();
    for (const n of names) {
      const top = byName.get(n)?.top ?? "other";
      tops.set(top, [...(tops.get(top) ?? []), n]);
    }
    const order = (t: string) => {
      const i = ["mandatory", "prohibitory", "warning"].indexOf(t);
      return i >= 0 ? i : t === "other" ? 99 : 50;
    };
    let extra = 0;
    for (const top of [...tops.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b))) {
      const spec = CATEGORY_HUES[top] ??
        {
          hue: EXTRA_HUES[extra++ % EXTRA_HUES.length],
          sat: 60,
          light: [32, 62] as [number, number],
        };
      const family = (c: string) => byName.get(c)?.family ?? "";
      const classes = tops.get(top)!.sort((a, b) =>
        family(a).localeCompare(family(b)) || byCode(a, b)
      );
      const families = [...new Set(classes.map(family))];
      if (classes.length > MAX_SHADES && families.length > 1) {
        const familyShade = new Map(families.map((f, i) => [f, shades(families.length, spec)[i]]));
        finish(top, classes, classes.map((c) => familyShade.get(family(c))!));
      } else finish(top, classes, shades(classes.length, spec));
    }
    return { scheme: "category", groups, colorOf };
  }
  const prefix = (c: string) => /^[a-z]+/i.exec(c)?.[0].toLowerCase() ?? "#";
  const prefixes = [...new Set(names.map(prefix))].sort();
  if (names.length > MAX_COLORED_CLASSES && prefixes.length >= 2 && prefixes.length <= 8) {
    prefixes.forEach((p, i) => {
      const hue = (i * 360) / prefixes.length + 210;
      const classes = names.filter((n) => prefix(n) === p);
      finish(
        p,
        classes,
        shades(classes.length, { hue: [hue - 14, hue + 14], sat: 65, light: [32, 62] }),
      );
    });
    return { scheme: "prefix", groups, colorOf };
  }
  finish("classes", names, names.map((_, i) => CATEGORY_COLORS[i % CATEGORY_COLORS.length]));
  return { scheme: "class", groups, colorOf };
}

const METHOD_NAMES: Record<string, string> = {
  pca: "PCA",
  umap: "UMAP",
  tsne: "t-SNE",
  embedding: "The embedding itself (d = 2)",
};

/** The method's settings as a phrase, from whatever `projection.options` holds. */
function projectionSettings(projection: Projection): string {
  const o = (projection.options ?? {}) as Record<string, unknown>;
  const n = (k: string) =>
    typeof o[k] === "number" && Number.isFinite(o[k]) ? o[k] as number : null;
  const parts: string[] = [];
  if (projection.method === "umap") {
    if (n("nNeighbors") !== null) parts.push(`${n("nNeighbors")} neighbours`);
    if (n("minDist") !== null) parts.push(`min-dist ${n("minDist")}`);
    if (n("nEpochs") !== null) parts.push(`${n("nEpochs")} epochs`);
  } else if (projection.method === "tsne") {
    // `algorithm` now; older files put it in `method`.
    const algorithm = [o.algorithm, o.method].find((v) => v === "exact" || v === "barnes-hut");
    if (typeof algorithm === "string") parts.push(algorithm);
    if (n("perplexity") !== null) parts.push(`perplexity ${n("perplexity")}`);
    const it = n("iterationsRun") ?? n("iterations");
    if (it !== null) parts.push(`${it} iterations`);
  } else if (projection.method === "pca") parts.push("first two components");
  return parts.join(", ");
}

/**
 * How the map was made, from `projection.options.fitted` when present (`"separately"`,
 * `"into-train"`: placed into the training map, `"none"`: the 2-D embedding itself; another
 * string is shown as is), else "fitted separately", which every older projection was.
 */
function fittedPhrase(projection: Projection): string {
  const f = (projection.options as Record<string, unknown> | undefined)?.fitted;
  if (typeof f !== "string" || !f.trim() || f === "separately") return "fitted separately";
  if (f === "into-train") return "placed into the training map (the train map does not move)";
  if (f === "none") return "the embedding's own coordinates";
  return `fitted: ${f.replace(/-/g, " ")}`;
}

/** Estimated width of text in pixels (per-character widths of a sans-serif, in em). */
function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const c of text) {
    em += /[ijlI.,:;'|!()\s]/.test(c)
      ? 0.3
      : /[mwMW@%]/.test(c)
      ? 0.9
      : /[A-Z]/.test(c)
      ? 0.68
      : 0.58;
  }
  return em * fontSize;
}

/** One class label placed by {@linkcode placeClassLabels}, in data coordinates. */
export interface ClassLabel {
  /** The class name written. */
  name: string;
  /** Where the label's centre lies. */
  x: number;
  /** Where the label's centre lies. */
  y: number;
  /** The class's points. */
  count: number;
}

/** Geometry of the plot area, in pixels, for label placement. */
interface PlotFrame {
  width: number;
  height: number;
  margin: number;
  fontSize: number;
}

/**
 * Places one label per class at its medoid (the point with the least summed distance to the
 * class's other points, over at most 300 of them): largest classes first; a label whose box
 * would overlap one already placed is nudged to the nearest free spot within about 1.5 label
 * heights, else skipped.
 */
function placeClassLabels(
  points: readonly { x: number; y: number; name: string }[],
  domains: { x: [number, number]; y: [number, number] },
  frame: PlotFrame,
): ClassLabel[] {
  const byClass = new Map<string, { x: number; y: number }[]>();
  for (const p of points) byClass.set(p.name, [...(byClass.get(p.name) ?? []), p]);
  const sx = (v: number) =>
    frame.margin +
    (v - domains.x[0]) / ((domains.x[1] - domains.x[0]) || 1) * (frame.width - 2 * frame.margin);
  const sy = (v: number) =>
    frame.height - frame.margin -
    (v - domains.y[0]) / ((domains.y[1] - domains.y[0]) || 1) * (frame.height - 2 * frame.margin);
  const ix = (px: number) =>
    domains.x[0] +
    (px - frame.margin) / (frame.width - 2 * frame.margin) * (domains.x[1] - domains.x[0]);
  const iy = (py: number) =>
    domains.y[0] +
    (frame.height - frame.margin - py) / (frame.height - 2 * frame.margin) *
      (domains.y[1] - domains.y[0]);
  const classes = [...byClass].sort((a, b) => b[1].length - a[1].length || byCode(a[0], b[0]));
  const placed: { x0: number; y0: number; x1: number; y1: number }[] = [];
  const labels: ClassLabel[] = [];
  const h = frame.fontSize + 2;
  for (const [name, pts] of classes) {
    const step = Math.max(1, Math.ceil(pts.length / 300));
    const sample = pts.filter((_, i) => i % step === 0);
    let best = sample[0], bestSum = Infinity;
    for (const a of sample) {
      let sum = 0;
      for (const b of sample) sum += Math.hypot(a.x - b.x, a.y - b.y);
      if (sum < bestSum) [best, bestSum] = [a, sum];
    }
    const w = textWidth(name, frame.fontSize) + 4;
    const cx = sx(best.x), cy = sy(best.y);
    const candidates: [number, number][] = [[0, 0]];
    for (const r of [0.8, 1.6]) {
      for (
        const [dx, dy] of [[0, -1], [0, 1], [1, 0], [-1, 0], [1, -1], [-1, -1], [1, 1], [-1, 1]]
      ) {
        candidates.push([dx * r * (w / 2 + 2), dy * r * h]);
      }
    }
    for (const [dx, dy] of candidates) {
      const x = Math.min(Math.max(cx + dx, w / 2), frame.width - w / 2);
      const y = Math.min(Math.max(cy + dy, h / 2), frame.height - h / 2);
      const box = { x0: x - w / 2, x1: x + w / 2, y0: y - h / 2, y1: y + h / 2 };
      if (placed.some((b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1)) {
        continue;
      }
      placed.push(box);
      labels.push({ name, x: ix(x), y: iy(y), count: pts.length });
      break;
    }
  }
  return labels;
}

/**
 * The order in which a compact projection ({@linkcode ProjectionFigureOptions.compact})
 * draws its points: the indices of the points with finite coordinates, grouped by class
 * name (in class-code order), in their projection order within a class. The `k`-th point
 * of a figure's paths, in document order, is `projection.rows[order[k]]`.
 *
 * @param projection The projection.
 * @param classNames Class names, indexed by label.
 * @returns Indices into the projection's arrays.
 *
 * @example
 * ```ts
 * import { projectionPointOrder } from "./figures.ts";
 * const order = projectionPointOrder({ method: "pca", rows: [0, 1, 2], labels: [1, 0, 1],
 *   x: [0, 1, NaN], y: [0, 1, 2], subsampled: false, total: 3, seconds: 0 }, ["a", "b"]);
 * if (order.join() !== "1,0") throw new Error(order.join());
 * ```
 */
export function projectionPointOrder(
  projection: Projection,
  classNames: readonly string[],
): number[] {
  const name = (i: number) => classNames[projection.labels[i]] ?? String(projection.labels[i]);
  const kept: number[] = [];
  projection.x.forEach((x, i) => {
    if (Number.isFinite(x) && Number.isFinite(projection.y[i])) kept.push(i);
  });
  return kept.sort((a, b) => byCode(name(a), name(b)) || a - b);
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * A render function that draws the dots as one `<path>` per run of equal class names (a
 * `M x y h0` per point, rounded to the pixel), stroked in the point's fill colour with round
 * caps of the dot's diameter, each tagged `data-class` (no names: one untagged path).
 */
function compactDots(
  names: readonly string[] | null,
  r: number,
  opacity: number,
  pathClass: string,
): Plot.RenderFunction {
  return (index, _scales, values, _dimensions, context) => {
    const doc = context.document;
    const g = doc.createElementNS(SVG_NS, "g");
    g.setAttribute("aria-label", "dot");
    g.setAttribute("class", pathClass);
    g.setAttribute("fill", "none");
    g.setAttribute("stroke-linecap", "round");
    g.setAttribute("stroke-width", String(2 * r));
    g.setAttribute("stroke-opacity", String(opacity));
    const xs = values.x as ArrayLike<number>, ys = values.y as ArrayLike<number>;
    const fills = values.fill as ArrayLike<string> | undefined;
    let current: string | null = null, color = "", d: string[] = [];
    const flush = () => {
      if (!d.length) return;
      const path = doc.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d.join(""));
      path.setAttribute("stroke", color);
      if (current !== null && names) path.setAttribute("data-class", current);
      g.appendChild(path);
      d = [];
    };
    for (const i of index) {
      const name = names ? names[i] : "";
      if (name !== current) {
        flush();
        current = name;
        color = fills?.[i] ?? "#c8ccd2";
      }
      d.push(`M${Math.round(xs[i])} ${Math.round(ys[i])}h0`);
    }
    flush();
    return g;
  };
}

/** A render transform that tags each drawn element with its datum's class (`data-class`). */
function tagClass(names: readonly string[]): Plot.RenderFunction {
  return (index, scales, values, dimensions, context, next) => {
    const g = next!(index, scales, values, dimensions, context);
    if (!g) return g;
    const nodes = Array.from(g.children);
    index.forEach((i, k) => nodes[k]?.setAttribute("data-class", names[i]));
    return g;
  };
}

/**
 * A 2-D projection (PCA, UMAP, t-SNE) of a split: one dot per sample coloured by class
 * within its top category ({@linkcode projectionColors}), each class code written at its
 * medoid where it does not overlap another label, every dot and label tagged `data-class`
 * (so that a page's legend can hide them); with `compact`, one path per class instead of a
 * circle per dot ({@linkcode projectionPointOrder}). The caption gives the method's settings, the
 * number of points (and whether it is a subsample), how the map was fitted and the colours.
 *
 * @param projection The projection.
 * @param classNames Class names, indexed by label.
 * @param options Hierarchy, title and size.
 * @returns Plot options (a swatch legend only for a categorical palette of up to 20 classes).
 *
 * @example
 * ```ts
 * import { projectionFigure } from "./figures.ts";
 * const fig = projectionFigure({ method: "tsne", rows: [0, 1], labels: [0, 1], x: [0, 1],
 *   y: [1, 0], subsampled: true, total: 10, seconds: 0 }, ["a", "b"]);
 * if (!String(fig.caption).includes("2 of 10")) throw new Error("no subsample size");
 * ```
 */
export function projectionFigure(
  projection: Projection,
  classNames: readonly string[],
  options: ProjectionFigureOptions = {},
): FigureOptions {
  const key = projectionColors(projection, classNames, options);
  const byName = new Map((options.hierarchy ?? []).map((h) => [h.class, h]));
  const compact = options.compact === true;
  const order = compact
    ? projectionPointOrder(projection, classNames)
    : projection.x.map((_, i) => i);
  const data = order.map((i) => {
    const name = classNames[projection.labels[i]] ?? String(projection.labels[i]);
    return { x: projection.x[i], y: projection.y[i], name, top: byName.get(name)?.top };
  });
  const names = data.map((d) => d.name);
  const n = data.length;
  const r = n > 2000 ? 1.5 : n > 500 ? 2 : 3;
  const width = options.width ?? 560, height = options.height ?? 500;
  const margin = 14;
  const extent = (vs: readonly number[]): [number, number] => {
    let lo = Infinity, hi = -Infinity;
    for (const v of vs) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    return lo <= hi ? [lo, hi] : [0, 1];
  };
  const bg = options.background ?? null;
  const domains = {
    x: extent(bg ? [...projection.x, ...bg.x] : projection.x),
    y: extent(bg ? [...projection.y, ...bg.y] : projection.y),
  };
  const fontSize = 10;
  const labels = placeClassLabels(data, domains, { width, height, margin, fontSize });
  const numClasses = key.groups.reduce((s, g) => s + g.classes.length, 0);
  const method = METHOD_NAMES[projection.method] ?? projection.method;
  const settings = projectionSettings(projection);
  const points = projection.subsampled
    ? `${n.toLocaleString("en-US")} of ${
      projection.total.toLocaleString("en-US")
    } points (stratified subsample)`
    : `all ${n.toLocaleString("en-US")} points`;
  const byFamily = key.groups.filter((g) =>
    new Set(g.classes.map((c) => c.color)).size < g.classes.length
  ).map((g) => g.name);
  const hueWords: Record<string, string> = {
    mandatory: "mandatory blue",
    prohibitory: "prohibitory red to orange",
    warning: "warning amber",
    other: "other grey",
  };
  const hueNote = key.scheme === "category"
    ? `hue by top category (${
      key.groups.map((g) => hueWords[g.name] ?? g.name).join(", ")
    }), shade by class${byFamily.length ? ` (by family in ${byFamily.join(", ")})` : ""}`
    : key.scheme === "prefix"
    ? `hue by class-code prefix (${key.groups.map((g) => g.name).join(", ")}), shade by class`
    : "colour by class";
  const caption = `${method}${settings ? ` (${settings})` : ""}; ${points}; ${
    fittedPhrase(projection)
  }${
    bg ? " (the training map in grey)" : ""
  }; ${hueNote}; ${labels.length} of ${numClasses} class codes written at their medoids`;
  const domain = key.groups.flatMap((g) => g.classes.map((c) => c.name));
  return {
    title: options.title ?? method,
    caption,
    width,
    height,
    margin,
    x: { axis: null, domain: domains.x },
    y: { axis: null, domain: domains.y },
    color: {
      type: "ordinal",
      domain,
      range: domain.map((c) => key.colorOf.get(c)!),
      legend: key.scheme === "class" && domain.length <= MAX_COLORED_CLASSES,
    },
    marks: [
      Plot.frame({ stroke: "#ddd" }),
      ...(bg
        ? [Plot.dot(bg.x.map((x, i) => ({ x, y: bg.y[i] })), {
          x: "x",
          y: "y",
          fill: "#c8ccd2",
          r: 1.2,
          fillOpacity: 0.6,
          ...(compact ? { render: compactDots(null, 1.2, 0.6, "bg") } : {}),
        })]
        : []),
      Plot.dot(data, {
        x: "x",
        y: "y",
        fill: "name",
        r,
        fillOpacity: 0.8,
        ...(compact ? { render: compactDots(names, r, 0.8, "pts") } : {
          title: (d: (typeof data)[number]) => d.top ? `${d.name} (${d.top})` : d.name,
          render: tagClass(names),
        }),
      }),
      Plot.text(labels, {
        x: "x",
        y: "y",
        text: "name",
        fontSize,
        fontWeight: 600,
        fill: "#1d2330",
        stroke: "white",
        strokeWidth: 3,
        strokeOpacity: 0.85,
        paintOrder: "stroke",
        title: (d: ClassLabel) => `${d.name}: ${d.count} points`,
        render: tagClass(labels.map((l) => l.name)),
      }),
    ],
  };
}

/** One value of a run for the comparison figures. */
export interface RunValue {
  /** A short label of the run (legend and hover). */
  run: string;
  /** The category (a k, a class name, an epoch). */
  key: string;
  /** The value plotted. */
  value: number;
  /** The panel it belongs to, where a figure has several (the loss, for {@linkcode compareLossFigure}). */
  facet?: string;
}

/**
 * Test accuracy per k of several runs side by side: one group per k, one bar per run.
 *
 * @param values One value per run and k (`key` = `"k=1"`...), in [0, 1].
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { compareAccuracyFigure } from "./figures.ts";
 * const fig = compareAccuracyFigure([{ run: "a", key: "k=1", value: 0.5 },
 *   { run: "b", key: "k=1", value: 0.6 }]);
 * if (fig.marks?.length !== 3) throw new Error("expected bars, labels and a rule");
 * ```
 */
export function compareAccuracyFigure(values: readonly RunValue[]): FigureOptions {
  const data = values.map((v) => ({ ...v, percent: 100 * v.value }));
  const runs = [...new Set(data.map((d) => d.run))];
  const keys = [...new Set(data.map((d) => d.key))];
  const color = { domain: runs, range: CATEGORY_COLORS.slice(0, runs.length), legend: true };
  return {
    width: Math.max(360, Math.min(1100, keys.length * (runs.length * 46 + 30) + 80)),
    height: 280,
    fx: { label: null, domain: keys },
    x: { axis: null, domain: runs, padding: 0.15 },
    y: { label: "%", domain: [0, 100], grid: true },
    color,
    marks: [
      Plot.barY(data, {
        fx: "key",
        x: "run",
        y: "percent",
        fill: "run",
        title: (d: (typeof data)[number]) => `${d.run}\n${d.key}: ${d.percent.toFixed(1)}%`,
      }),
      Plot.text(data, {
        fx: "key",
        x: "run",
        y: "percent",
        text: (d: (typeof data)[number]) => d.percent.toFixed(1),
        dy: -7,
        fontSize: 9,
      }),
      Plot.ruleY([0]),
    ],
  };
}

/** About `count` round tick values over `[0, max]` (steps of 1, 2 or 5 times a power of 10). */
function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v <= max * (1 + 1e-9); v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/**
 * Loss curves of several runs, one panel per loss (`facet`), each panel with its own y
 * scale from 0, so that a loss of small values (triplet's) is not flat next to a larger one
 * (contrastive's). Plot shares a scale across facets, so each panel's values are drawn as a
 * share of its own top tick, with its own tick labels in loss units; hovers give raw values.
 *
 * @param values One value per run and epoch (`key` = the epoch number as text, `facet` = the loss).
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { compareLossFigure } from "./figures.ts";
 * const fig = compareLossFigure([{ run: "a", key: "1", value: 1, facet: "triplet" },
 *   { run: "a", key: "2", value: 0.5, facet: "triplet" }]);
 * if ((fig.fy as { domain: string[] }).domain[0] !== "triplet") throw new Error("no panel");
 * ```
 */
export function compareLossFigure(values: readonly RunValue[]): FigureOptions {
  const facets = [...new Set(values.map((v) => v.facet ?? "loss"))].sort();
  const top = new Map(facets.map((f) => {
    const max = Math.max(0, ...values.filter((v) => (v.facet ?? "loss") === f).map((v) => v.value));
    const ticks = niceTicks(max);
    return [f, { ticks, top: Math.max(ticks[ticks.length - 1], max) || 1 }];
  }));
  const data = values.map((v) => {
    const loss = v.facet ?? "loss";
    return { ...v, loss, epoch: Number(v.key), share: v.value / top.get(loss)!.top };
  });
  const ticks = facets.flatMap((loss) =>
    top.get(loss)!.ticks.map((t) => ({ loss, share: t / top.get(loss)!.top, label: `${t}` }))
  );
  const runs = [...new Set(data.map((d) => d.run))];
  const label = facets.length > 1 ? "loss (own scale in each panel)" : "loss";
  return {
    width: 640,
    height: 60 + 220 * facets.length,
    marginLeft: 56,
    marginRight: 90,
    x: { label: "epoch", ticks: epochTicks(data.map((d) => d.epoch)), tickFormat: "d" },
    y: { axis: null, domain: [0, 1.04] },
    fy: { label: null, domain: facets, axis: "right" },
    color: { domain: runs, range: CATEGORY_COLORS.slice(0, runs.length), legend: true },
    marks: [
      Plot.ruleY(ticks, { fy: "loss", y: "share", stroke: "#e4e7ec" }),
      Plot.text(ticks, {
        fy: "loss",
        y: "share",
        text: "label",
        frameAnchor: "left",
        textAnchor: "end",
        dx: -6,
      }),
      Plot.text(facets.slice(0, 1), {
        fy: (d: string) => d,
        text: () => `↑ ${label}`,
        frameAnchor: "top-left",
        textAnchor: "start",
        dx: -50,
        dy: -14,
      }),
      Plot.line(data, { fy: "loss", x: "epoch", y: "share", stroke: "run" }),
      Plot.dot(data, {
        fy: "loss",
        x: "epoch",
        y: "share",
        fill: "run",
        r: 2.5,
        title: (d: (typeof data)[number]) =>
          `${d.run}\nepoch ${d.epoch}: ${d.loss} ${d.value.toPrecision(4)}`,
      }),
    ],
  };
}

/**
 * Per-class accuracy of several runs: one row per class (worst on average first), one
 * coloured dot per run, the runs dodged within the row (one lane each) so that no run's
 * mark hides another's.
 *
 * @param values One value per run and class (`key` = the class name), in [0, 1].
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { comparePerClassFigure } from "./figures.ts";
 * const fig = comparePerClassFigure([{ run: "a", key: "x", value: 1 }, { run: "a", key: "y", value: 0 }]);
 * if ((fig.fy as { domain: string[] }).domain[0] !== "y") throw new Error("worst first");
 * ```
 */
export function comparePerClassFigure(values: readonly RunValue[]): FigureOptions {
  const data = values.map((v) => ({ ...v, percent: 100 * v.value }));
  const runs = [...new Set(data.map((d) => d.run))];
  const sums = new Map<string, number[]>();
  for (const d of data) sums.set(d.key, [...(sums.get(d.key) ?? []), d.percent]);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const order = [...sums.keys()].sort((a, b) =>
    mean(sums.get(a)!) - mean(sums.get(b)!) || a.localeCompare(b)
  );
  const row = Math.max(14, 5 * runs.length + 4);
  return {
    width: 640,
    height: 70 + row * order.length,
    marginLeft: labelMargin(order),
    x: { label: "test accuracy (%)", domain: [0, 100], grid: true, axis: "top" },
    // The dodge: a facet row per class, a lane per run inside it.
    fy: { label: null, domain: order, padding: 0.1, axis: "left" },
    y: { axis: null, domain: runs, padding: 0.2 },
    color: { domain: runs, range: CATEGORY_COLORS.slice(0, runs.length), legend: true },
    marks: [
      Plot.frame({ stroke: "#eef1f5", anchor: "bottom" }),
      Plot.ruleY(data, {
        fy: "key",
        y: "run",
        x1: 0,
        x2: "percent",
        stroke: "run",
        strokeOpacity: 0.35,
      }),
      Plot.dot(data, {
        fy: "key",
        y: "run",
        x: "percent",
        fill: "run",
        r: 2.5,
        title: (d: (typeof data)[number]) => `${d.run}\n${d.key}: ${d.percent.toFixed(1)}%`,
      }),
    ],
  };
}

/**
 * Class centroid distances as a heat map, classes in the given (dendrogram) order on both
 * axes, each cell naming its pair and distance on hover.
 *
 * @param names Class names in display order.
 * @param distance `distance[i][j]` between `names[i]` and `names[j]`; `null` cells are left out.
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { centroidDistanceFigure } from "./figures.ts";
 * const fig = centroidDistanceFigure(["a", "b"], [[0, 2], [2, 0]]);
 * if (fig.marks?.length !== 1) throw new Error("expected one cell mark");
 * ```
 */
export function centroidDistanceFigure(
  names: readonly string[],
  distance: readonly (readonly (number | null)[])[],
): FigureOptions {
  const cells: { a: string; b: string; d: number }[] = [];
  distance.forEach((row, i) =>
    row.forEach((d, j) => {
      if (typeof d === "number" && Number.isFinite(d)) cells.push({ a: names[i], b: names[j], d });
    })
  );
  return {
    ...squareGrid(names),
    x: { label: null, domain: names.slice(), tickRotate: -90 },
    y: { label: null, domain: names.slice() },
    color: {
      scheme: "viridis",
      reverse: true,
      legend: true,
      label: "distance between class centroids",
    },
    marks: [
      Plot.cell(cells, {
        x: "b",
        y: "a",
        fill: "d",
        inset: 0.5,
        title: (c: (typeof cells)[number]) => `${c.a} – ${c.b}: ${c.d.toFixed(3)}`,
      }),
    ],
  };
}

/**
 * A dendrogram of average-linkage merges, leaves down the left in `order`, merge height
 * across, each leaf labelled (e.g. with its class and known family).
 *
 * @param merges The merges (leaves `0..n-1`, merge `i` makes cluster `n + i`).
 * @param order Leaf ids top to bottom.
 * @param labels The label of each position of `order`.
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { dendrogramFigure } from "./figures.ts";
 * const fig = dendrogramFigure([{ a: 0, b: 1, height: 1 }], [0, 1], ["x", "y"]);
 * if (!fig.marks?.length) throw new Error("no marks");
 * ```
 */
export function dendrogramFigure(
  merges: readonly { a: number; b: number; height: number }[],
  order: readonly number[],
  labels: readonly string[],
): FigureOptions {
  const n = order.length;
  const pos = new Map<number, number>(), height = new Map<number, number>();
  order.forEach((leaf, i) => {
    pos.set(leaf, i);
    height.set(leaf, 0);
  });
  const segments: { x1: number; y1: number; x2: number; y2: number; title: string }[] = [];
  merges.forEach((m, i) => {
    const ya = pos.get(m.a) ?? 0, yb = pos.get(m.b) ?? 0;
    const title = `merged at ${m.height.toFixed(3)}`;
    segments.push({ x1: height.get(m.a) ?? 0, y1: ya, x2: m.height, y2: ya, title });
    segments.push({ x1: height.get(m.b) ?? 0, y1: yb, x2: m.height, y2: yb, title });
    segments.push({ x1: m.height, y1: ya, x2: m.height, y2: yb, title });
    pos.set(n + i, (ya + yb) / 2);
    height.set(n + i, m.height);
  });
  const margin = labelMargin(labels, 60);
  return {
    width: margin + 320,
    height: 40 + 16 * Math.max(n, 2),
    marginLeft: margin,
    x: { label: "merge distance", grid: true },
    y: {
      label: null,
      domain: [n - 0.5, -0.5],
      ticks: order.map((_, i) => i),
      tickFormat: (i: number) => labels[i] ?? "",
    },
    marks: [
      Plot.link(segments, {
        x1: "x1",
        y1: "y1",
        x2: "x2",
        y2: "y2",
        stroke: "#3b6fb6",
        title: "title",
      }),
    ],
  };
}

/** One row of {@linkcode effectFigure}: a paired difference with its interval, in points. */
export interface EffectRow {
  /** The row's label (`"semihard vs none · triplet"`). */
  label: string;
  /** The effect, in points. */
  effect: number;
  /** The 95% interval, in points, or null. */
  ci: [number, number] | null;
  /** The verdict, which colours the row. */
  verdict: string;
}

/**
 * A forest plot of paired differences: one row per comparison, a dot at the effect, a
 * line across its 95% interval, a rule at zero; green when the interval is above zero,
 * red below, grey when it spans zero.
 *
 * @param rows The comparisons.
 * @param xLabel The axis label. @default {"difference, points of k=1 accuracy (95% CI)"}
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { effectFigure } from "./figures.ts";
 * const fig = effectFigure([{ label: "a vs b", effect: 2, ci: [1, 3], verdict: "helps" }]);
 * if (fig.marks?.length !== 3) throw new Error("expected rule, intervals and dots");
 * ```
 */
export function effectFigure(
  rows: readonly EffectRow[],
  xLabel = "difference, points of k=1 accuracy (95% CI)",
): FigureOptions {
  const data = rows.map((r) => ({
    ...r,
    low: r.ci?.[0] ?? r.effect,
    high: r.ci?.[1] ?? r.effect,
  }));
  const colour = (v: string) => v === "helps" ? "#2e7d32" : v === "hurts" ? "#c0392b" : "#667085";
  const labels = data.map((d) => d.label);
  return {
    width: labelMargin(labels, 80) + 420,
    height: 50 + 28 * Math.max(rows.length, 1),
    marginLeft: labelMargin(labels, 80),
    x: { label: xLabel, grid: true },
    y: { label: null, domain: labels },
    marks: [
      Plot.ruleX([0], { stroke: "#1d2330" }),
      Plot.link(data, {
        x1: "low",
        x2: "high",
        y1: "label",
        y2: "label",
        stroke: (d: (typeof data)[number]) => colour(d.verdict),
        strokeWidth: 2.5,
      }),
      Plot.dot(data, {
        x: "effect",
        y: "label",
        r: 5,
        fill: (d: (typeof data)[number]) => colour(d.verdict),
        title: (d: (typeof data)[number]) =>
          `${d.label}: ${d.effect.toFixed(1)} (${d.low.toFixed(1)} to ${
            d.high.toFixed(1)
          }), ${d.verdict}`,
      }),
    ],
  };
}

/** One point of {@linkcode dimensionFigure}: a cell's mean metric at one dimension. */
export interface DimensionPoint {
  /** The setting (`"triplet / semihard"`), one line each. */
  setting: string;
  /** The embedding dimension. */
  dim: number;
  /** The value in [0, 1]. */
  value: number;
  /** Its 95% interval in [0, 1], or null. */
  ci: [number, number] | null;
}

/**
 * k=1 accuracy against the embedding dimension: one line per loss and miner, with the
 * 95% interval of each point as a vertical bar.
 *
 * @param points The points.
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { dimensionFigure } from "./figures.ts";
 * const fig = dimensionFigure([{ setting: "a", dim: 8, value: 0.5, ci: [0.4, 0.6] }]);
 * if (fig.marks?.length !== 3) throw new Error("expected bars, lines and dots");
 * ```
 */
export function dimensionFigure(points: readonly DimensionPoint[]): FigureOptions {
  const data = points.map((p) => ({
    ...p,
    percent: 100 * p.value,
    low: 100 * (p.ci?.[0] ?? p.value),
    high: 100 * (p.ci?.[1] ?? p.value),
  }));
  const dims = [...new Set(points.map((p) => p.dim))].sort((a, b) => a - b);
  const settings = [...new Set(points.map((p) => p.setting))].sort();
  return {
    width: 560,
    height: 320,
    x: { type: "point", domain: dims, label: "embedding dimension d", padding: 0.3 },
    y: { label: "k=1 accuracy (%)", grid: true },
    color: {
      domain: settings,
      range: CATEGORY_COLORS.slice(0, settings.length),
      legend: true,
    },
    marks: [
      Plot.ruleX(data, {
        x: "dim",
        y1: "low",
        y2: "high",
        stroke: "setting",
        strokeOpacity: 0.5,
        dx: 0,
      }),
      Plot.line(data, { x: "dim", y: "percent", stroke: "setting", strokeWidth: 2 }),
      Plot.dot(data, {
        x: "dim",
        y: "percent",
        fill: "setting",
        r: 4,
        title: (d: (typeof data)[number]) =>
          `${d.setting}, d=${d.dim}: ${d.percent.toFixed(1)}% (${d.low.toFixed(1)}–${
            d.high.toFixed(1)
          })`,
      }),
    ],
  };
}
