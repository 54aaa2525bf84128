import assert from "node:assert/strict";
import { confusionFigure, perClassAccuracyFigure } from "../../lib/report/figures.ts";
import { projectionFigure } from "../../lib/report/projection_figure.ts";
import { renderFigure } from "../../lib/report/render.ts";

Deno.test("renderFigure() draws an SVG with titles and a legend, no canvas needed", () => {
  const html = renderFigure(projectionFigure({
    method: "umap",
    rows: [0, 1],
    labels: [0, 1],
    x: [0, 1],
    y: [1, 0],
    subsampled: false,
    total: 2,
    seconds: 0,
  }, ["pl20", "pl30"]));
  assert.match(html, /^<figure/);
  assert.match(html, /<svg/);
  assert.match(html, /<title>pl30<\/title>/);
  assert.match(html, /all 2 points/);
});

Deno.test("renderFigure() handles 81 classes (confusion and per-class bars)", () => {
  const names = Array.from({ length: 81 }, (_, i) => `class${i}`);
  const confusion = names.map((_, i) =>
    names.map((_, j) => (i === j ? 3 : (i + j) % 17 === 0 ? 1 : 0))
  );
  const html = renderFigure(confusionFigure(names, confusion));
  assert.match(html, /class80/);
  // One cell a non-empty pair (each with a hover title), beside the ramp's one rectangle.
  assert.equal(
    html.match(/<rect[^>]*><title>/g)?.length,
    confusion.flat().filter((v) => v > 0).length,
  );
  assert.equal(html.match(/<svg/g)?.length, 1, "the ramp moved into the chart's svg");
  const bars = renderFigure(perClassAccuracyFigure(names, names.map((_, i) => i / 81)));
  assert.match(bars, /class0: 0\.0%/);
});

Deno.test("renderFigure() draws a ramp legend with its title as an SVG gradient under linkedom", () => {
  const html = renderFigure(confusionFigure(["a", "b"], [[2, 1], [0, 3]]));
  assert.match(html, /class="[^"]*-ramp"/);
  assert.match(html, /<linearGradient [^>]*id="(ramp-[a-z0-9]+)"/);
  const id = /<linearGradient [^>]*id="(ramp-[a-z0-9]+)"/.exec(html)![1];
  assert.match(html, new RegExp(`<rect[^>]*fill="url\\(#${id}\\)"`));
  assert.ok((html.match(/<stop /g)?.length ?? 0) >= 10, "the ramp's colours");
  assert.match(html, /share of the true class(&#39;|')s test images<\/text>/);
  assert.doesNotMatch(html, /<image/, "no canvas image left");
  assert.doesNotMatch(html, /metriclab-ramp:/);
});
