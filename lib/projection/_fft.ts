/**
 * The 2-D fast Fourier transform of the FFT-accelerated t-SNE (`fftTsne` in tsne_fft.ts):
 * mixed-radix (4, 3, 2) Stockham transforms of the rows of a square grid, each row in a
 * scratch pair that stays in cache, and the 2-D transform as a row pass, a transpose and
 * a second row pass, skipping the rows that are zero padding. Written here rather than
 * taken from npm: fft.js (4.0.4, the maintained choice) transforms powers of two only, in
 * one dimension; t-SNE's 3-node boxes fit grids of 2^a 3^b nodes (a power of two would make
 * the grid up to twice as wide per side), and the 2-D driver is most of the work anyway.
 *
 * @module
 */

/** One Stockham stage: its radix and twiddles `w^(q r)` for q < m, 1 <= r < radix. */
interface Stage {
  radix: number;
  /** Sub-transform length before the stage, divided by the radix. */
  m: number;
  /** Stride (in rows) of the sub-transforms this stage works on. */
  s: number;
  cos: Float64Array;
  sin: Float64Array;
}

/** Factors of `n` into 4s, then 3s, then at most one 2, or null when others remain. */
function factorize(n: number): number[] | null {
  const factors: number[] = [];
  let rest = n;
  while (rest % 4 === 0) (factors.push(4), (rest /= 4));
  while (rest % 3 === 0) (factors.push(3), (rest /= 3));
  if (rest % 2 === 0) (factors.push(2), (rest /= 2));
  return rest === 1 ? factors : null;
}

/**
 * The 2-D discrete Fourier transform of `size` x `size` row-major grids, split into real
 * and imaginary arrays, for sizes `2^a 3^b`: forward `X[u][v] = Σ x[r][c] e^(-2πi (ur + vc)
 * / size)`, inverse with `e^(+2πi ...)` and unscaled (divide by `size^2`).
 */
export class GridFft {
  /** The side of the grid. */
  readonly size: number;
  readonly #stages: Stage[];
  readonly #aRe: Float64Array;
  readonly #aIm: Float64Array;
  readonly #bRe: Float64Array;
  readonly #bIm: Float64Array;

  /**
   * Prepares transforms of `size` x `size` grids.
   *
   * @param size The side, `2^a 3^b` (at least 1).
   * @throws {RangeError} When `size` has another prime factor.
   */
  constructor(size: number) {
    const factors = Number.isInteger(size) && size >= 1 ? factorize(size) : null;
    if (!factors) throw new RangeError(`Invalid FFT size ${size}: give 2^a x 3^b`);
    this.size = size;
    this.#stages = [];
    let len = size, s = 1;
    for (const radix of factors) {
      const m = len / radix;
      const cos = new Float64Array(m * (radix - 1)), sin = new Float64Array(m * (radix - 1));
      for (let q = 0; q < m; q++) {
        for (let r = 1; r < radix; r++) {
          const angle = (-2 * Math.PI * q * r) / len;
          cos[q * (radix - 1) + r - 1] = Math.cos(angle);
          sin[q * (radix - 1) + r - 1] = Math.sin(angle);
        }
      }
      this.#stages.push({ radix, m, s, cos, sin });
      len = m;
      s *= radix;
    }
    this.#aRe = new Float64Array(size);
    this.#aIm = new Float64Array(size);
    this.#bRe = new Float64Array(size);
    this.#bIm = new Float64Array(size);
  }

  /**
   * The forward 2-D transform in place. Only the top-left `used` x `used` block of the
   * input may be non-zero (the rest is zero padding that the transform skips). The result
   * is transposed: `re[v * size + u]` holds X[u][v].
   */
  forward(re: Float64Array, im: Float64Array, used: number = this.size): void {
    this.#rows(re, im, used, false);
    transpose(re, this.size);
    transpose(im, this.size);
    this.#rows(re, im, this.size, false);
  }

  /**
   * The inverse of {@linkcode GridFft.forward} (unscaled: the input times `size^2`) from
   * its transposed layout, in place; only the top-left `used` x `used` block of the result
   * is computed, the rest holds intermediate values.
   */
  inverse(re: Float64Array, im: Float64Array, used: number = this.size): void {
    this.#rows(re, im, this.size, true);
    transpose(re, this.size);
    transpose(im, this.size);
    this.#rows(re, im, used, true);
  }

  /**
   * Transforms rows 0 to `count - 1` of the grid, each on its own (Stockham, DIF): a row
   * is copied into a scratch pair that stays in the first-level cache through the stages.
   */
  #rows(re: Float64Array, im: Float64Array, count: number, inverse: boolean): void {
    const n = this.size, sign = inverse ? -1 : 1;
    for (let row = 0, at = 0; row < count; row++, at += n) {
      let xr = this.#aRe, xi = this.#aIm, yr = this.#bRe, yi = this.#bIm;
      xr.set(re.subarray(at, at + n));
      xi.set(im.subarray(at, at + n));
      for (const { radix, m, s, cos, sin } of this.#stages) {
        const step = s * m;
        for (let q = 0; q < m; q++) {
          const from = s * q, to = s * radix * q;
          if (radix === 4) butterfly4(xr, xi, yr, yi, from, to, step, s, s, cos, sin, q * 3, sign);
          else if (radix === 3) {
            butterfly3(xr, xi, yr, yi, from, to, step, s, s, cos, sin, q * 2, sign);
          } else butterfly2(xr, xi, yr, yi, from, to, step, s, s, cos[q], sign * sin[q]);
        }
        const sr = xr, si = xi;
        (xr = yr), (xi = yi), (yr = sr), (yi = si);
      }
      re.set(xr, at);
      im.set(xi, at);
    }
  }
}

/** Radix 2: y0 = a0 + a1, y1 = w (a0 - a1). */
function butterfly2(
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
  from: number,
  to: number,
  step: number,
  outStep: number,
  width: number,
  wr: number,
  wi: number,
): void {
  for (let c = 0; c < width; c++) {
    const a = from + c, b = a + step, o = to + c, p = o + outStep;
    const ar = xr[a], ai = xi[a], br = xr[b], bi = xi[b];
    yr[o] = ar + br;
    yi[o] = ai + bi;
    const dr = ar - br, di = ai - bi;
    yr[p] = wr * dr - wi * di;
    yi[p] = wr * di + wi * dr;
  }
}

/** Radix 3, with the twiddles `w^r` of r = 1, 2 from `cos`/`sin` at `tw`. */
function butterfly3(
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
  from: number,
  to: number,
  step: number,
  outStep: number,
  width: number,
  cos: Float64Array,
  sin: Float64Array,
  tw: number,
  sign: number,
): void {
  const w1r = cos[tw], w1i = sign * sin[tw], w2r = cos[tw + 1], w2i = sign * sin[tw + 1];
  const s3 = sign * (Math.sqrt(3) / 2);
  for (let c = 0; c < width; c++) {
    const a0 = from + c, a1 = a0 + step, a2 = a1 + step;
    const o0 = to + c, o1 = o0 + outStep, o2 = o1 + outStep;
    const tr = xr[a1] + xr[a2], ti = xi[a1] + xi[a2];
    const dr = xr[a1] - xr[a2], di = xi[a1] - xi[a2];
    const hr = xr[a0] - tr / 2, hi = xi[a0] - ti / 2;
    yr[o0] = xr[a0] + tr;
    yi[o0] = xi[a0] + ti;
    const b1r = hr + s3 * di, b1i = hi - s3 * dr, b2r = hr - s3 * di, b2i = hi + s3 * dr;
    yr[o1] = w1r * b1r - w1i * b1i;
    yi[o1] = w1r * b1i + w1i * b1r;
    yr[o2] = w2r * b2r - w2i * b2i;
    yi[o2] = w2r * b2i + w2i * b2r;
  }
}

/** Radix 4, with the twiddles `w^r` of r = 1, 2, 3 from `cos`/`sin` at `tw`. */
function butterfly4(
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
  from: number,
  to: number,
  step: number,
  outStep: number,
  width: number,
  cos: Float64Array,
  sin: Float64Array,
  tw: number,
  sign: number,
): void {
  const w1r = cos[tw], w1i = sign * sin[tw], w2r = cos[tw + 1], w2i = sign * sin[tw + 1];
  const w3r = cos[tw + 2], w3i = sign * sin[tw + 2];
  for (let c = 0; c < width; c++) {
    const a0 = from + c, a1 = a0 + step, a2 = a1 + step, a3 = a2 + step;
    const o0 = to + c, o1 = o0 + outStep, o2 = o1 + outStep, o3 = o2 + outStep;
    const sr = xr[a0] + xr[a2], si = xi[a0] + xi[a2], dr = xr[a0] - xr[a2], di = xi[a0] - xi[a2];
    const tr = xr[a1] + xr[a3], ti = xi[a1] + xi[a3];
    // (a1 - a3) times -i (forward) or +i (inverse).
    const er = sign * (xi[a1] - xi[a3]), ei = -sign * (xr[a1] - xr[a3]);
    yr[o0] = sr + tr;
    yi[o0] = si + ti;
    const b1r = dr + er, b1i = di + ei, b2r = sr - tr, b2i = si - ti;
    const b3r = dr - er, b3i = di - ei;
    yr[o1] = w1r * b1r - w1i * b1i;
    yi[o1] = w1r * b1i + w1i * b1r;
    yr[o2] = w2r * b2r - w2i * b2i;
    yi[o2] = w2r * b2i + w2i * b2r;
    yr[o3] = w3r * b3r - w3i * b3i;
    yi[o3] = w3r * b3i + w3i * b3r;
  }
}

/** Transposes the `n` x `n` row-major grid `a` in place, in cache-sized tiles. */
function transpose(a: Float64Array, n: number): void {
  const tile = 32;
  for (let r0 = 0; r0 < n; r0 += tile) {
    for (let c0 = r0; c0 < n; c0 += tile) {
      const r1 = Math.min(n, r0 + tile), c1 = Math.min(n, c0 + tile);
      for (let r = r0; r < r1; r++) {
        for (let c = c0 === r0 ? r + 1 : c0; c < c1; c++) {
          const u = r * n + c, v = c * n + r, t = a[u];
          a[u] = a[v];
          a[v] = t;
        }
      }
    }
  }
}

/**
 * The smallest size `2^a 3^b` of at least `n`, for {@linkcode GridFft}.
 *
 * @param n The least size.
 * @returns The size.
 */
export function fftSize(n: number): number {
  let best = Infinity;
  for (let p2 = 1; p2 < 2 * n; p2 *= 2) {
    for (let p = p2; p < 2 * n; p *= 3) if (p >= n && p < best) best = p;
  }
  return Math.max(1, best === Infinity ? 1 : best);
}
