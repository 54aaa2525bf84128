/**
 * Small statistics for comparing runs and checking class structure: Spearman correlation,
 * the Mantel permutation test, paired differences with a Student-t interval, a
 * mean/spread summary, and, for two models compared on one seed, a paired bootstrap
 * interval over test items and McNemar's exact test. Plain numbers and typed arrays, no
 * tensors.
 *
 * @module
 */
import { createRng } from "../random.ts";

/**
 * Ranks of `values`, 1-based, with ties given the average of the ranks they span
 * (scipy's `rankdata(method="average")`).
 */
function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => values[i] - values[j] || i - j);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    // Positions start..end-1 hold ranks start+1..end: their average.
    const rank = (start + 1 + end) / 2;
    for (let p = start; p < end; p++) ranks[order[p]] = rank;
    start = end;
  }
  return ranks;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

function checkPaired(a: ArrayLike<number>, b: ArrayLike<number>, action: string): void {
  if (a.length !== b.length) {
    throw new TypeError(`${action}: lengths differ (${a.length} and ${b.length})`);
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      throw new RangeError(`${action}: pair ${i} holds a non-finite value (${a[i]}, ${b[i]})`);
    }
  }
}

/**
 * Spearman's rank correlation: the Pearson correlation of the average ranks (ties share
 * the mean of their ranks, as scipy's `spearmanr`).
 *
 * @param a The first sample.
 * @param b The second sample, same length.
 * @returns The correlation in [-1, 1]; `NaN` when fewer than 2 values or either sample is constant.
 * @throws {TypeError} When the lengths differ.
 * @throws {RangeError} When a value is not finite.
 *
 * @example
 * ```ts
 * import { spearman } from "./statistics.ts";
 * if (spearman([1, 2, 3], [10, 20, 1000]) !== 1) throw new Error("monotone is 1");
 * ```
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPaired(a, b, "Cannot compute Spearman correlation");
  if (a.length < 2) return NaN;
  return pearson(averageRanks(a), averageRanks(b));
}

/** Options of {@linkcode mantelTest}. */
export interface MantelOptions {
  /**
   * Number of random permutations.
   * @default {999}
   */
  permutations?: number;
  /**
   * Seed of the permutations ({@linkcode createRng}).
   * @default {0}
   */
  seed?: number;
  /**
   * Correlation used on the upper triangles.
   * @default {"spearman"}
   */
  method?: "spearman" | "pearson";
}

/** What {@linkcode mantelTest} returns. */
export interface MantelResult {
  /** The correlation of the two upper triangles (`NaN` when one is constant). */
  statistic: number;
  /** `(1 + #{permuted statistic >= observed}) / (1 + permutations)`; `NaN` with the statistic. */
  pValue: number;
  /** Number of permutations drawn. */
  permutations: number;
}

/**
 * The Mantel test (Mantel 1967): the correlation between the upper triangles (`i < j`) of
 * two `n x n` distance matrices, with a one-sided permutation p-value (as scikit-bio's
 * `mantel(alternative="greater")`).
 *
 * Each permutation starts from the identity `0..n-1`, is shuffled with `rng.shuffle` of
 * one `createRng(seed)` generator, and relabels the rows and columns of `d1` together:
 * `d1'[i][j] = d1[p[i]][p[j]]`. A permuted statistic counts when it is at least the
 * observed one minus `1e-12` (so a permutation that maps `d1` onto itself always counts
 * despite rounding).
 *
 * @param d1 The first matrix, `n * n` row-major (only `i < j` is read).
 * @param d2 The second matrix, `n * n`.
 * @param n Matrix size, at least 2.
 * @param options Permutations, seed and correlation method.
 * @returns The statistic, its p-value and the number of permutations.
 * @throws {TypeError} When a matrix does not hold `n * n` values or the method is unknown.
 * @throws {RangeError} When `n < 2`, `permutations` is not a non-negative integer or a value is not finite.
 *
 * @example
 * ```ts
 * import { mantelTest } from "./statistics.ts";
 * const d = new Float64Array([0, 1, 2, 1, 0, 3, 2, 3, 0]);
 * const { statistic } = mantelTest(d, d, 3, { permutations: 9 });
 * if (Math.abs(statistic - 1) > 1e-12) throw new Error("identical matrices correlate fully");
 * ```
 */
export function mantelTest(
  d1: Float64Array,
  d2: Float64Array,
  n: number,
  options: MantelOptions = {},
): MantelResult {
  const action = "Cannot run the Mantel test";
  const permutations = options.permutations ?? 999;
  const method = options.method ?? "spearman";
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`${action}: n is ${n}, need >= 2`);
  if (d1.length !== n * n || d2.length !== n * n) {
    throw new TypeError(
      `${action}: matrices hold ${d1.length} and ${d2.length} values, not ${n}x${n}`,
    );
  }
  if (!Number.isInteger(permutations) || permutations < 0) {
    throw new RangeError(`${action}: permutations is ${permutations}, need an integer >= 0`);
  }
  if (method !== "spearman" && method !== "pearson") {
    throw new TypeError(`${action}: unknown method "${method}" (use "spearman" or "pearson")`);
  }
  const pairs = (n * (n - 1)) / 2;
  const t1 = new Float64Array(pairs), t2 = new Float64Array(pairs);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      t1[p] = d1[i * n + j];
      t2[p] = d2[i * n + j];
    }
  }
  checkPaired(t1, t2, action);
  // Permuting rows and columns only moves the values of the triangle, so ranks move with
  // them: rank once, then each permutation is a Pearson correlation of moved values.
  const v1 = method === "spearman" ? averageRanks(t1) : t1;
  const v2 = method === "spearman" ? averageRanks(t2) : t2;
  const statistic = pearson(v1, v2);
  if (Number.isNaN(statistic)) return { statistic, pValue: NaN, permutations };

  // Centre v2 and keep v1 as a full symmetric matrix so a permutation is an index lookup.
  let m1 = 0, m2 = 0;
  for (let p = 0; p < pairs; p++) {
    m1 += v1[p];
    m2 += v2[p];
  }
  m1 /= pairs;
  m2 /= pairs;
  let s11 = 0, s22 = 0;
  const c2 = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    s11 += (v1[p] - m1) ** 2;
    c2[p] = v2[p] - m2;
    s22 += c2[p] ** 2;
  }
  const full = new Float64Array(n * n);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) full[i * n + j] = full[j * n + i] = v1[p] - m1;
  }
  const scale = Math.sqrt(s11 * s22);
  const rng = createRng(options.seed ?? 0);
  const perm = new Int32Array(n);
  let atLeast = 0;
  for (let r = 0; r < permutations; r++) {
    for (let i = 0; i < n; i++) perm[i] = i;
    rng.shuffle(perm);
    let s = 0;
    for (let i = 0, p = 0; i < n; i++) {
      const row = perm[i] * n;
      for (let j = i + 1; j < n; j++, p++) s += full[row + perm[j]] * c2[p];
    }
    if (s / scale >= statistic - 1e-12) atLeast++;
  }
  return { statistic, pValue: (1 + atLeast) / (1 + permutations), permutations };
}

// ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative).
const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

// Continued fraction of the incomplete beta (modified Lentz), valid for x < (a+1)/(a+b+2).
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function `I_x(a, b)`. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** Student-t cumulative distribution `P(T <= t)` with `df` degrees of freedom. */
function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The quantile of Student's t distribution: the `t` with `P(T <= t) = p`, found by
 * bisection on the CDF written with the regularized incomplete beta function
 * (`P(T > t) = I_{df/(df+t^2)}(df/2, 1/2) / 2`), to about 1e-10.
 *
 * @param p Probability in (0, 1).
 * @param df Degrees of freedom, > 0 (need not be an integer).
 * @returns The quantile (`studentTQuantile(0.975, 4)` is 2.7764).
 * @throws {RangeError} When `p` is outside (0, 1) or `df <= 0`.
 *
 * @example
 * ```ts
 * import { studentTQuantile } from "./statistics.ts";
 * if (Math.abs(studentTQuantile(0.975, 1) - 12.7062) > 1e-4) throw new Error();
 * ```
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`Cannot compute a t quantile: p is ${p}`);
  if (!(df > 0) || !Number.isFinite(df)) {
    throw new RangeError(`Cannot compute a t quantile: df is ${df}, need > 0`);
  }
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Options of {@linkcode pairedDifference}. */
export interface PairedDifferenceOptions {
  /**
   * Two-sided confidence level of the interval, in (0, 1).
   * @default {0.95}
   */
  confidence?: number;
}

/** What {@linkcode pairedDifference} returns. */
export interface PairedDifferenceResult {
  /** Mean of `a[i] - b[i]`. */
  meanDifference: number;
  /** Sample standard deviation of the differences over `sqrt(n)`; `null` when `n = 1`. */
  standardError: number | null;
  /** Lower end of the t interval; `null` when `n = 1`. */
  low: number | null;
  /** Upper end of the t interval; `null` when `n = 1`. */
  high: number | null;
  /** Number of pairs. */
  n: number;
  /** Degrees of freedom, `n - 1`. */
  df: number;
}

/**
 * The mean paired difference `a - b` (e.g. one metric of two methods over the same seeds)
 * with a Student-t confidence interval: `mean ± t_{(1+c)/2, n-1} · s / sqrt(n)`.
 * With one pair there is no spread, so the standard error and interval are `null`
 * (JSON-friendly, unlike `NaN`).
 *
 * @param a The first values.
 * @param b The paired second values, same length, at least 1.
 * @param options The confidence level.
 * @returns Mean difference, standard error, interval, n and degrees of freedom.
 * @throws {TypeError} When the lengths differ.
 * @throws {RangeError} When there are no pairs, a value is not finite or `confidence` is outside (0, 1).
 *
 * @example
 * ```ts
 * import { pairedDifference } from "./statistics.ts";
 * const r = pairedDifference([0.8, 0.82, 0.81], [0.7, 0.71, 0.72]);
 * if (!(r.low! > 0)) throw new Error("clearly better");
 * ```
 */
export function pairedDifference(
  a: readonly number[],
  b: readonly number[],
  options: PairedDifferenceOptions = {},
): PairedDifferenceResult {
  const action = "Cannot compute a paired difference";
  checkPaired(a, b, action);
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`${action}: confidence is ${confidence}, need a value in (0, 1)`);
  }
  const n = a.length;
  if (n === 0) throw new RangeError(`${action}: no pairs`);
  const diffs = a.map((x, i) => x - b[i]);
  const mean = diffs.reduce((s, x) => s + x, 0) / n;
  if (n === 1) {
    return { meanDifference: mean, standardError: null, low: null, high: null, n, df: 0 };
  }
  const variance = diffs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const standardError = Math.sqrt(variance / n);
  const half = studentTQuantile((1 + confidence) / 2, n - 1) * standardError;
  return {
    meanDifference: mean,
    standardError,
    low: mean - half,
    high: mean + half,
    n,
    df: n - 1,
  };
}

/** What {@linkcode meanAndSpread} returns. */
export interface MeanAndSpreadResult {
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (divisor `n - 1`); `null` when `n = 1`. */
  std: number | null;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Number of values. */
  n: number;
}

/**
 * Summarises repeated measurements (e.g. one metric over seeds): mean, sample standard
 * deviation, min, max and count.
 *
 * @param values At least one finite value.
 * @returns The summary; `std` is `null` for a single value.
 * @throws {RangeError} When `values` is empty or holds a non-finite value.
 *
 * @example
 * ```ts
 * import { meanAndSpread } from "./statistics.ts";
 * const s = meanAndSpread([1, 2, 3]);
 * if (s.mean !== 2 || s.std !== 1 || s.min !== 1 || s.max !== 3) throw new Error();
 * ```
 */
export function meanAndSpread(values: readonly number[]): MeanAndSpreadResult {
  const action = "Cannot summarise values";
  const n = values.length;
  if (n === 0) throw new RangeError(`${action}: no values`);
  let sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`${action}: value ${i} is ${v}`);
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  if (n === 1) return { mean, std: null, min, max, n };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (n - 1)), min, max, n };
}

/** Options of {@linkcode pairedBootstrap}. */
export interface PairedBootstrapOptions {
  /**
   * Number of bootstrap resamples, an integer >= 1.
   * @default {2000}
   */
  resamples?: number;
  /**
   * Seed of the resampling ({@linkcode createRng}).
   * @default {0}
   */
  seed?: number;
  /**
   * Two-sided confidence level of the interval, in (0, 1).
   * @default {0.95}
   */
  confidence?: number;
}

/** What {@linkcode pairedBootstrap} returns. */
export interface PairedBootstrapResult {
  /** Mean of `a[i] - b[i]` over all items. */
  meanDifference: number;
  /** The `(1 - confidence) / 2` quantile of the resampled mean differences. */
  low: number;
  /** The `(1 + confidence) / 2` quantile of the resampled mean differences. */
  high: number;
  /** Number of paired items. */
  n: number;
  /** Number of resamples drawn. */
  resamples: number;
  /** The confidence level used. */
  confidence: number;
}

/**
 * The mean paired difference `mean(a - b)` over items (e.g. per test image 1/0 correct for
 * two models, or per-query AP@R) with a percentile bootstrap interval (Efron & Tibshirani
 * 1993, ch. 13): `resamples` times, draw `n` items with replacement (`rng.int(n)` of one
 * `createRng(seed)` generator) and take the mean of their differences; the interval is the
 * `(1 - c) / 2` and `(1 + c) / 2` quantiles of those means. A quantile `q` of the `R`
 * sorted means `m[0] <= ... <= m[R-1]` interpolates linearly at position `q * (R - 1)`
 * (numpy's default, Hyndman & Fan type 7).
 *
 * This is the interval for one seed: it measures how much the test items move the
 * comparison, not how much training seeds do (use {@linkcode pairedDifference} over seeds
 * for that).
 *
 * @param a Per-item values of the first model.
 * @param b Per-item values of the second model, same items in the same order.
 * @param options Resamples, seed and confidence level.
 * @returns The mean difference, the interval, `n`, `resamples` and `confidence`.
 * @throws {TypeError} When the lengths differ.
 * @throws {RangeError} When there are no items, a value is not finite, `resamples` is not
 *   an integer >= 1 or `confidence` is outside (0, 1).
 *
 * @example
 * ```ts
 * import { pairedBootstrap } from "./statistics.ts";
 * const a = Array.from({ length: 200 }, (_, i) => (i % 10 < 9 ? 1 : 0)); // 90% correct
 * const b = Array.from({ length: 200 }, (_, i) => (i % 10 < 6 ? 1 : 0)); // 60% correct
 * const r = pairedBootstrap(a, b, { resamples: 500, seed: 1 });
 * if (Math.abs(r.meanDifference - 0.3) > 1e-12 || !(r.low > 0)) throw new Error("clearly better");
 * ```
 */
export function pairedBootstrap(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: PairedBootstrapOptions = {},
): PairedBootstrapResult {
  const action = "Cannot bootstrap a paired difference";
  checkPaired(a, b, action);
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`${action}: resamples is ${resamples}, need an integer >= 1`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`${action}: confidence is ${confidence}, need a value in (0, 1)`);
  }
  const n = a.length;
  if (n === 0) throw new RangeError(`${action}: no items`);
  const diffs = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += diffs[i] = a[i] - b[i];
  const rng = createRng(options.seed ?? 0);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  const quantile = (q: number): number => {
    const position = q * (resamples - 1);
    const lo = Math.floor(position);
    const hi = Math.min(lo + 1, resamples - 1);
    return means[lo] + (position - lo) * (means[hi] - means[lo]);
  };
  return {
    meanDifference: sum / n,
    low: quantile((1 - confidence) / 2),
    high: quantile((1 + confidence) / 2),
    n,
    resamples,
    confidence,
  };
}

/** What {@linkcode mcnemarTest} returns. */
export interface McnemarResult {
  /** Items the first model got right and the second wrong. */
  aOnly: number;
  /** Items the second model got right and the first wrong. */
  bOnly: number;
  /** Two-sided exact p-value; 1 when there are no discordant items. */
  pValue: number;
}

/**
 * `ln P(X <= k)` for `X ~ Bin(n, 1/2)` and `0 <= k <= n`: the log of the term at `k`
 * (through ln Gamma) plus the log of the sum of the smaller terms relative to it, each
 * from the previous by `pmf(i - 1) / pmf(i) = i / (n - i + 1)`, so nothing underflows.
 */
function logBinomialHalfCdf(k: number, n: number): number {
  const logTerm = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) - n * Math.LN2;
  let relative = 1, total = 1;
  for (let i = k; i > 0; i--) {
    relative *= i / (n - i + 1);
    total += relative;
    if (relative < 1e-17 * total) break;
  }
  return logTerm + Math.log(total);
}

function correctness(values: ArrayLike<boolean | number>, i: number, action: string): boolean {
  const v = values[i];
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  throw new RangeError(`${action}: item ${i} is ${v}, need a boolean, 0 or 1`);
}

/**
 * McNemar's exact test (McNemar 1947) of two classifiers on the same items: a two-sided
 * binomial test on the discordant items, as statsmodels'
 * `mcnemar([[both, aOnly], [bOnly, neither]], exact=True)`:
 * `p = min(1, 2 · P(X <= min(aOnly, bOnly)))` with `X ~ Bin(aOnly + bOnly, 1/2)`; `p = 1`
 * when no item is discordant. The binomial tail is summed in log space, so it stays
 * accurate for tens of thousands of discordant items.
 *
 * @param aCorrect Per item, whether the first model was right (`true`/`false` or 1/0).
 * @param bCorrect Per item, whether the second model was right, same items in the same order.
 * @returns The two discordant counts and the p-value.
 * @throws {TypeError} When the lengths differ.
 * @throws {RangeError} When an item is not a boolean, 0 or 1.
 *
 * @example
 * ```ts
 * import { mcnemarTest } from "./statistics.ts";
 * const a = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1];
 * const b = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1];
 * const r = mcnemarTest(a, b); // 10 vs 2 discordant: 2 · 79 / 4096
 * if (r.aOnly !== 10 || r.bOnly !== 2 || Math.abs(r.pValue - 0.0385742) > 1e-7) throw new Error();
 * ```
 */
export function mcnemarTest(
  aCorrect: ArrayLike<boolean | number>,
  bCorrect: ArrayLike<boolean | number>,
): McnemarResult {
  const action = "Cannot run McNemar's test";
  if (aCorrect.length !== bCorrect.length) {
    throw new TypeError(
      `${action}: lengths differ (${aCorrect.length} and ${bCorrect.length})`,
    );
  }
  let aOnly = 0, bOnly = 0;
  for (let i = 0; i < aCorrect.length; i++) {
    const ra = correctness(aCorrect, i, action), rb = correctness(bCorrect, i, action);
    if (ra && !rb) aOnly++;
    else if (rb && !ra) bOnly++;
  }
  const n = aOnly + bOnly;
  if (n === 0) return { aOnly, bOnly, pValue: 1 };
  const pValue = Math.min(1, 2 * Math.exp(logBinomialHalfCdf(Math.min(aOnly, bOnly), n)));
  return { aOnly, bOnly, pValue };
}
