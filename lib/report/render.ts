/**
 * Drawing a figure: the only place that calls `Plot.plot`, server-side through linkedom,
 * so that pages carry their charts as inline SVG and need no script to show them.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { FigureOptions } from "./figures.ts";

/**
 * Renders Plot options to an HTML string: an `<svg>`, or a `<figure>` holding the legend,
 * title or caption and the `<svg>`.
 *
 * @param options Plot options, as the builders of `figures.ts` return them.
 * @returns The markup.
 *
 * @example
 * ```ts
 * import { renderFigure } from "./render.ts";
 * import { lossCurveFigure } from "./figures.ts";
 * const svg = renderFigure(lossCurveFigure([{ epoch: 1, loss: 1 }, { epoch: 2, loss: 0.5 }]));
 * if (!svg.includes("<svg")) throw new Error("no svg");
 * ```
 */
export function renderFigure(options: FigureOptions): string {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  const element = Plot.plot({
    style: { fontSize: "11px", overflow: "visible" },
    ...options,
    document: document as unknown as Document,
  });
  return (element as unknown as { outerHTML: string }).outerHTML;
}
