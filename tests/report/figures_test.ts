import assert from "node:assert/strict";
import {
  accuracyComparisonFigure,
  accuracyPerKFigure,
  centroidDistanceFigure,
  compareAccuracyFigure,
  compareLossFigure,
  comparePerClassFigure,
  confusionFigure,
  type FigureOptions,
  lossCurveFigure,
  minedTuplesFigure,
  perClassAccuracyFigure,
  zoomedPercentDomain,
} from "../../lib/report/figures.ts";
import { projectionColors, projectionFigure } from "../../lib/report/projection_figure.ts";
import type { Projection } from "../../lib/report/read_runs.ts";
import { renderFigure } from "../../lib/report/render.ts";

interface MarkView {
  ariaLabel: string;
  data: unknown[];
  channels: Record<string, { value: unknown }>;
  fx?: unknown;
  fy?: unknown;
}
const marks = (f: FigureOptions) => (f.marks ?? []) as unknown as MarkView[];
const kinds = (f: FigureOptions) => marks(f).map((m) => m.ariaLabel);
const channel = (m: MarkView, name: string) => m.channels[name]?.value;
type Fn = (d: unknown) => unknown;

Deno.test("accuracyComparisonFigure() puts one dot per run and a mean tick for several seeds", () => {
  const base = { loss: "triplet", miner: "semihard", dim: 16, metric: "acc@1" };
  const fig = accuracyComparisonFigure([
    { ...base, id: "a", seed: 0, value: 0.5 },
    { ...base, id: "b", seed: 1, value: 0.7 },
    { ...base, id: "c", seed: 0, value: 0.4, miner: "none" },
  ]);
  assert.deepEqual(kinds(fig), ["rule", "dot", "tick"]);
  const [, dots, ticks] = marks(fig);
  assert.equal(dots.data.length, 3);
  assert.equal(dots.fx, "setting");
  assert.equal(channel(dots, "x"), "dimLabel");
  assert.equal(channel(dots, "stroke"), "dimLabel");
  assert.equal(ticks.data.length, 1, "only the setting with two seeds gets a mean");
  assert.ok(Math.abs((ticks.data[0] as { percent: number }).percent - 60) < 1e-9);
  assert.deepEqual((fig.fx as { domain: string[] }).domain, [
    "triplet / none",
    "triplet / semihard",
  ]);
});

Deno.test("lossCurveFigure() and minedTuplesFigure() plot epochs", () => {
  const epochs = [{ epoch: 1, loss: 1, minedTuplesPerBatch: 10 }, { epoch: 2, loss: 0.5 }];
  const loss = lossCurveFigure(epochs);
  assert.deepEqual(kinds(loss), ["line", "dot"]);
  assert.equal(channel(marks(loss)[0], "x"), "epoch");
  assert.equal(channel(marks(loss)[0], "y"), "loss");
  const mined = minedTuplesFigure(epochs);
  assert.deepEqual(kinds(mined), ["bar", "rule"]);
  assert.equal(marks(mined)[0].data.length, 1, "records without minedTuplesPerBatch are left out");
});

Deno.test("accuracyPerKFigure() orders k numerically and labels percentages with 1 decimal", () => {
  const fig = accuracyPerKFigure({ "10": 0.5, "1": 0.8765 });
  assert.deepEqual((fig.x as { domain: string[] }).domain, ["k=1", "k=10"]);
  const text = marks(fig)[1];
  assert.equal((channel(text, "text") as Fn)({ percent: 87.65 }), "87.7%");
});

Deno.test("perClassAccuracyFigure() sorts the worst class first and sizes to the classes", () => {
  const names = Array.from({ length: 81 }, (_, i) => `class-${i}`);
  const acc = names.map((_, i) => (i % 10) / 10);
  const fig = perClassAccuracyFigure(names, acc);
  const domain = (fig.y as { domain: string[] }).domain;
  assert.equal(domain.length, 81);
  assert.equal(acc[names.indexOf(domain[0])], 0);
  assert.equal(acc[names.indexOf(domain[80])], 0.9);
  assert.ok((fig.height ?? 0) >= 81 * 12, "at least 12 px a class");
  const y = channel(marks(fig)[0], "y");
  assert.equal(typeof y === "string" ? y : (y as { label: string }).label, "name");
});

Deno.test("confusionFigure() makes one cell per non-empty pair, named on both axes", () => {
  const fig = confusionFigure(["a", "b"], [[2, 1], [0, 3]]);
  const [cells] = marks(fig);
  assert.equal(cells.ariaLabel, "cell");
  assert.deepEqual(
    cells.data.map((d) => {
      const c = d as { actual: string; predicted: string; count: number };
      return `${c.actual}>${c.predicted}:${c.count}`;
    }),
    ["a>a:2", "a>b:1", "b>b:3"],
  );
  assert.equal((channel(cells, "title") as Fn)(cells.data[1]), "true a, predicted b: 1 (33.3%)");
  assert.deepEqual((fig.x as { domain: string[] }).domain, ["a", "b"]);
});

const projection = (labels: number[], subsampled = false): Projection => ({
  method: "tsne",
  rows: labels.map((_, i) => i),
  labels,
  x: labels.map((_, i) => i),
  y: labels.map((_, i) => -i),
  subsampled,
  total: subsampled ? 1000 : labels.length,
  seconds: 0,
});

Deno.test("projectionFigure() colours by class with names on hover and writes the subsample size", () => {
  const fig = projectionFigure(projection([0, 1, 1], true), ["pl20", "pl30"]);
  const dots = marks(fig)[1];
  assert.equal(channel(dots, "fill"), "name");
  assert.equal((channel(dots, "title") as Fn)(dots.data[1]), "pl30");
  assert.match(String(fig.caption), /3 of 1,000 points \(stratified subsample\)/);
  assert.match(String(fig.caption), /fitted separately/);
  assert.deepEqual((fig.color as { domain: string[] }).domain, ["pl20", "pl30"]);
  assert.equal(
    (fig.color as { legend: boolean }).legend,
    true,
    "a palette by class keeps swatches",
  );
});

/** `n` classes, 12 points each, in well separated blobs on a grid. */
function blobs(n: number): Projection {
  const labels: number[] = [], x: number[] = [], y: number[] = [];
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < 12; i++) {
      labels.push(c);
      x.push((c % 6) * 10 + Math.cos(i) * 1.5);
      y.push(Math.floor(c / 6) * 10 + Math.sin(i) * 1.5);
    }
  }
  return {
    method: "umap",
    rows: labels.map((_, i) => i),
    labels,
    x,
    y,
    subsampled: false,
    total: labels.length,
    seconds: 0,
    options: {
      method: "umap-transform",
      fitted: "into-train",
      points: labels.length,
      total: labels.length,
      subsampled: false,
      nNeighbors: 15,
      minDist: 0.1,
      nEpochs: 200,
    },
  };
}

const TOPS = ["mandatory", "prohibitory", "warning", "other"];
const hierarchyOf = (names: string[]) =>
  names.map((c, i) => ({ class: c, top: TOPS[i % 4], family: `f${i % 3}` }));

/** The hue (degrees) of a `#rrggbb` colour. */
function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d === 0) return -1;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

Deno.test("projectionFigure() writes the class codes at their medoids as text marks (24 classes)", () => {
  const names = Array.from({ length: 24 }, (_, i) => `c${i}`);
  const p = blobs(24);
  const fig = projectionFigure(p, names, { hierarchy: hierarchyOf(names) });
  const text = marks(fig).find((m) => m.ariaLabel === "text")!;
  assert.ok(text.data.length >= 20, `${text.data.length} labels`);
  const html = renderFigure(fig);
  const drawn = new Set(
    [...html.matchAll(/<text[^>]*data-class="([^"]+)"/g)].map((m) => m[1]),
  );
  assert.ok(drawn.size >= 20, `${drawn.size} class codes drawn`);
  // Every dot carries its class, so that a legend can hide it.
  assert.equal(html.match(/<circle[^>]*data-class=/g)?.length, p.x.length);
  // The caption: method, settings, points, how it was fitted.
  assert.match(String(fig.caption), /^UMAP \(15 neighbours, min-dist 0\.1, 200 epochs\)/);
  assert.match(String(fig.caption), /all 288 points; placed into the training map/);
});

Deno.test("projectionFigure() gives a hue per top category and shades per class within it", () => {
  const names = Array.from({ length: 24 }, (_, i) => `c${i}`);
  const hierarchy = hierarchyOf(names);
  const key = projectionColors(blobs(24), names, { hierarchy });
  assert.equal(key.scheme, "category");
  assert.deepEqual(key.groups.map((g) => g.name), TOPS);
  const hues = (top: string) =>
    key.groups.find((g) => g.name === top)!.classes.map((c) => hue(c.color));
  for (const h of hues("mandatory")) assert.ok(h >= 190 && h <= 240, `mandatory blue: ${h}`);
  for (const h of hues("prohibitory")) {
    assert.ok(h >= 340 || h <= 35, `prohibitory red/orange: ${h}`);
  }
  for (const h of hues("warning")) assert.ok(h >= 35 && h <= 60, `warning amber: ${h}`);
  const mandatory = key.groups[0].classes.map((c) => c.color);
  assert.equal(new Set(mandatory).size, mandatory.length, "a shade per class");
  const fig = projectionFigure(blobs(24), names, { hierarchy });
  const color = fig.color as { domain: string[]; range: string[]; legend: boolean };
  assert.equal(color.domain.length, 24);
  assert.equal(color.range[color.domain.indexOf("c1")], key.colorOf.get("c1"));
  assert.equal(color.legend, false, "the codes are on the plot; the page adds its own legend");
});

Deno.test("projectionColors() shades a large category per family, and handles 81 classes", () => {
  const names = Array.from({ length: 81 }, (_, i) => `p${i}`);
  const hierarchy = names.map((c, i) => ({
    class: c,
    top: i < 60 ? "prohibitory" : "warning",
    family: `f${i % 5}`,
  }));
  const key = projectionColors(blobs(81), names, { hierarchy });
  const prohibitory = key.groups.find((g) => g.name === "prohibitory")!;
  assert.equal(new Set(prohibitory.classes.map((c) => c.color)).size, 5, "one shade per family");
  const fig = projectionFigure(blobs(81), names, { hierarchy });
  const labels = marks(fig).find((m) => m.ariaLabel === "text")!.data.length;
  assert.ok(labels >= 60, `${labels} of 81 labels placed`);
  assert.match(String(fig.caption), /by family in prohibitory/);
});

Deno.test("projectionColors() without a hierarchy: a palette up to 20 classes, else hues by code prefix", () => {
  const few = Array.from({ length: 5 }, (_, i) => `k${i}`);
  assert.equal(projectionColors(blobs(5), few).scheme, "class");
  const many = Array.from({ length: 24 }, (_, i) => `${["pl", "w", "i"][i % 3]}${i}`);
  const key = projectionColors(blobs(24), many);
  assert.equal(key.scheme, "prefix");
  assert.deepEqual(key.groups.map((g) => g.name), ["i", "pl", "w"]);
  const plain = Array.from({ length: 24 }, (_, i) => `class${i}`);
  assert.equal(projectionColors(blobs(24), plain).scheme, "class", "one prefix: the palette");
});

Deno.test("confusionFigure() and centroidDistanceFigure() carry titled colour legends", () => {
  const confusion = confusionFigure(["a", "b"], [[2, 1], [0, 3]]);
  assert.equal((confusion.color as { legend: boolean }).legend, true);
  assert.match(String((confusion.color as { label: string }).label), /share/);
  const centroids = centroidDistanceFigure(["a", "b"], [[0, 2], [2, 0]]);
  assert.match(String((centroids.color as { label: string }).label), /distance/);
});

Deno.test("accuracyComparisonFigure() zooms the axis to the data and says so", () => {
  const base = { loss: "triplet", miner: "none", dim: 16, metric: "acc@1", seed: 0 };
  const fig = accuracyComparisonFigure([
    { ...base, id: "a", value: 0.6 },
    { ...base, id: "b", value: 0.75, miner: "semihard" },
  ]);
  const y = fig.y as { domain: number[]; label: string };
  assert.notDeepEqual(y.domain, [0, 100]);
  assert.ok(y.domain[0] > 0 && y.domain[0] <= 60 && y.domain[1] >= 75 && y.domain[1] <= 100);
  assert.match(y.label, /acc@1 \(%\), zoomed: the axis starts at \d+, not 0/);
  assert.deepEqual(zoomedPercentDomain([2, 30]), [0, 35], "near 0: from 0");
});

Deno.test("compareLossFigure() draws one panel per loss, each on its own scale", () => {
  const fig = compareLossFigure([
    { run: "c", key: "1", value: 40, facet: "contrastive" },
    { run: "c", key: "2", value: 20, facet: "contrastive" },
    { run: "t", key: "1", value: 0.04, facet: "triplet" },
    { run: "t", key: "2", value: 0.02, facet: "triplet" },
  ]);
  assert.deepEqual((fig.fy as { domain: string[] }).domain, ["contrastive", "triplet"]);
  const line = marks(fig).find((m) => m.ariaLabel === "line")!;
  assert.equal(line.fy, "loss");
  const share = (run: string, key: string) =>
    (line.data as { run: string; key: string; share: number }[])
      .find((d) => d.run === run && d.key === key)!.share;
  // Triplet's first epoch is as high in its panel as contrastive's in its own.
  assert.ok(Math.abs(share("t", "1") - share("c", "1")) < 1e-9);
  assert.ok(share("t", "1") > 0.5);
  const html = renderFigure(fig);
  assert.match(html, />0\.04</, "the triplet panel has its own tick labels");
  assert.match(html, />40</);
});

Deno.test("comparePerClassFigure() dodges the runs within each class row", () => {
  const fig = comparePerClassFigure([
    { run: "a", key: "x", value: 1 },
    { run: "b", key: "x", value: 1 },
    { run: "a", key: "y", value: 0.2 },
  ]);
  assert.deepEqual((fig.fy as { domain: string[] }).domain, ["y", "x"]);
  const dots = marks(fig).find((m) => m.ariaLabel === "dot")!;
  assert.equal(dots.fy, "key");
  assert.equal(channel(dots, "y"), "run", "a lane per run");
  const html = renderFigure(fig);
  const cy = [...html.matchAll(/<circle[^>]*cy="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(cy.length, 3);
  // Facet y (one dot) comes first, then facet x: a and b, both at 100%, in their own lanes.
  assert.notEqual(cy[1], cy[2], "runs a and b at 100% in class x do not overlap");
});

Deno.test("compare figures take one value per run and key", () => {
  const acc = compareAccuracyFigure([
    { run: "a", key: "acc@1", value: 0.5 },
    { run: "b", key: "acc@1", value: 0.6 },
  ]);
  assert.deepEqual(kinds(acc), ["bar", "text", "rule"]);
  assert.equal(channel(marks(acc)[0], "fill"), "run");
  const loss = compareLossFigure([{ run: "a", key: "2", value: 1 }]);
  const line = marks(loss).find((m) => m.ariaLabel === "line")!;
  assert.equal(channel(line, "stroke"), "run");
  assert.equal((line.data[0] as { epoch: number }).epoch, 2);
});
