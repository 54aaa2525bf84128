/**
 * The projection figure: a 2-D map (PCA, UMAP, t-SNE, a d = 2 embedding, or test points
 * placed into a train map) with each class coloured within its top category, its code
 * written at its medoid, and a caption with the method, settings, points and how the map
 * was fitted; its colour key (for the page's legend) and the drawing order of its points
 * (for the explorer). Plot options out, as the other figures.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { ClassInfo } from "../types.ts";
import { CATEGORY_COLORS, type FigureOptions, MAX_COLORED_CLASSES } from "./figures.ts";
import type { Projection, RunRecord } from "./read_runs.ts";

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
 * import { projectionColors } from "./projection_figure.ts";
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
    const algorithm = [o.algorithm, o.method].find((v) =>
      v === "exact" || v === "barnes-hut" || v === "fft"
    );
    if (typeof algorithm === "string") {
      parts.push(algorithm === "fft" ? "FFT-accelerated" : algorithm);
    }
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
 * import { projectionPointOrder } from "./projection_figure.ts";
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
 * import { projectionFigure } from "./projection_figure.ts";
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

/** One projection figure of a run page, as {@linkcode projectionPanels} lists them. */
export interface ProjectionPanel {
  /** The figure id (`fig-umap-train`, `fig-umap-test-in-train`, `fig-embedding-test`). */
  id: string;
  /** The heading of its group of figures. */
  group: string;
  /** The figure title. */
  title: string;
  /** Which split its points are. */
  split: "train" | "test";
  /** The projection drawn. */
  projection: Projection;
  /** The training map drawn in grey under it, if any. */
  background?: Projection;
}

/**
 * The projection figures of a run page, in page order: the d = 2 embedding itself, then per
 * method (UMAP, t-SNE, PCA) train, test, and test placed into the train map.
 *
 * @param run The run.
 * @returns The panels (empty without projections).
 *
 * @example
 * ```ts
 * import { projectionPanels } from "./projection_figure.ts";
 * import { readRun } from "./read_runs.ts";
 * const { run } = await readRun(new URL("../../tests/fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url).pathname);
 * if (projectionPanels(run)[0].id !== "fig-umap-train") throw new Error();
 * ```
 */
export function projectionPanels(run: RunRecord): ProjectionPanel[] {
  const p = run.projections;
  if (!p) return [];
  const panels: ProjectionPanel[] = [];
  if (p.embedding) {
    for (const side of ["train", "test"] as const) {
      panels.push({
        id: `fig-embedding-${side}`,
        group: "The embedding itself (d = 2)",
        title: `Embedding of ${side}`,
        split: side,
        projection: p.embedding[side] as unknown as Projection,
      });
    }
  }
  const NAMES = { umap: "UMAP", tsne: "t-SNE", pca: "PCA" } as const;
  for (const m of ["umap", "tsne", "pca"] as const) {
    const train = p.train[m], test = p.test[m], placed = p.testInTrain?.[m];
    if (!train && !test) continue;
    const group = `${NAMES[m]}: train, test, and test placed into the train map`;
    if (train) {
      panels.push({
        id: `fig-${m}-train`,
        group,
        title: `${NAMES[m]} of train`,
        split: "train",
        projection: train,
      });
    }
    if (test) {
      panels.push({
        id: `fig-${m}-test`,
        group,
        title: `${NAMES[m]} of test, fitted separately`,
        split: "test",
        projection: test,
      });
    }
    if (placed) {
      panels.push({
        id: `fig-${m}-test-in-train`,
        group,
        title: `${NAMES[m]} of test, in the train map`,
        split: "test",
        projection: placed,
        background: train,
      });
    }
  }
  return panels;
}
