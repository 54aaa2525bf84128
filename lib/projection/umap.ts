/**
 * UMAP (McInnes, Healy and Melville, 2018) of an embedding to two dimensions, seeded so
 * that the same seed gives the same picture: umap-js 1.4.0's algorithm and constants, on
 * exact neighbours and typed arrays (`_umap_layout.ts`), several times faster than umap-js
 * itself at thousands of points.
 *
 * @module
 */
import { createRng } from "../random.ts";
import { defaultEpochs, fuzzyGraph, optimizeLayout, transformLayout } from "./_umap_layout.ts";
import type { EmbeddingMatrix } from "../types.ts";
import type { Projection2d } from "./pca.ts";

/** Options of {@linkcode projectUmap}. */
export interface UmapOptions {
  /** Seed of the random numbers (initial layout, negative sampling). */
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
  /**
   * Points to place into the fitted map afterwards, as umap-js's `transform` does (same
   * `dim`): their exact neighbours among the fitted rows, a start at the membership-weighted
   * mean of those neighbours' positions, then epochs that move only the new points. Done
   * after the fit with the same random stream, so the fitted layout is the same with or
   * without it.
   */
  transform?: EmbeddingMatrix;
  /**
   * Epochs of the transform; default: umap-js's (100 up to 10,000 new points, 30 above).
   */
  transformEpochs?: number;
  /** Called after each epoch with the epochs done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The points of {@linkcode UmapOptions.transform} placed into the fitted map. */
export interface UmapTransformResult extends Projection2d {
  /** Epochs the transform ran (0 when the map was too small to transform into). */
  nEpochs: number;
  /** Seconds the transform took (part of the whole call's time). */
  seconds: number;
}

/** What {@linkcode projectUmap} returns: the layout, the options it really used, warnings. */
export interface UmapResult extends Projection2d {
  /** The options after adjustment (`nNeighbors` lowered for tiny inputs, `nEpochs` resolved). */
  options: { seed: number; nNeighbors: number; minDist: number; nEpochs: number };
  /** The `transform` points placed into the map, when asked for. */
  transformed?: UmapTransformResult;
  /** Things the projection adjusted or could not do, for the caller to print. */
  warnings: string[];
}

/**
 * Lays out the rows of `m` in 2-D with UMAP (umap-js 1.4.0's algorithm, Euclidean, on
 * exact neighbours). Deterministic: every random number (the initial layout, the negative
 * samples) comes from a {@linkcode createRng} generator seeded with `seed`. Inputs of
 * fewer than 3 rows get a trivial layout (points on the x axis) and a warning.
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
  const { transform, transformEpochs } = options;
  if (
    transform && (transform.dim !== dim || transform.data.length !== transform.rows * dim)
  ) {
    throw new RangeError(
      `Cannot place points into the UMAP map: ${transform.data.length} values of ` +
        `${transform.dim} dims is not ${transform.rows} rows x ${dim} dims`,
    );
  }
  if (
    transformEpochs !== undefined && (!Number.isInteger(transformEpochs) || transformEpochs < 1)
  ) {
    throw new RangeError(
      `Invalid UMAP transformEpochs ${transformEpochs}: give a positive integer`,
    );
  }
  const warnings: string[] = [];
  if (rows < 3) {
    warnings.push(`UMAP needs at least 3 points, got ${rows}: placed them on a line`);
    const result: UmapResult = {
      x: Float64Array.from({ length: rows }, (_, i) => i),
      y: new Float64Array(rows),
      options: { seed, nNeighbors, minDist, nEpochs: 0 },
      warnings,
    };
    if (transform) {
      warnings.push(`UMAP transform needs a map of at least 3 points: placed the new ones at 0`);
      result.transformed = {
        x: new Float64Array(transform.rows),
        y: new Float64Array(transform.rows),
        nEpochs: 0,
        seconds: 0,
      };
    }
    return result;
  }
  if (nNeighbors >= rows) {
    warnings.push(
      `UMAP nNeighbors lowered from ${nNeighbors} to ${rows - 1}: only ${rows} points`,
    );
    nNeighbors = rows - 1;
  }
  const rng = createRng(seed);
  const total = nEpochs ?? defaultEpochs(rows);
  const edges = fuzzyGraph(m, nNeighbors, total);
  const layout = Float64Array.from({ length: rows * 2 }, () => rng.next() * 20 - 10);
  onProgress?.(0, total);
  optimizeLayout({
    edges,
    moving: layout,
    fixed: layout,
    nEpochs: total,
    minDist,
    rng,
    onEpoch: onProgress,
  });
  const result: UmapResult = {
    x: Float64Array.from({ length: rows }, (_, i) => layout[2 * i]),
    y: Float64Array.from({ length: rows }, (_, i) => layout[2 * i + 1]),
    options: { seed, nNeighbors, minDist, nEpochs: total },
    warnings,
  };
  if (transform) {
    const started = performance.now();
    const epochs = transformEpochs ?? (transform.rows <= 10000 ? 100 : 30);
    const k = Math.min(rows, nNeighbors);
    const placed = transform.rows === 0
      ? new Float64Array(0)
      : transformLayout(transform, m, layout, k, epochs, minDist, rng);
    result.transformed = {
      x: Float64Array.from({ length: transform.rows }, (_, i) => placed[2 * i]),
      y: Float64Array.from({ length: transform.rows }, (_, i) => placed[2 * i + 1]),
      nEpochs: transform.rows === 0 ? 0 : epochs,
      seconds: (performance.now() - started) / 1000,
    };
  }
  return result;
}
