import assert from "node:assert/strict";
import { randomBatch } from "../losses/_helpers.ts";
import { batchHardMiner } from "../../lib/miners/batch_hard_miner.ts";
import { minerFromConfig } from "../../lib/miners/registry.ts";
import { cosineSimilarity } from "../../lib/distances/cosine_similarity.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";

Deno.test("batchHardMiner() picks the farthest positive and closest negative per anchor", () => {
  const { matrix, labels } = randomBatch(7, 3, 3, 4);
  for (const distance of [lpDistance(), cosineSimilarity()]) {
    const t = batchHardMiner({ distance }).mine(matrix, labels);
    if (t.kind !== "triplets") throw new Error("kind");
    assert.equal(t.anchors.length, 9);
    const mat = distance.matrixArray(matrix);
    const n = 9, s = distance.isInverted ? -1 : 1;
    for (let i = 0; i < t.anchors.length; i++) {
      const a = t.anchors[i];
      for (let j = 0; j < n; j++) {
        if (j === a) continue;
        if (labels[j] === labels[a]) assert(s * mat[a * n + j] <= s * mat[a * n + t.positives[i]]);
        else assert(s * mat[a * n + j] >= s * mat[a * n + t.negatives[i]]);
      }
    }
  }
});

Deno.test("batchHardMiner() drops anchors without a positive or a negative", () => {
  const m = { data: new Float64Array([0, 1, 2, 3]), rows: 4, dim: 1 };
  const t = batchHardMiner({ distance: lpDistance({ normalize: false }) }).mine(
    m,
    new Int32Array([0, 0, 1, 2]),
  );
  if (t.kind !== "triplets") throw new Error("kind");
  assert.deepEqual(Array.from(t.anchors), [0, 1]);
  assert.deepEqual(Array.from(t.negatives), [2, 2]);
  assert.equal(batchHardMiner().mine(m, new Int32Array([0, 0, 0, 0])).kind, "triplets");
  assert.throws(() => batchHardMiner().mine(m, new Int32Array([0])), TypeError);
  assert.deepEqual(minerFromConfig(batchHardMiner().config())?.config(), batchHardMiner().config());
});
