import assert from "node:assert/strict";
import {
  allPairs,
  allTriplets,
  canonicalIndices,
  toPairs,
  toTriplets,
} from "../../lib/miners/tuples.ts";
import type { PairIndices } from "../../lib/types.ts";

const labels = new Int32Array([0, 1, 0, 1, 2]);

Deno.test("allPairs() lists every ordered pair except self pairs", () => {
  const p = allPairs(labels);
  assert.equal(p.posAnchors.length, 4); // (0,2) (2,0) (1,3) (3,1)
  assert.equal(p.posAnchors.length + p.negAnchors.length, 5 * 4);
  for (let i = 0; i < p.posAnchors.length; i++) {
    assert.notEqual(p.posAnchors[i], p.positives[i]);
    assert.equal(labels[p.posAnchors[i]], labels[p.positives[i]]);
  }
  for (let i = 0; i < p.negAnchors.length; i++) {
    assert.notEqual(labels[p.negAnchors[i]], labels[p.negatives[i]]);
  }
});

Deno.test("allTriplets() counts sum_a #pos(a) * #neg(a) triplets", () => {
  const t = allTriplets(labels);
  assert.equal(t.anchors.length, 4 * 3); // 4 anchors with one positive, 3 negatives each
  assert.equal(allTriplets(new Int32Array([0, 0, 0])).anchors.length, 0);
  assert.equal(allTriplets(new Int32Array([0, 1, 2])).anchors.length, 0);
});

Deno.test("toTriplets() forms every (a1[i], p[i], n[j]) with a1[i] == a2[j]", () => {
  const pairs: PairIndices = {
    kind: "pairs",
    posAnchors: new Int32Array([0, 2, 0]),
    positives: new Int32Array([2, 0, 2]),
    negAnchors: new Int32Array([0, 0, 1]),
    negatives: new Int32Array([1, 3, 0]),
  };
  const t = toTriplets(pairs, labels);
  assert.deepEqual(Array.from(t.anchors), [0, 0, 0, 0]); // duplicates kept
  assert.deepEqual(Array.from(t.negatives), [1, 3, 1, 3]);
  assert.equal(toTriplets(undefined, labels).anchors.length, 12);
});

Deno.test("toPairs() turns triplets into (a, p) and (a, n), duplicates kept", () => {
  const t = {
    kind: "triplets" as const,
    anchors: new Int32Array([0, 0]),
    positives: new Int32Array([2, 2]),
    negatives: new Int32Array([1, 3]),
  };
  const p = toPairs(t, labels);
  assert.deepEqual(Array.from(p.positives), [2, 2]);
  assert.deepEqual(Array.from(p.negatives), [1, 3]);
});

Deno.test("canonicalIndices() sorts pair lists independently and does not mutate", () => {
  const pairs: PairIndices = {
    kind: "pairs",
    posAnchors: new Int32Array([2, 0]),
    positives: new Int32Array([0, 2]),
    negAnchors: new Int32Array([1, 0, 1]),
    negatives: new Int32Array([2, 1, 0]),
  };
  const c = canonicalIndices(pairs) as PairIndices;
  assert.deepEqual(Array.from(c.posAnchors), [0, 2]);
  assert.deepEqual(Array.from(c.negAnchors), [0, 1, 1]);
  assert.deepEqual(Array.from(c.negatives), [1, 0, 2]);
  assert.deepEqual(Array.from(pairs.posAnchors), [2, 0]);
});
