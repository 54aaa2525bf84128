/**
 * New points placed into a finished t-SNE map without moving it: the out-of-sample
 * extension of t-SNE with a fixed reference (as openTSNE's `TSNEEmbedding.transform`,
 * Poličar, Stražar and Zupan, 2019, "openTSNE: a modular Python library for t-SNE
 * dimensionality reduction and embedding").
 *
 * @module
 */
import { knnSearch } from "../eval/knn.ts";
import type { EmbeddingMatrix } from "../types.ts";
import type { Projection2d } from "./pca.ts";
import { conditionalAffinities, gainStep, QuadTree } from "./_barnes_hut.ts";

/** A finished map: the embeddings it was fitted on and their 2-D positions, in row order. */
export interface FittedMap {
  /** The embeddings the map was fitted on (`rows` x `dim`). */
  embeddings: EmbeddingMatrix;
  /** Their positions in the map, `rows` each. */
  layout: Projection2d;
}

/** Options of {@linkcode tsneTransform}. */
export interface TsneTransformOptions {
  /**
   * Effective number of map neighbours of each new point; lowered (with a warning) to a
   * third of the map's points when there are not more than `3 * perplexity` of them.
   * @default 30
   */
  perplexity?: number;
  /**
   * Gradient-descent iterations; momentum 0.5 for the first quarter, then 0.8.
   * @default 250
   */
  iterations?: number;
  /**
   * Step size, for the gradient of each point's own KL divergence (whose terms sum to
   * about 1, where those of a whole-map t-SNE sum to about 1 / N).
   * @default 1
   */
  learningRate?: number;
  /**
   * Barnes-Hut accuracy of the repulsion from the map (see `barnesHutTsne`); 0 visits
   * every map point (exact). Default: 0.5 above 200 map points, 0 up to 200.
   */
  theta?: number;
  /** Called after each iteration with the iterations done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The options {@linkcode tsneTransform} really used, as recorded in `projections.json`. */
export interface TsneTransformUsedOptions {
  /** Perplexity, after lowering for a small map. */
  perplexity: number;
  /** Map neighbours of each new point: `min(map rows, floor(3 * perplexity))`. */
  neighbors: number;
  /** Iterations run. */
  iterations: number;
  /** Step size. */
  learningRate: number;
  /** Barnes-Hut accuracy; 0: exact. */
  theta: number;
  /** How the new points start: at the affinity-weighted mean of their neighbours. */
  init: "affinity-weighted-mean";
}

/** What {@linkcode tsneTransform} returns: the new points' positions, options, warnings. */
export interface TsneTransformResult extends Projection2d {
  /** The options after adjustment (defaults filled in, perplexity lowered). */
  options: TsneTransformUsedOptions;
  /** Things the placement adjusted, for the caller to print. */
  warnings: string[];
}

/**
 * Places the rows of `points` into a finished t-SNE map, the map's points fixed. Each
 * new point i gets conditional input affinities p(j|i) over its `k = floor(3 *
 * perplexity)` nearest map points (squared Euclidean distances, a Gaussian whose width
 * gives the perplexity, as for the map's own points), starts at `Σ_j p(j|i) y_j`, and
 * follows the gradient of its own KL(p(.|i) || q(.|i)), where `q(j|i) = w_ij / Z_i`,
 * `w_ij = 1 / (1 + |y_i - y_j|^2)` over every map point j and `Z_i = Σ_j w_ij`:
 * `dC_i/dy_i / 2 = Σ_j p(j|i) w_ij (y_i - y_j) - Σ_j w_ij^2 (y_i - y_j) / Z_i`, the
 * attraction to its neighbours and the repulsion of the whole map (Barnes-Hut over a
 * quadtree of the map, `theta`). New points neither see nor repel one another, so each
 * lands where it would alone, and the map does not move. Momentum 0.5 then 0.8 and
 * per-coordinate gains as in `barnesHutTsne`. Deterministic: there is no randomness.
 *
 * Time: about O(M (k + log N)) per iteration for M new points and N map points.
 *
 * @param points The new points (`rows` x `dim`, the map's `dim`); not modified.
 * @param map The map: the embeddings it was fitted on and their positions.
 * @param options Perplexity, iterations, learning rate, theta, progress.
 * @returns The new points' positions in the map's coordinates, options used, warnings.
 * @throws {RangeError} On a shape mismatch, an empty map, a non-positive perplexity,
 * iteration count or learning rate, or a theta outside [0, 1].
 *
 * @example
 * ```ts
 * import { tsneTransform } from "./tsne_transform.ts";
 * // A map of two groups, at x = -10 and x = 10; a new point next to the second group.
 * const data = Float64Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 5) + i * 0.01);
 * const x = Float64Array.from({ length: 20 }, (_, i) => (i < 10 ? -10 : 10) + i * 0.1);
 * const map = { embeddings: { data, rows: 20, dim: 1 }, layout: { x, y: new Float64Array(20) } };
 * const placed = tsneTransform({ data: new Float64Array([5.1]), rows: 1, dim: 1 }, map, { perplexity: 3 });
 * if (!(placed.x[0] > 5)) throw new Error(`placed at ${placed.x[0]}`);
 * ```
 */
export function tsneTransform(
  points: EmbeddingMatrix,
  map: FittedMap,
  options: TsneTransformOptions = {},
): TsneTransformResult {
  const { embeddings: reference, layout } = map;
  const n = reference.rows, m = points.rows, dim = reference.dim;
  const { iterations = 250, learningRate = 1, onProgress } = options;
  const theta = options.theta ?? (n > 200 ? 0.5 : 0);
  let perplexity = options.perplexity ?? 30;
  if (reference.data.length !== n * dim || layout.x.length !== n || layout.y.length !== n) {
    throw new RangeError(
      `Cannot place points into a t-SNE map: ${reference.data.length} values, ` +
        `${layout.x.length} x and ${layout.y.length} y for ${n} rows x ${dim} dims`,
    );
  }
  if (points.dim !== dim || points.data.length !== m * dim) {
    throw new RangeError(
      `Cannot place points into a t-SNE map of ${dim} dims: got ${points.data.length} ` +
        `values for ${m} rows x ${points.dim} dims`,
    );
  }
  if (n === 0) throw new RangeError("Cannot place points into an empty t-SNE map");
  if (!(perplexity > 0) || !Number.isFinite(perplexity)) {
    throw new RangeError(`Invalid t-SNE perplexity ${perplexity}: must be positive`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`Invalid t-SNE iterations ${iterations}: give a positive integer`);
  }
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`Invalid t-SNE learningRate ${learningRate}: must be positive`);
  }
  if (!(theta >= 0 && theta <= 1)) {
    throw new RangeError(`Invalid t-SNE theta ${theta}: give a number in [0, 1]`);
  }
  const warnings: string[] = [];
  if (n <= 3 * perplexity) {
    const lowered = Math.max(1, Math.floor(n / 3));
    if (lowered !== perplexity) {
      warnings.push(
        `t-SNE placement perplexity lowered from ${perplexity} to ${lowered}: the map has ` +
          `only ${n} points (it needs more than 3 x perplexity)`,
      );
    }
    perplexity = lowered;
  }
  const k = Math.min(n, Math.floor(3 * perplexity));
  const used: TsneTransformUsedOptions = {
    perplexity,
    neighbors: k,
    iterations,
    learningRate,
    theta,
    init: "affinity-weighted-mean",
  };
  const outX = new Float64Array(m), outY = new Float64Array(m);
  if (m === 0) return { x: outX, y: outY, options: used, warnings };

  const { indices, distances } = knnSearch(points, reference, k);
  const p = conditionalAffinities(distances, m, k, perplexity);
  // The map, row-interleaved as the quadtree reads it; built once, it never moves.
  const fixed = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) (fixed[2 * j] = layout.x[j]), (fixed[2 * j + 1] = layout.y[j]);
  const tree = new QuadTree(n);
  tree.build(fixed, n);
  const y = new Float64Array(2 * m);
  for (let i = 0; i < m; i++) {
    let sx = 0, sy = 0;
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      sx += p[i * k + t] * fixed[2 * j];
      sy += p[i * k + t] * fixed[2 * j + 1];
    }
    y[2 * i] = sx;
    y[2 * i + 1] = sy;
  }

  const theta2 = theta * theta;
  const here = new Float64Array(2), repel = new Float64Array(2);
  const update = new Float64Array(2 * m), gains = new Float64Array(2 * m).fill(1);
  const slow = Math.floor(iterations / 4);
  for (let iter = 0; iter < iterations; iter++) {
    const momentum = iter < slow ? 0.5 : 0.8;
    for (let i = 0; i < m; i++) {
      const xi = y[2 * i], yi = y[2 * i + 1];
      let ax = 0, ay = 0;
      for (let t = 0; t < k; t++) {
        const j = indices[i * k + t];
        const dx = xi - fixed[2 * j], dy = yi - fixed[2 * j + 1];
        const w = p[i * k + t] / (1 + dx * dx + dy * dy);
        ax += w * dx;
        ay += w * dy;
      }
      here[0] = xi;
      here[1] = yi;
      const z = Math.max(tree.repulsion(0, here, theta2, repel), Number.MIN_VALUE);
      for (let d = 0; d < 2; d++) {
        const c = 2 * i + d;
        gainStep(c, (d === 0 ? ax : ay) - repel[d] / z, y, update, gains, momentum, learningRate);
      }
    }
    onProgress?.(iter + 1, iterations);
  }
  for (let i = 0; i < m; i++) (outX[i] = y[2 * i]), (outY[i] = y[2 * i + 1]);
  return { x: outX, y: outY, options: used, warnings };
}
