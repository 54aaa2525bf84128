import assert from "node:assert/strict";
import { randomBatch } from "../losses/_helpers.ts";
import { asKeys, triplets } from "./_brute.ts";
import { tripletMarginMiner } from "../../lib/miners/triplet_margin_miner.ts";
import { minerFromConfig } from "../../lib/miners/registry.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";
import { cosineSimilarity } from "../../lib/distances/cosine_similarity.ts";

Deno.test("tripletMarginMiner() matches a brute-force filter for every type and distance", () => {
  const { matrix, labels } = randomBatch(5, 3, 4, 3, 0.8);
  const margin = 0.2;
  const rules = {
    all: (tm: number) => tm <= margin,
    hard: (tm: number) => tm <= margin && tm <= 0,
    semihard: (tm: number) => tm <= margin && tm > 0,
    easy: (tm: number) => tm > margin,
  };
  for (const distance of [lpDistance(), lpDistance({ normalize: false }), cosineSimilarity()]) {
    let total = 0;
    for (const type of ["all", "hard", "semihard", "easy"] as const) {
      const t = tripletMarginMiner({ margin, type, distance }).mine(matrix, labels);
      assert.equal(t.kind, "triplets");
      if (t.kind !== "triplets") return;
      const want = triplets(
        distance,
        matrix,
        labels,
        (ap, an) => rules[type](distance.isInverted ? ap - an : an - ap),
      );
      assert.deepEqual(asKeys([t.anchors, t.positives, t.negatives]), want);
      if (type === "all" || type === "easy") total += t.anchors.length;
    }
    assert.equal(total, 4 * 3 * 8 * 3); // all + easy = every triplet
  }
});

Deno.test("tripletMarginMiner() validates options and round-trips its config", () => {
  assert.throws(
    () => tripletMarginMiner({ margin: -0.1 }),
    /margin must be a non-negative finite number, got -0.1/,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => tripletMarginMiner({ type: "medium" as any }), RangeError);
  const m = tripletMarginMiner({ margin: 0.3, type: "semihard", distance: cosineSimilarity() });
  assert.deepEqual(minerFromConfig(m.config())?.config(), m.config());
});
