/**
 * t-SNE (van der Maaten and Hinton, 2008) of an embedding to two dimensions with
 * tsne-js, seeded so that the same seed gives the same picture.
 *
 * tsne-js is exact: its time and memory grow with the square of the number of points
 * (about 12 minutes for 2,000 points on a 2-core machine), so large splits are
 * subsampled first (see `stratifiedSubsample`).
 *
 * @module
 */
import TSNE from "tsne-js";
import { createRng } from "../random.ts";
import type { EmbeddingMatrix } from "../types.ts";
import type { Projection2d } from "./pca.ts";

/** Options of {@linkcode projectTsne}. */
export interface TsneOptions {
  /** Seed of the initial layout. */
  seed: number;
  /**
   * Effective number of neighbours; lowered to `(rows - 1) / 3` for small inputs.
   * @default 30
   */
  perplexity?: number;
  /**
   * Gradient-descent iterations, the first 100 of them with early exaggeration
   * (tsne-js always runs those 100, and may stop early when the cost stops falling).
   * @default 500
   */
  iterations?: number;
  /**
   * Gradient-descent step size; default `max(rows / 16, 50)`, the rule of scikit-learn's
   * `"auto"` (N / early exaggeration / 4) with tsne-js's exaggeration of 4. tsne-js's own
   * default, 1000, scatters the clusters of a few hundred points.
   */
  learningRate?: number;
  /** Called after each iteration with the iterations done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@linkcode projectTsne} returns: the layout, the options it really used, warnings. */
export interface TsneResult extends Projection2d {
  /** The options after adjustment (`perplexity` lowered for small inputs). */
  options: { seed: number; perplexity: number; iterations: number; learningRate: number };
  /** Iterations actually run: tsne-js stops early when the cost stops falling. */
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
 * Lays out the rows of `m` in 2-D with exact t-SNE (tsne-js 1.0.3, squared Euclidean
 * input distances, as tsne-js computes them, not squared; early exaggeration 4 for the
 * first 100 iterations). Deterministic: tsne-js
 * draws its initial layout from `Math.random`, which is swapped for a
 * {@linkcode createRng} generator seeded with `seed` while it runs (and restored in
 * `finally`); everything after is deterministic arithmetic. tsne-js needs more than
 * `3 * perplexity` points, so for fewer the perplexity is lowered and a warning says
 * so. Inputs of fewer than 3 rows get a trivial layout (points on the x axis).
 *
 * @param m The embeddings (`rows` x `dim`); not modified.
 * @param options Seed, perplexity, iterations.
 * @returns Coordinates, the options used and warnings.
 * @throws {RangeError} On a non-positive perplexity, iteration count or learning rate.
 *
 * @example
 * ```ts
 * import { projectTsne } from "./tsne.ts";
 * const data = Float64Array.from({ length: 20 * 3 }, (_, i) => Math.sin(i * 7.1) + (i % 2) * 3);
 * const a = projectTsne({ data, rows: 20, dim: 3 }, { seed: 1, iterations: 120 });
 * const b = projectTsne({ data, rows: 20, dim: 3 }, { seed: 1, iterations: 120 });
 * if (a.x.some((v, i) => v !== b.x[i])) throw new Error("not deterministic");
 * ```
 */
export function projectTsne(m: EmbeddingMatrix, options: TsneOptions): TsneResult {
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
  if (rows < 3) {
    warnings.push(`t-SNE needs at least 3 points, got ${rows}: placed them on a line`);
    return {
      x: Float64Array.from({ length: rows }, (_, i) => i),
      y: new Float64Array(rows),
      options: { seed, perplexity, iterations: 0, learningRate },
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
    options: { seed, perplexity, iterations, learningRate },
    iterationsRun,
    klDivergence,
    warnings,
  };
}
