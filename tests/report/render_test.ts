import assert from "node:assert/strict";
import {
  confusionFigure,
  perClassAccuracyFigure,
  projectionFigure,
} from "../../lib/report/figures.ts";
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
  assert.equal(html.match(/<rect/g)?.length, confusion.flat().filter((v) => v > 0).length);
  const bars = renderFigure(perClassAccuracyFigure(names, names.map((_, i) => i / 81)));
  assert.match(bars, /class0: 0\.0%/);
});
