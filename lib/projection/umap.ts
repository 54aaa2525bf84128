/**
 * UMAP (McInnes, Healy and Melville, 2018) of an embedding to two dimensions with
 * umap-js, seeded so that the same seed gives the same picture.
 *
 * @module
 */
import { UMAP } from "umap-js";
import { createRng } from "../random.ts";
import type { EmbeddingMatrix } from "../types.ts";
import type { Projection2d } from "./pca.ts";

/** Options of {@linkcode projectUmap}. */
export interface UmapOptions {
  /** Seed of umap-js's random numbers (neighbour search, initial layout, negative sampling). */
  seed: number;
  /**
   * Neighbours of each point in the fuzzy graph; lowered to `rows - 1` for tiny inputs.
   * @default 15
   */
  nNeighbors?: number;
  /**
   * Smallest distance between points in the layout.
   * @default 0.1
   */
  minDist?: number;
  /** Optimisation epochs; default: umap-js's choice (500 up to 2,500 points, fewer above). */
  nEpochs?: number;
  /** Called after each epoch with the epochs done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@linkcode projectUmap} returns: the layout, the options it really used, warnings. */
export interface UmapResult extends Projection2d {
  /** The options after adjustment (`nNeighbors` lowered for tiny inputs, `nEpochs` resolved). */
  options: { seed: number; nNeighbors: number; minDist: number; nEpochs: number };
  /** Things the projection adjusted or could not do, for the caller to print. */
  warnings: string[];
}

/**
 * Lays out the rows of `m` in 2-D with UMAP (umap-js 1.4, Euclidean). Deterministic:
 * umap-js draws every random number from the `random` function it is given, here a
 * {@linkcode createRng} generator seeded with `seed`. Inputs of fewer than 3 rows get a
 * trivial layout (points on the x axis) and a warning.
 *
 * @param m The embeddings (`rows` x `dim`); not modified.
 * @param options Seed and UMAP parameters.
 * @returns Coordinates, the options used and warnings.
 * @throws {RangeError} On a non-positive `nNeighbors`, `nEpochs` or a negative `minDist`.
 *
 * @example
 * ```ts
 * import { projectUmap } from "./umap.ts";
 * const data = Float64Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i * 7.1) + (i % 2) * 3);
 * const a = projectUmap({ data, rows: 40, dim: 3 }, { seed: 1, nEpochs: 20 });
 * const b = projectUmap({ data, rows: 40, dim: 3 }, { seed: 1, nEpochs: 20 });
 * if (a.x.some((v, i) => v !== b.x[i])) throw new Error("not deterministic");
 * ```
 */
export function projectUmap(m: EmbeddingMatrix, options: UmapOptions): UmapResult {
  const { data, rows, dim } = m;
  const { seed, minDist = 0.1, nEpochs, onProgress } = options;
  let nNeighbors = options.nNeighbors ?? 15;
  if (data.length !== rows * dim) {
    throw new RangeError(
      `Cannot project with UMAP: ${data.length} values is not ${rows} rows x ${dim} dims`,
    );
  }
  if (!Number.isInteger(nNeighbors) || nNeighbors < 2) {
    throw new RangeError(`Invalid UMAP nNeighbors ${nNeighbors}: give an integer of at least 2`);
  }
  if (!(minDist >= 0)) throw new RangeError(`Invalid UMAP minDist ${minDist}: must be >= 0`);
  if (nEpochs !== undefined && (!Number.isInteger(nEpochs) || nEpochs < 1)) {
    throw new RangeError(`Invalid UMAP nEpochs ${nEpochs}: give a positive integer`);
  }
  const warnings: string[] = [];
  if (rows < 3) {
    warnings.push(`UMAP needs at least 3 points, got ${rows}: placed them on a line`);
    return {
      x: Float64Array.from({ length: rows }, (_, i) => i),
      y: new Float64Array(rows),
      options: { seed, nNeighbors, minDist, nEpochs: 0 },
      warnings,
    };
  }
  if (nNeighbors >= rows) {
    warnings.push(
      `UMAP nNeighbors lowered from ${nNeighbors} to ${rows - 1}: only ${rows} points`,
    );
    nNeighbors = rows - 1;
  }
  const points: number[][] = [];
  for (let i = 0; i < rows; i++) points.push(Array.from(data.subarray(i * dim, (i + 1) * dim)));
  const rng = createRng(seed);
  const umap = new UMAP({ nComponents: 2, nNeighbors, minDist, nEpochs, random: rng.next });
  const total = umap.initializeFit(points);
  onProgress?.(0, total);
  for (let epoch = 0; epoch < total; epoch++) {
    umap.step();
    onProgress?.(epoch + 1, total);
  }
  const layout = umap.getEmbedding();
  return {
    x: Float64Array.from(layout, (p) => p[0]),
    y: Float64Array.from(layout, (p) => p[1]),
    options: { seed, nNeighbors, minDist, nEpochs: total },
    warnings,
  };
}
