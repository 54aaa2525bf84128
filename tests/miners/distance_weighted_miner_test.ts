import assert from "node:assert/strict";
import { randomBatch } from "../losses/_helpers.ts";
import { distanceWeightedMiner } from "../../lib/miners/distance_weighted_miner.ts";
import { minerFromConfig } from "../../lib/miners/registry.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";

Deno.test("distanceWeightedMiner() returns one valid triplet per positive pair", () => {
  const { matrix, labels } = randomBatch(19, 3, 4, 4, 0.6);
  const t = distanceWeightedMiner({ seed: 3 }).mine(matrix, labels);
  if (t.kind !== "triplets") throw new Error("kind");
  assert.equal(t.anchors.length, 12 * 3);
  const mat = lpDistance().matrixArray(matrix);
  for (let i = 0; i < t.anchors.length; i++) {
    const a: number = t.anchors[i], p: number = t.positives[i], n: number = t.negatives[i];
    assert.notEqual(a, p);
    assert.equal(labels[a], labels[p]);
    assert.notEqual(labels[a], labels[n]);
    // a negative beyond the non-zero-loss cut-off is drawn only when the anchor has no other
    const row = Array.from({ length: 12 }, (_, j) => j).filter((j) => labels[j] !== labels[a]);
    if (row.some((j) => mat[a * 12 + j] < 1.4)) assert(mat[a * 12 + n] < 1.4);
  }
});

Deno.test("distanceWeightedMiner() is deterministic for a seed and varies with it", () => {
  const { matrix, labels } = randomBatch(23, 4, 4, 3, 1);
  const run = (seed: number) => {
    const t = distanceWeightedMiner({ seed }).mine(matrix, labels);
    return t.kind === "triplets" ? Array.from(t.negatives) : [];
  };
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
});

Deno.test("distanceWeightedMiner() validates options and round-trips its config", () => {
  assert.throws(() => distanceWeightedMiner({ cutoff: -1 }), /cutoff/);
  assert.throws(() => distanceWeightedMiner({ seed: 0.5 }), RangeError);
  const m = distanceWeightedMiner({ cutoff: 0.4, seed: 9 });
  assert.deepEqual(minerFromConfig(m.config())?.config(), m.config());
});
