import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { figureSvg } from "../../lib/slides/figure_svg.ts";
import { testDeck } from "./_test_deck.ts";

/** The opening tag of the root element. */
const rootTag = (svg: string) => /^<svg\b[^>]*>/.exec(svg)?.[0] ?? "";

Deno.test("figureSvg() makes a standalone SVG document of a plain Plot figure", () => {
  const figure = testDeck().figures[0];
  const svg = figureSvg(figure);
  const root = rootTag(svg);
  assert.ok(root.includes('xmlns="http://www.w3.org/2000/svg"'), root);
  // The plot's 480x300 plus 8 px of padding on each side.
  assert.ok(root.includes('width="496"') && root.includes('height="316"'), root);
  assert.ok(root.includes('viewBox="0 0 496 316"'), root);
  assert.ok(svg.includes("<title>Accuracy by epoch</title>"));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  // SVG only: no HTML left over from Plot's <figure>.
  assert.doesNotMatch(svg, /<(figure|div|span|h2|h3|figcaption)\b/);
});

Deno.test("figureSvg() draws the title, swatch legend and caption of a Plot figure in SVG", () => {
  const svg = figureSvg(testDeck().figures[1]);
  assert.doesNotMatch(svg, /<(figure|div|span|h2|h3|figcaption)\b/);
  assert.match(svg, /<text [^>]*font-weight="bold"[^>]*>Embeddings<\/text>/);
  assert.match(svg, /<text [^>]*>24 points, coloured by loss<\/text>/);
  for (const label of ["arcface", "contrastive", "triplet"]) {
    assert.match(svg, new RegExp(`<text [^>]*>${label}</text>`), label);
  }
  // Three swatches, each a nested <svg> filled with its category's colour.
  assert.equal(svg.match(/<svg x="[\d.]+" y="[\d.]+" width="15" height="15"/g)?.length, 3);
});

Deno.test("figureSvg() turns a ramp legend's canvas into an SVG gradient", () => {
  const svg = figureSvg({
    name: "ramp",
    alt: "Values",
    plot: {
      color: { legend: true, type: "linear", scheme: "viridis", label: "value" },
      marks: [Plot.dot([1, 2, 3], { x: (d) => d, fill: (d) => d })],
    },
  });
  assert.match(svg, /<linearGradient id="ramp-ramp-0"[^>]*>(<stop [^>]*\/>){30,}/);
  assert.match(svg, /<rect [^>]*fill="url\(#ramp-ramp-0\)"\/>/);
  assert.doesNotMatch(svg, /<image\b/);
  assert.match(svg, />value<\/text>/);
});

Deno.test("figureSvg() escapes text for XML", () => {
  const svg = figureSvg({
    name: "esc",
    alt: 'a <b> & "c"',
    plot: { title: "x < y & z", marks: [Plot.dot([1], { x: (d) => d, title: () => "<&>" })] },
  });
  assert.ok(svg.includes("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"));
  assert.ok(svg.includes(">x &lt; y &amp; z</text>"));
  assert.doesNotMatch(svg, /&(?!amp;|lt;|gt;|quot;|#\d+;)/);
});

Deno.test("figureSvg() completes a given SVG with xmlns and a size from its viewBox", () => {
  const svg = figureSvg({
    name: "given",
    alt: "A circle",
    svg: '<?xml version="1.0"?>\n<svg viewBox="0 0 40 20"><circle cx="10" cy="10" r="5"/></svg>',
  });
  const root = rootTag(svg);
  assert.ok(root.includes('xmlns="http://www.w3.org/2000/svg"'), root);
  assert.ok(root.includes('width="40"') && root.includes('height="20"'), root);
  const kept = figureSvg({
    name: "kept",
    alt: "x",
    svg: '<svg xmlns="http://www.w3.org/2000/svg" width="5" height="6"/>',
  });
  assert.equal(kept, '<svg xmlns="http://www.w3.org/2000/svg" width="5" height="6"/>');
});
