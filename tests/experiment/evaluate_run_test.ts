import assert from "node:assert/strict";
import { collapseFields, evaluateEmbeddings } from "../../lib/experiment/evaluate_run.ts";
import { createRng } from "../../lib/random.ts";

/** 4 classes x (12 train, 6 test) around centres 1 apart, with some overlap. */
function embeddings() {
  const rng = createRng(3);
  const make = (per: number) => {
    const labels = new Int32Array(4 * per), data = new Float32Array(4 * per * 3);
    for (let i = 0; i < labels.length; i++) {
      labels[i] = i % 4;
      for (let d = 0; d < 3; d++) {
        data[i * 3 + d] = (d === labels[i] % 3 ? 1 : 0) + 0.6 * rng.next();
      }
    }
    return { labels, data };
  };
  const train = make(12), test = make(6);
  return {
    dim: 3,
    train: train.data,
    trainLabels: train.labels,
    test: test.data,
    testLabels: test.labels,
    classNames: ["a", "b", "c", "d"],
  };
}

Deno.test("evaluateEmbeddings() keeps per-query scores that average to the headline metrics", () => {
  const r = evaluateEmbeddings(embeddings(), [1]);
  const p = r.details.perQuery as {
    purityK: number;
    correct1: number[];
    averagePrecisionAtR: (number | null)[];
    neighborPurity: number[];
  };
  assert.equal(p.correct1.length, 24);
  assert.equal(p.purityK, 10);
  const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
  assert.ok(Math.abs(mean(p.correct1) - r.test.knnAccuracy["1"]) < 1e-12);
  assert.ok(
    Math.abs(mean(p.averagePrecisionAtR as number[]) - r.test.meanAveragePrecisionAtR) < 1e-5,
  );
  assert.ok(p.neighborPurity.every((v) => v >= 0 && v <= 1));
  assert.ok(r.test.knnAccuracy["1"] > 0.3 && r.test.knnAccuracy["1"] < 1, "a non-trivial case");
});

Deno.test("collapseFields() flags one direction and judges nothing it cannot", () => {
  const e = embeddings();
  assert.equal(collapseFields(e, 0.5).collapsed, false);
  const flat = { ...e, test: e.test.map((_, i) => (i % 3 === 0 ? 1 : 1e-4 * (i % 7))) };
  const f = collapseFields(flat, 0.25);
  assert.equal(f.collapsed, true);
  assert.ok((f.collapse as { reasons: string[] }).reasons.length > 0);
  assert.deepEqual(collapseFields({ ...e, dim: 1, test: e.test.slice(0, 24) }, 0.5), {});
});
