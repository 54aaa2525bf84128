/**
 * Drawing a figure: the only place that calls `Plot.plot`, server-side through linkedom,
 * so that pages carry their charts as inline SVG and need no script to show them.
 *
 * Plot draws a ramp legend (a continuous colour scale) on a 256 x 1 `<canvas>` and embeds it
 * as an `<image>`; linkedom has no canvas. As the deck's SVG writer does, {@linkcode
 * renderFigure} draws in a `plotDocument()` (lib/slides/plot_document.ts), whose stand-in
 * canvas records the colours, then replaces the `<image>` with a rectangle filled by a
 * gradient of them, so that the page shows a titled colour scale with no raster image; the ramp then
 * moves into the chart's `<svg>`, above the plot, so that each chart stays one SVG.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { plotDocument, RAMP_MARKER } from "../slides/plot_document.ts";
import type { FigureOptions } from "./figures.ts";

const SVG_NS = "http://www.w3.org/2000/svg";

/** A linkedom element, typed loosely (its own types are partial). */
interface Element_ {
  localName: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  querySelectorAll(selector: string): ArrayLike<Element_>;
  replaceWith(node: Element_): void;
  prepend(node: Element_): void;
  appendChild(node: Element_): void;
  outerHTML: string;
}

/**
 * Moves each ramp legend into the plot's own `<svg>`, above it (a `<g>` in a viewBox grown
 * upwards), so that one figure is one SVG: the scale travels with the chart when the SVG is
 * saved, and pages count one `<svg>` per chart.
 */
function mergeRamps(
  figure: Element_,
  document: { createElementNS: Document["createElementNS"] },
): void {
  if (figure.localName !== "figure") return;
  const children = Array.from((figure as unknown as { children: ArrayLike<Element_> }).children);
  const svgs = children.filter((c) => c.localName === "svg");
  const main = svgs.find((c) => !/-ramp\b/.test(c.getAttribute("class") ?? ""));
  if (!main) return;
  for (const ramp of svgs.filter((c) => c !== main)) {
    const [x0, y0, w0, h0] = (main.getAttribute("viewBox") ?? "").split(/[\s,]+/).map(Number);
    const rampHeight = Number(ramp.getAttribute("height")) || 0;
    const rampWidth = Number(ramp.getAttribute("width")) || 0;
    if (![x0, y0, w0, h0].every(Number.isFinite) || !rampHeight) continue;
    const g = document.createElementNS(SVG_NS, "g") as unknown as Element_;
    g.setAttribute("transform", `translate(${x0},${y0 - rampHeight - 6})`);
    for (const a of ["class", "font-size", "font-family", "font-variant"]) {
      const v = ramp.getAttribute(a);
      if (v !== null) g.setAttribute(a, v);
    }
    g.setAttribute("text-anchor", "start");
    for (
      const child of Array.from((ramp as unknown as { childNodes: ArrayLike<Element_> }).childNodes)
    ) {
      g.appendChild(child);
    }
    const width = Math.max(w0, rampWidth), height = h0 + rampHeight + 6;
    main.setAttribute("viewBox", `${x0} ${y0 - rampHeight - 6} ${width} ${height}`);
    main.setAttribute("width", String(width));
    main.setAttribute("height", String(height));
    main.prepend(g);
    (ramp as unknown as { remove(): void }).remove();
  }
}

/** A short stable hash (FNV-1a, base 36): the same colours give the same gradient id. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/**
 * Renders Plot options to an HTML string: an `<svg>`, or a `<figure>` holding the legend,
 * title or caption and the `<svg>`. Ramp legends are drawn with an SVG gradient.
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
  const { document, ramps } = plotDocument();
  const element = Plot.plot({
    style: { fontSize: "11px", overflow: "visible" },
    ...options,
    document: document as unknown as Document,
  }) as unknown as Element_;
  if (ramps.length) {
    for (const image of Array.from(element.querySelectorAll("image"))) {
      const href = image.getAttribute("href") ?? image.getAttribute("xlink:href") ?? "";
      if (!href.startsWith(RAMP_MARKER)) continue;
      const colors = ramps[Number(href.slice(RAMP_MARKER.length))] ?? [];
      const last = colors.length - 1;
      const stops = colors
        .map((color, i) => ({ color, offset: (last > 0 ? i / last : 0).toFixed(4) }))
        .filter((_, i) => i % 8 === 0 || i === last);
      const id = `ramp-${hash(stops.map((s) => s.offset + s.color).join())}`;
      const make = (tag: string, attrs: Record<string, string>) => {
        const node = document.createElementNS(SVG_NS, tag) as unknown as Element_;
        for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
        return node;
      };
      const defs = make("defs", {});
      const gradient = make("linearGradient", { id, x1: "0", x2: "1", y1: "0", y2: "0" });
      for (const s of stops) {
        gradient.appendChild(make("stop", { offset: s.offset, "stop-color": s.color }));
      }
      defs.appendChild(gradient);
      const rect = make("rect", { fill: `url(#${id})` });
      for (const a of ["x", "y", "width", "height"]) {
        const v = image.getAttribute(a);
        if (v !== null) rect.setAttribute(a, v);
      }
      image.replaceWith(rect);
      // The gradient sits in the ramp's own <svg>, before the rectangle that uses it.
      let parent = rect as unknown as { parentNode: Element_ | null; localName: string };
      while (parent.parentNode && parent.localName !== "svg") {
        parent = parent.parentNode as unknown as typeof parent;
      }
      (parent as unknown as Element_).prepend(defs);
    }
    mergeRamps(element, document as unknown as { createElementNS: Document["createElementNS"] });
  }
  return element.outerHTML;
}
