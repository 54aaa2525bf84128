/**
 * The repulsive forces of FFT-accelerated t-SNE (`fftTsne` in tsne_fft.ts), after
 * Linderman, Rachh, Hoskins, Steinerberger and Kluger (2019), "Fast interpolation-based
 * t-SNE for improved visualization of single-cell RNA-seq data", Nature Methods 16.
 *
 * The layout's bounding square is cut into boxes; each box holds
 * {@linkcode INTERPOLATION_POINTS}^2 equispaced nodes, so that the nodes of all boxes form
 * one equispaced grid. Each point spreads its charges (1, x, y) onto the nodes of its box
 * with Lagrange interpolation weights; the grid's potentials are the charges convolved
 * with the kernels 1/(1+d^2) and 1/(1+d^2)^2 (a Toeplitz product, done as a circular
 * convolution on a zero-padded grid by FFT); each point reads its potentials back with the
 * same weights.
 *
 * While the layout is small, boxes are at most {@linkcode BOX_WIDTH} wide, as in FIt-SNE
 * (gradient error about 3%). A JavaScript FFT of the grid FIt-SNE would use for a wide
 * layout (6 nodes per layout unit and side, padded) costs far more than the rest of an
 * iteration, so past {@linkcode maxBoxesFor} boxes the grid stops growing and the boxes
 * widen; the grid then carries only the smooth far part of each kernel (the kernel beyond
 * {@linkcode CUTOFF} box widths, within it a quadratic in d^2 that meets the kernel with
 * two matching derivatives), and the rest, non-zero only within the cutoff, is summed
 * exactly over the pairs found with a cell list (gradient error about 1e-3). Cost per
 * iteration: O(N) for spreading and reading, O(G^2 log G) for the FFTs of a G x G grid (G
 * at most 144), and the near pairs.
 *
 * @module
 */
import { fftSize, GridFft } from "./_fft.ts";

/** Interpolation nodes per box and axis (Lagrange polynomials of degree 2, as FIt-SNE). */
export const INTERPOLATION_POINTS = 3;
/** The widest box, in layout units (FIt-SNE's `intervals_per_integer` = 1). */
export const BOX_WIDTH = 1;
/** The fewest boxes per axis, however small the layout (FIt-SNE: 50). */
export const MIN_BOXES = 8;
/**
 * Box widths are rounded up to `BOX_WIDTH * 2^(-j / LADDER)` (j a whole number), so that
 * the kernels' spectrum, which depends on the grid and the box width only, is reused for
 * as long as the layout's extent stays within one step (4.4%).
 */
const LADDER = 16;
/** A cell itself, then the neighbours that pair with it (the other 4 pair with them). */
const NEIGHBOR_DX = [0, 1, -1, 0, 1];
const NEIGHBOR_DY = [0, 0, 1, 1, 1];
/**
 * The most boxes per axis: 24 (a grid of 6 x 24 = 144 nodes per side, padded) up to
 * 10,000 points, 32 above, where the near pairs, which grow with the points' density,
 * cost more than the larger FFTs.
 */
export function maxBoxesFor(points: number): number {
  return points > 10000 ? 32 : 24;
}
/** The near-field radius, in box widths, once boxes are wider than {@linkcode BOX_WIDTH}. */
export const CUTOFF = 1.5;

/**
 * Computes, for every point of a 2-D layout, the unnormalised t-SNE repulsion
 * `Σ_j w_ij^2 (y_i - y_j)`, `w_ij = 1 / (1 + |y_i - y_j|^2)`, and the normaliser
 * `Z = Σ_{i≠j} w_ij`, by interpolation on a grid and FFT convolution. Keeps its grids
 * between calls; they grow with the layout.
 */
export class FftRepulsion {
  #fft: GridFft | null = null;
  #size = 0;
  #a: { re: Float64Array; im: Float64Array } = { re: new Float64Array(0), im: new Float64Array(0) };
  #b: { re: Float64Array; im: Float64Array } = { re: new Float64Array(0), im: new Float64Array(0) };
  #k: { re: Float64Array; im: Float64Array } = { re: new Float64Array(0), im: new Float64Array(0) };
  #kernelSize = 0;
  #cellStart = new Int32Array(0);
  #order: Int32Array;
  #cellOf: Int32Array;
  #sorted: Float64Array;
  #acc: Float64Array;
  #fill: Int32Array = new Int32Array(0);
  #kernelWidth = 0;
  #cell: Int32Array;
  #weights: Float64Array;
  /** The side of the last grid (after padding), for tests and reports. */
  lastGridSize = 0;

  /** The widest box, in layout units. */
  readonly boxWidth: number;
  /** Interpolation nodes per box and axis. */
  readonly nodes: number;
  /** The most boxes per axis; beyond, boxes widen and the near field is summed directly. */
  readonly maxBoxes: number;
  /** The near-field radius, in box widths, once boxes are wider than `boxWidth`. */
  readonly cutoff: number;

  /** Prepares the repulsion of `points` points, with boxes at most `boxWidth` wide. */
  constructor(
    points: number,
    boxWidth: number = BOX_WIDTH,
    nodes: number = INTERPOLATION_POINTS,
    maxBoxes: number = maxBoxesFor(points),
    cutoff: number = CUTOFF,
  ) {
    this.maxBoxes = maxBoxes;
    this.cutoff = cutoff;
    this.boxWidth = boxWidth;
    this.nodes = nodes;
    this.#cell = new Int32Array(points);
    this.#order = new Int32Array(points);
    this.#cellOf = new Int32Array(points);
    this.#sorted = new Float64Array(2 * points);
    this.#acc = new Float64Array(2 * points);
    this.#weights = new Float64Array(2 * nodes * points);
  }

  #grid(size: number): GridFft {
    if (this.#fft && this.#size === size) return this.#fft;
    this.#fft = new GridFft(size);
    this.#size = size;
    const make = () => ({ re: new Float64Array(size * size), im: new Float64Array(size * size) });
    this.#a = make();
    this.#b = make();
    this.#k = make();
    return this.#fft;
  }

  /**
   * Fills `force[2i], force[2i + 1]` with the repulsion on point i of the layout `y`
   * (row-interleaved x0, y0, x1, y1, ...) and returns Z.
   *
   * @param y The layout of `n` points.
   * @param n The number of points.
   * @param force Where the forces go (`2n` values).
   * @returns `Σ_{i≠j} 1 / (1 + |y_i - y_j|^2)`.
   */
  compute(y: Float64Array, n: number, force: Float64Array): number {
    const p = this.nodes;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const px = y[2 * i], py = y[2 * i + 1];
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    // A hair wider than the points, so that the largest coordinate falls inside the last box.
    const extent = Math.max(maxX - minX, maxY - minY, 1e-12) * (1 + 1e-9);
    const width = this.boxWidth;
    const needed = Math.min(this.maxBoxes, Math.max(MIN_BOXES, Math.ceil(extent / width)));
    const size = fftSize(2 * p * needed);
    // Every box the padded grid has room for: finer boxes at no extra cost.
    const boxes = Math.floor(size / (2 * p)), used = boxes * p;
    const h = 2 ** (Math.ceil(LADDER * Math.log2(extent / boxes)) / LADDER);
    // Boxes wider than `boxWidth`: the grid takes the smooth far part of the kernels only.
    const cutoff = h > width * (1 + 1e-9) ? this.cutoff * h : 0;
    const fft = this.#grid(size);
    this.lastGridSize = size;
    this.#spread(y, n, minX, minY, h, boxes, size);
    const a = this.#a, b = this.#b, k = this.#k;
    if (this.#kernelSize !== size || this.#kernelWidth !== h) {
      this.#kernels(h / p, used, size, cutoff * cutoff);
      fft.forward(k.re, k.im);
      this.#kernelSize = size;
      this.#kernelWidth = h;
    }
    fft.forward(a.re, a.im, used);
    fft.forward(b.re, b.im, used);
    // FFT(k2 + i k1) = K2 + i K1 with K1, K2 real (the kernels are even): K2 = re, K1 = im.
    // a = 1 + i x and b = y are real charges: A(-f) = conj(A(f)) splits A into FFT(1)
    // and FFT(x). b becomes K2 FFT(y) + i K1 FFT(1), a becomes K2 FFT(1 + i x).
    for (let r = 0; r < size; r++) {
      const rr = r === 0 ? 0 : size - r;
      for (let c = 0; c < size; c++) {
        const at = r * size + c, mirror = rr * size + (c === 0 ? 0 : size - c);
        const oneRe = (a.re[at] + a.re[mirror]) / 2, oneIm = (a.im[at] - a.im[mirror]) / 2;
        const k2 = k.re[at], k1 = k.im[at];
        b.re[at] = k2 * b.re[at] - k1 * oneIm;
        b.im[at] = k2 * b.im[at] + k1 * oneRe;
      }
    }
    for (let at = 0; at < size * size; at++) (a.re[at] *= k.re[at]), (a.im[at] *= k.re[at]);
    fft.inverse(a.re, a.im, used);
    fft.inverse(b.re, b.im, used);
    // Each point met itself through the grid (the far kernel at 0): not a pair.
    const cutoff2 = cutoff * cutoff, self = cutoff > 0 ? far1(0, cutoff2) : 1;
    const z = this.#gather(y, n, size, force) - n * self;
    return cutoff > 0 ? z + this.#near(y, n, minX, minY, extent, cutoff, force) : z;
  }

  /** Lagrange weights of each point in its box, and the charges 1 + i x (a) and y (b). */
  #spread(
    y: Float64Array,
    n: number,
    minX: number,
    minY: number,
    h: number,
    boxes: number,
    size: number,
  ): void {
    const p = this.nodes, a = this.#a, b = this.#b, cell = this.#cell, wt = this.#weights;
    a.re.fill(0);
    a.im.fill(0);
    b.re.fill(0);
    b.im.fill(0);
    for (let i = 0; i < n; i++) {
      const fx = (y[2 * i] - minX) / h, fy = (y[2 * i + 1] - minY) / h;
      const bx = Math.min(boxes - 1, Math.floor(fx)), by = Math.min(boxes - 1, Math.floor(fy));
      cell[i] = by * p * size + bx * p;
      lagrange(fx - bx, p, wt, 2 * p * i);
      lagrange(fy - by, p, wt, 2 * p * i + p);
      const px = y[2 * i], py = y[2 * i + 1];
      for (let s = 0; s < p; s++) {
        const row = cell[i] + s * size, wy = wt[2 * p * i + p + s];
        for (let t = 0; t < p; t++) {
          const w = wy * wt[2 * p * i + t], at = row + t;
          a.re[at] += w;
          a.im[at] += w * px;
          b.re[at] += w * py;
        }
      }
    }
  }

  /**
   * The kernels 1/(1+d^2)^2 (re) and 1/(1+d^2) (im) on the padded grid, wrapped around;
   * within `cutoff2` (a squared distance, 0: none) their smooth far parts only.
   */
  #kernels(spacing: number, used: number, size: number, cutoff2: number): void {
    const k = this.#k;
    k.re.fill(0);
    k.im.fill(0);
    for (let r = 0; r < used; r++) {
      const rows = r === 0 ? [0] : [r, size - r];
      for (let c = 0; c < used; c++) {
        const d2 = spacing * spacing * (r * r + c * c);
        const k1 = d2 < cutoff2 ? far1(d2, cutoff2) : 1 / (1 + d2);
        const k2 = d2 < cutoff2 ? far2(d2, cutoff2) : k1 * k1;
        for (const row of rows) {
          k.re[row * size + c] = k2;
          k.im[row * size + c] = k1;
          if (c > 0) {
            k.re[row * size + size - c] = k2;
            k.im[row * size + size - c] = k1;
          }
        }
      }
    }
  }

  /**
   * Adds the near parts of the kernels (the kernel less its far part, 0 beyond `cutoff`)
   * exactly, pair by pair, found with a cell list; returns their share of Z.
   */
  #near(
    y: Float64Array,
    n: number,
    minX: number,
    minY: number,
    extent: number,
    cutoff: number,
    force: Float64Array,
  ): number {
    const cells = Math.max(1, Math.min(1024, Math.floor(extent / cutoff))), side = extent / cells;
    const cutoff2 = cutoff * cutoff;
    if (this.#cellStart.length < cells * cells + 1) {
      this.#cellStart = new Int32Array(cells * cells + 1);
      this.#fill = new Int32Array(cells * cells);
    }
    const start = this.#cellStart.fill(0, 0, cells * cells + 1), order = this.#order;
    const cellOf = this.#cellOf;
    for (let i = 0; i < n; i++) {
      const cx = Math.min(cells - 1, Math.floor((y[2 * i] - minX) / side));
      const cy = Math.min(cells - 1, Math.floor((y[2 * i + 1] - minY) / side));
      cellOf[i] = cy * cells + cx;
      start[cellOf[i] + 1]++;
    }
    for (let c = 0; c < cells * cells; c++) start[c + 1] += start[c];
    const fill = this.#fill;
    fill.set(start.subarray(0, cells * cells));
    for (let i = 0; i < n; i++) order[fill[cellOf[i]]++] = i;
    // The points in cell order, so that a cell's points are adjacent in memory.
    const sorted = this.#sorted, acc = this.#acc.fill(0);
    for (let e = 0; e < n; e++) {
      sorted[2 * e] = y[2 * order[e]];
      sorted[2 * e + 1] = y[2 * order[e] + 1];
    }
    // Each pair once: a cell with itself, then with 4 of its 8 neighbours.
    const k = 1 / (1 + cutoff2), k2 = k * k, k3 = k2 * k, k4 = k2 * k2;
    let z = 0;
    for (let cy = 0; cy < cells; cy++) {
      for (let cx = 0; cx < cells; cx++) {
        const cell = cy * cells + cx;
        for (let e = start[cell]; e < start[cell + 1]; e++) {
          const xe = sorted[2 * e], ye = sorted[2 * e + 1];
          let fx = 0, fy = 0;
          for (let side = 0; side < 5; side++) {
            const gx = cx + NEIGHBOR_DX[side], gy = cy + NEIGHBOR_DY[side];
            if (gx < 0 || gx >= cells || gy >= cells) continue;
            const other = gy * cells + gx;
            const from = side === 0 ? e + 1 : start[other];
            for (let f = from; f < start[other + 1]; f++) {
              const dx = xe - sorted[2 * f], dy = ye - sorted[2 * f + 1], d2 = dx * dx + dy * dy;
              if (d2 >= cutoff2) continue;
              const t = d2 - cutoff2, k1 = 1 / (1 + d2);
              z += k1 - (k - k2 * t + k3 * t * t);
              const w = k1 * k1 - (k2 - 2 * k3 * t + 3 * k4 * t * t);
              fx += w * dx;
              fy += w * dy;
              acc[2 * f] -= w * dx;
              acc[2 * f + 1] -= w * dy;
            }
          }
          acc[2 * e] += fx;
          acc[2 * e + 1] += fy;
        }
      }
    }
    for (let e = 0; e < n; e++) {
      force[2 * order[e]] += acc[2 * e];
      force[2 * order[e] + 1] += acc[2 * e + 1];
    }
    // Each pair counts twice in Z.
    return 2 * z;
  }

  /** Reads each point's potentials back and turns them into forces; returns Σ_i Σ_j w_ij. */
  #gather(y: Float64Array, n: number, size: number, force: Float64Array): number {
    const p = this.nodes, a = this.#a, b = this.#b, cell = this.#cell, wt = this.#weights;
    const scale = 1 / (size * size);
    let z = 0;
    for (let i = 0; i < n; i++) {
      let phi1 = 0, phiX = 0, phiY = 0, psi = 0;
      for (let s = 0; s < p; s++) {
        const row = cell[i] + s * size, wy = wt[2 * p * i + p + s];
        for (let t = 0; t < p; t++) {
          const w = wy * wt[2 * p * i + t], at = row + t;
          phi1 += w * a.re[at];
          phiX += w * a.im[at];
          phiY += w * b.re[at];
          psi += w * b.im[at];
        }
      }
      force[2 * i] = (y[2 * i] * phi1 - phiX) * scale;
      force[2 * i + 1] = (y[2 * i + 1] * phi1 - phiY) * scale;
      z += psi * scale;
    }
    return z;
  }
}

/** The weights of the quadratic Lagrange basis on the nodes 1/6, 1/2, 5/6 at `u` in [0, 1]. */
function lagrange(u: number, p: number, out: Float64Array, at: number): void {
  for (let t = 0; t < p; t++) {
    const nt = (t + 0.5) / p;
    let w = 1;
    for (let s = 0; s < p; s++) {
      if (s !== t) w *= (u - (s + 0.5) / p) / (nt - (s + 0.5) / p);
    }
    out[at + t] = w;
  }
}

/**
 * The far part of 1/(1+s), s = d^2: itself beyond `cutoff2`, within it the quadratic in s
 * that matches its value and first two derivatives at `cutoff2` (smooth, so that a coarse
 * grid interpolates it well).
 */
function far1(s: number, cutoff2: number): number {
  const k = 1 / (1 + cutoff2), t = s - cutoff2;
  return k - k * k * t + k * k * k * t * t;
}

/** The far part of 1/(1+s)^2, as {@linkcode far1}. */
function far2(s: number, cutoff2: number): number {
  const k = 1 / (1 + cutoff2), t = s - cutoff2, k2 = k * k;
  return k2 - 2 * k2 * k * t + 3 * k2 * k2 * t * t;
}
