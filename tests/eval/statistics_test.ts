import assert from "node:assert/strict";
import {
  mantelTest,
  meanAndSpread,
  pairedDifference,
  spearman,
  studentTQuantile,
} from "../../lib/eval/statistics.ts";
import { createRng } from "../../lib/random.ts";

const close = (actual: number | null, expected: number, tol = 1e-9) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tol,
    `expected ${expected}, got ${actual}`,
  );

Deno.test("spearman() averages tied ranks (solved by hand)", () => {
  // a = [1, 2, 2, 3] -> ranks [1, 2.5, 2.5, 4]; b = [1, 3, 2, 4] -> ranks [1, 3, 2, 4].
  // Centred: a [-1.5, 0, 0, 1.5], b [-1.5, 0.5, -0.5, 1.5]:
  // sum ab = 4.5, sum aa = 4.5, sum bb = 5 -> rho = 4.5 / sqrt(22.5) = 0.9486833.
  close(spearman([1, 2, 2, 3], [1, 3, 2, 4]), 4.5 / Math.sqrt(22.5));
  close(spearman([3, 1, 2], [30, 20, 10]), 0.5);
  assert.equal(spearman([5, 4, 3], [1, 2, 3]), -1);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  assert.throws(() => spearman([1, 2], [1]), TypeError);
});

// A 4x4 distance matrix with six distinct off-diagonal values: only the identity maps it
// onto itself.
// deno-fmt-ignore
const D = new Float64Array([
  0, 1, 2, 3,
  1, 0, 4, 5,
  2, 4, 0, 6,
  3, 5, 6, 0,
]);

function permutedPearson(d: Float64Array, perm: ArrayLike<number>, n: number): number {
  const x: number[] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      x.push(d[perm[i] * n + perm[j]]);
      y.push(d[i * n + j]);
    }
  }
  return spearman(x, y);
}

Deno.test("mantelTest() on identical matrices gives 1 and a p-value from the formula", () => {
  const permutations = 199;
  const seed = 3;
  const result = mantelTest(D, D, 4, { permutations, seed });
  close(result.statistic, 1);
  assert.equal(result.permutations, permutations);
  // Replay the documented permutation stream and count, by brute force, those whose
  // statistic reaches the observed one.
  const rng = createRng(seed);
  let atLeast = 0;
  for (let r = 0; r < permutations; r++) {
    const perm = rng.shuffle(Int32Array.from([0, 1, 2, 3]));
    if (permutedPearson(D, perm, 4) >= 1 - 1e-12) atLeast++;
  }
  close(result.pValue, (1 + atLeast) / (1 + permutations));
  // Only 1 in 24 permutations is the identity: about 1/24 of draws count.
  assert.ok(result.pValue < 0.1 && result.pValue > 0.01, `p = ${result.pValue}`);
});

Deno.test("mantelTest() Pearson statistic matches the exhaustive distribution", () => {
  // deno-fmt-ignore
  const d2 = new Float64Array([
    0, 2, 1, 3,
    2, 0, 5, 4,
    1, 5, 0, 6,
    3, 4, 6, 0,
  ]);
  const r = mantelTest(D, d2, 4, { method: "pearson", permutations: 0 });
  // Upper triangles: d1 [1, 2, 3, 4, 5, 6], d2 [2, 1, 3, 5, 4, 6].
  // Pearson of x and y by hand: centred x [-2.5..2.5], y [-1.5,-2.5,-0.5,1.5,0.5,2.5].
  const sxy = 3.75 + 3.75 + 0.25 + 0.75 + 0.75 + 6.25;
  close(r.statistic, sxy / 17.5);
  assert.equal(r.pValue, 1);
  // Exhaustive: the statistic is the largest over all 24 relabelings of d1, so with many
  // draws the p-value approaches #{perm: stat >= observed} / 24.
  const perms: number[][] = [];
  const build = (prefix: number[]) => {
    if (prefix.length === 4) perms.push(prefix);
    for (let v = 0; v < 4; v++) if (!prefix.includes(v)) build([...prefix, v]);
  };
  build([]);
  const exact = perms.filter((p) => {
    const a: number[] = [], b: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (let j = i + 1; j < 4; j++) {
        a.push(D[p[i] * 4 + p[j]]);
        b.push(d2[i * 4 + j]);
      }
    }
    const ma = a.reduce((s, v) => s + v) / 6, mb = b.reduce((s, v) => s + v) / 6;
    let sab = 0, saa = 0, sbb = 0;
    for (let k = 0; k < 6; k++) {
      sab += (a[k] - ma) * (b[k] - mb);
      saa += (a[k] - ma) ** 2;
      sbb += (b[k] - mb) ** 2;
    }
    return sab / Math.sqrt(saa * sbb) >= r.statistic - 1e-12;
  }).length / 24;
  const many = mantelTest(D, d2, 4, { method: "pearson", permutations: 4999, seed: 1 });
  close(many.pValue, exact, 0.02);
});

Deno.test("mantelTest() is deterministic per seed and validates input", () => {
  const a = mantelTest(D, D, 4, { permutations: 50, seed: 9 });
  const b = mantelTest(D, D, 4, { permutations: 50, seed: 9 });
  assert.deepEqual(a, b);
  assert.throws(() => mantelTest(D, D, 3), TypeError);
  assert.throws(() => mantelTest(D, D, 4, { permutations: -1 }), RangeError);
  const flat = new Float64Array(16);
  assert.ok(Number.isNaN(mantelTest(flat, D, 4).statistic));
});

Deno.test("studentTQuantile() matches tabulated values to 1e-4", () => {
  close(studentTQuantile(0.975, 1), 12.7062, 1e-4);
  close(studentTQuantile(0.975, 2), 4.3027, 1e-4);
  close(studentTQuantile(0.975, 4), 2.7764, 1e-4);
  close(studentTQuantile(0.975, 30), 2.0423, 1e-4);
  close(studentTQuantile(0.995, 10), 3.1693, 1e-4);
  close(studentTQuantile(0.025, 4), -2.7764, 1e-4);
  assert.equal(studentTQuantile(0.5, 3), 0);
  // Large df tends to the normal quantile 1.959964.
  close(studentTQuantile(0.975, 1e6), 1.959966, 1e-5);
  assert.throws(() => studentTQuantile(1, 3), RangeError);
  assert.throws(() => studentTQuantile(0.9, 0), RangeError);
});

Deno.test("pairedDifference() gives the mean and a t interval", () => {
  // Differences [1, 2, 3, 4, 5]: mean 3, s = sqrt(2.5), se = sqrt(0.5), t(0.975, 4) = 2.776445.
  const r = pairedDifference([2, 4, 6, 8, 10], [1, 2, 3, 4, 5]);
  close(r.meanDifference, 3);
  close(r.standardError, Math.sqrt(0.5));
  close(r.low, 3 - 2.776445 * Math.sqrt(0.5), 1e-5);
  close(r.high, 3 + 2.776445 * Math.sqrt(0.5), 1e-5);
  assert.equal(r.n, 5);
  assert.equal(r.df, 4);
  const one = pairedDifference([0.9], [0.7]);
  close(one.meanDifference, 0.2, 1e-12);
  assert.equal(one.low, null);
  assert.equal(one.high, null);
  assert.equal(one.standardError, null);
  assert.throws(() => pairedDifference([], []), RangeError);
  assert.throws(() => pairedDifference([1], [1, 2]), TypeError);
  assert.throws(() => pairedDifference([1, 2], [1, 2], { confidence: 1 }), RangeError);
});

Deno.test("meanAndSpread() summarises values", () => {
  const s = meanAndSpread([2, 4, 4, 4, 5, 5, 7, 9]);
  close(s.mean, 5);
  close(s.std, Math.sqrt(32 / 7));
  assert.equal(s.min, 2);
  assert.equal(s.max, 9);
  assert.equal(s.n, 8);
  assert.deepEqual(meanAndSpread([3]), { mean: 3, std: null, min: 3, max: 3, n: 1 });
  assert.throws(() => meanAndSpread([]), RangeError);
  assert.throws(() => meanAndSpread([1, NaN]), RangeError);
});
