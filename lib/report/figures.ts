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
 * Accuracy by loss x mining: one column per loss and miner, one colour per dimension, one
 * dot per seed, a black tick at the mean where a setting has several seeds, one facet row
 * per metric.
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
  return {
    width: Math.max(480, Math.min(1200, 150 * settings.length + 80)),
    height: 60 + 200 * metrics.length,
    marginBottom: 40,
    fx: { label: "loss / miner", domain: settings },
    fy: { label: null, domain: metrics },
    x: { label: null, domain: dims, padding: 0.3 },
    y: { label: "%", domain: [0, 100], grid: true },
    color: { legend: true, domain: dims, range: CATEGORY_COLORS.slice(0, dims.length) },
    marks: [
      Plot.ruleY([0]),
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
    // No ramp legend: Plot draws it on a canvas, which linkedom lacks.
    color: { scheme: "blues", type: "sqrt", domain: [0, 1] },
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

/** Options of {@linkcode projectionFigure}. */
export interface ProjectionFigureOptions {
  /** Class hierarchy rows; used to colour by top category above {@linkcode MAX_COLORED_CLASSES} classes. */
  hierarchy?: readonly ClassInfo[] | null;
  /** Figure title. @default {"<METHOD>"} */
  title?: string;
}

const METHOD_NAMES = { pca: "PCA", umap: "UMAP", tsne: "t-SNE" } as const;

/**
 * A 2-D projection (PCA, UMAP, t-SNE) of a split, one dot per sample coloured by class (or
 * by the top of the class hierarchy when there are more than 20 classes), the class name
 * on hover; the caption gives the number of points, and whether it is a subsample.
 *
 * @param projection The projection.
 * @param classNames Class names, indexed by label.
 * @param options Hierarchy and title.
 * @returns Plot options.
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
  const numClasses = new Set(projection.labels).size;
  const byName = new Map((options.hierarchy ?? []).map((h) => [h.class, h]));
  const useTop = numClasses > MAX_COLORED_CLASSES && byName.size > 0;
  const data = projection.x.map((x, i) => {
    const name = classNames[projection.labels[i]] ?? String(projection.labels[i]);
    const top = byName.get(name)?.top ?? "other";
    return { x, y: projection.y[i], name, group: useTop ? top : name };
  });
  const groups = [...new Set(data.map((d) => d.group))].sort();
  const n = projection.x.length;
  const caption = projection.subsampled
    ? `${n.toLocaleString("en-US")} of ${
      projection.total.toLocaleString("en-US")
    } points (stratified subsample)`
    : `all ${n.toLocaleString("en-US")} points`;
  const colorNote = useTop ? "; coloured by top category" : "";
  return {
    title: options.title ?? METHOD_NAMES[projection.method] ?? projection.method,
    caption: caption + colorNote,
    width: 420,
    height: 380,
    inset: 8,
    x: { axis: null },
    y: { axis: null },
    color: {
      domain: groups,
      range: CATEGORY_COLORS.slice(0, Math.min(groups.length, CATEGORY_COLORS.length)),
      legend: groups.length <= MAX_COLORED_CLASSES,
    },
    marks: [
      Plot.frame({ stroke: "#ddd" }),
      Plot.dot(data, {
        x: "x",
        y: "y",
        fill: "group",
        r: n > 2000 ? 1.5 : n > 500 ? 2 : 3,
        fillOpacity: 0.8,
        title: (d: (typeof data)[number]) => useTop ? `${d.name} (${d.group})` : d.name,
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

/**
 * Loss curves of several runs on one chart, one colour per run.
 *
 * @param values One value per run and epoch (`key` = the epoch number as text).
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { compareLossFigure } from "./figures.ts";
 * const fig = compareLossFigure([{ run: "a", key: "1", value: 1 }, { run: "a", key: "2", value: 0.5 }]);
 * if (fig.marks?.length !== 2) throw new Error("expected lines and dots");
 * ```
 */
export function compareLossFigure(values: readonly RunValue[]): FigureOptions {
  const data = values.map((v) => ({ ...v, epoch: Number(v.key) }));
  const runs = [...new Set(data.map((d) => d.run))];
  return {
    width: 640,
    height: 300,
    x: { label: "epoch", ticks: epochTicks(data.map((d) => d.epoch)), tickFormat: "d" },
    y: { label: "loss", grid: true, zero: true },
    color: { domain: runs, range: CATEGORY_COLORS.slice(0, runs.length), legend: true },
    marks: [
      Plot.line(data, { x: "epoch", y: "value", stroke: "run" }),
      Plot.dot(data, {
        x: "epoch",
        y: "value",
        fill: "run",
        r: 2.5,
        title: (d: (typeof data)[number]) =>
          `${d.run}\nepoch ${d.epoch}: ${d.value.toPrecision(4)}`,
      }),
    ],
  };
}

/**
 * Per-class accuracy of several runs: one row per class (worst on average first), one
 * coloured dot per run.
 *
 * @param values One value per run and class (`key` = the class name), in [0, 1].
 * @returns Plot options.
 *
 * @example
 * ```ts
 * import { comparePerClassFigure } from "./figures.ts";
 * const fig = comparePerClassFigure([{ run: "a", key: "x", value: 1 }, { run: "a", key: "y", value: 0 }]);
 * if ((fig.y as { domain: string[] }).domain[0] !== "y") throw new Error("worst first");
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
  return {
    width: 640,
    height: 70 + 14 * order.length,
    marginLeft: labelMargin(order),
    x: { label: "test accuracy (%)", domain: [0, 100], grid: true, axis: "top" },
    y: { label: null, domain: order, grid: true },
    color: { domain: runs, range: CATEGORY_COLORS.slice(0, runs.length), legend: true },
    marks: [
      Plot.dot(data, {
        y: "key",
        x: "percent",
        stroke: "run",
        r: 3.5,
        strokeWidth: 1.5,
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
    color: { scheme: "viridis", reverse: true },
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
