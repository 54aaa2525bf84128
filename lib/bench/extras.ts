/**
 * The benchmark's non-network measurements: k-NN evaluation and dataset decoding.
 *
 * @module
 */
import { knnAccuracy } from "../eval/classification.ts";
import { loadFolderDataset } from "../data/folder_dataset.ts";
import { createRng } from "../random.ts";

/** Where the benchmark looks for real images to decode. */
export const BENCH_DECODE_DIR: string =
  new URL("../../../shared/data/tt100k-mini", import.meta.url).pathname;

/**
 * Times k-NN classification (5,000 queries against 20,000 references at d=32, k=1 and 5;
 * a quarter of that with `quick`) and the decoding of tt100k-mini when present.
 *
 * @param options `quick` for smaller sizes.
 * @returns Seconds for each (decodeSeconds is null when the images are absent).
 *
 * @example
 * ```ts ignore
 * import { runBenchExtras } from "./extras.ts";
 * console.log(await runBenchExtras({ quick: true }));
 * ```
 */
export async function runBenchExtras(
  options: { quick?: boolean } = {},
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
  if (await Deno.stat(BENCH_DECODE_DIR).then(() => true, () => false)) {
    t = performance.now();
    await loadFolderDataset(BENCH_DECODE_DIR);
    decodeSeconds = (performance.now() - t) / 1000;
  }
  return { knnSeconds, decodeSeconds, knnQueries: queries, knnReferences: references };
}
