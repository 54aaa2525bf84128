/**
 * A deck as Marp markdown: the `slides.md` that Marp CLI, the Marp VS Code extension and
 * {@linkcode deckHtml} read.
 *
 * @module
 */
import type { Deck } from "./deck.ts";

/**
 * The deck-wide style: content that fits a 1280x720 slide. Figures shrink to the space
 * left under a heading, tables use a smaller font and tighter cells.
 */
export const DECK_STYLE: string = [
  "section { font-size: 28px; padding: 56px 64px; }",
  "section h1 { font-size: 1.7em; }",
  "section h2 { font-size: 1.25em; margin-top: 0; }",
  "section p:has(> img) { text-align: center; margin: 0.3em 0; }",
  "section img { max-width: 100%; max-height: 470px; object-fit: contain; }",
  "section h2 ~ p:has(> img) img { max-height: 440px; }",
  "section table { font-size: 0.7em; margin: 0 auto; }",
  "section.dense table { font-size: 0.55em; }",
  "section.dense h2 { font-size: 1em; }",
  "section.small { font-size: 23px; }",
  "section th, section td { padding: 0.25em 0.7em; }",
  "section.lead { text-align: center; justify-content: center; }",
  "section.lead h1 { border-bottom: 0; }",
  "section footer { font-size: 16px; }",
].join("\n");

/**
 * Makes speaker notes safe inside an HTML comment: no `-->` (or `--!>`) can close it early.
 *
 * @param notes Notes as given.
 * @returns The notes with each closing sequence broken by a space (`-- >`), trimmed.
 *
 * @example
 * ```ts
 * import { escapeNotes } from "./marp_markdown.ts";
 * if (escapeNotes("a --> b ---> c").includes("-->")) throw new Error("not escaped");
 * ```
 */
export function escapeNotes(notes: string): string {
  let out = notes.trim();
  // A loop, not one pass: breaking "--->" once leaves "-- ->", which must be checked again.
  while (/--!?>/.test(out)) out = out.replace(/--(!?)>/g, "--$1 >");
  return out;
}

/**
 * Writes a deck as Marp markdown: front matter (`marp: true`, default theme, page numbers,
 * 16:9, title, footer, {@linkcode DECK_STYLE}), slides separated by `---`, a
 * `<!-- _class: ... -->` directive for a slide's class and its notes as a trailing HTML
 * comment, which Marp shows as presenter notes.
 *
 * @param deck A deck (checked with `validateDeck` beforehand).
 * @returns The markdown text.
 *
 * @example
 * ```ts
 * import { marpMarkdown } from "./marp_markdown.ts";
 * const md = marpMarkdown({
 *   title: "Demo",
 *   slides: [{ markdown: "# Demo", className: "lead" }, { markdown: "## Two", notes: "Say hi" }],
 *   figures: [],
 * });
 * if (!md.startsWith("---\nmarp: true\n") || !md.includes("<!--\nSay hi\n-->")) {
 *   throw new Error("unexpected markdown");
 * }
 * ```
 */
export function marpMarkdown(deck: Deck): string {
  const front = [
    "---",
    "marp: true",
    "theme: default",
    "paginate: true",
    "size: 16:9",
    // JSON strings are YAML double-quoted strings: quotes, colons and # stay text.
    `title: ${JSON.stringify(deck.title)}`,
    ...(deck.footer ? [`footer: ${JSON.stringify(deck.footer)}`] : []),
    "style: |",
    ...DECK_STYLE.split("\n").map((line) => `  ${line}`),
    "---",
  ].join("\n");
  const slides = deck.slides.map((slide) => {
    const parts: string[] = [];
    if (slide.className) parts.push(`<!-- _class: ${slide.className} -->`);
    parts.push(slide.markdown.replace(/\r\n?/g, "\n").trim());
    const notes = slide.notes === undefined ? "" : escapeNotes(slide.notes.replace(/\r\n?/g, "\n"));
    if (notes) parts.push(`<!--\n${notes}\n-->`);
    return parts.join("\n\n");
  });
  return `${front}\n\n${slides.join("\n\n---\n\n")}\n`;
}
