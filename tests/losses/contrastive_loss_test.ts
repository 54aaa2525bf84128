import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { commonLossChecks, lossGrad, lossValue, plain, randomBatch } from "./_helpers.ts";
import { contrastiveLoss } from "../../lib/losses/contrastive_loss.ts";
import { lossFromConfig } from "../../lib/losses/registry.ts";
import { cosineSimilarity } from "../../lib/distances/cosine_similarity.ts";
import { thresholdReducer } from "../../lib/reducers/threshold_reducer.ts";
import type { PairIndices } from "../../lib/types.ts";

function reference(rows: number[][], labels: Int32Array, pm: number, nm: number, cosine: boolean) {
  const r = rows.map(plain.normalize);
  const pos: number[] = [], neg: number[] = [];
  for (let i = 0; i < r.length; i++) {
    for (let j = 0; j < r.length; j++) {
      if (i === j) continue;
      const d = cosine ? plain.dot(r[i], r[j]) : plain.dist(r[i], r[j]);
      if (labels[i] === labels[j]) pos.push(Math.max(0, cosine ? pm - d : d - pm));
      else neg.push(Math.max(0, cosine ? d - nm : nm - d));
    }
  }
  const avg = (t: number[]) => {
    const nz = t.filter((v) => v > 0);
    return nz.length ? nz.reduce((a, b) => a + b, 0) / nz.length : 0;
  };
  return avg(pos) + avg(neg);
}

Deno.test("contrastiveLoss() matches a brute-force loop (two AvgNonZero means, summed)", () => {
  const { rows, labels } = randomBatch(41, 3, 4, 5, 0.8);
  const v = lossValue(contrastiveLoss({ posMargin: 0.2, negMargin: 0.9 }), rows, labels);
  assertClose([v], [reference(rows, labels, 0.2, 0.9, false)], { atol: 1e-5 });
  const c = lossValue(
    contrastiveLoss({ posMargin: 0.8, negMargin: 0.2, distance: cosineSimilarity() }),
    rows,
    labels,
  );
  assertClose([c], [reference(rows, labels, 0.8, 0.2, true)], { atol: 1e-5 });
});

Deno.test("contrastiveLoss() returns 0 for one pos and one neg pair (PML quirk), not for two", () => {
  const { rows, labels } = randomBatch(43, 2, 2, 3);
  const one: PairIndices = {
    kind: "pairs",
    posAnchors: new Int32Array([0]),
    positives: new Int32Array([Array.from(labels).findIndex((l, i) => i > 0 && l === labels[0])]),
    negAnchors: new Int32Array([0]),
    negatives: new Int32Array([labels.findIndex((l) => l !== labels[0])]),
  };
  const loss = contrastiveLoss();
  assert.equal(lossValue(loss, rows, labels, one), 0);
  const two = {
    ...one,
    posAnchors: new Int32Array([0, 0]),
    positives: new Int32Array([one.positives[0], one.positives[0]]),
  };
  assert(lossValue(loss, rows, labels, two) > 0);
});

Deno.test("contrastiveLoss() gives duplicate positives a zero term and a zero gradient", () => {
  const rows = [[1, 0], [1, 0], [0, 1]];
  const labels = new Int32Array([0, 0, 1]);
  const loss = contrastiveLoss({ negMargin: 0.5 });
  assert.equal(lossValue(loss, rows, labels), 0);
  for (const g of lossGrad(loss, rows, labels)) assert.equal(g, 0);
});

Deno.test("contrastiveLoss() lowers under SGD and leaks nothing", () => {
  commonLossChecks(() => contrastiveLoss(), { zeroOnEdges: false });
});

Deno.test("contrastiveLoss() is 0 with a zero gradient when no pair violates a margin", () => {
  // one label, identical points: every positive distance is 0; distinct labels, far apart
  const same = [[1, 2], [1, 2], [1, 2]];
  assert.equal(lossValue(contrastiveLoss(), same, new Int32Array([0, 0, 0])), 0);
  for (const g of lossGrad(contrastiveLoss(), same, new Int32Array([0, 0, 0]))) assert.equal(g, 0);
  const far = [[1, 0], [-1, 0], [0, 1]];
  assert.equal(lossValue(contrastiveLoss({ negMargin: 1 }), far, new Int32Array([0, 1, 2])), 0);
  for (const g of lossGrad(contrastiveLoss(), far, new Int32Array([0, 1, 2]))) assert.equal(g, 0);
});

Deno.test("contrastiveLoss() validates margins and round-trips its config", () => {
  assert.throws(() => contrastiveLoss({ posMargin: -0.1 }), /posMargin must be >= 0, got -0.1/);
  const l = contrastiveLoss({
    posMargin: 0.1,
    distance: cosineSimilarity(),
    reducer: thresholdReducer({ low: 0.01 }),
  });
  assert.deepEqual(lossFromConfig(l.config()).config(), l.config());
});
