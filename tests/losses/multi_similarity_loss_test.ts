import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { commonLossChecks, lossValue, plain, randomBatch } from "./_helpers.ts";
import { multiSimilarityLoss } from "../../lib/losses/multi_similarity_loss.ts";
import { lossFromConfig } from "../../lib/losses/registry.ts";

function reference(
  rows: number[][],
  labels: Int32Array,
  a: number,
  b: number,
  base: number,
): number {
  const r = rows.map(plain.normalize);
  let total = 0;
  for (let i = 0; i < r.length; i++) {
    let sp = 0, sn = 0, hp = false, hn = false;
    for (let j = 0; j < r.length; j++) {
      if (j === i) continue;
      const s = plain.dot(r[i], r[j]);
      if (labels[j] === labels[i]) {
        sp += Math.exp(-a * (s - base));
        hp = true;
      } else {
        sn += Math.exp(b * (s - base));
        hn = true;
      }
    }
    total += (hp ? Math.log(1 + sp) / a : 0) + (hn ? Math.log(1 + sn) / b : 0);
  }
  return total / r.length;
}

Deno.test("multiSimilarityLoss() matches a brute-force loop (mean over all rows)", () => {
  const { rows, labels } = randomBatch(53, 3, 3, 4, 0.9);
  assertClose([lossValue(multiSimilarityLoss(), rows, labels)], [
    reference(rows, labels, 2, 50, 0.5),
  ], { atol: 1e-5 });
  const lone = new Int32Array([...labels.slice(0, 8), 7]); // a row with no positive still counts
  assertClose([lossValue(multiSimilarityLoss({ alpha: 1, beta: 10, base: 0.3 }), rows, lone)], [
    reference(rows, lone, 1, 10, 0.3),
  ], { atol: 1e-5 });
});

Deno.test("multiSimilarityLoss() lowers under SGD and leaks nothing", () => {
  commonLossChecks(() => multiSimilarityLoss(), { zeroOnEdges: false });
});

Deno.test("multiSimilarityLoss() validates options and round-trips its config", () => {
  assert.throws(() => multiSimilarityLoss({ alpha: 0 }), /alpha must be > 0, got 0/);
  const l = multiSimilarityLoss({ beta: 40 });
  assert.deepEqual(lossFromConfig(l.config()).config(), l.config());
});
