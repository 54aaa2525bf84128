/**
 * UMAP (McInnes, Healy and Melville, 2018) of an embedding to two dimensions with
 * umap-js, seeded so that the same seed gives the same picture.
 *
 * @module
 */
import { UMAP } from "umap-js";
import { knnSearch } from "../eval/knn.ts";
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
  /**
   * Points to place into the fitted map afterwards with umap-js's `transform` (same
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
  const result: UmapResult = {
    x: Float64Array.from(layout, (p) => p[0]),
    y: Float64Array.from(layout, (p) => p[1]),
    options: { seed, nNeighbors, minDist, nEpochs: total },
    warnings,
  };
  if (transform) result.transformed = umapTransform(umap, transform, m, transformEpochs);
  return result;
}

/** The private parts of umap-js 1.4.0's UMAP that {@linkcode umapTransform} replaces. */
interface UmapInternals {
  /** Epochs of the fit; `transform` runs a third of them (default 0: 100 or 30). */
  nEpochs: number;
  /** Neighbours in the fuzzy graph. */
  nNeighbors: number;
  /** The neighbour search of `transform`: returns a heap `[indices, distances, flags]`. */
  search: () => number[][][];
}

/**
 * umap-js 1.4.0's `transform`, with its quirks avoided; umap-js is pinned to 1.4.0 in
 * deno.json, and this is the one place that reaches into it. Its neighbour search stops
 * seeding from its trees at the first short leaf for every later point (`initFromTree`
 * returns instead of continuing), so with many separate clusters most new points search
 * from random starts inside the wrong cluster (2 in 10 placed by their class, 71 clusters
 * of 1,000 points); the search is replaced by the exact neighbours (`knnSearch`), handed
 * over as the max-heap it returns (rows sorted by decreasing distance). It moves the fitted
 * points too when there are as many new points as fitted ones (its `moveOther` test
 * compares the lengths), so one copy of the last new point is added then and dropped
 * after. It runs `nEpochs / 3` epochs of its own `nEpochs` field (a fraction never ends
 * its loop), so that field is set to three times the epochs wanted. One quirk is left: a
 * new point's neighbour whose index equals the new point's own row gets weight 0
 * (`computeMembershipStrengths` takes it for the point itself).
 */
function umapTransform(
  umap: UMAP,
  m: EmbeddingMatrix,
  fitted: EmbeddingMatrix,
  epochs: number | undefined,
): UmapTransformResult {
  const started = performance.now();
  const { data, rows, dim } = m;
  if (rows === 0) {
    return { x: new Float64Array(0), y: new Float64Array(0), nEpochs: 0, seconds: 0 };
  }
  const points: number[][] = [];
  for (let i = 0; i < rows; i++) points.push(Array.from(data.subarray(i * dim, (i + 1) * dim)));
  if (rows === fitted.rows) points.push(points[rows - 1]);
  const internals = umap as unknown as UmapInternals;
  const nEpochs = epochs ?? (points.length <= 10000 ? 100 : 30);
  internals.nEpochs = 3 * nEpochs;
  // As many neighbours as umap-js's own search keeps (transformQueueSize 4).
  const k = Math.min(fitted.rows, 4 * internals.nNeighbors);
  const query = { data: Float64Array.from(points.flat()), rows: points.length, dim };
  const { indices, distances } = knnSearch(query, fitted, k);
  const descending = (a: Int32Array | Float64Array) =>
    points.map((_, i) => Array.from(a.subarray(i * k, (i + 1) * k)).reverse());
  const heap = [descending(indices), descending(distances), points.map(() => Array(k).fill(0))];
  internals.search = () => heap;
  const placed = umap.transform(points);
  return {
    x: Float64Array.from({ length: rows }, (_, i) => placed[i][0]),
    y: Float64Array.from({ length: rows }, (_, i) => placed[i][1]),
    nEpochs,
    seconds: (performance.now() - started) / 1000,
  };
}
