import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { commonLossChecks, lossValue, plain, randomBatch } from "./_helpers.ts";
import { tripletMarginLoss } from "../../lib/losses/triplet_margin_loss.ts";
import { lossFromConfig } from "../../lib/losses/registry.ts";
import { cosineSimilarity } from "../../lib/distances/cosine_similarity.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";
import { meanReducer } from "../../lib/reducers/mean_reducer.ts";

function reference(rows: number[][], labels: Int32Array, margin: number, cosine: boolean): number {
  const r = rows.map(plain.normalize);
  const terms: number[] = [];
  for (let a = 0; a < r.length; a++) {
    for (let p = 0; p < r.length; p++) {
      for (let n = 0; n < r.length; n++) {
        if (p === a || labels[p] !== labels[a] || labels[n] === labels[a]) continue;
        terms.push(
          Math.max(
            0,
            cosine
              ? plain.dot(r[a], r[n]) - plain.dot(r[a], r[p]) + margin
              : plain.dist(r[a], r[p]) - plain.dist(r[a], r[n]) + margin,
          ),
        );
      }
    }
  }
  const nz = terms.filter((t) => t > 0);
  return nz.length ? nz.reduce((x, y) => x + y, 0) / nz.length : 0;
}

Deno.test("tripletMarginLoss() matches a brute-force loop over all triplets", () => {
  const { rows, labels } = randomBatch(47, 3, 3, 4, 1);
  assertClose([lossValue(tripletMarginLoss(), rows, labels)], [
    reference(rows, labels, 0.05, false),
  ], { atol: 1e-5 });
  assertClose(
    [lossValue(tripletMarginLoss({ margin: 0.3, distance: cosineSimilarity() }), rows, labels)],
    [reference(rows, labels, 0.3, true)],
    { atol: 1e-5 },
  );
});

Deno.test("tripletMarginLoss() solves a 1-D example and uses a single triplet (no quirk)", () => {
  const loss = tripletMarginLoss({
    margin: 1,
    distance: lpDistance({ normalize: false }),
    reducer: meanReducer(),
  });
  const rows = [[0], [1], [1.5]];
  const labels = new Int32Array([0, 0, 1]);
  assertClose([lossValue(loss, rows, labels)], [1], { atol: 1e-6 }); // (0.5 + 1.5) / 2
  const one = {
    kind: "triplets" as const,
    anchors: new Int32Array([0]),
    positives: new Int32Array([1]),
    negatives: new Int32Array([2]),
  };
  assertClose([lossValue(loss, rows, labels, one)], [0.5], { atol: 1e-6 });
});

Deno.test("tripletMarginLoss() is finite, lowers under SGD, leaks nothing, is 0 on edge batches", () => {
  // AvgNonZero can rise when a small term drops out of the mean, so SGD is checked on the
  // plain mean of the same terms; the default reducer gets the leak and edge checks.
  commonLossChecks(() => tripletMarginLoss({ margin: 0.2, reducer: meanReducer() }));
  commonLossChecks(() => tripletMarginLoss({ margin: 0.2 }), { steps: 0 });
});

Deno.test("tripletMarginLoss() validates its margin and round-trips its config", () => {
  assert.throws(() => tripletMarginLoss({ margin: -1 }), /margin must be >= 0, got -1/);
  const l = tripletMarginLoss({ margin: 0.2, distance: cosineSimilarity() });
  assert.deepEqual(lossFromConfig(l.config()).config(), l.config());
});
