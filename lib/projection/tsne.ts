/**
 * t-SNE (van der Maaten and Hinton, 2008) of an embedding to two dimensions, seeded so
 * that the same seed gives the same picture: exact with tsne-js for small sets (the
 * reference), FFT-accelerated interpolation ({@linkcode fftTsne}) for large ones, or
 * Barnes-Hut ({@linkcode barnesHutTsne}) when asked for.
 *
 * tsne-js is exact: its time and memory grow with the square of the number of points
 * (about 190 s for 1,000 points on this 2-core machine). Barnes-Hut t-SNE lays out
 * 5,000 points of 32 dims in about 16 s on one core; FFT t-SNE is faster, the more so
 * the more points.
 *
 * @module
 */
import TSNE from "tsne-js";
import { createRng } from "../random.ts";
import type { EmbeddingMatrix } from "../types.ts";
import type { Projection2d } from "./pca.ts";
import { barnesHutTsne, type TsneInit } from "./tsne_bh.ts";
import { fftTsne } from "./tsne_fft.ts";

/**
 * How {@linkcode projectTsne} computes t-SNE: `"exact"` (tsne-js, O(N^2) per iteration),
 * `"barnes-hut"` ({@linkcode barnesHutTsne}, O(N log N)), `"fft"` ({@linkcode fftTsne},
 * FIt-SNE: O(N) plus FFTs of a fixed-size grid), or `"auto"`: exact up to
 * {@linkcode TSNE_AUTO_EXACT_MAX} points, FFT above.
 */
export type TsneMethod = "exact" | "barnes-hut" | "fft" | "auto";

/** The values of {@linkcode TsneMethod}, for validation and help texts. */
export const TSNE_METHODS: readonly TsneMethod[] = ["exact", "barnes-hut", "fft", "auto"];

/**
 * The most points `method: "auto"` gives to exact t-SNE: about 10 s with tsne-js on this
 * machine; above it FFT t-SNE is much faster and preserves neighbourhoods as well.
 */
export const TSNE_AUTO_EXACT_MAX = 200;

/** Options of {@linkcode projectTsne}. */
export interface TsneOptions {
  /** Seed of the initial layout. */
  seed: number;
  /**
   * Exact, Barnes-Hut, FFT, or `"auto"` (exact up to {@linkcode TSNE_AUTO_EXACT_MAX}
   * points, FFT above).
   * @default "auto"
   */
  method?: TsneMethod;
  /**
   * Effective number of neighbours; lowered to `(rows - 1) / 3` for small inputs.
   * @default 30
   */
  perplexity?: number;
  /**
   * Gradient-descent iterations. Exact: 500, the first 100 of them with early
   * exaggeration 4 (tsne-js always runs those 100, and may stop early when the cost
   * stops falling). Barnes-Hut and FFT: 1000, the first 250 with early exaggeration 12.
   */
  iterations?: number;
  /**
   * Gradient-descent step size. Exact: `max(rows / 16, 50)`, the rule of scikit-learn's
   * `"auto"` (N / early exaggeration / 4) with tsne-js's exaggeration of 4 (tsne-js's own
   * default, 1000, scatters the clusters of a few hundred points). Barnes-Hut and FFT:
   * `max(rows / 12, 200)`, see {@linkcode barnesHutTsne}.
   */
  learningRate?: number;
  /**
   * Barnes-Hut accuracy (ignored, with a warning, by exact and FFT t-SNE).
   * @default 0.5
   */
  theta?: number;
  /**
   * Barnes-Hut and FFT initial layout (ignored, with a warning, by exact t-SNE, which
   * always starts from a seeded random layout).
   * @default "pca"
   */
  init?: TsneInit;
  /** Called after each iteration with the iterations done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The options {@linkcode projectTsne} really used, as recorded in `projections.json`. */
export interface TsneUsedOptions {
  /** The method that ran (`"auto"` resolved). */
  method: "exact" | "barnes-hut" | "fft";
  /** Seed of the initial layout. */
  seed: number;
  /** Perplexity, after lowering for small inputs. */
  perplexity: number;
  /** Iterations asked for. */
  iterations: number;
  /** Gradient-descent step size. */
  learningRate: number;
  /** Barnes-Hut accuracy; `null` for exact and FFT t-SNE. */
  theta: number | null;
  /** Initial layout (exact t-SNE: always `"random"`). */
  init: TsneInit;
  /** The factor on P in the early iterations (exact: 4, Barnes-Hut and FFT: 12). */
  earlyExaggeration: number;
  /** How many early iterations are exaggerated (exact: 100, the others: up to 250). */
  exaggerationIterations: number;
}

/** What {@linkcode projectTsne} returns: the layout, the options it really used, warnings. */
export interface TsneResult extends Projection2d {
  /** The options after adjustment (method resolved, `perplexity` lowered for small inputs). */
  options: TsneUsedOptions;
  /** Iterations actually run: tsne-js may stop early when the cost stops falling. */
  iterationsRun: number;
  /** The final Kullback-Leibler divergence between input and layout affinities. */
  klDivergence: number;
  /** Things the projection adjusted or could not do, for the caller to print. */
  warnings: string[];
}

/** The part of tsne-js's class this module uses (the package ships no types). */
interface TsneJs {
  init(opts: { data: number[][]; type: "dense" }): void;
  run(): [number, number];
  getOutput(): number[][];
  on(event: "progressIter", listener: (info: [number, number, number]) => void): void;
}

/**
 * Lays out the rows of `m` in 2-D with t-SNE: exact, Barnes-Hut or FFT by `method`.
 *
 * Barnes-Hut and FFT: see {@linkcode barnesHutTsne} and {@linkcode fftTsne} (squared
 * Euclidean input distances over the `3 * perplexity` nearest neighbours; the same P,
 * schedule and initial layout). Exact: tsne-js 1.0.3 (Euclidean input distances,
 * not squared, as tsne-js computes them; early exaggeration 4 for the first 100
 * iterations). Both are deterministic. Exact: tsne-js
 * draws its initial layout from `Math.random`, which is swapped for a
 * {@linkcode createRng} generator seeded with `seed` while it runs (and restored in
 * `finally`); everything after is deterministic arithmetic. tsne-js needs more than
 * `3 * perplexity` points, so for fewer the perplexity is lowered and a warning says
 * so. Inputs of fewer than 3 rows get a trivial layout (points on the x axis).
 *
 * @param m The embeddings (`rows` x `dim`); not modified.
 * @param options Method, seed, perplexity, iterations, learning rate, theta, init.
 * @returns Coordinates, the options used and warnings.
 * @throws {RangeError} On an unknown method, a non-positive perplexity, iteration count
 * or learning rate, (Barnes-Hut) a theta outside [0, 1], or an unknown init.
 *
 * @example
 * ```ts
 * import { projectTsne } from "./tsne.ts";
 * const data = Float64Array.from({ length: 20 * 3 }, (_, i) => Math.sin(i * 7.1) + (i % 2) * 3);
 * const a = projectTsne({ data, rows: 20, dim: 3 }, { seed: 1, iterations: 120 });
 * const b = projectTsne({ data, rows: 20, dim: 3 }, { seed: 1, iterations: 120 });
 * if (a.x.some((v, i) => v !== b.x[i])) throw new Error("not deterministic");
 * const c = projectTsne({ data, rows: 20, dim: 3 }, { seed: 1, method: "barnes-hut" });
 * if (c.options.method !== "barnes-hut" || c.x.length !== 20) throw new Error("wrong");
 * const d = projectTsne({ data, rows: 20, dim: 3 }, { seed: 1, method: "fft" });
 * if (d.options.method !== "fft" || d.options.theta !== null) throw new Error("wrong");
 * ```
 */
export function projectTsne(m: EmbeddingMatrix, options: TsneOptions): TsneResult {
  const method = options.method ?? "auto";
  if (!TSNE_METHODS.includes(method)) {
    throw new RangeError(
      `Invalid t-SNE method "${method}": use "exact", "barnes-hut", "fft" or "auto"`,
    );
  }
  if (method === "fft" || (method === "auto" && m.rows > TSNE_AUTO_EXACT_MAX)) {
    const { theta, ...rest } = options;
    const r = fftTsne(m, rest);
    if (theta !== undefined) {
      r.warnings.push("t-SNE theta ignored: it applies to Barnes-Hut, not FFT t-SNE");
    }
    const { seed, perplexity, iterations, learningRate, init } = r.options;
    const { earlyExaggeration, exaggerationIterations } = r.options;
    const used = { seed, perplexity, iterations, learningRate, init, earlyExaggeration };
    return {
      ...r,
      options: { method: "fft", ...used, theta: null, exaggerationIterations },
    };
  }
  if (method === "barnes-hut") {
    const r = barnesHutTsne(m, options);
    const { neighbors: _, ...used } = r.options;
    return { ...r, options: { method: "barnes-hut", ...used } };
  }
  return exactTsne(m, options);
}

function exactTsne(m: EmbeddingMatrix, options: TsneOptions): TsneResult {
  const { data, rows, dim } = m;
  const { seed, iterations = 500, onProgress } = options;
  let perplexity = options.perplexity ?? 30;
  if (data.length !== rows * dim) {
    throw new RangeError(
      `Cannot project with t-SNE: ${data.length} values is not ${rows} rows x ${dim} dims`,
    );
  }
  if (!(perplexity > 0) || !Number.isFinite(perplexity)) {
    throw new RangeError(`Invalid t-SNE perplexity ${perplexity}: must be positive`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`Invalid t-SNE iterations ${iterations}: give a positive integer`);
  }
  const learningRate = options.learningRate ?? Math.max(rows / 16, 50);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`Invalid t-SNE learningRate ${learningRate}: must be positive`);
  }
  const warnings: string[] = [];
  for (const name of ["theta", "init"] as const) {
    if (options[name] !== undefined) {
      warnings.push(`t-SNE ${name} ignored: it applies to Barnes-Hut, not exact t-SNE`);
    }
  }
  const used = (perplexity: number, iterations: number): TsneUsedOptions => ({
    method: "exact",
    seed,
    perplexity,
    iterations,
    learningRate,
    theta: null,
    init: "random",
    earlyExaggeration: 4,
    exaggerationIterations: 100,
  });
  if (rows < 3) {
    warnings.push(`t-SNE needs at least 3 points, got ${rows}: placed them on a line`);
    return {
      x: Float64Array.from({ length: rows }, (_, i) => i),
      y: new Float64Array(rows),
      options: used(perplexity, 0),
      iterationsRun: 0,
      klDivergence: 0,
      warnings,
    };
  }
  if (rows <= 3 * perplexity) {
    const lowered = Math.max(1, Math.floor((rows - 1) / 3));
    warnings.push(
      `t-SNE perplexity lowered from ${perplexity} to ${lowered}: only ${rows} points ` +
        `(it needs more than 3 x perplexity)`,
    );
    perplexity = lowered;
  }
  const points: number[][] = [];
  for (let i = 0; i < rows; i++) points.push(Array.from(data.subarray(i * dim, (i + 1) * dim)));
  const tsne = new (TSNE as unknown as new (config: object) => TsneJs)({
    dim: 2,
    perplexity,
    nIter: iterations,
    learningRate,
    metric: "euclidean",
  });
  // tsne-js phases: iterations 0-49 and 51-100 exaggerated, then up to nIter.
  const total = Math.max(iterations, 101);
  if (onProgress) tsne.on("progressIter", ([i]) => onProgress(Math.min(i + 1, total), total));
  const original = Math.random;
  const rng = createRng(seed);
  let klDivergence: number, iterationsRun: number;
  try {
    Math.random = rng.next;
    tsne.init({ data: points, type: "dense" });
    [klDivergence, iterationsRun] = tsne.run();
  } finally {
    Math.random = original;
  }
  onProgress?.(total, total);
  const layout = tsne.getOutput();
  return {
    x: Float64Array.from(layout, (p) => p[0]),
    y: Float64Array.from(layout, (p) => p[1]),
    options: used(perplexity, iterations),
    iterationsRun,
    klDivergence,
    warnings,
  };
}
