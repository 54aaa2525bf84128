/**
 * The report's figures as Observable Plot options: pure functions from data to an options
 * object; {@linkcode renderFigure} in `render.ts` is the only place that draws them.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { EpochRecord } from "./read_runs.ts";

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

/**
 * A left margin that fits the longest label (about 6.5 px a character at 11 px), between
 * `min` and 220 px.
 *
 * @param labels The labels.
 * @param min The smallest margin. @default {40}
 * @returns The margin in pixels.
 *
 * @example
 * ```ts
 * import { labelMargin } from "./figures.ts";
 * if (labelMargin(["ab"]) !== 40 || labelMargin(["a".repeat(100)]) !== 220) throw new Error();
 * ```
 */
export function labelMargin(labels: readonly string[], min = 40): number {
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
