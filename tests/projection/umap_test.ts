import assert from "node:assert/strict";
import { projectUmap } from "../../lib/projection/umap.ts";
import { clusters, separation } from "./_clusters.ts";

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
