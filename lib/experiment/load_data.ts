/**
 * Resolving the `--data` argument to a dataset: `synthetic`, `fashion-mnist`, a folder of
 * IDX files, or a folder of class folders.
 *
 * @module
 */
import { join } from "node:path";
import { type CachedFolderDataset, loadFolderDatasetCached } from "../data/decode_cache.ts";
import { FASHION_MNIST_DIR, loadIdxDataset } from "../data/idx.ts";
import { generateSynthetic } from "../data/synthetic.ts";
import type { ImageDataset } from "../types.ts";
import type { ExperimentConfig } from "./config.ts";
import { closestName } from "../_suggest.ts";
import { invalidOption } from "../_errors.ts";

async function hasIdxFiles(dir: string): Promise<boolean> {
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /^train-images-idx3-ubyte(\.gz)?$/.test(entry.name)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** The config fields {@linkcode loadData} reads. */
export type DataConfig = Pick<
  ExperimentConfig,
  "data" | "syntheticPerClass" | "imageSize" | "minPerClass" | "limit" | "strict"
>;

/**
 * A key equal for two configs exactly when {@linkcode loadData} gives them the same
 * dataset: callers that load once for many runs key their cache with it.
 *
 * @param config A config (extra fields are ignored).
 * @returns The key.
 *
 * @example
 * ```ts
 * import { datasetKey } from "./load_data.ts";
 * const a = datasetKey({ data: "synthetic", seed: 1 } as never);
 * if (a !== datasetKey({ data: "synthetic", seed: 2 } as never)) throw new Error("seed is not data");
 * ```
 */
export function datasetKey(config: DataConfig): string {
  const { data, syntheticPerClass, imageSize, minPerClass, limit, strict } = config;
  return JSON.stringify({ data, syntheticPerClass, imageSize, minPerClass, limit, strict });
}

/** Options of {@linkcode loadData}. */
export interface LoadDataOptions {
  /**
   * Read a folder of class folders through the decode cache (`loadFolderDatasetCached`):
   * `true` in the default cache folder, a string in that folder, `false` not at all.
   * @default {true}
   */
  cache?: boolean | string;
  /** Called with the cache's outcome (hit, miss or off, file, seconds) after a folder loads. */
  onCache?: (info: Omit<CachedFolderDataset, "dataset">) => void;
}

/**
 * Loads the dataset a config names.
 *
 * @param config The resolved config (`data`, `syntheticPerClass`, `minPerClass`, `limit`, `seed`).
 * @param options The decode cache (on by default) and a callback that reports its outcome.
 * @returns The dataset, its warnings included.
 * @throws {Error} When the path does not exist or holds no usable images (one-line message).
 *
 * @example
 * ```ts
 * import { loadData } from "./load_data.ts";
 * import { resolveConfig } from "./config.ts";
 * const data = await loadData(resolveConfig({ data: "synthetic", syntheticPerClass: 2 }));
 * if (data.classNames.length < 30) throw new Error("too few classes");
 * ```
 */
export async function loadData(
  config: DataConfig,
  options: LoadDataOptions = {},
): Promise<ImageDataset> {
  if (config.data === "synthetic") {
    // The synthetic images depend on their own seed (0), not on the run's: every seed of a
    // sweep sees the same dataset, and only the split, batches and weights vary.
    return generateSynthetic({
      perClass: config.syntheticPerClass,
      seed: 0,
      size: config.imageSize || 64,
    });
  }
  const size = config.imageSize || 64;
  const limit = config.limit > 0 ? { train: config.limit, test: config.limit } : undefined;
  const fashion = config.data === "fashion-mnist";
  const idx = fashion || await hasIdxFiles(config.data);
  if (idx && config.imageSize !== 0 && config.imageSize !== 28) {
    throw invalidOption("imageSize", config.imageSize, "IDX datasets keep their 28x28 images");
  }
  if (fashion) {
    try {
      await Deno.stat(join(FASHION_MNIST_DIR, "train-labels-idx1-ubyte.gz"));
    } catch {
      throw new Error(
        `Cannot read dataset "fashion-mnist": ${FASHION_MNIST_DIR} not found (apt-get install dataset-fashion-mnist)`,
      );
    }
    return await loadIdxDataset(FASHION_MNIST_DIR, { limit });
  }
  if (idx) return await loadIdxDataset(config.data, { limit });
  const { cache = true, onCache } = options;
  const { dataset, ...info } = await loadFolderDatasetCached(config.data, {
    cacheDir: cache === true ? undefined : cache,
    minPerClass: config.minPerClass,
    strict: config.strict,
    height: size,
    width: size,
  }).catch((error) => {
    throw withNameHint(error, config.data);
  });
  onCache?.(info);
  return dataset;
}

/** The built-in dataset names `--data` takes besides a path. */
const DATASET_NAMES = ["synthetic", "fashion-mnist"];

/**
 * A missing bare name (no slash or dot, such as `synthetc`) was most likely meant as a
 * built-in dataset: say which.
 */
function withNameHint(error: unknown, data: string): unknown {
  if (!(error instanceof Deno.errors.NotFound) || /[\/.]/.test(data)) return error;
  const best = closestName(data, DATASET_NAMES);
  return new Deno.errors.NotFound(
    `${error.message} (did you mean "${best}"? data takes a folder path, ${
      DATASET_NAMES.join(" or ")
    })`,
  );
}
