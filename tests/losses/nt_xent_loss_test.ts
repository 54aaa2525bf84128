import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { commonLossChecks, lossValue, plain, randomBatch } from "./_helpers.ts";
import { ntXentLoss } from "../../lib/losses/nt_xent_loss.ts";
import { lossFromConfig } from "../../lib/losses/registry.ts";

function reference(rows: number[][], labels: Int32Array, t: number): number {
  const r = rows.map(plain.normalize);
  const terms: number[] = [];
  for (let a = 0; a < r.length; a++) {
    for (let p = 0; p < r.length; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      const num = Math.exp(plain.dot(r[a], r[p]) / t);
      let den = num;
      for (let n = 0; n < r.length; n++) {
        if (labels[n] !== labels[a]) den += Math.exp(plain.dot(r[a], r[n]) / t);
      }
      terms.push(-Math.log(num / den));
    }
  }
  return terms.reduce((x, y) => x + y, 0) / terms.length;
}

Deno.test("ntXentLoss() matches a brute-force loop (other positives not in the denominator)", () => {
  const { rows, labels } = randomBatch(59, 3, 3, 4, 0.8);
  for (const t of [0.07, 0.5]) {
    assertClose([lossValue(ntXentLoss({ temperature: t }), rows, labels)], [
      reference(rows, labels, t),
    ], { atol: 2e-5 });
  }
});

Deno.test("ntXentLoss() counts a positive pair whose anchor has no negative as 0", () => {
  const rows = [[1, 0], [0.9, 0.2], [0, 1], [0.1, 1]];
  const labels = new Int32Array([0, 0, 1, 1]);
  const pairs = {
    kind: "pairs" as const,
    posAnchors: new Int32Array([0, 2]),
    positives: new Int32Array([1, 3]),
    negAnchors: new Int32Array([0, 0]),
    negatives: new Int32Array([2, 3]),
  };
  const r = rows.map(plain.normalize);
  const num = Math.exp(plain.dot(r[0], r[1]) / 0.5);
  const den = num + Math.exp(plain.dot(r[0], r[2]) / 0.5) + Math.exp(plain.dot(r[0], r[3]) / 0.5);
  assertClose([lossValue(ntXentLoss({ temperature: 0.5 }), rows, labels, pairs)], [
    -Math.log(num / den) / 2,
  ], { atol: 1e-5 });
});

Deno.test("ntXentLoss() is finite, lowers under SGD, leaks nothing, is 0 on edge batches", () => {
  commonLossChecks(() => ntXentLoss({ temperature: 0.5 }));
});

Deno.test("ntXentLoss() validates its temperature and round-trips its config", () => {
  assert.throws(() => ntXentLoss({ temperature: 0 }), /temperature must be > 0, got 0/);
  const l = ntXentLoss({ temperature: 0.2 });
  assert.deepEqual(lossFromConfig(l.config()).config(), l.config());
});
