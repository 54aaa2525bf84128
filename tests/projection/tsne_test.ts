import assert from "node:assert/strict";
import { projectTsne, TSNE_AUTO_EXACT_MAX } from "../../lib/projection/tsne.ts";
import { createRng } from "../../lib/random.ts";
import { clusters, mixedClusters, neighborhoodPreservation, separation } from "./_clusters.ts";

Deno.test("projectTsne() gives the same layout for the same seed and restores Math.random", () => {
  const { m } = clusters(30, 4, 3);
  const random = Math.random;
  const a = projectTsne(m, { seed: 7, perplexity: 5, iterations: 120 });
  assert.equal(Math.random, random);
  const b = projectTsne(m, { seed: 7, perplexity: 5, iterations: 120 });
  const c = projectTsne(m, { seed: 8, perplexity: 5, iterations: 120 });
  assert.deepEqual([a.x, a.y], [b.x, b.y]);
  assert.notDeepEqual(a.x, c.x);
  assert.ok(a.x.every(Number.isFinite) && a.y.every(Number.isFinite));
});

Deno.test("projectTsne() keeps well-separated clusters apart", () => {
  const { m, labels } = clusters(45, 4, 3, 2);
  const r = projectTsne(m, { seed: 0, perplexity: 8, iterations: 200 });
  const { within, between } = separation(r.x, r.y, labels);
  assert.ok(within * 3 < between, `within ${within}, between ${between}`);
  assert.deepEqual(r.options, {
    method: "exact",
    seed: 0,
    perplexity: 8,
    iterations: 200,
    learningRate: 50,
    theta: null,
    init: "random",
    earlyExaggeration: 4,
    exaggerationIterations: 100,
  });
  assert.deepEqual(r.warnings, []);
});

Deno.test("projectTsne() lowers the perplexity for few points, with a warning", () => {
  const { m } = clusters(40, 4, 2);
  const seen: number[] = [];
  const r = projectTsne(m, { seed: 0, iterations: 110, onProgress: (d, t) => seen.push(d / t) });
  assert.equal(r.options.perplexity, 13);
  assert.match(r.warnings[0], /perplexity lowered from 30 to 13: only 40 points/);
  assert.equal(seen.at(-1), 1);
  const two = projectTsne({ data: new Float64Array(8), rows: 2, dim: 4 }, { seed: 0 });
  assert.deepEqual([...two.x, ...two.y], [0, 1, 0, 0]);
});

Deno.test("projectTsne() rejects bad options", () => {
  const { m } = clusters(10, 2, 2);
  assert.throws(() => projectTsne(m, { seed: 0, perplexity: 0 }), RangeError);
  assert.throws(() => projectTsne(m, { seed: 0, iterations: 0 }), RangeError);
  assert.throws(() => projectTsne(m, { seed: 0, learningRate: -1 }), RangeError);
  assert.throws(() => projectTsne({ ...m, dim: 3 }, { seed: 0 }), RangeError);
  assert.throws(
    // @ts-expect-error: not a method
    () => projectTsne(m, { seed: 0, method: "umap" }),
    /Invalid t-SNE method "umap": use "exact", "barnes-hut", "fft" or "auto"/,
  );
  const fft = { seed: 0, method: "fft" } as const;
  assert.throws(() => projectTsne(m, { ...fft, perplexity: -2 }), /Invalid t-SNE perplexity -2/);
  // @ts-expect-error: not an init
  assert.throws(() => projectTsne(m, { ...fft, init: "spectral" }), /init "spectral"/);
  const bh = { seed: 0, method: "barnes-hut" } as const;
  assert.throws(() => projectTsne(m, { ...bh, theta: 2 }), /Invalid t-SNE theta 2/);
  assert.throws(() => projectTsne(m, { ...bh, iterations: 1.5 }), RangeError);
});

Deno.test("projectTsne() picks exact up to TSNE_AUTO_EXACT_MAX points and FFT above", () => {
  const { m } = clusters(TSNE_AUTO_EXACT_MAX + 1, 3, 3);
  const big = projectTsne(m, { seed: 0, iterations: 40 });
  assert.equal(big.options.method, "fft");
  assert.equal(big.options.theta, null);
  assert.equal(big.options.init, "pca");
  assert.deepEqual(big.warnings, []);
  const bh = projectTsne(m, { seed: 0, iterations: 40, method: "barnes-hut" });
  assert.deepEqual([bh.options.method, bh.options.theta], ["barnes-hut", 0.5]);
  const fft = projectTsne(m, { seed: 0, iterations: 40, method: "fft", theta: 0.3 });
  assert.match(fft.warnings.join("\n"), /theta ignored: it applies to Barnes-Hut, not FFT/);
  const small = clusters(20, 3, 2).m;
  const exact = projectTsne(small, { seed: 0, iterations: 101, theta: 0.3 });
  assert.equal(exact.options.method, "exact");
  assert.match(exact.warnings.join("\n"), /theta ignored: it applies to Barnes-Hut/);
});

Deno.test("projectTsne() Barnes-Hut preserves neighbourhoods as well as exact t-SNE", () => {
  // 120 points, 10 dims: 4 separated clusters and 2 overlapping ones. Exact tsne-js takes a
  // few seconds here; this is the check that the approximation costs no quality.
  const m = mixedClusters(120, 10, 1);
  const exact = projectTsne(m, { seed: 1, method: "exact", perplexity: 15, iterations: 300 });
  const bh = projectTsne(m, { seed: 1, method: "barnes-hut", perplexity: 15 });
  const npExact = neighborhoodPreservation(m, exact.x, exact.y);
  const npBh = neighborhoodPreservation(m, bh.x, bh.y);
  // Baselines: a random layout, and a random linear projection of the input.
  const rng = createRng(5);
  const rx = Float64Array.from({ length: m.rows }, () => rng.normal());
  const ry = Float64Array.from({ length: m.rows }, () => rng.normal());
  const w = Array.from({ length: 2 * m.dim }, () => rng.normal());
  const px = new Float64Array(m.rows), py = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    for (let d = 0; d < m.dim; d++) {
      px[i] += m.data[i * m.dim + d] * w[d];
      py[i] += m.data[i * m.dim + d] * w[m.dim + d];
    }
  }
  const npRandom = neighborhoodPreservation(m, rx, ry);
  const npLinear = neighborhoodPreservation(m, px, py);
  const seen = `exact ${npExact}, Barnes-Hut ${npBh}, random ${npRandom}, linear ${npLinear}`;
  assert.ok(Math.abs(npBh - npExact) <= 0.05, seen);
  for (const np of [npExact, npBh]) assert.ok(np > npRandom + 0.5 && np > npLinear + 0.1, seen);
});
