import assert from "node:assert/strict";
import { deckHtml } from "../../lib/slides/deck_html.ts";
import { marpMarkdown } from "../../lib/slides/marp_markdown.ts";
import { samplePng, testDeck } from "./_test_deck.ts";

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';

/** The test deck's page, with stand-in images. */
function page() {
  const images = new Map([
    ["figures/accuracy.svg", { type: "image/svg+xml", bytes: new TextEncoder().encode(SVG) }],
    ["figures/embedding.svg", { type: "image/svg+xml", bytes: new TextEncoder().encode(SVG) }],
    ["figures/sample.png", { type: "image/png", bytes: samplePng() }],
  ]);
  return deckHtml(marpMarkdown(testDeck()), images, { title: "Test <deck>" });
}

Deno.test("deckHtml() renders one section per slide with Marp, notes under the slides", () => {
  const { html, slides, notes } = page();
  assert.equal(slides, 3);
  assert.equal(html.match(/<section\b/g)?.length, 3);
  assert.equal(notes[1][0], "Accuracy rises with each epoch.\nSecond line.");
  assert.equal(html.match(/<details class="deck-notes">/g)?.length, 2);
  assert.ok(html.includes("<title>Test &lt;deck&gt;</title>"));
  assert.ok(html.includes('class="lead"'));
});

Deno.test("deckHtml() inlines every image as a data: URI and references nothing online", () => {
  const { html } = page();
  assert.doesNotMatch(html, /src="figures\//);
  assert.equal(html.match(/src="data:image\/svg\+xml;base64,/g)?.length, 2);
  assert.equal(html.match(/src="data:image\/png;base64,/g)?.length, 1);
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?https?:/i);
  assert.doesNotMatch(html, /url\(\s*["']?https?:/i);
  assert.doesNotMatch(html, /@import/);
});

Deno.test("deckHtml() keeps emoji as text instead of loading Twemoji from a CDN", () => {
  const { html } = deckHtml("---\nmarp: true\n---\n# Done :tada: 🎉\n", new Map());
  assert.ok(html.includes("🎉"));
  assert.doesNotMatch(html, /<img[^>]*emoji/);
});
