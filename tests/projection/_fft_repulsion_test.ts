import assert from "node:assert/strict";
import { FftRepulsion, maxBoxesFor } from "../../lib/projection/_fft_repulsion.ts";
import { createRng } from "../../lib/random.ts";

/** Repulsion and Z by their definition, O(N^2). */
function bruteForce(y: Float64Array, n: number) {
  const force = new Float64Array(2 * n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const w = 1 / (1 + dx * dx + dy * dy);
      z += w;
      force[2 * i] += w * w * dx;
      force[2 * i + 1] += w * w * dy;
    }
  }
  return { force, z };
}

/** Gaussian clumps of `n` points spread over about `scale` layout units. */
function layout(n: number, scale: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const centers = Array.from({ length: 8 }, () => [rng.normal() * scale, rng.normal() * scale]);
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = centers[i % 8];
    y[2 * i] = cx + rng.normal() * (scale / 10 + 0.5);
    y[2 * i + 1] = cy + rng.normal() * (scale / 10 + 0.5);
  }
  return y;
}

/** Relative root-mean-square error of the forces, and relative error of Z. */
function errors(y: Float64Array, n: number) {
  const want = bruteForce(y, n);
  const force = new Float64Array(2 * n);
  const repulsion = new FftRepulsion(n);
  const z = repulsion.compute(y, n, force);
  let err = 0, size = 0;
  for (let c = 0; c < 2 * n; c++) {
    (err += (force[c] - want.force[c]) ** 2), (size += want.force[c] ** 2);
  }
  return {
    force: Math.sqrt(err / size),
    z: Math.abs(z - want.z) / want.z,
    grid: repulsion.lastGridSize,
  };
}

Deno.test("FftRepulsion matches brute force on a small layout (fine boxes only)", () => {
  for (const scale of [1e-3, 0.5, 4]) {
    const e = errors(layout(300, scale, 1), 300);
    // Quadratic interpolation in boxes at most 1 unit wide: FIt-SNE's accuracy.
    assert.ok(e.force < 0.03 && e.z < 0.01, `scale ${scale}: ${JSON.stringify(e)}`);
  }
});

Deno.test("FftRepulsion matches brute force on a wide layout (coarse grid, direct near field)", () => {
  const e = errors(layout(400, 40, 2), 400);
  // Wider than maxBoxesFor(400) units: the grid stops growing, the near field is summed
  // exactly.
  assert.ok(e.grid <= 6 * maxBoxesFor(400), `grid ${e.grid}`);
  assert.ok(e.force < 2e-3 && e.z < 2e-3, JSON.stringify(e));
});

Deno.test("FftRepulsion copes with all points in one place and is deterministic", () => {
  const same = new Float64Array(2 * 50).fill(3);
  const force = new Float64Array(100);
  const z = new FftRepulsion(50).compute(same, 50, force);
  assert.ok(Math.abs(z - 50 * 49) < 1e-6 * 50 * 49, `Z ${z}`);
  assert.ok(force.every((f) => Math.abs(f) < 1e-9));
  const y = layout(200, 30, 3);
  const a = new Float64Array(400), b = new Float64Array(400);
  const repulsion = new FftRepulsion(200);
  assert.equal(repulsion.compute(y, 200, a), new FftRepulsion(200).compute(y, 200, b));
  assert.deepEqual(a, b);
  // The same object again, its kernels' spectrum reused: the same numbers.
  assert.equal(repulsion.compute(y, 200, b), new FftRepulsion(200).compute(y, 200, a));
  assert.deepEqual(a, b);
});
