/**
 * Reference embeddings (PML's `ref_emb`, `ref_labels`) in the miners and in the tuple
 * helpers: anchors from the batch, positives and negatives from the references, and no
 * self-exclusion.
 */
import assert from "node:assert/strict";
import { randomBatch } from "../losses/_helpers.ts";
import { allPairs, allTriplets, toPairs, toTriplets } from "../../lib/miners/tuples.ts";
import { tripletMarginMiner } from "../../lib/miners/triplet_margin_miner.ts";
import { pairMarginMiner } from "../../lib/miners/pair_margin_miner.ts";
import { multiSimilarityMiner } from "../../lib/miners/multi_similarity_miner.ts";
import { batchHardMiner } from "../../lib/miners/batch_hard_miner.ts";
import { batchEasyHardMiner } from "../../lib/miners/batch_easy_hard_miner.ts";
import { distanceWeightedMiner } from "../../lib/miners/distance_weighted_miner.ts";
import { lpDistance } from "../../lib/distances/lp_distance.ts";
import type { IndicesTuple } from "../../lib/types.ts";

const batch = randomBatch(71, 3, 2, 4, 0.8);
const refs = randomBatch(72, 3, 3, 4, 0.8);
const REF = { embeddings: refs.matrix, labels: refs.labels };

const asLists = (t: IndicesTuple) =>
  t.kind === "pairs"
    ? [t.posAnchors, t.positives, t.negAnchors, t.negatives].map((l) => Array.from(l))
    : [t.anchors, t.positives, t.negatives].map((l) => Array.from(l));

Deno.test("allPairs() and allTriplets() with reference labels keep i == j, row-major", () => {
  const labels = new Int32Array([0, 1]);
  const ref = new Int32Array([0, 1, 0]);
  assert.deepEqual(asLists(allPairs(labels, ref)), [[0, 0, 1], [0, 2, 1], [0, 1, 1], [1, 0, 2]]);
  assert.deepEqual(asLists(allTriplets(labels, ref)), [[0, 0, 1, 1], [0, 2, 1, 1], [1, 1, 0, 2]]);
  assert.deepEqual(asLists(toPairs(undefined, labels, ref)), asLists(allPairs(labels, ref)));
  assert.deepEqual(asLists(toTriplets(undefined, labels, ref)), asLists(allTriplets(labels, ref)));
});

Deno.test("tripletMarginMiner() with references matches a brute-force filter", () => {
  const d = lpDistance();
  const mat = d.matrixArray(batch.matrix, refs.matrix);
  const m = refs.labels.length;
  const want: number[][] = [[], [], []];
  for (let i = 0; i < batch.labels.length; i++) {
    for (let j = 0; j < m; j++) {
      if (refs.labels[j] !== batch.labels[i]) continue;
      for (let k = 0; k < m; k++) {
        if (refs.labels[k] === batch.labels[i]) continue;
        const tm = mat[i * m + k] - mat[i * m + j];
        if (!(tm > 0 && tm <= 0.2)) continue;
        want[0].push(i), want[1].push(j), want[2].push(k);
      }
    }
  }
  const got = tripletMarginMiner({ type: "semihard" }).mine(batch.matrix, batch.labels, REF);
  assert.deepEqual(asLists(got), want);
  assert(want[0].length > 0, "the case mines nothing");
});

Deno.test("pairMarginMiner() with references matches a brute-force filter", () => {
  const mat = lpDistance().matrixArray(batch.matrix, refs.matrix);
  const m = refs.labels.length;
  const want: number[][] = [[], [], [], []];
  for (let i = 0; i < batch.labels.length; i++) {
    for (let j = 0; j < m; j++) {
      const v = mat[i * m + j];
      if (refs.labels[j] === batch.labels[i]) {
        if (v > 0.2) want[0].push(i), want[1].push(j);
      } else if (v < 0.8) want[2].push(i), want[3].push(j);
    }
  }
  assert.deepEqual(asLists(pairMarginMiner().mine(batch.matrix, batch.labels, REF)), want);
});

Deno.test("every miner takes references: indices in range, the batch as its own reference", () => {
  const miners = [
    tripletMarginMiner(),
    pairMarginMiner(),
    multiSimilarityMiner(),
    batchHardMiner(),
    batchEasyHardMiner(),
    distanceWeightedMiner({ seed: 3 }),
  ];
  for (const miner of miners) {
    const t = miner.mine(batch.matrix, batch.labels, REF);
    const [anchors, ...others] = t.kind === "pairs"
      ? [[...t.posAnchors, ...t.negAnchors], t.positives, t.negatives]
      : [t.anchors, t.positives, t.negatives];
    assert(anchors.every((a) => a >= 0 && a < batch.labels.length), miner.config().name);
    for (const l of others) assert(l.every((v) => v >= 0 && v < refs.labels.length));
  }
  // the batch as its own reference adds only self pairs, which pair margin never keeps
  const self = { embeddings: batch.matrix, labels: batch.labels };
  assert.deepEqual(
    asLists(pairMarginMiner().mine(batch.matrix, batch.labels, self)),
    asLists(pairMarginMiner().mine(batch.matrix, batch.labels)),
  );
});

Deno.test("miners reject references of another width or with a label count that differs", () => {
  const narrow = { data: new Float64Array(6), rows: 3, dim: 2 };
  assert.throws(
    () =>
      pairMarginMiner().mine(batch.matrix, batch.labels, {
        embeddings: narrow,
        labels: new Int32Array(3),
      }),
    /Cannot mine with pairMarginMiner: reference width 2 differs from the batch's 4/,
  );
  assert.throws(
    () =>
      tripletMarginMiner().mine(batch.matrix, batch.labels, {
        embeddings: refs.matrix,
        labels: new Int32Array(2),
      }),
    /2 reference labels for 9 reference embeddings/,
  );
});
