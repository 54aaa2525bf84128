/**
 * The findings' own figures, as Plot options: paired differences with their intervals (a
 * forest plot) and accuracy against the embedding dimension.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { CATEGORY_COLORS, type FigureOptions, labelMargin } from "./figures.ts";

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
 * import { effectFigure } from "./findings_figures.ts";
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
 * import { dimensionFigure } from "./findings_figures.ts";
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
