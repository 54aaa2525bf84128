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
 * FIt-SNE uses boxes 1 layout unit wide ({@linkcode BOX_WIDTH}); that alone errs by 1-3% in
 * the forces, because the kernels bend sharply within a box. Here the grid usually carries
 * only the smooth far part of each kernel (the kernel beyond {@linkcode CUTOFF} box widths,
 * within it the quadratic in d^2 that meets it with two matching derivatives), and the
 * rest, zero beyond the cutoff, is summed exactly over the pairs found with a cell list:
 * about 0.1% error, and the boxes may be wider than 1 unit, so a wide layout does not need
 * FIt-SNE's large grid (6 nodes per unit and side, padded), whose JavaScript FFTs would cost
 * far more than the rest of an iteration. Each step takes, among grids of 8 to 96 boxes a
 * side, the one whose estimated cost is lowest: O(G^2 log G) for the FFTs of a G x G grid
 * (G at most 576) against the near pairs its boxes leave, counted from a histogram of the
 * points. Only while the near field would cost more than four times FIt-SNE's own grid
 * (early on, the layout a few dense clumps) does a step take that grid without the split.
 * Spreading and reading back cost O(N).
 *
 * The work is cut into steps over one {@linkcode RepulsionMemory}, so that threads sharing
 * that memory can take the independent ones side by side (tsne_fft.ts): spreading, the cell
 * list, the two forward and the two inverse FFTs, and {@linkcode NEAR_CHUNKS} pieces of the
 * near field, each with its own accumulator. The pieces do not depend on how many threads
 * take them, and their sums are added in a fixed order: the same floats on any thread count.
 *
 * @module
 */
import { layoutBounds } from "./_barnes_hut.ts";
import { fftSize, GridFft } from "./_fft.ts";
import { type NearKernel, nearKernel } from "./_near_wasm.ts";

/** Interpolation nodes per box and axis (Lagrange polynomials of degree 2, as FIt-SNE). */
export const INTERPOLATION_POINTS = 3;
/** The widest box, in layout units (FIt-SNE's `intervals_per_integer` = 1). */
export const BOX_WIDTH = 1;
/** The fewest boxes per axis, however small the layout (FIt-SNE: 50). */
export const MIN_BOXES = 8;
/** The near-field radius, in box widths, once boxes are wider than {@linkcode BOX_WIDTH}. */
export const CUTOFF = 2.5;
/** Pieces of the near field (runs of cells with about as many points each). */
export const NEAR_CHUNKS = 8;
/**
 * Box widths are rounded up to `BOX_WIDTH * 2^(-j / LADDER)` (j a whole number), so that
 * the kernels' spectrum, which depends on the grid and the box width only, is reused for
 * as long as the layout's extent stays within one step (4.4%).
 */
const LADDER = 16;
/** The most near-field cells per side (cells are then wider than the cutoff). */
const MAX_CELLS = 256;
/**
 * Near-field cells are `1 / NEAR_REACH` of the cutoff wide, so that a point's partners lie
 * within `NEAR_REACH` cells: fewer pairs are looked at beyond the cutoff than with cells a
 * whole cutoff wide (6.25 against 9 squared cutoffs around each point).
 */
const NEAR_REACH = 2;
/**
 * The most boxes per axis: 96, a grid of 6 x 96 = 576 nodes per side, padded. Below it,
 * each step takes the grid that {@linkcode planStep}'s cost model says is cheapest.
 */
export function maxBoxesFor(_points: number): number {
  return 96;
}
/**
 * Seconds per node of the padded grid per log2 of its side (its four FFTs in a step, as
 * measured on one core of the development machine), and per near pair within the cutoff
 * (measured: about 5e-9 with the SIMD kernel; set at twice that, which picks finer grids: 20,000
 * points took 24 s instead of 28.5 s, for a final KL 0.15% higher). Only their ratio matters.
 */
const FFT_COST = 1.3e-8, PAIR_COST = 1e-8;
/**
 * The near field is summed unless it costs this many times the grid of boxes at most
 * `boxWidth` wide without it (while the layout is a few dense clumps, early on): that grid
 * alone errs by 1-3% in the forces, the split by 0.1%, which shows in the final layout
 * (20,000 points: 10-nearest-neighbour preservation 0.151 against 0.185).
 */
const FINE_RATIO = 4;
/** Cells per side of the finest level of the density histogram behind the pair estimate. */
const DENSITY_CELLS = 256;

/** Slots of {@linkcode RepulsionMemory.params}. */
const MIN_X = 0, MIN_Y = 1, BOX = 2, SIZE = 3, USED = 4, BOXES = 5, NEAR = 6, CELLS = 7;
const SIDE = 8, KERNEL_SIZE = 9, KERNEL_BOX = 10, KERNEL_CUTOFF = 11, PARAMS = 12;

/**
 * Everything the repulsion's steps read and write, in typed arrays on one WebAssembly
 * memory (shared between threads, or not), made by {@linkcode repulsionMemory}; the near
 * field's kernel runs on it.
 */
export interface RepulsionMemory {
  /** The memory all the arrays below are views of. */
  memory: WebAssembly.Memory;
  /** Points. */
  n: number;
  /** Interpolation nodes per box and axis. */
  nodes: number;
  /** The widest box while the grid may still grow. */
  boxWidth: number;
  /** The most boxes per axis. */
  maxBoxes: number;
  /** The near-field radius in box widths, once boxes widen. */
  cutoff: number;
  /** The current step's grid and near field (see the slot constants). */
  params: Float64Array;
  /** Charges 1 + i x, then their potentials (grid, row stride `size`). */
  aRe: Float64Array;
  aIm: Float64Array;
  /** Charges y, then their potentials. */
  bRe: Float64Array;
  bIm: Float64Array;
  /** The kernels' spectrum: 1/(1+d^2)^2 (re) and 1/(1+d^2) (im). */
  kRe: Float64Array;
  kIm: Float64Array;
  /** Each point's first grid node. */
  cell: Int32Array;
  /** Each point's Lagrange weights, x then y. */
  weights: Float64Array;
  /** The near field's cell list: points in cell order, each one's cell, coordinates. */
  order: Int32Array;
  cellOf: Int32Array;
  sortedX: Float64Array;
  sortedY: Float64Array;
  cellStart: Int32Array;
  /** The first cell of each near-field piece, and the end. */
  chunkCells: Int32Array;
  /** Each piece's forces (in cell order, `n` each) and share of Z. */
  nearX: Float64Array;
  nearY: Float64Array;
  nearZ: Float64Array;
  /** Each piece's scratch for the kernel's sums (4 values each). */
  nearOut: Float64Array;
}

/** Float64 and Int32 lengths of a {@linkcode RepulsionMemory}, in allocation order. */
function layoutOf(n: number, nodes: number, maxBoxes: number) {
  const size = fftSize(2 * nodes * maxBoxes), grid = size * size, pieces = n * NEAR_CHUNKS;
  return {
    floats: [PARAMS, grid, grid, grid, grid, grid, grid, 2 * nodes * n, n, n, pieces, pieces],
    tail: [NEAR_CHUNKS, 4 * NEAR_CHUNKS],
    ints: [n, n, n, MAX_CELLS * MAX_CELLS + 1, NEAR_CHUNKS + 1],
  };
}

/**
 * Consecutive views from the start of `buffer`: Float64Arrays of the lengths `floats`, then
 * Int32Arrays of the lengths `ints`.
 */
export function carve(
  buffer: ArrayBufferLike,
  floats: readonly number[],
  ints: readonly number[],
): { f: Float64Array[]; i: Int32Array[] } {
  let at = 0;
  const f = floats.map((length) => {
    const view = new Float64Array(buffer, at, length);
    at += 8 * length;
    return view;
  });
  const i = ints.map((length) => {
    const view = new Int32Array(buffer, at, length);
    at += 4 * length;
    return view;
  });
  return { f, i };
}

/** WebAssembly pages (64 KiB each). */
const PAGE = 65536;

/**
 * Allocates the memory of the repulsion of `n` points, a shared WebAssembly memory when
 * `shared` (for threads).
 */
export function repulsionMemory(
  n: number,
  shared: boolean,
  boxWidth: number = BOX_WIDTH,
  nodes: number = INTERPOLATION_POINTS,
  maxBoxes: number = maxBoxesFor(n),
  cutoff: number = CUTOFF,
): RepulsionMemory {
  const { floats, tail, ints } = layoutOf(n, nodes, maxBoxes);
  const bytes = 8 * [...floats, ...tail].reduce((a, b) => a + b, 0) +
    4 * ints.reduce((a, b) => a + b, 0);
  const pages = Math.ceil(bytes / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
  return viewMemory(memory, n, nodes, boxWidth, maxBoxes, cutoff);
}

/** The views of a {@linkcode RepulsionMemory} on its memory (another thread's, too). */
export function viewMemory(
  memory: WebAssembly.Memory,
  n: number,
  nodes: number,
  boxWidth: number,
  maxBoxes: number,
  cutoff: number,
): RepulsionMemory {
  const { floats, tail, ints } = layoutOf(n, nodes, maxBoxes);
  const { f, i } = carve(memory.buffer, [...floats, ...tail], ints);
  return {
    memory,
    n,
    nodes,
    boxWidth,
    maxBoxes,
    cutoff,
    params: f[0],
    aRe: f[1],
    aIm: f[2],
    bRe: f[3],
    bIm: f[4],
    kRe: f[5],
    kIm: f[6],
    weights: f[7],
    sortedX: f[8],
    sortedY: f[9],
    nearX: f[10],
    nearY: f[11],
    nearZ: f[12],
    nearOut: f[13],
    cell: i[0],
    order: i[1],
    cellOf: i[2],
    cellStart: i[3],
    chunkCells: i[4],
  };
}

/** What each thread keeps for itself: a GridFft per grid side, the near-field kernel. */
export class ThreadCache {
  #ffts = new Map<number, GridFft>();
  #near: NearKernel | null = null;
  #memory: WebAssembly.Memory | null = null;
  /** The FFT of a `size x size` grid. */
  of(size: number): GridFft {
    let fft = this.#ffts.get(size);
    if (!fft) this.#ffts.set(size, fft = new GridFft(size));
    return fft;
  }
  /** The near-field kernel on `memory`. */
  near(memory: WebAssembly.Memory): NearKernel {
    if (this.#memory !== memory) (this.#near = nearKernel(memory)), (this.#memory = memory);
    return this.#near!;
  }
}

/** The side of the current padded grid. */
export function gridSize(mem: RepulsionMemory): number {
  return mem.params[SIZE];
}

/** Whether the current step has a near field to sum (its boxes are wide). */
export function hasNearField(mem: RepulsionMemory): boolean {
  return mem.params[NEAR] > 0;
}

/**
 * Fits the grid to the layout `y` (its bounding square, the boxes and their width, the
 * near field's radius and cells) and refreshes the kernels' spectrum when the grid or the
 * box width changed. Runs on one thread before the other steps.
 */
export function planStep(mem: RepulsionMemory, y: Float64Array, cache: ThreadCache): void {
  const { n, nodes: p, params } = mem;
  const { minX, minY, maxX, maxY } = layoutBounds(y, n);
  // A hair wider than the points, so that the largest coordinate falls inside the last box.
  const extent = Math.max(maxX - minX, maxY - minY, 1e-12) * (1 + 1e-9);
  const { size, split } = chooseGrid(mem, y, minX, minY, extent);
  // Every box the padded grid has room for: finer boxes at no extra cost.
  const boxes = Math.floor(size / (2 * p)), h = boxWidthOf(extent, boxes);
  // Split: the grid takes the smooth far part of the kernels only.
  const cutoff = split ? mem.cutoff * h : 0;
  const reach = cutoff / NEAR_REACH;
  const cells = cutoff > 0 ? Math.max(1, Math.min(MAX_CELLS, Math.floor(extent / reach))) : 0;
  params[MIN_X] = minX;
  params[MIN_Y] = minY;
  params[BOX] = h;
  params[SIZE] = size;
  params[USED] = boxes * p;
  params[BOXES] = boxes;
  params[NEAR] = cutoff;
  params[CELLS] = cells;
  params[SIDE] = cells > 0 ? extent / cells : 0;
  const kernel = [size, h, cutoff];
  if ([KERNEL_SIZE, KERNEL_BOX, KERNEL_CUTOFF].some((slot, i) => params[slot] !== kernel[i])) {
    kernels(mem, h / p, boxes * p, size, cutoff * cutoff);
    cache.of(size).forward(mem.kRe, mem.kIm);
    params.set(kernel, KERNEL_SIZE);
  }
}

/** The width of `boxes` boxes across `extent`, rounded up to the ladder of widths. */
function boxWidthOf(extent: number, boxes: number): number {
  return 2 ** (Math.ceil(LADDER * Math.log2(extent / boxes)) / LADDER);
}

/**
 * The side of the padded grid for this step: of the grids from {@linkcode MIN_BOXES} boxes
 * up to the first whose boxes are at most `boxWidth` wide (no near field) or
 * `maxBoxes`, the one with the lowest estimated cost, its FFTs plus its near pairs. The
 * choice depends on the layout only (the same on any thread count).
 */
function chooseGrid(
  mem: RepulsionMemory,
  y: Float64Array,
  minX: number,
  minY: number,
  extent: number,
): { size: number; split: boolean } {
  const p = mem.nodes, last = fftSize(2 * p * mem.maxBoxes);
  const density = densityLevels(y, mem.n, minX, minY, extent);
  let best = last, bestCost = Infinity, fineSize = 0, fineCost = Infinity;
  for (const size of smoothSizes(fftSize(2 * p * MIN_BOXES), last)) {
    const h = boxWidthOf(extent, Math.floor(size / (2 * p)));
    const fft = FFT_COST * size * size * Math.log2(size);
    if (h <= mem.boxWidth * (1 + 1e-9) && !fineSize) (fineSize = size), (fineCost = fft);
    const cost = fft + PAIR_COST * pairsWithin(density, extent, mem.cutoff * h);
    if (cost < bestCost) (best = size), (bestCost = cost);
  }
  if (fineSize && bestCost > FINE_RATIO * fineCost) return { size: fineSize, split: false };
  return { size: best, split: true };
}

/** The sides 2^a 3^b from `from` to `to`, ascending, each range listed once. */
function smoothSizes(from: number, to: number): readonly number[] {
  const key = `${from}-${to}`;
  let sizes = SMOOTH_SIZES.get(key);
  if (sizes) return sizes;
  sizes = [];
  for (let p2 = 1; p2 <= to; p2 *= 2) {
    for (let s = p2; s <= to; s *= 3) if (s >= from) sizes.push(s);
  }
  SMOOTH_SIZES.set(key, sizes.sort((a, b) => a - b));
  return sizes;
}
const SMOOTH_SIZES = new Map<string, number[]>();

/**
 * Point counts on the layout's bounding square at {@linkcode DENSITY_CELLS} cells per
 * side, then at half as many, and so on down to one cell.
 */
function densityLevels(
  y: Float64Array,
  n: number,
  minX: number,
  minY: number,
  extent: number,
): Float64Array[] {
  let cells = DENSITY_CELLS;
  let counts = new Float64Array(cells * cells);
  for (let i = 0; i < n; i++) {
    const cx = Math.min(cells - 1, Math.floor(((y[2 * i] - minX) / extent) * cells));
    const cy = Math.min(cells - 1, Math.floor(((y[2 * i + 1] - minY) / extent) * cells));
    counts[cy * cells + cx]++;
  }
  const levels = [counts];
  while (cells > 1) {
    const half = cells / 2, coarse = new Float64Array(half * half);
    for (let r = 0; r < cells; r++) {
      for (let c = 0; c < cells; c++) coarse[(r >> 1) * half + (c >> 1)] += counts[r * cells + c];
    }
    levels.push(counts = coarse);
    cells = half;
  }
  return levels;
}

/**
 * About how many pairs of points lie within `radius`: half the sum of squared counts of
 * the level whose cells are nearest in area to a disc of that radius.
 */
function pairsWithin(levels: Float64Array[], extent: number, radius: number): number {
  const side = radius * Math.sqrt(Math.PI);
  const level = Math.round(Math.log2(side / (extent / DENSITY_CELLS)));
  const counts = levels[Math.max(0, Math.min(levels.length - 1, level))];
  let pairs = 0;
  for (let c = 0; c < counts.length; c++) pairs += counts[c] * (counts[c] - 1);
  return pairs / 2;
}

/**
 * The kernels 1/(1+d^2)^2 (re) and 1/(1+d^2) (im) on the padded grid, wrapped around;
 * within `cutoff2` (a squared distance, 0: none) their smooth far parts only.
 */
function kernels(
  mem: RepulsionMemory,
  spacing: number,
  used: number,
  size: number,
  cutoff2: number,
): void {
  const { kRe, kIm } = mem;
  kRe.fill(0, 0, size * size);
  kIm.fill(0, 0, size * size);
  for (let r = 0; r < used; r++) {
    const rows = r === 0 ? [0] : [r, size - r];
    for (let c = 0; c < used; c++) {
      const d2 = spacing * spacing * (r * r + c * c);
      const k1 = d2 < cutoff2 ? far1(d2, cutoff2) : 1 / (1 + d2);
      const k2 = d2 < cutoff2 ? far2(d2, cutoff2) : k1 * k1;
      for (const row of rows) {
        kRe[row * size + c] = k2;
        kIm[row * size + c] = k1;
        if (c > 0) {
          kRe[row * size + size - c] = k2;
          kIm[row * size + size - c] = k1;
        }
      }
    }
  }
}

/** Each point's Lagrange weights in its box, and its charges 1 + i x (a) and y (b). */
export function spread(mem: RepulsionMemory, y: Float64Array): void {
  const { n, nodes: p, params, aRe, aIm, bRe, bIm, cell, weights: wt } = mem;
  const minX = params[MIN_X], minY = params[MIN_Y], h = params[BOX];
  const boxes = params[BOXES], size = params[SIZE];
  aRe.fill(0, 0, size * size);
  aIm.fill(0, 0, size * size);
  bRe.fill(0, 0, size * size);
  bIm.fill(0, 0, size * size);
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
        aRe[at] += w;
        aIm[at] += w * px;
        bRe[at] += w * py;
      }
    }
  }
}

/** The forward FFT of grid a (`which` 0) or b (1), of its used corner. */
export function forwardFft(mem: RepulsionMemory, cache: ThreadCache, which: number): void {
  const size = mem.params[SIZE], used = mem.params[USED];
  if (which === 0) cache.of(size).forward(mem.aRe, mem.aIm, used);
  else cache.of(size).forward(mem.bRe, mem.bIm, used);
}

/**
 * Multiplies the charges' spectra by the kernels'. FFT(k2 + i k1) = K2 + i K1 with K1, K2
 * real (the kernels are even): K2 = re, K1 = im. a = 1 + i x and b = y are real charges:
 * A(-f) = conj(A(f)) splits A into FFT(1) and FFT(x). b becomes K2 FFT(y) + i K1 FFT(1), a
 * becomes K2 FFT(1 + i x).
 */
export function convolve(mem: RepulsionMemory): void {
  const { aRe, aIm, bRe, bIm, kRe, kIm } = mem, size = mem.params[SIZE];
  for (let r = 0; r < size; r++) {
    const rr = r === 0 ? 0 : size - r;
    for (let c = 0; c < size; c++) {
      const at = r * size + c, mirror = rr * size + (c === 0 ? 0 : size - c);
      const oneRe = (aRe[at] + aRe[mirror]) / 2, oneIm = (aIm[at] - aIm[mirror]) / 2;
      const k2 = kRe[at], k1 = kIm[at];
      const re = bRe[at];
      bRe[at] = k2 * re - k1 * oneIm;
      bIm[at] = k2 * bIm[at] + k1 * oneRe;
    }
  }
  for (let at = 0; at < size * size; at++) (aRe[at] *= kRe[at]), (aIm[at] *= kRe[at]);
}

/** The inverse FFT of grid a (`which` 0) or b (1), to its used corner. */
export function inverseFft(mem: RepulsionMemory, cache: ThreadCache, which: number): void {
  const size = mem.params[SIZE], used = mem.params[USED];
  if (which === 0) cache.of(size).inverse(mem.aRe, mem.aIm, used);
  else cache.of(size).inverse(mem.bRe, mem.bIm, used);
}

/**
 * Reads each point's potentials back and turns them into forces (`force` is overwritten);
 * returns Σ_i Σ_{j≠i} of the grid's kernel.
 */
export function gather(mem: RepulsionMemory, y: Float64Array, force: Float64Array): number {
  const { n, nodes: p, params, aRe, aIm, bRe, bIm, cell, weights: wt } = mem;
  const size = params[SIZE], cutoff = params[NEAR];
  const scale = 1 / (size * size);
  let z = 0;
  for (let i = 0; i < n; i++) {
    let phi1 = 0, phiX = 0, phiY = 0, psi = 0;
    for (let s = 0; s < p; s++) {
      const row = cell[i] + s * size, wy = wt[2 * p * i + p + s];
      for (let t = 0; t < p; t++) {
        const w = wy * wt[2 * p * i + t], at = row + t;
        phi1 += w * aRe[at];
        phiX += w * aIm[at];
        phiY += w * bRe[at];
        psi += w * bIm[at];
      }
    }
    force[2 * i] = (y[2 * i] * phi1 - phiX) * scale;
    force[2 * i + 1] = (y[2 * i + 1] * phi1 - phiY) * scale;
    z += psi * scale;
  }
  // Each point met itself through the grid (the far kernel at 0): not a pair.
  return z - n * (cutoff > 0 ? far1(0, cutoff * cutoff) : 1);
}

/**
 * The near field's cell list (cells `cutoff / NEAR_REACH` wide): the points in cell order, and
 * the cells cut into {@linkcode NEAR_CHUNKS} runs of about `n / NEAR_CHUNKS` points.
 */
export function cellList(mem: RepulsionMemory, y: Float64Array): void {
  const { n, params, order, cellOf, sortedX, sortedY, chunkCells } = mem;
  const cells = params[CELLS], side = params[SIDE];
  if (cells === 0) return;
  const minX = params[MIN_X], minY = params[MIN_Y], count = cells * cells;
  const start = mem.cellStart.fill(0, 0, count + 1);
  for (let i = 0; i < n; i++) {
    const cx = Math.min(cells - 1, Math.floor((y[2 * i] - minX) / side));
    const cy = Math.min(cells - 1, Math.floor((y[2 * i + 1] - minY) / side));
    cellOf[i] = cy * cells + cx;
    start[cellOf[i] + 1]++;
  }
  for (let c = 0; c < count; c++) start[c + 1] += start[c];
  // The next free slot of each cell.
  const fill = start.slice(0, count);
  for (let i = 0; i < n; i++) order[fill[cellOf[i]]++] = i;
  // The points in cell order, so that a cell's points are adjacent in memory.
  for (let e = 0; e < n; e++) {
    sortedX[e] = y[2 * order[e]];
    sortedY[e] = y[2 * order[e] + 1];
  }
  let c = 0;
  for (let piece = 0; piece <= NEAR_CHUNKS; piece++) {
    const points = Math.floor((piece * n) / NEAR_CHUNKS);
    while (c < count && start[c] < points) c++;
    chunkCells[piece] = piece === NEAR_CHUNKS ? count : c;
  }
}

/** The points (in cell order) that piece `piece` of the near field writes to. */
function pieceRange(mem: RepulsionMemory, piece: number): [number, number] {
  const cells = mem.params[CELLS], count = cells * cells;
  const first = mem.chunkCells[piece], end = mem.chunkCells[piece + 1];
  // Its cells pair with cells up to NEAR_REACH rows and cells beyond its last.
  const last = end + NEAR_REACH * (cells + 1);
  return [mem.cellStart[first], mem.cellStart[Math.min(count, last)]];
}

/**
 * Piece `piece` of the near field: the kernels less their far parts (0 beyond the cutoff),
 * pair by pair, for the pairs whose first cell is in the piece, into the piece's own forces
 * and share of Z.
 */
export function nearPiece(mem: RepulsionMemory, piece: number, cache: ThreadCache): void {
  const { n, params, sortedX: xs, sortedY: ys, nearOut } = mem;
  const start = mem.cellStart, cells = params[CELLS], cutoff = params[NEAR];
  const cutoff2 = cutoff * cutoff, kernel = cache.near(mem.memory);
  const [from, to] = pieceRange(mem, piece);
  const accX = mem.nearX.subarray(n * piece, n * (piece + 1)).fill(0, from, to);
  const accY = mem.nearY.subarray(n * piece, n * (piece + 1)).fill(0, from, to);
  const out = nearOut.byteOffset + 32 * piece, sums = 4 * piece;
  let z = 0;
  for (let cell = mem.chunkCells[piece]; cell < mem.chunkCells[piece + 1]; cell++) {
    const cx = cell % cells, cy = (cell - cx) / cells;
    const left = Math.max(0, cx - NEAR_REACH), right = Math.min(cells - 1, cx + NEAR_REACH);
    const rows = Math.min(cells - 1, cy + NEAR_REACH);
    for (let e = start[cell]; e < start[cell + 1]; e++) {
      const xe = xs[e], ye = ys[e];
      let fx = 0, fy = 0;
      // The cells within reach in order, row by row, are runs of consecutive points: in
      // this row the rest of this cell and those to its right, in the rows above all. Each
      // run goes to the SIMD kernel, which also subtracts each pair's force from its partner.
      for (let gy = cy; gy <= rows; gy++) {
        const first = gy === cy ? e + 1 : start[gy * cells + left];
        const end = start[gy * cells + right + 1];
        if (first >= end) continue;
        kernel.run(
          xe,
          ye,
          xs.byteOffset,
          ys.byteOffset,
          accX.byteOffset,
          accY.byteOffset,
          first,
          end,
          cutoff2,
          out,
        );
        fx += nearOut[sums];
        fy += nearOut[sums + 1];
        z += nearOut[sums + 2];
      }
      accX[e] += fx;
      accY[e] += fy;
    }
  }
  // Each pair counts twice in Z.
  mem.nearZ[piece] = 2 * z;
}

/** Adds the near field's pieces to `force`, in piece order; returns their share of Z. */
export function addNear(mem: RepulsionMemory, force: Float64Array): number {
  if (!hasNearField(mem)) return 0;
  const { n, order, nearX, nearY } = mem;
  let z = 0;
  for (let piece = 0; piece < NEAR_CHUNKS; piece++) {
    const [from, to] = pieceRange(mem, piece), base = n * piece;
    for (let e = from; e < to; e++) {
      force[2 * order[e]] += nearX[base + e];
      force[2 * order[e] + 1] += nearY[base + e];
    }
    z += mem.nearZ[piece];
  }
  return z;
}

/**
 * Computes, for every point of a 2-D layout, the unnormalised t-SNE repulsion
 * `Σ_j w_ij^2 (y_i - y_j)`, `w_ij = 1 / (1 + |y_i - y_j|^2)`, and the normaliser
 * `Z = Σ_{i≠j} w_ij`, by interpolation on a grid and FFT convolution, on one thread.
 * Keeps its grids between calls.
 */
export class FftRepulsion {
  #mem: RepulsionMemory;
  #cache = new ThreadCache();
  /** The side of the last grid (after padding), for tests and reports. */
  lastGridSize = 0;

  /** Prepares the repulsion of `points` points, with boxes at most `boxWidth` wide. */
  constructor(
    points: number,
    boxWidth: number = BOX_WIDTH,
    nodes: number = INTERPOLATION_POINTS,
    maxBoxes: number = maxBoxesFor(points),
    cutoff: number = CUTOFF,
  ) {
    this.#mem = repulsionMemory(points, false, boxWidth, nodes, maxBoxes, cutoff);
  }

  /**
   * Fills `force[2i], force[2i + 1]` with the repulsion on point i of the layout `y`
   * (row-interleaved x0, y0, x1, y1, ...) and returns Z.
   *
   * @param y The layout of `n` points.
   * @param n The number of points: the constructor's `points`.
   * @param force Where the forces go (`2n` values).
   * @returns `Σ_{i≠j} 1 / (1 + |y_i - y_j|^2)`.
   * @throws {RangeError} When `n` is not the constructor's `points`.
   */
  compute(y: Float64Array, n: number, force: Float64Array): number {
    const mem = this.#mem, cache = this.#cache;
    if (n !== mem.n) throw new RangeError(`Cannot repel ${n} points: prepared for ${mem.n}`);
    planStep(mem, y, cache);
    this.lastGridSize = gridSize(mem);
    spread(mem, y);
    cellList(mem, y);
    forwardFft(mem, cache, 0);
    forwardFft(mem, cache, 1);
    convolve(mem);
    inverseFft(mem, cache, 0);
    inverseFft(mem, cache, 1);
    const pieces = hasNearField(mem) ? NEAR_CHUNKS : 0;
    for (let piece = 0; piece < pieces; piece++) nearPiece(mem, piece, cache);
    return gather(mem, y, force) + addNear(mem, force);
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
