import assert from "node:assert/strict";
import { randomBatch } from "../losses/_helpers.ts";
import { batchEasyHardMiner } from "../../lib/miners/batch_easy_hard_miner.ts";
import { minerFromConfig } from "../../lib/miners/registry.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";

Deno.test("batchEasyHardMiner() pairs the closest positive with the closest farther negative", () => {
  // 1-D: anchor 0 at 0; positives at 1 and 3; negatives at 0.5 (closer than p) and 2
  const m = { data: new Float64Array([0, 1, 3, 0.5, 2]), rows: 5, dim: 1 };
  const t = batchEasyHardMiner({ distance: lpDistance({ normalize: false }) }).mine(
    m,
    new Int32Array([0, 0, 0, 1, 1]),
  );
  if (t.kind !== "pairs") throw new Error("kind");
  const i = Array.from(t.posAnchors).indexOf(0);
  assert.equal(t.positives[i], 1);
  assert.equal(t.negatives[i], 4);
  assert.deepEqual(Array.from(t.posAnchors), Array.from(t.negAnchors));
});

Deno.test("batchEasyHardMiner() keeps only strictly farther negatives and round-trips its config", () => {
  const { matrix, labels } = randomBatch(11, 3, 3, 3);
  const d = lpDistance();
  const t = batchEasyHardMiner().mine(matrix, labels);
  if (t.kind !== "pairs") throw new Error("kind");
  const mat = d.matrixArray(matrix);
  for (let i = 0; i < t.posAnchors.length; i++) {
    const a = t.posAnchors[i];
    assert(mat[a * 9 + t.negatives[i]] > mat[a * 9 + t.positives[i]]);
  }
  assert.deepEqual(
    minerFromConfig(batchEasyHardMiner().config())?.config(),
    batchEasyHardMiner().config(),
  );
});
