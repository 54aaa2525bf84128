/**
 * FFT-accelerated interpolation-based t-SNE (FIt-SNE; Linderman, Rachh, Hoskins,
 * Steinerberger and Kluger, 2019, Nature Methods 16): t-SNE for tens of thousands of
 * points, each iteration O(N) plus the FFTs of a grid whose size does not grow with N.
 *
 * The attraction runs over the sparse perplexity-calibrated `3 * perplexity` nearest
 * neighbour graph, as in Barnes-Hut t-SNE; the repulsion of all points and its normaliser
 * come from polynomial interpolation on an equispaced grid and convolutions with the
 * kernels 1/(1+d^2) and 1/(1+d^2)^2 by FFT, with the near field of a wide layout summed
 * directly (see `FftRepulsion` in _fft_repulsion.ts).
 *
 * @module
 */
import type { EmbeddingMatrix } from "../types.ts";
import type { Projection2d } from "./pca.ts";
import {
  checkTsneOptions,
  fittedPerplexity,
  gainStep,
  initialLayout,
  inputAffinities,
  klOf,
  recentre,
  rowLayout,
  type TsneInit,
} from "./_barnes_hut.ts";
import {
  addNear,
  BOX_WIDTH,
  convolve,
  CUTOFF,
  gather,
  gridSize,
  INTERPOLATION_POINTS,
  maxBoxesFor,
  planStep,
  ThreadCache,
} from "./_fft_repulsion.ts";
import {
  ATTRACTION_CHUNKS,
  type Edges,
  jobCount,
  PHASE_FORWARD,
  PHASE_INVERSE,
  PHASE_SPREAD,
  runJob,
  type TsneMemory,
  tsneMemory,
} from "./_tsne_jobs.ts";
import { JobThreads } from "./_tsne_threads.ts";

/** Options of {@linkcode fftTsne}. */
export interface FftTsneOptions {
  /** Seed of the random initial layout (unused with `init: "pca"`, which has no randomness). */
  seed: number;
  /**
   * Effective number of neighbours; lowered to `(rows - 1) / 3` (with a warning) when
   * there are not more than `3 * perplexity` points.
   * @default 30
   */
  perplexity?: number;
  /**
   * Gradient-descent iterations; the first `min(250, iterations / 4)` with early
   * exaggeration 12 and momentum 0.5, the rest with momentum 0.8.
   * @default 1000
   */
  iterations?: number;
  /**
   * Gradient-descent step size; default `max(rows / 12, 200)` (Belkina et al., 2019, as
   * openTSNE and FIt-SNE), for the gradient without the constant factor 4.
   */
  learningRate?: number;
  /**
   * Initial layout: `"pca"` (the first two principal components, scaled to a standard
   * deviation of 1e-4) or `"random"` (a seeded Gaussian), as `barnesHutTsne`.
   * @default "pca"
   */
  init?: TsneInit;
  /**
   * Threads that share each iteration's work (worker threads besides the caller's). The
   * layout is the same, to the bit, on any number. Default: the machine's cores, at most
   * 4, from {@linkcode FFT_TSNE_THREADS_FROM} points (fewer: 1).
   */
  threads?: number;
  /** Called after each iteration with the iterations done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The fewest points for which {@linkcode fftTsne} starts worker threads by default. */
export const FFT_TSNE_THREADS_FROM = 2000;

/** What {@linkcode fftTsne} returns: the layout, the options it really used, warnings. */
export interface FftTsneResult extends Projection2d {
  /** The options after adjustment (`perplexity` lowered for small inputs, defaults filled in). */
  options: {
    seed: number;
    perplexity: number;
    iterations: number;
    learningRate: number;
    init: TsneInit;
    earlyExaggeration: number;
    exaggerationIterations: number;
    neighbors: number;
    /** Interpolation nodes per box and axis. */
    interpolationPoints: number;
    /** The box width, in layout units, of the grid used without a near field (FIt-SNE's). */
    boxWidth: number;
    /** The most boxes per axis. */
    maxBoxes: number;
    /** The radius of the directly summed near field, in box widths. */
    nearCutoff: number;
  };
  /** Iterations run: always `iterations` (no early stop). */
  iterationsRun: number;
  /** The final Kullback-Leibler divergence, with the interpolated normaliser. */
  klDivergence: number;
  /** The side of the last FFT grid (zero-padded), which grows with the layout. */
  gridSize: number;
  /** Things the projection adjusted, for the caller to print. */
  warnings: string[];
}

const EARLY_EXAGGERATION = 12;

/** The pairs i < j of a symmetric CSR matrix. */
function upperEdges(rowStart: Int32Array, cols: Int32Array, values: Float64Array): Edges {
  let count = 0;
  for (let i = 0; i + 1 < rowStart.length; i++) {
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) if (cols[e] > i) count++;
  }
  const from = new Int32Array(count), to = new Int32Array(count), p = new Float64Array(count);
  count = 0;
  for (let i = 0; i + 1 < rowStart.length; i++) {
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      if (cols[e] > i) (from[count] = i), (to[count] = cols[e]), (p[count++] = values[e]);
    }
  }
  return { from, to, p };
}

/** Threads for `n` points: as asked, else the cores (at most 4) from enough points. */
function threadsFor(n: number, asked: number | undefined): number {
  if (asked !== undefined) {
    if (!Number.isInteger(asked) || asked < 1) {
      throw new RangeError(`Invalid threads ${asked}: give a whole number >= 1`);
    }
    return asked;
  }
  return n < FFT_TSNE_THREADS_FROM ? 1 : Math.max(1, Math.min(4, navigator.hardwareConcurrency));
}

/**
 * Runs one phase of an iteration's jobs: on the worker threads and this one, or all here.
 */
function runPhase(mem: TsneMemory, cache: ThreadCache, pool: JobThreads | null, phase: number) {
  const jobs = jobCount(mem, phase);
  if (pool) pool.run(phase, jobs, (job) => runJob(mem, cache, phase, job));
  else for (let job = 0; job < jobs; job++) runJob(mem, cache, phase, job);
}

/** The repulsion and Z of the layout in `mem.y`, the attraction's runs done alongside. */
function forces(mem: TsneMemory, cache: ThreadCache, pool: JobThreads | null, repel: Float64Array) {
  planStep(mem.repulsion, mem.y, cache);
  runPhase(mem, cache, pool, PHASE_SPREAD);
  runPhase(mem, cache, pool, PHASE_FORWARD);
  convolve(mem.repulsion);
  runPhase(mem, cache, pool, PHASE_INVERSE);
  const z = gather(mem.repulsion, mem.y, repel) + addNear(mem.repulsion, repel);
  return Math.max(z, Number.MIN_VALUE);
}

/**
 * Lays out the rows of `m` in 2-D with FFT-accelerated interpolation-based t-SNE
 * (FIt-SNE, Linderman et al., 2019).
 *
 * Input affinities exactly as `barnesHutTsne`: squared Euclidean distances to the exact
 * `k = min(rows - 1, floor(3 * perplexity))` nearest neighbours, a Gaussian per point
 * whose width gives the perplexity, P symmetrised. The gradient of KL(P || Q),
 * `dC/dy_i / 4 = Σ_j p_ij w_ij (y_i - y_j) - Σ_j w_ij^2 (y_i - y_j) / Z` with `w_ij = 1 /
 * (1 + |y_i - y_j|^2)` and `Z = Σ_{k≠l} w_kl`: the attraction over the neighbour pairs, the
 * repulsion and Z by interpolation on a grid of boxes, 3 x 3 equispaced nodes each
 * (quadratic Lagrange weights), and FFT convolutions of the nodes' charges with 1/(1+d^2)
 * and 1/(1+d^2)^2; the grid usually carries the kernels' smooth far part only, and the
 * near part (within 2.5 box widths) is summed pair by pair; each step takes the grid (8 to
 * 96 boxes a side) that a cost model puts cheapest (see _fft_repulsion.ts). The same
 * schedule as `barnesHutTsne`: early exaggeration 12 and momentum 0.5 for the first
 * `min(250, iterations / 4)` iterations, then momentum 0.8; per-coordinate gains;
 * re-centred after each step. Deterministic: the only randomness is the seeded initial
 * layout of `init: "random"`; the same layout on any number of threads.
 *
 * Time: the exact k-NN search, O(N^2 dim) once (BLAS where one loads), then per iteration
 * O(N k) for the attraction, the FFTs of a grid of at most 576 x 576 nodes, and the near
 * pairs, spread over `threads` threads.
 *
 * @param m The embeddings (`rows` x `dim`); not modified.
 * @param options Seed, perplexity, iterations, learning rate, init, threads, progress.
 * @returns Coordinates, the options used, the KL divergence and warnings.
 * @throws {RangeError} On a shape mismatch, a non-positive perplexity, iteration count or
 * learning rate, or thread count, or an unknown init.
 *
 * @example
 * ```ts
 * import { fftTsne } from "./tsne_fft.ts";
 * const data = Float64Array.from({ length: 60 * 4 }, (_, i) => Math.sin(i * 3.7) + (i % 3) * 5);
 * const r = fftTsne({ data, rows: 60, dim: 4 }, { seed: 0, perplexity: 10, iterations: 300 });
 * if (r.x.length !== 60 || !r.y.every(Number.isFinite)) throw new Error("wrong");
 * ```
 */
export function fftTsne(m: EmbeddingMatrix, options: FftTsneOptions): FftTsneResult {
  const n = m.rows;
  const checked = checkTsneOptions(m, options);
  const { seed, iterations, learningRate, init, onProgress } = checked;
  const threads = threadsFor(n, options.threads);
  let perplexity = checked.perplexity;
  const exaggerationIterations = Math.min(250, Math.floor(iterations / 4));
  const warnings: string[] = [];
  const used = {
    seed,
    perplexity,
    iterations,
    learningRate,
    init,
    earlyExaggeration: EARLY_EXAGGERATION,
    exaggerationIterations,
    neighbors: 0,
    interpolationPoints: INTERPOLATION_POINTS,
    boxWidth: BOX_WIDTH,
    maxBoxes: maxBoxesFor(n),
    nearCutoff: CUTOFF,
  };
  const fitted = fittedPerplexity(n, perplexity, warnings);
  if (fitted === null) {
    return {
      ...rowLayout(n),
      options: { ...used, iterations: 0 },
      iterationsRun: 0,
      klDivergence: 0,
      gridSize: 0,
      warnings,
    };
  }
  perplexity = fitted;
  const k = Math.min(n - 1, Math.floor(3 * perplexity));
  const { rowStart, cols, values } = inputAffinities(m, k, perplexity);
  const edges = upperEdges(rowStart, cols, values);
  const start = initialLayout(m, init, seed);
  const mem = tsneMemory(n, edges, threads > 1, {
    boxWidth: BOX_WIDTH,
    nodes: INTERPOLATION_POINTS,
    maxBoxes: used.maxBoxes,
    cutoff: CUTOFF,
  });
  const y = mem.y, attract = mem.attract;
  y.set(start.y);
  const pool = threads > 1 ? JobThreads.start(threads, mem) : null;
  if (threads > 1 && !pool) {
    warnings.push(`t-SNE ran on one thread: its worker threads did not start`);
  }
  const cache = new ThreadCache();
  const repel = new Float64Array(2 * n);
  const update = new Float64Array(2 * n), gains = new Float64Array(2 * n).fill(1);
  let z: number;
  try {
    for (let iter = 0; iter < iterations; iter++) {
      const early = iter < exaggerationIterations;
      const exaggeration = early ? EARLY_EXAGGERATION : 1;
      const momentum = early ? 0.5 : 0.8;
      const zNow = forces(mem, cache, pool, repel);
      for (let c = 0; c < 2 * n; c++) {
        let a = 0;
        for (let chunk = 0; chunk < ATTRACTION_CHUNKS; chunk++) a += attract[chunk * 2 * n + c];
        gainStep(c, exaggeration * a - repel[c] / zNow, y, update, gains, momentum, learningRate);
      }
      recentre(y, n);
      onProgress?.(iter + 1, iterations);
    }
    z = forces(mem, cache, pool, repel);
  } finally {
    pool?.close();
  }
  const klDivergence = klOf({ rowStart, cols, values }, y, z);
  return {
    x: Float64Array.from({ length: n }, (_, i) => y[2 * i]),
    y: Float64Array.from({ length: n }, (_, i) => y[2 * i + 1]),
    options: { ...used, perplexity, init: start.init, neighbors: k },
    iterationsRun: iterations,
    klDivergence,
    gridSize: gridSize(mem.repulsion),
    warnings,
  };
}
