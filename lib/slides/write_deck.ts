/**
 * Writing a deck: Marp markdown, figures as SVG and PNG, a self-contained HTML page and a
 * PDF, all in one folder.
 *
 * @module
 */
import { join } from "node:path";
import { DiskWriteError, writeFileAtomic } from "../run/run_folder.ts";
import { launchChromium, printDeck, rasterizeSvgs } from "./_chromium.ts";
import { type Deck, type DeckFigure, figureExtension, validateDeck } from "./deck.ts";
import { deckHtml, type DeckImage } from "./deck_html.ts";
import { figureSvg } from "./figure_svg.ts";
import { findChromium } from "./find_chromium.ts";
import { escapeNotes, marpMarkdown } from "./marp_markdown.ts";

/** Options of {@linkcode writeDeck}. */
export interface WriteDeckOptions {
  /** Print `slides.pdf` with headless Chromium. @default {true} */
  pdf?: boolean;
  /**
   * The Chromium executable; when given, nothing else is tried.
   * @default {findChromium(): $CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser, $PATH}
   */
  chromium?: string;
}

/** What {@linkcode writeDeck} returns. */
export interface WriteDeckResult {
  /** The files written, as `join(outDir, relative path)`, in the order written. */
  files: string[];
  /** What was not written and why, slides whose content does not fit. */
  warnings: string[];
}

const NO_CHROMIUM = "Chromium not found (apt-get install chromium)";

/**
 * Writes a deck into `outDir`:
 *
 * - `slides.md`: Marp markdown (front matter `marp: true`, slides separated by `---`, notes
 *   as HTML comments), for Marp CLI or the Marp VS Code extension;
 * - `figures/<name>.svg` (standalone SVG documents, legends drawn in SVG) and
 *   `figures/<name>.png` (rasterised by headless Chromium at 2x) for Plot and SVG figures;
 *   `figures/<name>.png` only for figures given as PNG;
 * - `slides.html`: the deck rendered by Marp into one offline page, images inlined, notes
 *   under each slide;
 * - `slides.pdf`: that page printed by headless Chromium, one 1280x720 px page per slide.
 *
 * Everything is checked before anything is written, and each file is written whole
 * (temporary name, then rename). Without Chromium, the PNGs of SVG figures and the PDF are
 * skipped with a warning (and removed where an earlier deck left them: they would not match)
 * and the rest is written. After printing, slides whose content
 * does not fit their 1280x720 box are reported as warnings.
 *
 * @param deck The deck.
 * @param outDir The folder to write into (created if needed).
 * @param options PDF or not, which Chromium.
 * @returns The files written and the warnings.
 * @throws {TypeError} For a bad deck: a figure name that is repeated or not `[a-z0-9-]`, a
 *   slide that refers to a missing figure, notes that Marp would read as a directive, a slide
 *   that Marp splits in two.
 *
 * @example
 * ```ts
 * import { writeDeck } from "./write_deck.ts";
 * const out = await Deno.makeTempDir();
 * const { files } = await writeDeck(
 *   { title: "Demo", slides: [{ markdown: "# Demo", notes: "Hello" }], figures: [] },
 *   out,
 *   { chromium: "/nonexistent" },
 * );
 * if (!files.some((f) => f.endsWith("slides.html"))) throw new Error("no html");
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function writeDeck(
  deck: Deck,
  outDir: string,
  options: WriteDeckOptions = {},
): Promise<WriteDeckResult> {
  validateDeck(deck);
  const markdown = marpMarkdown(deck);
  const svgs = new Map<string, string>();
  const images = new Map<string, DeckImage>();
  const encoder = new TextEncoder();
  for (const figure of deck.figures) {
    if (figureExtension(figure) === "png") {
      images.set(`figures/${figure.name}.png`, { type: "image/png", bytes: figure.png! });
    } else {
      const svg = figureSvg(figure);
      svgs.set(figure.name, svg);
      images.set(`figures/${figure.name}.svg`, {
        type: "image/svg+xml",
        bytes: encoder.encode(svg),
      });
    }
  }
  const page = deckHtml(markdown, images, { title: deck.title });
  checkRendering(deck, page.slides, page.notes);

  const files: string[] = [];
  const warnings: string[] = [];
  const write = async (relative: string, data: string | Uint8Array) => {
    const path = join(outDir, relative);
    await writeFileAtomic(path, data);
    files.push(path);
  };
  await write("slides.md", markdown);
  for (const figure of deck.figures) {
    if (figure.png) await write(`figures/${figure.name}.png`, figure.png);
    else await write(`figures/${figure.name}.svg`, svgs.get(figure.name)!);
  }
  const htmlPath = join(outDir, "slides.html");
  await write("slides.html", page.html);

  const drawn: DeckFigure[] = deck.figures.filter((f) => !f.png);
  const wantPdf = options.pdf ?? true;
  if (drawn.length === 0 && !wantPdf) return { files, warnings };
  const executable = findChromium(options.chromium);
  const skip = async (reason: string) => {
    const skipped = [
      ...drawn.map((f) => `figures/${f.name}.png`),
      ...(wantPdf ? ["slides.pdf"] : []),
    ];
    // A file left from an earlier deck would no longer match this one.
    for (const relative of skipped) await Deno.remove(join(outDir, relative)).catch(() => {});
    if (drawn.length) {
      warnings.push(
        `${skipped.filter((f) => f.endsWith(".png")).join(", ")} not written: ${reason}`,
      );
    }
    if (wantPdf) warnings.push(`slides.pdf not written: ${reason}`);
  };
  if (!executable) {
    await skip(NO_CHROMIUM);
    return { files, warnings };
  }
  let browser;
  try {
    browser = await launchChromium(executable);
  } catch (error) {
    const first = String((error as Error)?.message ?? error).split("\n")[0];
    await skip(`Chromium (${executable}) did not start: ${first}`);
    return { files, warnings };
  }
  try {
    const pngs = await rasterizeSvgs(browser, drawn.map((f) => svgs.get(f.name)!));
    for (const [i, figure] of drawn.entries()) await write(`figures/${figure.name}.png`, pngs[i]);
    if (wantPdf) {
      const printed = await printDeck(browser, htmlPath);
      warnings.push(...printed.warnings);
      await write("slides.pdf", printed.pdf);
    }
  } catch (error) {
    // The markdown, SVGs and HTML are written: a browser that fails (a timeout, a crash)
    // costs the PNGs and the PDF only, never what was made before.
    if (error instanceof DiskWriteError) throw error;
    const first = String((error as Error)?.message ?? error).split("\n")[0];
    await skip(`Chromium (${executable}) failed: ${first}`);
    const gone = new Set([
      ...drawn.map((f) => join(outDir, `figures/${f.name}.png`)),
      join(outDir, "slides.pdf"),
    ]);
    files.splice(0, files.length, ...files.filter((f) => !gone.has(f)));
  } finally {
    await browser.close().catch(() => {});
  }
  return { files, warnings };
}

/**
 * Checks Marp's reading of the deck against the deck: one slide per slide (a `---` line in a
 * slide's markdown would start another), and every slide's notes kept as notes (a comment
 * that parses as YAML with a directive key, such as `class: x`, is a directive to Marp).
 */
function checkRendering(deck: Deck, slides: number, notes: string[][]): void {
  const fail = (what: string): never => {
    throw new TypeError(`Cannot write deck "${deck.title}": ${what}`);
  };
  if (slides !== deck.slides.length) {
    const split = deck.slides.findIndex((slide) =>
      deckHtml(marpMarkdown({ ...deck, slides: [slide] }), new Map()).slides !== 1
    );
    fail(
      `Marp reads ${slides} slides from ${deck.slides.length}: slide ${split + 1} holds a ` +
        "line of ---, *** or ___ (a thematic break), which starts a new slide; remove it",
    );
  }
  for (const [i, slide] of deck.slides.entries()) {
    const expected = slide.notes === undefined
      ? ""
      : escapeNotes(slide.notes.replace(/\r\n?/g, "\n"));
    if (expected && !(notes[i] ?? []).includes(expected)) {
      fail(
        `slide ${i + 1}: Marp reads its notes as a directive (${
          JSON.stringify(expected.slice(0, 40))
        }); ` +
          "reword them so that no line starts with a directive name and a colon",
      );
    }
  }
}
