/**
 * A linkedom document for server-side Observable Plot whose `<canvas>` is a stand-in: Plot
 * draws a ramp legend (a continuous colour scale) on a 256 x 1 canvas and embeds it as an
 * `<image>`, and linkedom has no canvas. The stand-in records the colours Plot paints; the
 * `<image>` then carries `rampMarker + index`, so that a renderer can replace it with an SVG
 * gradient of `ramps[index]` (the report's `renderFigure` and the deck's `figureSvg` do).
 *
 * @module
 */
import { parseHTML } from "linkedom";

/** The prefix of a ramp `<image>`'s href; the ramp's index follows it. */
export const RAMP_MARKER = "metriclab-ramp:";

/** What {@linkcode plotDocument} returns. */
export interface PlotDocument {
  /** The document to pass to `Plot.plot({ document })`. */
  document: Document;
  /** The colours of each ramp drawn, indexed as in the `<image>` hrefs, left to right. */
  ramps: string[][];
}

/**
 * A fresh document for one `Plot.plot` call, with a canvas that records ramp colours.
 *
 * @returns The document and the ramps it will record.
 *
 * @example
 * ```ts
 * import { plotDocument, RAMP_MARKER } from "./plot_document.ts";
 * const { document, ramps } = plotDocument();
 * const canvas = document.createElement("canvas") as HTMLCanvasElement;
 * const context = canvas.getContext("2d")!;
 * context.fillStyle = "red";
 * context.fillRect(0, 0, 1, 1);
 * if (ramps[0][0] !== "red" || canvas.toDataURL() !== `${RAMP_MARKER}0`) throw new Error();
 * ```
 */
export function plotDocument(): PlotDocument {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  const ramps: string[][] = [];
  const createElement = document.createElement.bind(document);
  // Plot only sets fillStyle, calls fillRect(x, 0, 1, 1) per colour and toDataURL().
  Object.defineProperty(document, "createElement", {
    value: (name: string, options?: ElementCreationOptions) => {
      if (String(name).toLowerCase() !== "canvas") return createElement(name, options);
      const colors: string[] = [];
      const id = ramps.push(colors) - 1;
      let fillStyle = "";
      return {
        width: 0,
        height: 0,
        getContext: () => ({
          get fillStyle() {
            return fillStyle;
          },
          set fillStyle(v: string) {
            fillStyle = String(v);
          },
          fillRect: (x: number) => void (colors[x] = fillStyle),
        }),
        toDataURL: () => `${RAMP_MARKER}${id}`,
      };
    },
  });
  return { document: document as unknown as Document, ramps };
}
