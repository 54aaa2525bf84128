import assert from "node:assert/strict";
import { randomBatch } from "../losses/_helpers.ts";
import { asKeys } from "./_brute.ts";
import { multiSimilarityMiner } from "../../lib/miners/multi_similarity_miner.ts";
import { minerFromConfig } from "../../lib/miners/registry.ts";
import { cosineSimilarity } from "../../lib/distances/cosine_similarity.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";

Deno.test("multiSimilarityMiner() matches the brute-force rule for a similarity and a distance", () => {
  const { matrix, labels } = randomBatch(17, 3, 3, 3, 0.9);
  const eps = 0.1;
  for (const distance of [cosineSimilarity(), lpDistance()]) {
    const t = multiSimilarityMiner({ epsilon: eps, distance }).mine(matrix, labels);
    if (t.kind !== "pairs") throw new Error("kind");
    const mat = distance.matrixArray(matrix);
    const inv = distance.isInverted;
    const pos: string[] = [], neg: string[] = [];
    for (let a = 0; a < 9; a++) {
      const ps: number[] = [], ns: number[] = [];
      for (let j = 0; j < 9; j++) {
        if (j === a) continue;
        (labels[j] === labels[a] ? ps : ns).push(mat[a * 9 + j]);
      }
      const hardNeg = inv ? Math.max(...ns) : Math.min(...ns);
      const hardPos = inv ? Math.min(...ps) : Math.max(...ps);
      for (let j = 0; j < 9; j++) {
        if (j === a) continue;
        const s = mat[a * 9 + j];
        if (labels[j] === labels[a] && (inv ? s - eps < hardNeg : s + eps > hardNeg)) {
          pos.push(`${a},${j}`);
        }
        if (labels[j] !== labels[a] && (inv ? s + eps > hardPos : s - eps < hardPos)) {
          neg.push(`${a},${j}`);
        }
      }
    }
    assert.deepEqual(asKeys([t.posAnchors, t.positives]), pos.sort());
    assert.deepEqual(asKeys([t.negAnchors, t.negatives]), neg.sort());
  }
});

Deno.test("multiSimilarityMiner() gives nothing for a single-label batch and round-trips its config", () => {
  const { matrix } = randomBatch(1, 1, 4, 3);
  const t = multiSimilarityMiner().mine(matrix, new Int32Array(4));
  if (t.kind !== "pairs") throw new Error("kind");
  assert.equal(t.posAnchors.length + t.negAnchors.length, 0);
  const m = multiSimilarityMiner({ epsilon: 0.2 });
  assert.deepEqual(minerFromConfig(m.config())?.config(), {
    name: "multi-similarity",
    epsilon: 0.2,
    distance: { name: "cosine" },
  });
});
