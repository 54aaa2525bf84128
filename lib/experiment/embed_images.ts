/**
 * Embedding new image files with a run's saved network and classifying them by k-NN
 * against the run's training embeddings.
 *
 * @module
 */
import { join } from "node:path";
import { decodeImage } from "../data/image_decode.ts";
import { IMAGE_EXTENSION } from "../data/folder_dataset.ts";
import { embedDataset } from "../model/embed.ts";
import { resizeImage } from "../data/resize.ts";
import { knnVote } from "../eval/classification.ts";
import { knnSearch } from "../eval/knn.ts";
import { RUN_FILES } from "../run/run_folder.ts";
import { readRunEmbeddings } from "./evaluate_run.ts";
import { loadRunModel } from "./load_run_model.ts";

/** Options of {@linkcode embedImages}. */
export interface EmbedImagesOptions {
  /**
   * Neighbours that vote (and that are reported); capped at the training set size.
   * @default {5}
   */
  k?: number;
}

/** One training sample near an embedded image. */
export interface EmbedNeighbor {
  /** Row in the run's training embeddings. */
  index: number;
  /** Its class index. */
  label: number;
  /** Its class name. */
  className: string;
  /** Euclidean distance from the embedded image. */
  distance: number;
  /** Its source file, when the run's `split.json` has `trainFiles`. */
  file?: string;
}

/** The embedding and prediction of one image file. */
export interface EmbedImageRow {
  /** The image file. */
  file: string;
  /** Predicted class name (majority vote of the k nearest, smallest label on ties). */
  predicted: string;
  /** Predicted class index. */
  label: number;
  /** Distance to the nearest training sample. */
  distance: number;
  /** The embedding. */
  embedding: number[];
  /** The k nearest training samples, nearest first. */
  neighbors: EmbedNeighbor[];
}

/** What {@linkcode embedImages} returns. */
export interface EmbedImagesResult {
  /** One row per decoded image, in input order. */
  rows: EmbedImageRow[];
  /** Skipped files (corrupt images), for the caller to print. */
  warnings: string[];
}

async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await listImages(path));
    else if (entry.isFile && IMAGE_EXTENSION.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

/**
 * Expands image paths: a folder becomes its `.png`/`.jpg`/`.jpeg` files, recursively,
 * sorted; a file stays as given.
 *
 * @param paths Files and folders.
 * @returns The image files.
 * @throws {Error} `Cannot read image "<path>": not found` for a missing path.
 *
 * @example
 * ```ts
 * import { expandImagePaths } from "./embed_images.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/b.png`, new Uint8Array());
 * await Deno.writeFile(`${dir}/a.txt`, new Uint8Array());
 * const files = await expandImagePaths([dir]);
 * if (files.length !== 1 || !files[0].endsWith("b.png")) throw new Error(String(files));
 * ```
 */
export async function expandImagePaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch {
      throw new Error(`Cannot read image "${path}": not found`);
    }
    if (info.isDirectory) out.push(...(await listImages(path)).sort());
    else out.push(path);
  }
  return out;
}

async function readTrainFiles(dir: string): Promise<string[] | undefined> {
  try {
    const split = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.split)));
    return Array.isArray(split.trainFiles) ? split.trainFiles : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Embeds image files with a run's network and classifies each by k-NN (Euclidean,
 * majority vote, a tied vote goes to the smallest label) against the run's training
 * embeddings. Images are decoded (PNG/JPEG), resized to the network's input shape and
 * scaled to [0, 1] as in training. Uses the tfjs backend already selected.
 *
 * @param runDir The run folder (needs `model/` and `embeddings/`).
 * @param paths Image files or folders (expanded with {@linkcode expandImagePaths}).
 * @param options `k`.
 * @returns One row per image, and warnings naming skipped (corrupt) images.
 * @throws {Error} When the run has no model or embeddings, or a path does not exist.
 * @throws {RangeError} When `k` is not a positive integer.
 *
 * @example
 * ```ts
 * import { embedImages } from "./embed_images.ts";
 * await embedImages("/nonexistent", []).then(() => { throw new Error("no error"); }, () => {});
 * ```
 */
export async function embedImages(
  runDir: string,
  paths: string[],
  options: EmbedImagesOptions = {},
): Promise<EmbedImagesResult> {
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`Invalid k ${k}: must be a positive integer`);
  }
  const files = await expandImagePaths(paths);
  const embeddings = await readRunEmbeddings(runDir);
  const trainFiles = await readTrainFiles(runDir);
  const net = await loadRunModel(runDir);
  const warnings: string[] = [];
  try {
    const [h, w, c] = net.inputShape;
    if (c !== 1 && c !== 3) {
      throw new TypeError(`Cannot embed images for run "${runDir}": the model has ${c} channels`);
    }
    const dim = embeddings.dim;
    if (net.dim !== dim) {
      throw new TypeError(
        `Cannot embed images for run "${runDir}": model dim ${net.dim} differs from the embeddings' ${dim}`,
      );
    }
    const kept: string[] = [];
    const pixels: Uint8Array[] = [];
    for (const file of files) {
      try {
        const decoded = decodeImage(await Deno.readFile(file), file);
        pixels.push(resizeImage(decoded, { height: h, width: w, channels: c }));
        kept.push(file);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        warnings.push(`Skipped image "${file}": ${message}`);
      }
    }
    if (!kept.length) return { rows: [], warnings };
    // The images as a dataset, so they are embedded in batches as the training set was.
    const images = new Uint8Array(kept.length * h * w * c);
    pixels.forEach((p, i) => images.set(p, i * h * w * c));
    const query = await embedDataset(net, {
      source: runDir,
      images,
      labels: new Int32Array(kept.length),
      classNames: [],
      height: h,
      width: w,
      channels: c,
      warnings: [],
    }, Int32Array.from(kept, (_, i) => i));
    const reference = { data: embeddings.train, rows: embeddings.trainLabels.length, dim };
    const useK = Math.min(k, reference.rows);
    const found = knnSearch({ data: query, rows: kept.length, dim }, reference, useK);
    const { predictions } = knnVote(found, embeddings.trainLabels, useK);
    const rows = kept.map((file, q): EmbedImageRow => {
      const neighbors = Array.from({ length: useK }, (_, j): EmbedNeighbor => {
        const index = found.indices[q * useK + j];
        const label = embeddings.trainLabels[index];
        return {
          index,
          label,
          className: embeddings.classNames[label] ?? String(label),
          distance: found.distances[q * useK + j],
          ...(trainFiles?.[index] !== undefined ? { file: trainFiles[index] } : {}),
        };
      });
      const label = predictions[q];
      return {
        file,
        predicted: embeddings.classNames[label] ?? String(label),
        label,
        distance: neighbors[0].distance,
        embedding: Array.from(query.subarray(q * dim, (q + 1) * dim)),
        neighbors,
      };
    });
    return { rows, warnings };
  } finally {
    net.dispose();
  }
}
