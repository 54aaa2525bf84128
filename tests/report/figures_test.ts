import assert from "node:assert/strict";
import {
  accuracyComparisonFigure,
  accuracyPerKFigure,
  compareAccuracyFigure,
  compareLossFigure,
  comparePerClassFigure,
  confusionFigure,
  type FigureOptions,
  lossCurveFigure,
  minedTuplesFigure,
  perClassAccuracyFigure,
  projectionFigure,
} from "../../lib/report/figures.ts";
import type { Projection } from "../../lib/report/read_runs.ts";

interface MarkView {
  ariaLabel: string;
  data: unknown[];
  channels: Record<string, { value: unknown }>;
  fx?: unknown;
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
  assert.equal(channel(dots, "fill"), "group");
  assert.equal((channel(dots, "title") as Fn)(dots.data[1]), "pl30");
  assert.equal(fig.caption, "3 of 1,000 points (stratified subsample)");
  assert.deepEqual((fig.color as { domain: string[] }).domain, ["pl20", "pl30"]);
});

Deno.test("projectionFigure() colours by top category above 20 classes", () => {
  const names = Array.from({ length: 25 }, (_, i) => `c${i}`);
  const hierarchy = names.map((c, i) => ({
    class: c,
    top: i < 10 ? "warning" : "prohibitory",
    family: "x",
  }));
  const fig = projectionFigure(projection(names.map((_, i) => i)), names, { hierarchy });
  assert.deepEqual((fig.color as { domain: string[] }).domain, ["prohibitory", "warning"]);
  const dots = marks(fig)[1];
  assert.equal((channel(dots, "title") as Fn)(dots.data[3]), "c3 (warning)");
});

Deno.test("compare figures take one value per run and key", () => {
  const acc = compareAccuracyFigure([
    { run: "a", key: "acc@1", value: 0.5 },
    { run: "b", key: "acc@1", value: 0.6 },
  ]);
  assert.deepEqual(kinds(acc), ["bar", "text", "rule"]);
  assert.equal(channel(marks(acc)[0], "fill"), "run");
  const loss = compareLossFigure([{ run: "a", key: "2", value: 1 }]);
  assert.equal(channel(marks(loss)[0], "stroke"), "run");
  assert.equal((marks(loss)[0].data[0] as { epoch: number }).epoch, 2);
  const perClass = comparePerClassFigure([
    { run: "a", key: "x", value: 1 },
    { run: "b", key: "x", value: 0.8 },
    { run: "a", key: "y", value: 0.2 },
  ]);
  assert.deepEqual((perClass.y as { domain: string[] }).domain, ["y", "x"]);
});
