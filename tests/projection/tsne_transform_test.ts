import assert from "node:assert/strict";
import { barnesHutTsne } from "../../lib/projection/tsne_bh.ts";
import { type FittedMap, tsneTransform } from "../../lib/projection/tsne_transform.ts";
import { conditionalAffinities } from "../../lib/projection/_barnes_hut.ts";
import { knnSearch } from "../../lib/eval/knn.ts";
import type { EmbeddingMatrix } from "../../lib/types.ts";
import { nearestLabelAgreement, splitClusters } from "./_clusters.ts";

/** A fitted Barnes-Hut map of 240 points in 4 classes, and 80 new points of the same classes. */
function fixture() {
  const { train, test } = splitClusters(240, 80, 6, 4, 5);
  const layout = barnesHutTsne(train.m, { seed: 0, perplexity: 20, iterations: 400 });
  const map: FittedMap = { embeddings: train.m, layout };
  return { train, test, map };
}

/**
 * Brute force: the sum over the new points of KL(p(.|i) || q(.|i)), q over every map point,
 * with p(.|i) rebuilt from the options the placement used (k nearest, same calibration).
 */
function placementKl(
  points: EmbeddingMatrix,
  map: FittedMap,
  x: Float64Array,
  y: Float64Array,
  p: Float64Array,
  indices: Int32Array,
  k: number,
): number {
  let kl = 0;
  for (let i = 0; i < points.rows; i++) {
    let z = 0;
    for (let j = 0; j < map.embeddings.rows; j++) {
      z += 1 / (1 + (x[i] - map.layout.x[j]) ** 2 + (y[i] - map.layout.y[j]) ** 2);
    }
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t], pj = p[i * k + t];
      const q = 1 / (1 + (x[i] - map.layout.x[j]) ** 2 + (y[i] - map.layout.y[j]) ** 2) / z;
      if (pj > 0) kl += pj * Math.log(pj / q);
    }
  }
  return kl;
}

Deno.test("tsneTransform() places new points beside the map points of their class", () => {
  const { train, test, map } = fixture();
  const r = tsneTransform(test.m, map, { perplexity: 20 });
  const agree = nearestLabelAgreement(
    { ...map.layout, labels: train.labels },
    { x: r.x, y: r.y, labels: test.labels },
  );
  assert.ok(agree >= 0.9, `nearest map point of the same class for ${agree}`);
  assert.deepEqual(r.options, {
    perplexity: 20,
    neighbors: 60,
    iterations: 250,
    learningRate: 1,
    theta: 0.5,
    init: "affinity-weighted-mean",
  });
  assert.deepEqual(r.warnings, []);
});

Deno.test("tsneTransform() lowers each new point's own KL divergence, and Barnes-Hut matches exact", () => {
  const { test, map } = fixture();
  const k = 30;
  // The affinities the placement computes: perplexity 10 over the 30 nearest map points.
  const { indices, distances } = knnSearch(test.m, map.embeddings, k);
  const p = conditionalAffinities(distances, test.m.rows, k, 10);
  const start = tsneTransform(test.m, map, { perplexity: 10, iterations: 1, learningRate: 1e-12 });
  const exact = tsneTransform(test.m, map, { perplexity: 10, theta: 0 });
  const fast = tsneTransform(test.m, map, { perplexity: 10, theta: 0.5 });
  const before = placementKl(test.m, map, start.x, start.y, p, indices, k);
  const after = placementKl(test.m, map, exact.x, exact.y, p, indices, k);
  assert.ok(after < before, `KL ${before} -> ${after}`);
  const scale = Math.max(...map.layout.x) - Math.min(...map.layout.x);
  for (let i = 0; i < test.m.rows; i++) {
    const d = Math.hypot(exact.x[i] - fast.x[i], exact.y[i] - fast.y[i]);
    assert.ok(d < 0.05 * scale, `point ${i} is ${d} from its exact place (map width ${scale})`);
  }
});

Deno.test("tsneTransform() starts at the affinity-weighted mean and leaves the map alone", () => {
  // Two map points in 1-D at the same input distance from the new point: equal weights.
  const map: FittedMap = {
    embeddings: { data: new Float64Array([0, 2]), rows: 2, dim: 1 },
    layout: { x: new Float64Array([-4, 6]), y: new Float64Array([1, 3]) },
  };
  const copy = structuredClone(map);
  const r = tsneTransform({ data: new Float64Array([1]), rows: 1, dim: 1 }, map, {
    iterations: 1,
    learningRate: 1e-12,
  });
  assert.ok(Math.abs(r.x[0] - 1) < 1e-9 && Math.abs(r.y[0] - 2) < 1e-9, `${r.x[0]}, ${r.y[0]}`);
  assert.deepEqual(map, copy);
  assert.match(r.warnings[0], /perplexity lowered from 30 to 1: the map has only 2 points/);
  const none = tsneTransform({ data: new Float64Array(0), rows: 0, dim: 1 }, map);
  assert.equal(none.x.length, 0);
});

Deno.test("tsneTransform() is deterministic and reports progress", () => {
  const { test, map } = fixture();
  const seen: number[] = [];
  const a = tsneTransform(test.m, map, { iterations: 40, onProgress: (d) => seen.push(d) });
  const b = tsneTransform(test.m, map, { iterations: 40 });
  assert.deepEqual([a.x, a.y], [b.x, b.y]);
  assert.equal(seen.length, 40);
  assert.ok(a.x.every(Number.isFinite) && a.y.every(Number.isFinite));
});

Deno.test("tsneTransform() rejects bad shapes and options", () => {
  const { test, map } = fixture();
  const empty: FittedMap = {
    embeddings: { data: new Float64Array(0), rows: 0, dim: 6 },
    layout: { x: new Float64Array(0), y: new Float64Array(0) },
  };
  assert.throws(() => tsneTransform(test.m, empty), /empty t-SNE map/);
  assert.throws(() => tsneTransform({ ...test.m, dim: 5 }, map), /map of 6 dims/);
  assert.throws(
    () => tsneTransform(test.m, { ...map, layout: { x: new Float64Array(3), y: map.layout.y } }),
    RangeError,
  );
  for (
    const bad of [{ perplexity: 0 }, { iterations: 0 }, { learningRate: -1 }, { theta: 2 }]
  ) {
    assert.throws(() => tsneTransform(test.m, map, bad), RangeError, JSON.stringify(bad));
  }
});
