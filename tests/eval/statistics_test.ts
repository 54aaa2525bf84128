import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import {
  mantelTest,
  mcnemarTest,
  meanAndSpread,
  pairedBootstrap,
  pairedDifference,
  spearman,
  studentTQuantile,
} from "../../lib/eval/statistics.ts";
import { createRng } from "../../lib/random.ts";

Deno.test("spearman() averages tied ranks (solved by hand)", () => {
  // a = [1, 2, 2, 3] -> ranks [1, 2.5, 2.5, 4]; b = [1, 3, 2, 4] -> ranks [1, 3, 2, 4].
  // Centred: a [-1.5, 0, 0, 1.5], b [-1.5, 0.5, -0.5, 1.5]:
  // sum ab = 4.5, sum aa = 4.5, sum bb = 5 -> rho = 4.5 / sqrt(22.5) = 0.9486833.
  assertClose(spearman([1, 2, 2, 3], [1, 3, 2, 4]), 4.5 / Math.sqrt(22.5), { atol: 1e-9 });
  assertClose(spearman([3, 1, 2], [30, 20, 10]), 0.5, { atol: 1e-9 });
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
  assertClose(result.statistic, 1, { atol: 1e-9 });
  assert.equal(result.permutations, permutations);
  // Replay the documented permutation stream and count, by brute force, those whose
  // statistic reaches the observed one.
  const rng = createRng(seed);
  let atLeast = 0;
  for (let r = 0; r < permutations; r++) {
    const perm = rng.shuffle(Int32Array.from([0, 1, 2, 3]));
    if (permutedPearson(D, perm, 4) >= 1 - 1e-12) atLeast++;
  }
  assertClose(result.pValue, (1 + atLeast) / (1 + permutations), { atol: 1e-9 });
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
  assertClose(r.statistic, sxy / 17.5, { atol: 1e-9 });
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
  assertClose(many.pValue, exact, { atol: 0.02 });
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
  assertClose(studentTQuantile(0.975, 1), 12.7062, { atol: 1e-4 });
  assertClose(studentTQuantile(0.975, 2), 4.3027, { atol: 1e-4 });
  assertClose(studentTQuantile(0.975, 4), 2.7764, { atol: 1e-4 });
  assertClose(studentTQuantile(0.975, 30), 2.0423, { atol: 1e-4 });
  assertClose(studentTQuantile(0.995, 10), 3.1693, { atol: 1e-4 });
  assertClose(studentTQuantile(0.025, 4), -2.7764, { atol: 1e-4 });
  assert.equal(studentTQuantile(0.5, 3), 0);
  // Large df tends to the normal quantile 1.959964.
  assertClose(studentTQuantile(0.975, 1e6), 1.959966, { atol: 1e-5 });
  assert.throws(() => studentTQuantile(1, 3), RangeError);
  assert.throws(() => studentTQuantile(0.9, 0), RangeError);
});

Deno.test("pairedDifference() gives the mean and a t interval", () => {
  // Differences [1, 2, 3, 4, 5]: mean 3, s = sqrt(2.5), se = sqrt(0.5), t(0.975, 4) = 2.776445.
  const r = pairedDifference([2, 4, 6, 8, 10], [1, 2, 3, 4, 5]);
  assertClose(r.meanDifference, 3, { atol: 1e-9 });
  assertClose(r.standardError, Math.sqrt(0.5), { atol: 1e-9 });
  assertClose(r.low, 3 - 2.776445 * Math.sqrt(0.5), { atol: 1e-5 });
  assertClose(r.high, 3 + 2.776445 * Math.sqrt(0.5), { atol: 1e-5 });
  assert.equal(r.n, 5);
  assert.equal(r.df, 4);
  const one = pairedDifference([0.9], [0.7]);
  assertClose(one.meanDifference, 0.2, { atol: 1e-12 });
  assert.equal(one.low, null);
  assert.equal(one.high, null);
  assert.equal(one.standardError, null);
  assert.throws(() => pairedDifference([], []), RangeError);
  assert.throws(() => pairedDifference([1], [1, 2]), TypeError);
  assert.throws(() => pairedDifference([1, 2], [1, 2], { confidence: 1 }), RangeError);
});

Deno.test("meanAndSpread() summarises values", () => {
  const s = meanAndSpread([2, 4, 4, 4, 5, 5, 7, 9]);
  assertClose(s.mean, 5, { atol: 1e-9 });
  assertClose(s.std, Math.sqrt(32 / 7), { atol: 1e-9 });
  assert.equal(s.min, 2);
  assert.equal(s.max, 9);
  assert.equal(s.n, 8);
  assert.deepEqual(meanAndSpread([3]), { mean: 3, std: null, min: 3, max: 3, n: 1 });
  assert.throws(() => meanAndSpread([]), RangeError);
  assert.throws(() => meanAndSpread([1, NaN]), RangeError);
});

Deno.test("pairedBootstrap() replays the documented resampling and quantile rule", () => {
  const a = [0.9, 0.4, 0.7, 1, 0.2, 0.6, 0.8];
  const b = [0.5, 0.5, 0.1, 0.9, 0.3, 0.2, 0.4];
  const n = a.length, resamples = 37, seed = 5, confidence = 0.9;
  const r = pairedBootstrap(a, b, { resamples, seed, confidence });
  // Brute force: the same generator, plain arrays, then type-7 quantiles.
  const rng = createRng(seed);
  const means: number[] = [];
  for (let k = 0; k < resamples; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      s += a[j] - b[j];
    }
    means.push(s / n);
  }
  means.sort((x, y) => x - y);
  const quantile = (q: number) => {
    const h = q * (resamples - 1), lo = Math.floor(h);
    return means[lo] + (h - lo) * (means[Math.min(lo + 1, resamples - 1)] - means[lo]);
  };
  assertClose(r.meanDifference, a.reduce((s, x, i) => s + x - b[i], 0) / n, { atol: 1e-12 });
  assertClose(r.low, quantile(0.05), { atol: 1e-12 });
  assertClose(r.high, quantile(0.95), { atol: 1e-12 });
  assert.equal(r.n, n);
  assert.equal(r.resamples, resamples);
  assert.equal(r.confidence, confidence);
});

Deno.test("pairedBootstrap() is deterministic per seed", () => {
  const rng = createRng(2);
  const a = Array.from({ length: 300 }, () => (rng.next() < 0.7 ? 1 : 0));
  const b = Array.from({ length: 300 }, () => (rng.next() < 0.65 ? 1 : 0));
  const first = pairedBootstrap(a, b, { seed: 4, resamples: 300 });
  assert.deepEqual(pairedBootstrap(a, b, { seed: 4, resamples: 300 }), first);
  const other = pairedBootstrap(a, b, { seed: 5, resamples: 300 });
  assert.equal(other.meanDifference, first.meanDifference);
  assert.notDeepEqual([other.low, other.high], [first.low, first.high]);
});

Deno.test("pairedBootstrap() separates a clear difference and gives [0, 0] for equal inputs", () => {
  const rng = createRng(8);
  const a = Array.from({ length: 500 }, () => (rng.next() < 0.9 ? 1 : 0));
  const b = Array.from({ length: 500 }, () => (rng.next() < 0.7 ? 1 : 0));
  const clear = pairedBootstrap(a, b);
  assert.ok(clear.low > 0 && clear.low <= clear.meanDifference, JSON.stringify(clear));
  assert.ok(clear.high >= clear.meanDifference);
  const swapped = pairedBootstrap(b, a);
  assert.ok(swapped.high < 0);
  const same = pairedBootstrap(a, a, { resamples: 100 });
  assert.deepEqual([same.meanDifference, same.low, same.high], [0, 0, 0]);
  // One item: every resample is that item.
  const one = pairedBootstrap([0.75], [0.25], { resamples: 10 });
  assert.deepEqual([one.meanDifference, one.low, one.high], [0.5, 0.5, 0.5]);
});

Deno.test("pairedBootstrap() covers the true mean difference about as often as promised", () => {
  // 40 synthetic data sets with true difference 0.8 - 0.6 = 0.2: a 95% interval should
  // miss about 2 of them; allow up to 6.
  const rng = createRng(11);
  let covered = 0;
  for (let t = 0; t < 40; t++) {
    const a = Array.from({ length: 200 }, () => (rng.next() < 0.8 ? 1 : 0));
    const b = Array.from({ length: 200 }, () => (rng.next() < 0.6 ? 1 : 0));
    const r = pairedBootstrap(a, b, { resamples: 400, seed: t });
    if (r.low <= 0.2 && 0.2 <= r.high) covered++;
  }
  assert.ok(covered >= 34, `covered ${covered} of 40`);
});

Deno.test("pairedBootstrap() reads the items and sorts the same for 1 or 2,000 resamples", () => {
  const rng = createRng(1);
  const a = Float64Array.from({ length: 5000 }, () => rng.next());
  const b = Float64Array.from({ length: 5000 }, () => rng.next());
  // Counted, not timed: per-resample copies of the inputs or per-resample sorting would show
  // here as reads or sorts that grow with the number of resamples.
  let reads = 0;
  const counted = (values: Float64Array) =>
    new Proxy(values, {
      get(target, key) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key);
      },
    });
  let sorts = 0;
  const sort = Float64Array.prototype.sort;
  Float64Array.prototype.sort = function (this: Float64Array, compare) {
    sorts++;
    return sort.call(this, compare);
  };
  const work = (resamples?: number) => {
    reads = sorts = 0;
    const r = pairedBootstrap(counted(a), counted(b), { resamples });
    return { r, reads, sorts };
  };
  let one, all;
  try {
    one = work(1);
    all = work(undefined);
  } finally {
    delete (Float64Array.prototype as { sort?: unknown }).sort;
  }
  assert.equal(Float64Array.prototype.sort, sort);
  assert.equal(all.r.resamples, 2000);
  assert.deepEqual(all.r, pairedBootstrap(a, b), "the counting changed the result");
  // Each item is read a fixed number of times (checked, then differenced), whatever the resamples.
  assert.equal(all.reads, one.reads);
  assert.ok(all.reads <= 2 * 2 * 5000, `${all.reads} reads of 2 x 5,000 items`);
  assert.deepEqual([one.sorts, all.sorts], [1, 1]);
});

Deno.test("pairedBootstrap() rejects bad input", () => {
  assert.throws(() => pairedBootstrap([], []), RangeError);
  assert.throws(() => pairedBootstrap([1], [1, 2]), TypeError);
  assert.throws(() => pairedBootstrap([1, NaN], [1, 2]), RangeError);
  assert.throws(() => pairedBootstrap([1], [1], { resamples: 0 }), RangeError);
  assert.throws(() => pairedBootstrap([1], [1], { resamples: 2.5 }), RangeError);
  assert.throws(() => pairedBootstrap([1], [1], { confidence: 0 }), RangeError);
  assert.throws(() => pairedBootstrap([1], [1], { confidence: 1.5 }), RangeError);
});

/** Items with the given counts of (a right, b wrong), (a wrong, b right) and both right. */
function pairs(aOnly: number, bOnly: number, both = 0, neither = 0) {
  const a: boolean[] = [], b: boolean[] = [];
  const push = (x: boolean, y: boolean, k: number) => {
    for (let i = 0; i < k; i++) {
      a.push(x);
      b.push(y);
    }
  };
  push(true, false, aOnly);
  push(false, true, bOnly);
  push(true, true, both);
  push(false, false, neither);
  return { a, b };
}

Deno.test("mcnemarTest() matches hand-computed exact binomial p-values", () => {
  // n = 12, k = 2: 2 * (1 + 12 + 66) / 4096.
  let { a, b } = pairs(10, 2, 30, 7);
  let r = mcnemarTest(a, b);
  assert.equal(r.aOnly, 10);
  assert.equal(r.bOnly, 2);
  assertClose(r.pValue, (2 * 79) / 4096, { atol: 1e-13 });
  assertClose(r.pValue, 0.0385742, { atol: 1e-7 });
  // n = 5, k = 0: 2 / 32.
  ({ a, b } = pairs(0, 5, 3));
  r = mcnemarTest(a, b);
  assert.deepEqual([r.aOnly, r.bOnly], [0, 5]);
  assertClose(r.pValue, 0.0625, { atol: 1e-14 });
  // Symmetric in the models; 1/0 numbers work like booleans.
  assertClose(mcnemarTest(b.map(Number), a.map(Number)).pValue, 0.0625, { atol: 1e-14 });
  // Balanced discordance: 2 * P(X <= 3 | n = 6) = 2 * 42 / 64 > 1, capped at 1.
  const balanced = pairs(3, 3);
  assert.equal(mcnemarTest(balanced.a, balanced.b).pValue, 1);
  // n = 7, k = 3: 2 * (1 + 7 + 21 + 35) / 128 = 1 exactly.
  const odd = pairs(3, 4);
  assertClose(mcnemarTest(odd.a, odd.b).pValue, 1, { atol: 1e-14 });
  // No discordant items.
  assert.deepEqual(mcnemarTest([true, false], [true, false]), { aOnly: 0, bOnly: 0, pValue: 1 });
  assert.deepEqual(mcnemarTest([], []), { aOnly: 0, bOnly: 0, pValue: 1 });
});

Deno.test("mcnemarTest() stays accurate for thousands of discordant items", () => {
  // Brute force with exact big-integer binomial coefficients for n = 400, k = 170.
  const n = 400, k = 170;
  let coefficient = 1n, sum = 0n;
  for (let i = 0; i <= k; i++) {
    sum += coefficient;
    coefficient = (coefficient * BigInt(n - i)) / BigInt(i + 1);
  }
  // 2 * sum / 2^n, computed with 60 significant bits.
  const scaled = (2n * sum << 60n) >> BigInt(n);
  const expected = Number(scaled) / 2 ** 60;
  const { a, b } = pairs(n - k, k);
  const r = mcnemarTest(a, b);
  assert.ok(Math.abs(r.pValue - expected) <= 1e-11 * expected, `${r.pValue} vs ${expected}`);
  // n = 10,000 and far in the tail: finite, positive, tiny, no NaN.
  const far = pairs(5600, 4400);
  const p = mcnemarTest(far.a, far.b).pValue;
  assert.ok(p > 0 && p < 1e-30, `p = ${p}`);
  const near = pairs(5050, 4950);
  const q = mcnemarTest(near.a, near.b).pValue;
  assert.ok(q > 0.3 && q < 0.35, `p = ${q}`); // normal approximation: 0.3222
});

Deno.test("mcnemarTest() rejects bad input", () => {
  assert.throws(() => mcnemarTest([true], [true, false]), TypeError);
  assert.throws(() => mcnemarTest([2], [1]), RangeError);
  assert.throws(() => mcnemarTest([1], [0.5]), RangeError);
});
