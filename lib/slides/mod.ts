/**
 * Slide decks: a deck (slides in Marp markdown, figures as Plot options, SVG or PNG) written
 * as `slides.md` for Marp, `figures/*.svg|png`, a self-contained `slides.html` rendered by
 * Marp, and `slides.pdf` printed by headless Chromium. The content is composed elsewhere.
 *
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { writeDeck } from "./mod.ts";
 * const out = await Deno.makeTempDir();
 * const { files, warnings } = await writeDeck({
 *   title: "Results",
 *   slides: [
 *     { markdown: "# Results", className: "lead" },
 *     { markdown: "## Loss\n\n![Loss by epoch](figures/loss.svg)", notes: "It goes down." },
 *   ],
 *   figures: [{ name: "loss", alt: "Loss by epoch", plot: { marks: [Plot.lineY([3, 2, 1])] } }],
 * }, out, { chromium: "/nonexistent" }); // no Chromium: no PNG, no PDF, two warnings
 * if (files.length !== 3 || warnings.length !== 2) throw new Error("unexpected deck");
 * await Deno.remove(out, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./deck.ts";
export * from "./deck_html.ts";
export * from "./figure_svg.ts";
export * from "./plot_document.ts";
export * from "./find_chromium.ts";
export * from "./marp_markdown.ts";
export * from "./write_deck.ts";
