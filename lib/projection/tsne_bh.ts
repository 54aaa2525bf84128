/**
 * Barnes-Hut t-SNE (van der Maaten, 2014, "Accelerating t-SNE using tree-based
 * algorithms", JMLR 15): t-SNE in O(N log N) per iteration, for the thousands of points
 * that exact t-SNE cannot lay out in reasonable time.
 *
 * Input affinities come from the exact `3 * perplexity` nearest neighbours of each
 * point (sparse, symmetrised); the attraction runs over those neighbour pairs only, and
 * the repulsion of all other points is approximated with a quadtree (a cell far enough
 * away, `width / distance < theta`, acts as one point at its centre of mass).
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
  QuadTree,
  recentre,
  rowLayout,
  type TsneInit,
} from "./_barnes_hut.ts";

export type { TsneInit };

/** Options of {@linkcode barnesHutTsne}. */
export interface BarnesHutTsneOptions {
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
   * openTSNE and FIt-SNE), for the gradient without the constant factor 4 (as bhtsne).
   */
  learningRate?: number;
  /**
   * Barnes-Hut accuracy: a quadtree cell of width `w` at distance `d` is summarised when
   * `w / d < theta`; 0 is exact (every point visited), larger is faster and coarser.
   * @default 0.5
   */
  theta?: number;
  /**
   * Initial layout: `"pca"`, the first two principal components scaled to a standard
   * deviation of 1e-4 on the first (deterministic; keeps more of the global structure, as
   * openTSNE and scikit-learn do), or `"random"`, a seeded Gaussian of standard deviation
   * 1e-4 (as bhtsne). PCA falls back to random when the points do not spread.
   * @default "pca"
   */
  init?: TsneInit;
  /** Called after each iteration with the iterations done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@linkcode barnesHutTsne} returns: the layout, the options it really used, warnings. */
export interface BarnesHutTsneResult extends Projection2d {
  /** The options after adjustment (`perplexity` lowered for small inputs, defaults filled in). */
  options: {
    seed: number;
    perplexity: number;
    iterations: number;
    learningRate: number;
    theta: number;
    init: TsneInit;
    earlyExaggeration: number;
    exaggerationIterations: number;
    neighbors: number;
  };
  /** Iterations run: always `iterations` (no early stop). */
  iterationsRun: number;
  /** The final Kullback-Leibler divergence, with the tree's estimate of the normaliser. */
  klDivergence: number;
  /** Things the projection adjusted, for the caller to print. */
  warnings: string[];
}

const EARLY_EXAGGERATION = 12;

/**
 * Lays out the rows of `m` in 2-D with Barnes-Hut t-SNE (van der Maaten, 2014).
 *
 * Input: squared Euclidean distances to the exact `k = min(rows - 1, floor(3 *
 * perplexity))` nearest neighbours (brute force); a Gaussian per
 * point whose width gives the perplexity; P symmetrised, `(p(j|i) + p(i|j)) / 2N`.
 * Output affinities: Student-t, `q_ij ∝ 1 / (1 + |y_i - y_j|^2)`. Gradient descent on
 * KL(P || Q), `dC/dy_i / 4 = Σ_j p_ij q_ij (y_i - y_j) - Σ_j q_ij^2 (y_i - y_j) / Z`,
 * the repulsion and Z from a quadtree (`theta`), with early exaggeration 12 and
 * momentum 0.5 for the first `min(250, iterations / 4)` iterations, then momentum 0.8;
 * per-coordinate gains (delta-bar-delta: +0.2 while the descent keeps its direction,
 * x0.8 when it turns, at least 0.01); the layout re-centred after each step. Deterministic: the only
 * randomness is the seeded initial layout with `init: "random"`.
 *
 * Time: about O(N (k + log N)) per iteration; 5,000 points of 32 dims in about 30 s
 * on one core. Inputs of fewer than 3 rows get a trivial layout (points on the x axis).
 *
 * @param m The embeddings (`rows` x `dim`); not modified.
 * @param options Seed, perplexity, iterations, learning rate, theta, initialisation.
 * @returns Coordinates, the options used and warnings.
 * @throws {RangeError} On a shape mismatch, a non-finite value, a non-positive perplexity,
 * iteration count or learning rate, or a theta outside [0, 1].
 *
 * @example
 * ```ts
 * import { barnesHutTsne } from "./tsne_bh.ts";
 * const data = Float64Array.from({ length: 60 * 3 }, (_, i) => Math.sin(i * 7.1) + (i % 2) * 3);
 * const a = barnesHutTsne({ data, rows: 60, dim: 3 }, { seed: 1, perplexity: 10, iterations: 200 });
 * const b = barnesHutTsne({ data, rows: 60, dim: 3 }, { seed: 1, perplexity: 10, iterations: 200 });
 * if (a.x.some((v, i) => v !== b.x[i])) throw new Error("not deterministic");
 * ```
 */
export function barnesHutTsne(
  m: EmbeddingMatrix,
  options: BarnesHutTsneOptions,
): BarnesHutTsneResult {
  const n = m.rows;
  const checked = checkTsneOptions(m, options);
  const { seed, iterations, learningRate, init, onProgress } = checked;
  let perplexity = checked.perplexity;
  const theta = options.theta ?? 0.5;
  if (!(theta >= 0 && theta <= 1)) {
    throw new RangeError(`Invalid t-SNE theta ${theta}: give a number in [0, 1]`);
  }
  const exaggerationIterations = Math.min(250, Math.floor(iterations / 4));
  const warnings: string[] = [];
  const used = {
    seed,
    perplexity,
    iterations,
    learningRate,
    theta,
    init,
    earlyExaggeration: EARLY_EXAGGERATION,
    exaggerationIterations,
    neighbors: 0,
  };
  const fitted = fittedPerplexity(n, perplexity, warnings);
  if (fitted === null) {
    return {
      ...rowLayout(n),
      options: { ...used, iterations: 0 },
      iterationsRun: 0,
      klDivergence: 0,
      warnings,
    };
  }
  perplexity = fitted;
  const k = Math.min(n - 1, Math.floor(3 * perplexity));
  const p = inputAffinities(m, k, perplexity);
  const start = initialLayout(m, init, seed);
  const y = start.y;

  const { rowStart, cols, values } = p;
  const tree = new QuadTree(n);
  const theta2 = theta * theta;
  const attract = new Float64Array(2 * n), repel = new Float64Array(2 * n);
  const update = new Float64Array(2 * n), gains = new Float64Array(2 * n).fill(1);
  for (let iter = 0; iter < iterations; iter++) {
    const early = iter < exaggerationIterations;
    const exaggeration = early ? EARLY_EXAGGERATION : 1;
    const momentum = early ? 0.5 : 0.8;
    for (let i = 0; i < n; i++) {
      const xi = y[2 * i], yi = y[2 * i + 1];
      let fx = 0, fy = 0;
      for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
        const j = cols[e];
        const dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
        const w = values[e] / (1 + dx * dx + dy * dy);
        fx += w * dx;
        fy += w * dy;
      }
      attract[2 * i] = fx;
      attract[2 * i + 1] = fy;
    }
    tree.build(y, n);
    let z = 0;
    for (let i = 0; i < n; i++) z += tree.repulsion(i, y, theta2, repel);
    // Each point met itself in its own leaf (q = 1): not a pair.
    z = Math.max(z - n, Number.MIN_VALUE);
    for (let c = 0; c < 2 * n; c++) {
      gainStep(
        c,
        exaggeration * attract[c] - repel[c] / z,
        y,
        update,
        gains,
        momentum,
        learningRate,
      );
    }
    recentre(y, n);
    onProgress?.(iter + 1, iterations);
  }

  tree.build(y, n);
  let z = 0;
  for (let i = 0; i < n; i++) z += tree.repulsion(i, y, theta2, repel);
  z = Math.max(z - n, Number.MIN_VALUE);
  const klDivergence = klOf(p, y, z);
  return {
    x: Float64Array.from({ length: n }, (_, i) => y[2 * i]),
    y: Float64Array.from({ length: n }, (_, i) => y[2 * i + 1]),
    options: { ...used, perplexity, init: start.init, neighbors: k },
    iterationsRun: iterations,
    klDivergence,
    warnings,
  };
}
