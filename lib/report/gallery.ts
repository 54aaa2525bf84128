/**
 * The neighbour gallery of a run page: test images with their nearest training images in
 * the saved embedding, misclassified ones first, as inline PNG `data:` URIs.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { encode } from "fast-png";
import { knnSearch } from "../eval/knn.ts";
import { readRunEmbeddings } from "../experiment/evaluate_run.ts";
import { RUN_FILES } from "../run/run_folder.ts";
import type { ImageDataset } from "../types.ts";
import type { Gallery, GalleryItem } from "./pages.ts";

/** Options of {@linkcode buildGallery}. */
export interface GalleryOptions {
  /** Test images shown. @default {12} */
  images?: number;
  /** Training neighbours per test image. @default {5} */
  neighbours?: number;
}

/**
 * Encodes one sample of a dataset as a PNG `data:` URI.
 *
 * @param dataset The dataset (bytes NHWC, 1 or 3 channels).
 * @param index The sample index.
 * @returns `data:image/png;base64,...`.
 *
 * @example
 * ```ts
 * import { sampleDataUri } from "./gallery.ts";
 * const dataset = { source: "x", images: new Uint8Array(12), labels: new Int32Array([0]),
 *   classNames: ["a"], height: 2, width: 2, channels: 3, warnings: [] };
 * if (!sampleDataUri(dataset, 0).startsWith("data:image/png;base64,")) throw new Error();
 * ```
 */
export function sampleDataUri(dataset: ImageDataset, index: number): string {
  const size = dataset.height * dataset.width * dataset.channels;
  const data = dataset.images.subarray(index * size, (index + 1) * size);
  const png = encode({
    width: dataset.width,
    height: dataset.height,
    data,
    channels: dataset.channels,
    depth: 8,
  });
  return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
}

/** Evenly spaced picks of `count` items from `list`, in order. */
function spread<T>(list: readonly T[], count: number): T[] {
  if (list.length <= count) return list.slice();
  return Array.from({ length: count }, (_, i) => list[Math.floor((i * list.length) / count)]);
}

/**
 * Builds a run's gallery from its saved embeddings, its split and the dataset loaded again:
 * test rows whose nearest training neighbour has another class (misclassified at k=1)
 * first, spread over the test set, then correct ones.
 *
 * @param dir The run folder (embeddings/ and split.json are read).
 * @param dataset The run's dataset, as `loadData(config)` returns it.
 * @param options How many images and neighbours.
 * @returns The gallery; with no items and a note when the split or the dataset does not match.
 *
 * @example
 * ```ts
 * import { buildGallery } from "./gallery.ts";
 * const dataset = { source: "x", images: new Uint8Array(0), labels: new Int32Array(0),
 *   classNames: [], height: 1, width: 1, channels: 1, warnings: [] };
 * const g = await buildGallery("/nonexistent", dataset);
 * if (g.items.length !== 0 || !g.note) throw new Error("expected a note");
 * ```
 */
export async function buildGallery(
  dir: string,
  dataset: ImageDataset,
  options: GalleryOptions = {},
): Promise<Gallery> {
  const images = options.images ?? 12;
  let e;
  let split: { train: number[]; test: number[] };
  try {
    e = await readRunEmbeddings(dir);
    split = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.split)));
  } catch (error) {
    return {
      items: [],
      note: `No gallery: ${error instanceof Error ? error.message : error}.`,
    };
  }
  const nTrain = e.trainLabels.length;
  const nTest = e.testLabels.length;
  const neighbours = Math.min(options.neighbours ?? 5, nTrain);
  if (
    !Array.isArray(split.train) || !Array.isArray(split.test) ||
    split.train.length !== nTrain || split.test.length !== nTest || nTrain === 0
  ) {
    return { items: [], note: "No gallery: split.json does not match the saved embeddings." };
  }
  const nameOf = (sample: number) => dataset.classNames[dataset.labels[sample]];
  const samples = dataset.labels.length;
  const matches = (rows: number[], labels: Int32Array) =>
    rows.every((s, i) =>
      Number.isInteger(s) && s >= 0 && s < samples && nameOf(s) === e.classNames[labels[i]]
    );
  if (!matches(split.train, e.trainLabels) || !matches(split.test, e.testLabels)) {
    return {
      items: [],
      note:
        "No gallery: the dataset loaded now does not match the run's split (other data or options).",
    };
  }
  const { indices, distances } = knnSearch(
    { data: e.test, rows: nTest, dim: e.dim },
    { data: e.train, rows: nTrain, dim: e.dim },
    neighbours,
  );
  const wrong: number[] = [];
  const right: number[] = [];
  for (let q = 0; q < nTest; q++) {
    (e.trainLabels[indices[q * neighbours]] === e.testLabels[q] ? right : wrong).push(q);
  }
  const picked = spread(wrong, images);
  picked.push(...spread(right, images - picked.length));
  const items: GalleryItem[] = picked.map((q) => ({
    src: sampleDataUri(dataset, split.test[q]),
    trueName: e.classNames[e.testLabels[q]],
    predictedName: e.classNames[e.trainLabels[indices[q * neighbours]]],
    neighbours: Array.from({ length: neighbours }, (_, j) => {
      const t = indices[q * neighbours + j];
      return {
        src: sampleDataUri(dataset, split.train[t]),
        name: e.classNames[e.trainLabels[t]],
        distance: distances[q * neighbours + j],
      };
    }),
  }));
  return {
    items,
    note: `${wrong.length} of ${nTest} test images are misclassified at k=1.`,
  };
}
