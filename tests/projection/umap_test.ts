import assert from "node:assert/strict";
import { projectUmap } from "../../lib/projection/umap.ts";
import { clusters, nearestLabelAgreement, separation, splitClusters } from "./_clusters.ts";

Deno.test("projectUmap() gives the same layout for the same seed, another for another seed", () => {
  const { m } = clusters(50, 4, 3);
  const a = projectUmap(m, { seed: 7, nEpochs: 50 });
  const b = projectUmap(m, { seed: 7, nEpochs: 50 });
  const c = projectUmap(m, { seed: 8, nEpochs: 50 });
  assert.deepEqual([a.x, a.y], [b.x, b.y]);
  assert.notDeepEqual(a.x, c.x);
  assert.ok(a.x.every(Number.isFinite) && a.y.every(Number.isFinite));
});

Deno.test("projectUmap() keeps well-separated clusters apart", () => {
  const { m, labels } = clusters(60, 4, 3, 1);
  const r = projectUmap(m, { seed: 0, nNeighbors: 10, nEpochs: 200 });
  const { within, between } = separation(r.x, r.y, labels);
  assert.ok(within * 3 < between, `within ${within}, between ${between}`);
  assert.deepEqual(r.options, { seed: 0, nNeighbors: 10, minDist: 0.1, nEpochs: 200 });
  assert.deepEqual(r.warnings, []);
});

Deno.test("projectUmap() reports progress and lowers nNeighbors for tiny inputs", () => {
  const { m } = clusters(8, 4, 2);
  const seen: [number, number][] = [];
  const r = projectUmap(m, { seed: 0, nEpochs: 10, onProgress: (d, t) => seen.push([d, t]) });
  assert.equal(r.options.nNeighbors, 7);
  assert.match(r.warnings[0], /nNeighbors lowered from 15 to 7: only 8 points/);
  assert.deepEqual(seen.at(-1), [10, 10]);
  assert.equal(seen.length, 11);
  const two = projectUmap({ data: new Float64Array(8), rows: 2, dim: 4 }, { seed: 0 });
  assert.deepEqual([...two.x, ...two.y], [0, 1, 0, 0]);
  assert.match(two.warnings[0], /at least 3 points/);
});

Deno.test("projectUmap() rejects bad options", () => {
  const { m } = clusters(20, 2, 2);
  assert.throws(() => projectUmap(m, { seed: 0, nNeighbors: 1 }), RangeError);
  assert.throws(() => projectUmap(m, { seed: 0, minDist: -1 }), RangeError);
  assert.throws(() => projectUmap(m, { seed: 0, nEpochs: 0 }), RangeError);
  assert.throws(() => projectUmap({ ...m, rows: 21 }, { seed: 0 }), RangeError);
});

Deno.test("projectUmap() places transform points beside the fitted points of their class", () => {
  // 40 separate clusters: umap-js's own neighbour search misplaces most of these points.
  const { train, test } = splitClusters(600, 120, 8, 40, 2);
  const alone = projectUmap(train.m, { seed: 1, nEpochs: 100 });
  const r = projectUmap(train.m, { seed: 1, nEpochs: 100, transform: test.m });
  // The transform runs after the fit: the fitted layout is the same with or without it.
  assert.deepEqual([r.x, r.y], [alone.x, alone.y]);
  const placed = r.transformed!;
  assert.equal(placed.x.length, 120);
  assert.equal(placed.nEpochs, 100);
  assert.ok(placed.x.every(Number.isFinite) && placed.y.every(Number.isFinite));
  const agree = nearestLabelAgreement(
    { x: r.x, y: r.y, labels: train.labels },
    { x: placed.x, y: placed.y, labels: test.labels },
  );
  assert.ok(agree >= 0.9, `nearest fitted point of the same class for ${agree}`);
  const again = projectUmap(train.m, { seed: 1, nEpochs: 100, transform: test.m });
  assert.deepEqual([again.transformed!.x, again.transformed!.y], [placed.x, placed.y]);
});

Deno.test("projectUmap() transforms as many points as it fitted, and tiny or bad inputs", () => {
  // umap-js moves the fitted points too when the counts are equal; projectUmap avoids it.
  const { train, test } = splitClusters(40, 40, 4, 4, 3);
  const r = projectUmap(train.m, { seed: 0, nEpochs: 20, transform: test.m, transformEpochs: 7 });
  const placed = r.transformed!;
  assert.equal(placed.x.length, 40);
  assert.equal(placed.nEpochs, 7);
  const agree = nearestLabelAgreement(
    { x: r.x, y: r.y, labels: train.labels },
    { x: placed.x, y: placed.y, labels: test.labels },
  );
  assert.ok(agree >= 0.9, `nearest fitted point of the same class for ${agree}`);
  const tiny = projectUmap({ data: new Float64Array(8), rows: 2, dim: 4 }, {
    seed: 0,
    transform: { data: new Float64Array(4), rows: 1, dim: 4 },
  });
  assert.deepEqual([...tiny.transformed!.x], [0]);
  assert.throws(
    () => projectUmap(train.m, { seed: 0, transform: { ...test.m, dim: 3 } }),
    /40 rows x 4 dims/,
  );
  assert.throws(() => projectUmap(train.m, { seed: 0, transformEpochs: 0 }), RangeError);
});
