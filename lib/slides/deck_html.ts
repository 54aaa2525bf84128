/**
 * A Marp deck as one self-contained HTML page, rendered by Marp's own engine
 * (`@marp-team/marp-core`): figures inlined as `data:` URIs, no network, works from file://.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Marp } from "@marp-team/marp-core";

/** An image a slide refers to, by its path in the markdown (`figures/<name>.<ext>`). */
export interface DeckImage {
  /** MIME type: `image/svg+xml` or `image/png`. */
  type: string;
  /** The file's bytes. */
  bytes: Uint8Array;
}

/** Options of {@linkcode deckHtml}. */
export interface DeckHtmlOptions {
  /** The page title. @default {"Slides"} */
  title?: string;
}

/** What {@linkcode deckHtml} returns. */
export interface DeckHtmlResult {
  /** The page. */
  html: string;
  /** Number of slides Marp made. */
  slides: number;
  /** Each slide's presenter notes, as Marp collected them (comments that are not directives). */
  notes: string[][];
}

/** Page layout around Marp's slides: on screen one below the other, in print one a page. */
const PAGE_STYLE = `
html { background: #e8e8e8; }
body { margin: 0; font-family: system-ui, sans-serif; color: #222; }
.deck-header { max-width: 1280px; margin: 0 auto; padding: 14px 16px 0; }
.deck-header h1 { font-size: 20px; margin: 0; }
.deck-header p { margin: 4px 0 0; color: #555; font-size: 14px; }
main { max-width: 1280px; margin: 0 auto; padding: 0 16px 32px; }
div.marpit > svg[data-marpit-svg] {
  display: block; width: 100%; height: auto; margin: 16px 0 0;
  background: #fff; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3);
}
details.deck-notes { margin: 6px 0 0; font-size: 15px; }
details.deck-notes summary { cursor: pointer; color: #444; }
details.deck-notes > div {
  white-space: pre-wrap; background: #fff; border-left: 3px solid #888; padding: 6px 10px;
}
@media print {
  .deck-header, details.deck-notes { display: none !important; }
  main { max-width: none; margin: 0; padding: 0; }
  div.marpit > svg[data-marpit-svg] { margin: 0; box-shadow: none; width: 100vw; height: 100vh; }
}
`;

/**
 * Renders Marp markdown to a self-contained page: Marp's HTML and CSS (default theme,
 * slides as inline SVG scaled to the window width), each image the markdown refers to as a
 * `data:` URI, and each slide's notes in a collapsed `<details>` under it. Printing the page
 * gives one 1280x720 page per slide (Marp's print stylesheet).
 *
 * Emoji stay text (Marp would otherwise load Twemoji images from a CDN); math is off.
 *
 * @param markdown Marp markdown, e.g. from `marpMarkdown`.
 * @param images Images by the path the markdown uses, e.g. `figures/loss.svg`.
 * @param options Page title.
 * @returns The page, the slide count and the notes Marp found.
 *
 * @example
 * ```ts
 * import { deckHtml } from "./deck_html.ts";
 * const { html, slides } = deckHtml("---\nmarp: true\n---\n# One\n\n---\n\n# Two\n", new Map());
 * if (slides !== 2 || !html.includes("<section")) throw new Error("unexpected page");
 * ```
 */
export function deckHtml(
  markdown: string,
  images: ReadonlyMap<string, DeckImage>,
  options: DeckHtmlOptions = {},
): DeckHtmlResult {
  const marp = new Marp({
    inlineSVG: true,
    math: false,
    emoji: { shortcode: true, unicode: false },
  });
  const { html, css, comments } = marp.render(markdown);

  const dataUris = new Map<string, string>();
  const inlined = html.replace(
    /(src="|url\((?:&quot;|"|')?)(?:\.\/)?(figures\/[a-z0-9][a-z0-9-]*\.(?:svg|png))/g,
    (match, before: string, path: string) => {
      const image = images.get(path);
      if (!image) return match;
      let uri = dataUris.get(path);
      if (!uri) {
        uri = `data:${image.type};base64,${Buffer.from(image.bytes).toString("base64")}`;
        dataUris.set(path, uri);
      }
      return before + uri;
    },
  );

  // Notes under each slide: after the `</foreignObject></svg>` that closes it.
  const starts = [...inlined.matchAll(/<svg data-marpit-svg=/g)].map((m) => m.index);
  const close = "</foreignObject></svg>";
  let page = "";
  let from = 0;
  for (const [i, start] of starts.entries()) {
    const end = inlined.indexOf(close, start) + close.length;
    const notes = (comments[i] ?? []).join("\n\n").trim();
    page += inlined.slice(from, end);
    if (notes) {
      page += `<details class="deck-notes"><summary>Notes (slide ${i + 1})</summary>` +
        `<div>${escapeHtml(notes)}</div></details>`;
    }
    from = end;
  }
  page += inlined.slice(from);

  const title = escapeHtml(options.title ?? "Slides");
  const count = starts.length;
  const hasNotes = comments.some((c) => c.length > 0);
  const body = [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    `<style>${css}</style>`,
    `<style>${PAGE_STYLE}</style>`,
    "</head>",
    "<body>",
    `<header class="deck-header"><h1>${title}</h1><p>${count} slide${count === 1 ? "" : "s"}` +
    (hasNotes ? "; speaker notes under the slides" : "") +
    "; print (or save as PDF) for one page per slide.</p></header>",
    `<main>${page}</main>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
  return { html: body, slides: count, notes: comments };
}

/** Escapes text for HTML content and attributes. */
function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}
