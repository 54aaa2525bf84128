/**
 * A deck figure as one standalone SVG document: what `figures/<name>.svg` holds and what
 * Chromium rasterises to `<name>.png`.
 *
 * Observable Plot returns either an `<svg>` or, when the figure has a title, subtitle,
 * caption or legend, an HTML `<figure>` around it whose legends are HTML (swatches) or need
 * a `<canvas>` (ramps). A file must be SVG alone, and look like the figure, legend included,
 * in any viewer (not only in browsers, as `<foreignObject>` would): so the figure is laid out
 * again in SVG. Headings and captions become `<text>` lines wrapped to the plot's width,
 * swatches become small nested `<svg>`s with labels, a ramp's canvas becomes a gradient.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { plotDocument, RAMP_MARKER } from "./plot_document.ts";
import type { DeckFigure } from "./deck.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";
/** White space around the figure, so that axis labels at the edge are not cut. */
const PAD = 8;

/** A DOM node as linkedom gives it (typed loosely: linkedom's own types are partial). */
interface Node_ {
  nodeType: number;
  localName?: string;
  textContent: string | null;
  attributes?: ArrayLike<{ name: string; value: string }>;
  childNodes: ArrayLike<Node_>;
  getAttribute?(name: string): string | null;
}

/**
 * Renders a figure given as Plot options or as SVG markup to a standalone SVG document:
 * `xmlns`, explicit `width`, `height` and `viewBox`, a white background, the alt text as
 * `<title>`, and, for Plot figures, the title, subtitle, legends and caption drawn in SVG.
 *
 * Plot is called here rather than through `renderFigure` (lib/report/render.ts), with the
 * same defaults (11 px text), because a ramp legend needs a stand-in canvas in the document.
 *
 * @param figure A figure with `plot` or `svg` (a `png` figure has no SVG).
 * @returns The SVG document text (no XML declaration; UTF-8).
 * @throws {TypeError} When the figure has neither `plot` nor `svg`.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { figureSvg } from "./figure_svg.ts";
 * const svg = figureSvg({
 *   name: "dots",
 *   alt: "Three dots",
 *   plot: { color: { legend: true }, marks: [Plot.dot([1, 2, 3], { x: (d) => d, fill: (d) => `c${d}` })] },
 * });
 * if (!svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')) throw new Error("not standalone");
 * ```
 */
export function figureSvg(figure: DeckFigure): string {
  if (figure.plot !== undefined) return plotSvg(figure);
  if (figure.svg !== undefined) return completeSvg(figure);
  throw new TypeError(`Cannot draw figure "${figure.name}" as SVG: it has no plot or svg`);
}

/** Plot options -> Plot.plot through linkedom -> one SVG document. */
function plotSvg(figure: DeckFigure): string {
  const { document, ramps } = plotDocument();
  const size: { width?: number; height?: number } = {};
  if (figure.width !== undefined) size.width = figure.width;
  if (figure.height !== undefined) size.height = figure.height;
  const root = Plot.plot({
    style: { fontSize: "11px", overflow: "visible" },
    ...figure.plot,
    ...size,
    document: document as unknown as Document,
  }) as unknown as Node_;

  const children = root.localName === "svg" ? [root] : Array.from(root.childNodes);
  const svgs = children.filter((c) => c.localName === "svg");
  const main = svgs.find((s) => !/-ramp\b/.test(s.getAttribute?.("class") ?? "")) ?? svgs[0];
  if (!main) throw new TypeError(`Cannot draw figure "${figure.name}": Plot made no <svg>`);
  const width = Math.max(...svgs.map((s) => Number(s.getAttribute?.("width")) || 0));

  const parts: string[] = [];
  const defs: string[] = [];
  let y = 0;
  const textBlock = (text: string, fontSize: number, attrs: string, lineHeight: number) => {
    for (const line of wrapText(text.trim(), fontSize, width, attrs.includes("bold"))) {
      parts.push(
        `<text x="0" y="${r(y + fontSize)}" font-size="${fontSize}"${attrs}>${
          escapeXml(line)
        }</text>`,
      );
      y += lineHeight;
    }
  };
  for (const child of children) {
    const tag = child.localName;
    if (child.nodeType !== 1 || tag === "style") continue;
    if (tag === "h2") {
      textBlock(child.textContent ?? "", 15, ` font-weight="bold"`, 20);
      y += 3;
    } else if (tag === "h3") {
      textBlock(child.textContent ?? "", 12, ` fill="#555"`, 16);
      y += 3;
    } else if (tag === "figcaption") {
      y += 4;
      textBlock(child.textContent ?? "", 11, ` fill="#444"`, 15);
    } else if (tag === "svg" && child !== main) {
      parts.push(rampGroup(child, y, ramps, figure.name, defs));
      y += Number(child.getAttribute?.("height")) || 0;
      y += 4;
    } else if (tag === "svg") {
      parts.push(asGroup(child, y));
      y += Number(child.getAttribute?.("height")) || 0;
    } else if (/-swatches\b/.test(child.getAttribute?.("class") ?? "")) {
      y = swatches(child, y, width, parts);
    } else if ((child.textContent ?? "").trim()) {
      // Anything else Plot may add one day: keep its text rather than drop it.
      textBlock(child.textContent ?? "", 11, "", 15);
    }
  }
  return svgDocument(width, y, figure.alt, parts.join("\n"), defs);
}

/** The outer document: padding, white background, alt text. */
function svgDocument(
  width: number,
  height: number,
  alt: string,
  body: string,
  defs: string[],
): string {
  const w = r(width + 2 * PAD);
  const h = r(height + 2 * PAD);
  return [
    `<svg xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}" width="${w}" height="${h}" ` +
    `viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeXml(alt)}" ` +
    `font-family="system-ui, sans-serif" fill="currentColor" style="color: black">`,
    `<title>${escapeXml(alt)}</title>`,
    ...(defs.length ? [`<defs>${defs.join("")}</defs>`] : []),
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<g transform="translate(${PAD},${PAD})">`,
    body,
    "</g>",
    "</svg>",
    "",
  ].join("\n");
}

/**
 * A Plot `<svg>` as a translated `<g>` with the same attributes and children. A nested
 * `<svg>` would do, but Plot's stylesheet gives it `height: auto`, which for an inner SVG
 * means 100% of the outer one.
 */
function asGroup(svg: Node_, y: number, inner?: string): string {
  const keep = [
    "class",
    "fill",
    "font-family",
    "font-size",
    "font-variant",
    "text-anchor",
    "style",
  ];
  const attrs = Array.from(svg.attributes ?? [])
    .filter((a) => keep.includes(a.name))
    .map((a) => ` ${a.name}="${escapeXml(a.value)}"`)
    .join("");
  const body = inner ?? Array.from(svg.childNodes).map(toXml).join("");
  return `<g transform="translate(0,${r(y)})"${attrs}>${body}</g>`;
}

/** A ramp legend: its canvas image replaced by a gradient of the recorded colours. */
function rampGroup(svg: Node_, y: number, ramps: string[][], name: string, defs: string[]) {
  const body = Array.from(svg.childNodes).map((child) => {
    const href = child.getAttribute?.("href") ?? child.getAttribute?.("xlink:href") ?? "";
    if (child.localName !== "image" || !href.startsWith(RAMP_MARKER)) return toXml(child);
    const index = Number(href.slice(RAMP_MARKER.length));
    const colors = ramps[index] ?? [];
    const id = `${name}-ramp-${index}`;
    const last = colors.length - 1;
    const stops = colors
      .map((color, i) => ({ color, i }))
      .filter(({ i }) => i % 8 === 0 || i === last)
      .map(({ color, i }) =>
        `<stop offset="${r(last > 0 ? i / last : 0, 4)}" stop-color="${escapeXml(color)}"/>`
      )
      .join("");
    defs.push(`<linearGradient id="${id}" x1="0" x2="1" y1="0" y2="0">${stops}</linearGradient>`);
    const attrs = ["x", "y", "width", "height", "opacity"]
      .map((a) => [a, child.getAttribute?.(a)])
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([a, v]) => ` ${a}="${escapeXml(String(v))}"`)
      .join("");
    return `<rect${attrs} fill="url(#${id})"/>`;
  });
  return asGroup(svg, y, body.join(""));
}

/**
 * A swatches legend (`<div>` of `<span>`s, each a small `<svg>` and a label) laid out as
 * Plot's CSS does: a wrapping row, 10 px text, at least 33 px high, 5 px below.
 */
function swatches(div: Node_, y: number, width: number, parts: string[]): number {
  const items = Array.from(div.childNodes).filter((c) =>
    c.nodeType === 1 && /-swatch\b/.test(c.getAttribute?.("class") ?? "")
  );
  const rows: { svg: Node_ | undefined; label: string; x: number; w: number; h: number }[][] = [
    [],
  ];
  let x = 0;
  for (const item of items) {
    const svg = Array.from(item.childNodes).find((c) => c.localName === "svg");
    const w = Number(svg?.getAttribute?.("width")) || 15;
    const h = Number(svg?.getAttribute?.("height")) || 15;
    const label = (item.textContent ?? "").trim();
    const itemWidth = w + 5 + textWidth(label, 10, false);
    if (x > 0 && x + itemWidth > width) {
      rows.push([]);
      x = 0;
    }
    rows[rows.length - 1].push({ svg, label, x, w, h });
    x += itemWidth + 10;
  }
  const rowHeights = rows.map((row) => Math.max(14, ...row.map((i) => i.h)) + 2);
  const total = rowHeights.reduce((a, b) => a + b, 0);
  let top = y + Math.max(0, (33 - total) / 2);
  for (const [i, row] of rows.entries()) {
    const mid = top + rowHeights[i] / 2;
    for (const item of row) {
      if (item.svg) {
        const attrs = Array.from(item.svg.attributes ?? [])
          .filter((a) => !["x", "y", "width", "height", "style", "class"].includes(a.name))
          .map((a) => ` ${a.name}="${escapeXml(a.value)}"`)
          .join("");
        const inner = Array.from(item.svg.childNodes).map(toXml).join("");
        parts.push(
          `<svg x="${r(item.x)}" y="${r(mid - item.h / 2)}" width="${item.w}" ` +
            `height="${item.h}" overflow="visible"${attrs}>${inner}</svg>`,
        );
      }
      parts.push(
        `<text x="${r(item.x + item.w + 5)}" y="${r(mid + 3.5)}" font-size="10">` +
          `${escapeXml(item.label)}</text>`,
      );
    }
    top += rowHeights[i];
  }
  return y + Math.max(33, total) + 5;
}

/** An SVG given as text: `xmlns` added, a size where it has none. */
function completeSvg(figure: DeckFigure): string {
  const source = String(figure.svg).replace(/^\uFEFF/, "").replace(/<\?xml[^>]*\?>\s*/, "");
  const open = /<svg\b[^>]*>/.exec(source);
  if (!open) throw new TypeError(`Cannot draw figure "${figure.name}": svg holds no <svg>`);
  let tag = open[0];
  const has = (attr: string) => new RegExp(`\\s${attr}\\s*=`).test(tag);
  const add = (text: string) => (tag = tag.replace(/^<svg\b/, `<svg ${text}`));
  const viewBox = /\sviewBox\s*=\s*["']([^"']*)["']/.exec(tag)?.[1].trim().split(/[\s,]+/);
  if (!has("height")) {
    const h = figure.height ?? Number(viewBox?.[3]);
    if (h > 0) add(`height="${h}"`);
  }
  if (!has("width")) {
    const w = figure.width ?? Number(viewBox?.[2]);
    if (w > 0) add(`width="${w}"`);
  }
  if (!has("xmlns:xlink") && /\sxlink:/.test(source)) add(`xmlns:xlink="${XLINK_NS}"`);
  if (!has("xmlns")) add(`xmlns="${SVG_NS}"`);
  return source.slice(0, open.index) + tag + source.slice(open.index + open[0].length);
}

/** A linkedom node as XML: every attribute and text escaped, empty elements self-closed. */
function toXml(node: Node_): string {
  if (node.nodeType === 3) return escapeXml(node.textContent ?? "");
  if (node.nodeType !== 1 || !node.localName) return "";
  const tag = node.localName;
  const attrs = Array.from(node.attributes ?? [])
    .map((a) => ` ${a.name}="${escapeXml(a.value)}"`)
    .join("");
  const body = Array.from(node.childNodes).map(toXml).join("");
  return body ? `<${tag}${attrs}>${body}</${tag}>` : `<${tag}${attrs}/>`;
}

/** Escapes text for XML content and double-quoted attributes. */
function escapeXml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  )
    // Characters XML 1.0 forbids (control characters) would make the file unreadable.
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "");
}

/** Rounds a coordinate for compact output. */
function r(v: number, digits = 2): number {
  return Number(v.toFixed(digits));
}

/**
 * Estimated width of a line of system-ui text: per-character widths of a typical sans-serif
 * (in em), rounded up so that estimated lines wrap before real ones overflow.
 */
function textWidth(text: string, fontSize: number, bold: boolean): number {
  let em = 0;
  for (const c of text) {
    if (/[ijlI.,:;'|!()[\]\s]/.test(c)) em += 0.3;
    else if (/[mwMW@%]/.test(c)) em += 0.9;
    else if (/[A-Z]/.test(c)) em += 0.68;
    else if (/[0-9]/.test(c)) em += 0.56;
    else em += 0.55;
  }
  return em * fontSize * (bold ? 1.08 : 1);
}

/** Splits text into lines no wider than `width` (by {@linkcode textWidth}), at spaces. */
function wrapText(text: string, fontSize: number, width: number, bold: boolean): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\n/)) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (line && textWidth(next, fontSize, bold) > width) {
        lines.push(line);
        line = word;
      } else {
        line = next;
      }
    }
    if (line) lines.push(line);
  }
  return lines;
}
