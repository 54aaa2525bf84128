import assert from "node:assert/strict";
import { inputAffinities, QuadTree } from "../../lib/projection/_barnes_hut.ts";
import { createRng } from "../../lib/random.ts";
import { mixedClusters } from "./_clusters.ts";

Deno.test("inputAffinities() is symmetric, sums to 1 and meets the perplexity per point", () => {
  const m = mixedClusters(60, 4, 0);
  const k = 15, perplexity = 5;
  const p = inputAffinities(m, k, perplexity);
  const dense = new Float64Array(60 * 60);
  for (let i = 0; i < 60; i++) {
    for (let e = p.rowStart[i]; e < p.rowStart[i + 1]; e++) dense[i * 60 + p.cols[e]] = p.values[e];
  }
  let sum = 0;
  for (let i = 0; i < 60; i++) {
    assert.equal(dense[i * 60 + i], 0);
    for (let j = 0; j < 60; j++) {
      sum += dense[i * 60 + j];
      assert.ok(Math.abs(dense[i * 60 + j] - dense[j * 60 + i]) < 1e-15);
    }
  }
  assert.ok(Math.abs(sum - 1) < 1e-12, `sum ${sum}`);
  // Point 0's conditional row, rebuilt by brute force from its k nearest squared distances.
  const d2 = Array.from({ length: 60 }, (_, j) => {
    let s = 0;
    for (let d = 0; d < 4; d++) s += (m.data[d] - m.data[j * 4 + d]) ** 2;
    return { j, s };
  }).filter((o) => o.j !== 0).sort((a, b) => a.s - b.s).slice(0, k);
  // Find beta so that the entropy is log(perplexity), by bisection on log(beta).
  let lo = -30, hi = 30;
  const row = (beta: number) => {
    const w = d2.map((o) => Math.exp(-beta * (o.s - d2[0].s)));
    const z = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / z);
  };
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    const h = -row(Math.exp(mid)).reduce((a, q) => a + (q > 0 ? q * Math.log(q) : 0), 0);
    if (h > Math.log(perplexity)) lo = mid;
    else hi = mid;
  }
  const cond = row(Math.exp(lo));
  // P_0j = (p(j|0) + p(0|j)) / 2N >= p(j|0) / 2N, with equality where 0 is not j's neighbour.
  for (let t = 0; t < k; t++) {
    assert.ok(dense[d2[t].j] >= cond[t] / 120 - 1e-6, `neighbour ${d2[t].j}`);
  }
});

function bruteRepulsion(y: Float64Array, i: number): { fx: number; fy: number; sumQ: number } {
  let fx = 0, fy = 0, sumQ = 0;
  for (let j = 0; j < y.length / 2; j++) {
    const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
    const q = 1 / (1 + dx * dx + dy * dy);
    sumQ += q;
    fx += q * q * dx;
    fy += q * q * dy;
  }
  return { fx, fy, sumQ };
}

Deno.test("QuadTree.repulsion() is exact with theta 0 and close with theta 0.5", () => {
  const rng = createRng(1);
  const n = 300;
  const y = Float64Array.from(
    { length: 2 * n },
    (_, i) => rng.normal() * 10 + (i % 4 < 2 ? 30 : 0),
  );
  // Duplicates: points 1-4 sit on point 0.
  for (let i = 1; i < 5; i++) (y[2 * i] = y[0]), (y[2 * i + 1] = y[1]);
  const tree = new QuadTree(n);
  tree.build(y, n);
  const force = new Float64Array(2 * n);
  let worst = 0, mean = 0;
  for (const theta of [0, 0.5]) {
    for (let i = 0; i < n; i++) {
      const sumQ = tree.repulsion(i, y, theta * theta, force);
      const b = bruteRepulsion(y, i);
      const scale = Math.hypot(b.fx, b.fy) + 1e-3;
      const err = Math.hypot(force[2 * i] - b.fx, force[2 * i + 1] - b.fy) / scale;
      if (theta === 0) {
        assert.ok(err < 1e-9, `point ${i}: force error ${err}`);
        assert.ok(Math.abs(sumQ - b.sumQ) < 1e-9 * b.sumQ, `point ${i}: sumQ ${sumQ}`);
      } else {
        worst = Math.max(worst, err);
        mean += err / n;
        assert.ok(Math.abs(sumQ - b.sumQ) < 0.02 * b.sumQ, `point ${i}: sumQ ${sumQ}`);
      }
    }
  }
  // Barnes-Hut's error is small on average; a few points near large cells see more.
  assert.ok(
    mean < 0.03 && worst < 0.25,
    `relative force error at theta 0.5: mean ${mean}, worst ${worst}`,
  );
});

Deno.test("QuadTree.build() copes with all points in one place", () => {
  const y = new Float64Array(20).fill(1.5);
  const tree = new QuadTree(10);
  tree.build(y, 10);
  const force = new Float64Array(20);
  assert.equal(tree.repulsion(3, y, 0.25, force), 10);
  assert.deepEqual([force[6], force[7]], [0, 0]);
});
