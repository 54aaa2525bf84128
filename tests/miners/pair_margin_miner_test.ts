import assert from "node:assert/strict";
import { randomBatch } from "../losses/_helpers.ts";
import { asKeys } from "./_brute.ts";
import { pairMarginMiner } from "../../lib/miners/pair_margin_miner.ts";
import { minerFromConfig } from "../../lib/miners/registry.ts";
import { cosineSimilarity } from "../../lib/distances/cosine_similarity.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";

Deno.test("pairMarginMiner() matches a brute-force filter, flipped for a similarity", () => {
  const { matrix, labels } = randomBatch(13, 3, 3, 3, 0.8);
  for (const distance of [lpDistance(), cosineSimilarity()]) {
    const t = pairMarginMiner({ posMargin: 0.3, negMargin: 0.7, distance }).mine(matrix, labels);
    if (t.kind !== "pairs") throw new Error("kind");
    const mat = distance.matrixArray(matrix);
    const pos: string[] = [], neg: string[] = [];
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 9; j++) {
        if (i === j) continue;
        const d = mat[i * 9 + j];
        if (labels[i] === labels[j] && (distance.isInverted ? d < 0.3 : d > 0.3)) {
          pos.push(`${i},${j}`);
        }
        if (labels[i] !== labels[j] && (distance.isInverted ? d > 0.7 : d < 0.7)) {
          neg.push(`${i},${j}`);
        }
      }
    }
    assert.deepEqual(asKeys([t.posAnchors, t.positives]), pos.sort());
    assert.deepEqual(asKeys([t.negAnchors, t.negatives]), neg.sort());
  }
});

Deno.test("pairMarginMiner() validates margins and round-trips its config", () => {
  assert.throws(
    () => pairMarginMiner({ negMargin: -1 }),
    /negMargin must be a non-negative finite number, got -1/,
  );
  const m = pairMarginMiner({ posMargin: 0.1 });
  assert.deepEqual(minerFromConfig(m.config())?.config(), m.config());
});
