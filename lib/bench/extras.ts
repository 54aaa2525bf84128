/**
 * The benchmark's non-network measurements: k-NN evaluation, UMAP and t-SNE layouts, and
 * dataset decoding.
 *
 * @module
 */
import { knnAccuracy } from "../eval/classification.ts";
import { loadFolderDataset } from "../data/folder_dataset.ts";
import { projectTsne } from "../projection/tsne.ts";
import { projectUmap } from "../projection/umap.ts";
import { createRng } from "../random.ts";
import type { EmbeddingMatrix } from "../types.ts";

/** Where the benchmark looks for real images to decode. */
export const BENCH_DECODE_DIR: string =
  new URL("../../../shared/data/tt100k-mini", import.meta.url).pathname;

/**
 * Times k-NN classification (5,000 queries against 20,000 references at d=32, k=1 and 5;
 * a quarter of that with `quick`) and the decoding of tt100k-mini when present.
 *
 * @param options `quick` for smaller sizes; `decode: false` to skip the decoding.
 * @returns Seconds for each (decodeSeconds is null when the images are absent or skipped).
 *
 * @example
 * ```ts ignore
 * import { runBenchExtras } from "./extras.ts";
 * console.log(await runBenchExtras({ quick: true }));
 * ```
 */
export async function runBenchExtras(
  options: { quick?: boolean; decode?: boolean } = {},
): Promise<
  { knnSeconds: number; decodeSeconds: number | null; knnQueries: number; knnReferences: number }
> {
  const scale = options.quick ? 4 : 1;
  const queries = 5000 / scale, references = 20000 / scale, dim = 32, classes = 80;
  const rng = createRng(3);
  const centers = Float64Array.from({ length: classes * dim }, () => rng.normal());
  const make = (n: number) => {
    const data = new Float32Array(n * dim), labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = rng.int(classes);
      for (let d = 0; d < dim; d++) data[i * dim + d] = centers[labels[i] * dim + d] + rng.normal();
    }
    return { m: { data, rows: n, dim }, labels };
  };
  const q = make(queries), r = make(references);
  let t = performance.now();
  knnAccuracy(q.m, q.labels, r.m, r.labels, { ks: [1, 5], numClasses: classes });
  const knnSeconds = (performance.now() - t) / 1000;
  let decodeSeconds: number | null = null;
  const decode = options.decode ?? true;
  if (decode && await Deno.stat(BENCH_DECODE_DIR).then(() => true, () => false)) {
    t = performance.now();
    await loadFolderDataset(BENCH_DECODE_DIR);
    decodeSeconds = (performance.now() - t) / 1000;
  }
  return { knnSeconds, decodeSeconds, knnQueries: queries, knnReferences: references };
}

/** The point counts of the projection bench; `quick` keeps the first only. */
export const PROJECTION_BENCH_SIZES = [2000, 5000, 10000, 20000] as const;

/** Seconds per point count (`"2000"` ... `"20000"`), `null` where a size was skipped (`quick`). */
export type SecondsBySize = Record<string, number | null>;

/** What {@linkcode runProjectionBench} returns. */
export interface ProjectionBenchResult {
  /** Seconds of UMAP (umap-js through `projectUmap`, its default epochs), by points. */
  umapSeconds: SecondsBySize;
  /** Seconds of t-SNE (`projectTsne` with method auto: FFT above 200 points), by points. */
  tsneSeconds: SecondsBySize;
}

/** 32-dim points in 20 Gaussian clusters, the shape of a trained embedding. */
function clusteredPoints(n: number, dim: number, seed: number): EmbeddingMatrix {
  const classes = 20;
  const rng = createRng(seed);
  const centers = Float64Array.from({ length: classes * dim }, () => 3 * rng.normal());
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    for (let d = 0; d < dim; d++) data[i * dim + d] = centers[c * dim + d] + rng.normal();
  }
  return { data, rows: n, dim };
}

/**
 * Times UMAP and t-SNE (method auto: FFT) layouts of 2,000, 5,000, 10,000 and 20,000 points of 32
 * dims (20 Gaussian clusters): UMAP on one thread, t-SNE on its default threads (the cores,
 * at most 4) and the k-NN search on BLAS where one loads; with `quick`, 2,000 points only.
 *
 * @param options `quick` to skip the larger layouts; `sizes` to time other point counts.
 * @returns Seconds by point count for each method.
 *
 * @example
 * ```ts ignore
 * import { runProjectionBench } from "./extras.ts";
 * console.log(runProjectionBench({ quick: true }));
 * ```
 */
export function runProjectionBench(
  options: { quick?: boolean; sizes?: readonly number[] } = {},
): ProjectionBenchResult {
  const time = (run: () => void) => {
    const started = performance.now();
    run();
    return (performance.now() - started) / 1000;
  };
  const sizes = options.sizes ?? PROJECTION_BENCH_SIZES;
  const result: ProjectionBenchResult = { umapSeconds: {}, tsneSeconds: {} };
  for (const [i, n] of sizes.entries()) {
    const skip = options.quick && i > 0;
    const m = skip ? null : clusteredPoints(n, 32, n);
    result.umapSeconds[n] = m && time(() => projectUmap(m, { seed: 0 }));
    result.tsneSeconds[n] = m && time(() => projectTsne(m, { seed: 0, method: "auto" }));
  }
  return result;
}
