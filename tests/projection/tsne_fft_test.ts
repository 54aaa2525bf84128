import assert from "node:assert/strict";
import { barnesHutTsne } from "../../lib/projection/tsne_bh.ts";
import { fftTsne } from "../../lib/projection/tsne_fft.ts";
import { clusters, mixedClusters, neighborhoodPreservation, separation } from "./_clusters.ts";

Deno.test("fftTsne() gives the same layout for the same seed", () => {
  const m = mixedClusters(60, 5, 0);
  const run = (seed: number, init: "pca" | "random") =>
    fftTsne(m, { seed, init, perplexity: 10, iterations: 60 });
  const first = { pca: run(3, "pca"), random: run(3, "random") };
  for (const init of ["pca", "random"] as const) {
    const again = run(3, init);
    assert.deepEqual([again.x, again.y, again.klDivergence], [
      first[init].x,
      first[init].y,
      first[init].klDivergence,
    ]);
    assert.ok(again.x.every(Number.isFinite) && again.y.every(Number.isFinite));
  }
  assert.notDeepEqual(run(4, "random").x, first.random.x);
  // PCA init has no randomness: the seed does not change the layout.
  assert.deepEqual(run(4, "pca").x, first.pca.x);
});

Deno.test("fftTsne() keeps clusters apart and records the options it used", () => {
  const { m, labels } = clusters(150, 6, 3, 1);
  const progress: number[] = [];
  const r = fftTsne(m, { seed: 0, iterations: 500, onProgress: (d, t) => progress.push(d / t) });
  const { within, between } = separation(r.x, r.y, labels);
  assert.ok(within * 5 < between, `within ${within}, between ${between}`);
  assert.deepEqual(r.options, {
    seed: 0,
    perplexity: 30,
    iterations: 500,
    learningRate: 200,
    init: "pca",
    earlyExaggeration: 12,
    exaggerationIterations: 125,
    neighbors: 90,
    interpolationPoints: 3,
    boxWidth: 1,
    maxBoxes: 96,
    nearCutoff: 2.5,
  });
  assert.equal(r.iterationsRun, 500);
  assert.equal(progress.length, 500);
  assert.equal(progress.at(-1), 1);
  assert.ok(r.klDivergence > 0 && r.klDivergence < 2, `KL ${r.klDivergence}`);
  assert.ok(r.gridSize >= 48 && r.gridSize <= 576, `grid ${r.gridSize}`);
  assert.deepEqual(r.warnings, []);
});

Deno.test("fftTsne() preserves neighbourhoods and reaches the KL of Barnes-Hut t-SNE", () => {
  // Wide enough a layout for both regimes of the repulsion (fine grid, then coarse grid
  // with the near field summed directly).
  const m = mixedClusters(400, 8, 2);
  const fft = fftTsne(m, { seed: 0, perplexity: 15, iterations: 600 });
  const bh = barnesHutTsne(m, { seed: 0, perplexity: 15, iterations: 600 });
  const a = neighborhoodPreservation(m, fft.x, fft.y);
  const b = neighborhoodPreservation(m, bh.x, bh.y);
  const seen = `FFT: 10-NN ${a}, KL ${fft.klDivergence}; BH: 10-NN ${b}, KL ${bh.klDivergence}`;
  assert.ok(a > 0.5 && a >= b - 0.03, seen);
  assert.ok(fft.klDivergence <= bh.klDivergence * 1.05 + 0.01, seen);
  // Three threads share the iterations' work (the wide layout's near field too): the same
  // floats, whichever thread took which piece.
  const threaded = fftTsne(m, { seed: 0, perplexity: 15, iterations: 600, threads: 3 });
  assert.deepEqual([threaded.x, threaded.y, threaded.klDivergence, threaded.warnings], [
    fft.x,
    fft.y,
    fft.klDivergence,
    [],
  ]);
});

Deno.test("fftTsne() handles tiny inputs, duplicates and too large a perplexity", () => {
  const two = fftTsne({ data: new Float32Array(6), rows: 2, dim: 3 }, { seed: 0 });
  assert.deepEqual([...two.x, ...two.y], [0, 1, 0, 0]);
  assert.match(two.warnings[0], /needs at least 3 points, got 2/);
  const three = fftTsne(
    { data: new Float64Array([0, 0, 1, 0, 5, 5]), rows: 3, dim: 2 },
    { seed: 0, iterations: 50 },
  );
  assert.deepEqual([three.options.perplexity, three.options.neighbors], [1, 2]);
  assert.match(three.warnings[0], /perplexity lowered from 30 to 1: only 3 points/);
  assert.ok([...three.x, ...three.y].every(Number.isFinite));
  const same = fftTsne({ data: new Float64Array(30).fill(2), rows: 10, dim: 3 }, {
    seed: 0,
    iterations: 50,
  });
  assert.ok([...same.x, ...same.y].every(Number.isFinite));
  assert.equal(same.options.init, "random");
});

Deno.test("fftTsne() rejects bad options and values with one clear message", () => {
  const { m } = clusters(20, 2, 2);
  assert.throws(() => fftTsne(m, { seed: 0, perplexity: 0 }), /Invalid t-SNE perplexity 0/);
  assert.throws(() => fftTsne(m, { seed: 0, iterations: 2.5 }), /Invalid t-SNE iterations 2.5/);
  assert.throws(() => fftTsne(m, { seed: 0, learningRate: -1 }), /learningRate -1/);
  assert.throws(() => fftTsne(m, { seed: 0, threads: 0 }), /Invalid threads 0/);
  // @ts-expect-error: not an init
  assert.throws(() => fftTsne(m, { seed: 0, init: "spectral" }), /init "spectral"/);
  assert.throws(() => fftTsne({ ...m, rows: 3 }, { seed: 0 }), /values is not 3 rows/);
  const bad = Float64Array.from(m.data);
  bad[3] = NaN;
  assert.throws(() => fftTsne({ ...m, data: bad }, { seed: 0 }), /value NaN at row 1/);
});
