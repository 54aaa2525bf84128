import assert from "node:assert/strict";
import { pcaBasis, projectOntoPca, projectPca } from "../../lib/projection/pca.ts";
import { createRng } from "../../lib/random.ts";

Deno.test("projectPca() puts points on a line on the x axis, with y near 0", () => {
  // 3-D points on the line t * (1, 2, -2) + (5, 5, 5).
  const ts = [-2, -1, 0, 0.5, 3];
  const data = Float64Array.from(ts.flatMap((t) => [5 + t, 5 + 2 * t, 5 - 2 * t]));
  const { x, y } = projectPca({ data, rows: ts.length, dim: 3 });
  // The direction (1, 2, -2) has norm 3: x is 3t minus the mean; the largest loading (2)
  // is made positive, so x increases with t.
  const mean = ts.reduce((s, t) => s + t, 0) / ts.length;
  ts.forEach((t, i) => assert.ok(Math.abs(x[i] - 3 * (t - mean)) < 1e-9, `x[${i}] = ${x[i]}`));
  assert.ok(y.every((v) => Math.abs(v) < 1e-9));
});

Deno.test("projectPca() matches hand-solved axes of an axis-aligned cross", () => {
  // Variance 4.5 along the 2nd coordinate, 0.5 along the 1st, 0 along the 3rd.
  const data = new Float64Array([0, 3, 7, 0, -3, 7, 1, 0, 7, -1, 0, 7]);
  const { x, y } = projectPca({ data, rows: 4, dim: 3 });
  assert.deepEqual(Array.from(x, (v) => Math.round(v * 1e9) / 1e9), [3, -3, 0, 0]);
  assert.deepEqual(Array.from(y, (v) => Math.round(v * 1e9) / 1e9), [0, 0, 1, -1]);
});

Deno.test("projectPca() gives uncorrelated axes, the first with the most variance", () => {
  const rng = createRng(4);
  const rows = 200, dim = 6;
  const data = new Float64Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const a = rng.normal() * 3, b = rng.normal();
    for (let j = 0; j < dim; j++) {
      data[i * dim + j] = a * (j + 1) / 6 + b * (j % 2) + rng.normal() * 0.1;
    }
  }
  const { x, y } = projectPca({ data, rows, dim });
  const mean = (v: Float64Array) => v.reduce((s, e) => s + e, 0) / v.length;
  assert.ok(Math.abs(mean(x)) < 1e-9 && Math.abs(mean(y)) < 1e-9);
  const cov = x.reduce((s, v, i) => s + v * y[i], 0);
  const vx = x.reduce((s, v) => s + v * v, 0), vy = y.reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(cov) < 1e-6 * vx, `covariance ${cov}`);
  assert.ok(vx > vy && vy > 0);
  // Brute force: no direction among random unit vectors beats the first axis.
  for (let trial = 0; trial < 50; trial++) {
    const u = Array.from({ length: dim }, () => rng.normal());
    const norm = Math.hypot(...u);
    let v = 0;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += (data[i * dim + j]) * u[j] / norm;
      v += s * s;
    }
    // Uncentred sums are at least the centred ones, so compare against centred variance.
    const centredMean = Array.from({ length: dim }, (_, j) => {
      let s = 0;
      for (let i = 0; i < rows; i++) s += data[i * dim + j];
      return s / rows;
    }).reduce((s, mj, j) => s + mj * u[j] / norm, 0);
    assert.ok(v - rows * centredMean ** 2 <= vx * (1 + 1e-9));
  }
});

Deno.test("projectPca() is deterministic and independent of row order", () => {
  const rng = createRng(9);
  const rows = 30, dim = 4;
  const data = Float64Array.from({ length: rows * dim }, () => rng.normal());
  const a = projectPca({ data, rows, dim });
  const reversed = new Float64Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    reversed.set(data.subarray(i * dim, (i + 1) * dim), (rows - 1 - i) * dim);
  }
  const b = projectPca({ data: reversed, rows, dim });
  for (let i = 0; i < rows; i++) {
    assert.ok(Math.abs(a.x[i] - b.x[rows - 1 - i]) < 1e-9);
    assert.ok(Math.abs(a.y[i] - b.y[rows - 1 - i]) < 1e-9);
  }
  assert.deepEqual(projectPca({ data, rows, dim }), a);
  assert.equal(data[0], createRng(9).normal(), "input not modified");
});

Deno.test("projectPca() handles edge cases and rejects a wrong shape", () => {
  assert.deepEqual(projectPca({ data: new Float64Array(0), rows: 0, dim: 3 }), {
    x: new Float64Array(0),
    y: new Float64Array(0),
  });
  const one = projectPca({ data: new Float64Array([1, 2, 3]), rows: 1, dim: 3 });
  assert.deepEqual([one.x[0], one.y[0]], [0, 0]);
  const dim1 = projectPca({ data: new Float32Array([1, 3, 5]), rows: 3, dim: 1 });
  assert.deepEqual([...dim1.x], [-2, 0, 2]);
  assert.deepEqual([...dim1.y], [0, 0, 0]);
  assert.throws(
    () => projectPca({ data: new Float64Array(5), rows: 2, dim: 3 }),
    (e) => e instanceof RangeError && /5 values is not 2 rows x 3 dims/.test(e.message),
  );
});

Deno.test("projectOntoPca() places other rows with the basis's mean and axes, as by hand", () => {
  // The cross above, moved: mean (1, 2, 7), first axis the 2nd coordinate, second the 1st.
  const data = new Float64Array([1, 5, 7, 1, -1, 7, 2, 2, 7, 0, 2, 7]);
  const basis = pcaBasis({ data, rows: 4, dim: 3 });
  assert.deepEqual(Array.from(basis.mean), [1, 2, 7]);
  const others = new Float64Array([4, 10, 0, 1, 2, 7]);
  const { x, y } = projectOntoPca({ data: others, rows: 2, dim: 3 }, basis);
  // (4, 10, 0) - mean = (3, 8, -7): 8 on the first axis, 3 on the second; the 3rd is dropped.
  assert.deepEqual(Array.from(x, (v) => Math.round(v * 1e9) / 1e9), [8, 0]);
  assert.deepEqual(Array.from(y, (v) => Math.round(v * 1e9) / 1e9), [3, 0]);
  // On its own rows it is projectPca.
  assert.deepEqual(
    projectOntoPca({ data, rows: 4, dim: 3 }, basis),
    projectPca({ data, rows: 4, dim: 3 }),
  );
  assert.throws(() => projectOntoPca({ data: others, rows: 3, dim: 2 }, basis), /basis of 3 dims/);
  assert.throws(() => projectOntoPca({ data: others, rows: 3, dim: 3 }, basis), RangeError);
  const none = pcaBasis({ data: new Float64Array(0), rows: 0, dim: 3 });
  assert.deepEqual(projectOntoPca({ data: others, rows: 2, dim: 3 }, none).x, new Float64Array(2));
});
