/**
 * What a slide deck is made of, and the one check of it that every writer relies on.
 *
 * @module
 */
import type * as Plot from "@observablehq/plot";

/** Observable Plot's options for a figure (`Plot.plot(options)`), as `lib/report/figures.ts` builds them. */
export type DeckPlotOptions = Plot.PlotOptions;

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A figure name: the file stem under `figures/`. */
const FIGURE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** A Marp class directive value: class names separated by spaces. */
const CLASS_NAME = /^[A-Za-z_][A-Za-z0-9_-]*( [A-Za-z_][A-Za-z0-9_-]*)*$/;

/**
 * A figure of the deck: Plot options (as `lib/report/figures.ts` builds them), a ready SVG
 * document, or PNG bytes (e.g. a sample image). Exactly one of `plot`, `svg` and `png`.
 */
export interface DeckFigure {
  /** The file stem: `figures/<name>.svg` and `.png`; lowercase letters, digits and `-`. */
  name: string;
  /** What the figure shows, for readers who cannot see it (the SVG's `<title>`). */
  alt: string;
  /** Plot options, drawn server-side; written as `<name>.svg` and rasterised to `<name>.png`. */
  plot?: DeckPlotOptions;
  /** A ready SVG document; written as `<name>.svg` (with `xmlns` added) and `<name>.png`. */
  svg?: string;
  /** PNG bytes; written as `<name>.png` only, so slides refer to `figures/<name>.png`. */
  png?: Uint8Array;
  /**
   * Width in CSS pixels: Plot's `width` for `plot`, the document width for an `svg` that
   * declares none; unused for `png` (its size is in the bytes).
   */
  width?: number;
  /** Height in CSS pixels, as {@linkcode DeckFigure.width}. */
  height?: number;
}

/** One slide. */
export interface DeckSlide {
  /** The body, in Marp markdown; figures are `![alt](figures/<name>.svg)` or `.png`. */
  markdown: string;
  /** Speaker notes (plain text), written as an HTML comment: Marp's presenter notes. */
  notes?: string;
  /** Marp class directive, e.g. `"lead"` for a title slide. */
  className?: string;
}

/** A deck: title, slides in order, the figures they show, and an optional footer. */
export interface Deck {
  /** The deck title (front matter and the HTML page title). */
  title: string;
  /** The slides, in order; at least one. */
  slides: DeckSlide[];
  /** The figures the slides refer to. */
  figures: DeckFigure[];
  /** A footer shown on every slide (inline markdown, one line). */
  footer?: string;
}

/** A figure reference found in a slide's markdown. */
export interface FigureReference {
  /** Index of the slide, from 0. */
  slide: number;
  /** The path as written, e.g. `figures/loss.svg`. */
  path: string;
  /** The figure name, e.g. `loss` (empty when the path does not have that form). */
  name: string;
  /** The extension, `svg` or `png` (empty when the path does not have that form). */
  ext: string;
}

/**
 * The references to `figures/...` in a slide's markdown: image and link targets
 * (`![alt](figures/x.svg)`, `[x](figures/x.png "title")`) and `src="figures/..."` attributes.
 *
 * @param markdown A slide body.
 * @param slide The slide index, copied into each reference.
 * @returns The references, in order of appearance.
 *
 * @example
 * ```ts
 * import { figureReferences } from "./deck.ts";
 * const refs = figureReferences("![Loss](figures/loss.svg)", 0);
 * if (refs[0].name !== "loss" || refs[0].ext !== "svg") throw new Error("not found");
 * ```
 */
export function figureReferences(markdown: string, slide: number): FigureReference[] {
  const found: FigureReference[] = [];
  const patterns = [
    /\]\(\s*<?(\.\/)?(figures\/[^\s)>]*)/g,
    /\bsrc\s*=\s*["']?(\.\/)?(figures\/[^\s"'>]*)/g,
  ];
  for (const pattern of patterns) {
    for (const match of markdown.matchAll(pattern)) {
      const path = match[2];
      const parsed = /^figures\/([^/]+)\.(svg|png)$/.exec(path);
      found.push({ slide, path, name: parsed?.[1] ?? "", ext: parsed?.[2] ?? "" });
    }
  }
  return found;
}

/**
 * The file type a figure is referred to by in slides: `svg` unless it is given as PNG
 * (figures drawn as SVG also get a PNG, but the slides show the SVG).
 *
 * @param figure A figure.
 * @returns `"png"` for a `png` figure, else `"svg"`.
 *
 * @example
 * ```ts
 * import { figureExtension } from "./deck.ts";
 * if (figureExtension({ name: "a", alt: "A", svg: "<svg/>" }) !== "svg") throw new Error("not svg");
 * ```
 */
export function figureExtension(figure: DeckFigure): "svg" | "png" {
  return figure.png !== undefined ? "png" : "svg";
}

/**
 * Checks a deck before anything is written: figure names (pattern, duplicates), exactly one
 * source per figure, PNG bytes, slides that refer to figures that do not exist or by the
 * wrong extension, class names that could escape their directive.
 *
 * @param deck The deck.
 * @returns Nothing.
 * @throws {TypeError} Naming the slide or figure and what is wrong with it.
 *
 * @example
 * ```ts
 * import { validateDeck } from "./deck.ts";
 * let message = "";
 * try {
 *   validateDeck({ title: "T", slides: [{ markdown: "![x](figures/x.svg)" }], figures: [] });
 * } catch (e) {
 *   message = (e as Error).message;
 * }
 * if (!message.includes("figures/x.svg")) throw new Error("no error");
 * ```
 */
export function validateDeck(deck: Deck): void {
  const fail = (what: string): never => {
    throw new TypeError(`Cannot write deck "${deck?.title}": ${what}`);
  };
  if (typeof deck?.title !== "string" || deck.title.trim() === "") fail("the title is empty");
  if (!Array.isArray(deck.slides) || deck.slides.length === 0) fail("it has no slides");
  if (!Array.isArray(deck.figures)) fail("figures is not an array");
  if (
    deck.footer !== undefined && (typeof deck.footer !== "string" || /[\r\n]/.test(deck.footer))
  ) {
    fail(`the footer must be one line of text, found ${JSON.stringify(deck.footer)}`);
  }

  const figures = new Map<string, DeckFigure>();
  for (const [i, figure] of deck.figures.entries()) {
    const name = figure?.name;
    if (typeof name !== "string" || !FIGURE_NAME.test(name)) {
      fail(`figure ${i} has the name ${JSON.stringify(name)}; use lowercase letters, digits and -`);
    }
    if (figures.has(name)) fail(`two figures are named "${name}"`);
    if (typeof figure.alt !== "string" || figure.alt.trim() === "") {
      fail(`figure "${name}" has no alt text`);
    }
    const sources = (["plot", "svg", "png"] as const).filter((k) => figure[k] !== undefined);
    if (sources.length !== 1) {
      fail(`figure "${name}" needs exactly one of plot, svg, png; found ${sources.length}`);
    }
    if (figure.svg !== undefined && !/<svg[\s>]/.test(String(figure.svg))) {
      fail(`figure "${name}": svg holds no <svg> element`);
    }
    if (figure.png !== undefined) {
      const ok = figure.png instanceof Uint8Array &&
        PNG_SIGNATURE.every((b, j) => figure.png![j] === b);
      if (!ok) fail(`figure "${name}": png does not start with the PNG signature`);
    }
    for (const key of ["width", "height"] as const) {
      const v = figure[key];
      if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
        fail(`figure "${name}": ${key} must be a positive number, found ${v}`);
      }
    }
    figures.set(name, figure);
  }

  for (const [i, slide] of deck.slides.entries()) {
    const where = `slide ${i + 1}`;
    if (typeof slide?.markdown !== "string") fail(`${where} has no markdown`);
    if (slide.notes !== undefined && typeof slide.notes !== "string") {
      fail(`${where}: notes must be a string`);
    }
    if (slide.className !== undefined && !CLASS_NAME.test(slide.className)) {
      fail(`${where} has the class ${JSON.stringify(slide.className)}; use CSS class names`);
    }
    for (const ref of figureReferences(slide.markdown, i)) {
      const figure = figures.get(ref.name);
      if (!figure) fail(`${where} refers to "${ref.path}", which is not a figure of the deck`);
      const ext = figureExtension(figure!);
      if (ref.ext !== ext) {
        fail(`${where} refers to "${ref.path}", but figure "${ref.name}" is written as .${ext}`);
      }
    }
  }
}
