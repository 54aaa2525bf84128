import assert from "node:assert/strict";
import { barnesHutTsne } from "../../lib/projection/tsne_bh.ts";
import { clusters, mixedClusters, neighborhoodPreservation, separation } from "./_clusters.ts";

Deno.test("barnesHutTsne() gives the same layout for the same seed", () => {
  const m = mixedClusters(90, 5, 0);
  const options = { perplexity: 10, iterations: 200 };
  for (const init of ["pca", "random"] as const) {
    const a = barnesHutTsne(m, { seed: 3, init, ...options });
    const b = barnesHutTsne(m, { seed: 3, init, ...options });
    assert.deepEqual([a.x, a.y], [b.x, b.y]);
    assert.ok(a.x.every(Number.isFinite) && a.y.every(Number.isFinite));
  }
  const r1 = barnesHutTsne(m, { seed: 3, init: "random", ...options });
  const r2 = barnesHutTsne(m, { seed: 4, init: "random", ...options });
  assert.notDeepEqual(r1.x, r2.x);
  // PCA init has no randomness: the seed does not change the layout.
  const p1 = barnesHutTsne(m, { seed: 3, ...options });
  const p2 = barnesHutTsne(m, { seed: 4, ...options });
  assert.deepEqual(p1.x, p2.x);
});

Deno.test("barnesHutTsne() keeps clusters apart and records the options it used", () => {
  const { m, labels } = clusters(150, 6, 3, 1);
  const progress: number[] = [];
  const r = barnesHutTsne(m, { seed: 0, onProgress: (d, t) => progress.push(d / t) });
  const { within, between } = separation(r.x, r.y, labels);
  assert.ok(within * 5 < between, `within ${within}, between ${between}`);
  assert.deepEqual(r.options, {
    seed: 0,
    perplexity: 30,
    iterations: 1000,
    learningRate: 200,
    theta: 0.5,
    init: "pca",
    earlyExaggeration: 12,
    exaggerationIterations: 250,
    neighbors: 90,
  });
  assert.equal(r.iterationsRun, 1000);
  assert.equal(progress.length, 1000);
  assert.equal(progress.at(-1), 1);
  assert.ok(r.klDivergence > 0 && r.klDivergence < 2, `KL ${r.klDivergence}`);
  assert.deepEqual(r.warnings, []);
});

Deno.test("barnesHutTsne() with theta 0 and 0.5 preserves neighbourhoods alike", () => {
  const m = mixedClusters(150, 8, 2);
  const exact = barnesHutTsne(m, { seed: 0, theta: 0, perplexity: 15, iterations: 400 });
  const fast = barnesHutTsne(m, { seed: 0, theta: 0.5, perplexity: 15, iterations: 400 });
  const a = neighborhoodPreservation(m, exact.x, exact.y);
  const b = neighborhoodPreservation(m, fast.x, fast.y);
  assert.ok(Math.abs(a - b) < 0.05 && a > 0.5, `theta 0: ${a}, theta 0.5: ${b}`);
});

Deno.test("barnesHutTsne() handles tiny inputs, duplicates and too large a perplexity", () => {
  const two = barnesHutTsne({ data: new Float32Array(6), rows: 2, dim: 3 }, { seed: 0 });
  assert.deepEqual([...two.x, ...two.y], [0, 1, 0, 0]);
  assert.match(two.warnings[0], /needs at least 3 points, got 2/);
  const three = barnesHutTsne(
    { data: new Float64Array([0, 0, 1, 0, 5, 5]), rows: 3, dim: 2 },
    { seed: 0, iterations: 50 },
  );
  assert.equal(three.options.perplexity, 1);
  assert.equal(three.options.neighbors, 2);
  assert.match(three.warnings[0], /perplexity lowered from 30 to 1: only 3 points/);
  assert.ok([...three.x, ...three.y].every(Number.isFinite));
  // 40 points, every one of them 4 times over, and all points identical.
  const { m } = clusters(10, 3, 2);
  const data = new Float64Array(40 * 3);
  for (let i = 0; i < 40; i++) data.set(m.data.subarray((i % 10) * 3, (i % 10) * 3 + 3), i * 3);
  for (const init of ["pca", "random"] as const) {
    const dup = barnesHutTsne({ data, rows: 40, dim: 3 }, { seed: 0, init, iterations: 200 });
    assert.ok([...dup.x, ...dup.y].every(Number.isFinite), init);
  }
  const same = barnesHutTsne({ data: new Float64Array(30).fill(2), rows: 10, dim: 3 }, {
    seed: 0,
    iterations: 50,
  });
  assert.ok([...same.x, ...same.y].every(Number.isFinite));
  assert.equal(same.options.init, "random");
});

Deno.test("barnesHutTsne() rejects bad options and values", () => {
  const { m } = clusters(20, 2, 2);
  assert.throws(() => barnesHutTsne(m, { seed: 0, perplexity: -1 }), RangeError);
  assert.throws(() => barnesHutTsne(m, { seed: 0, iterations: 0 }), RangeError);
  assert.throws(() => barnesHutTsne(m, { seed: 0, learningRate: 0 }), RangeError);
  assert.throws(() => barnesHutTsne(m, { seed: 0, theta: -0.1 }), /theta -0.1: give a number/);
  // @ts-expect-error: not an init
  assert.throws(() => barnesHutTsne(m, { seed: 0, init: "spectral" }), /init "spectral"/);
  assert.throws(() => barnesHutTsne({ ...m, rows: 3 }, { seed: 0 }), /values is not 3 rows/);
  const bad = Float64Array.from(m.data);
  bad[3] = NaN;
  assert.throws(() => barnesHutTsne({ ...m, data: bad }, { seed: 0 }), RangeError);
});
