/**
 * The neighbour gallery of a run page: test images with their nearest training images in
 * the saved embedding, misclassified ones first, as inline JPEG `data:` URIs.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { encode } from "fast-png";
import jpeg from "jpeg-js";
import { knnSearch } from "../eval/knn.ts";
import { readRunSamples } from "./_run_samples.ts";
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
 * Encodes one sample of a dataset as a PNG or JPEG `data:` URI.
 *
 * @param dataset The dataset (bytes NHWC, 1 or 3 channels).
 * @param index The sample index.
 * @param format `"png"` (lossless) or `"jpeg"` (quality 90: a third to a tenth of the bytes
 *   of a noisy photo's PNG). @default {"png"}
 * @returns `data:image/png;base64,...` or `data:image/jpeg;base64,...`.
 *
 * @example
 * ```ts
 * import { sampleDataUri } from "./gallery.ts";
 * const dataset = { source: "x", images: new Uint8Array(12), labels: new Int32Array([0]),
 *   classNames: ["a"], height: 2, width: 2, channels: 3, warnings: [] };
 * if (!sampleDataUri(dataset, 0).startsWith("data:image/png;base64,")) throw new Error();
 * ```
 */
export function sampleDataUri(
  dataset: ImageDataset,
  index: number,
  format: "png" | "jpeg" = "png",
): string {
  const size = dataset.height * dataset.width * dataset.channels;
  const data = dataset.images.subarray(index * size, (index + 1) * size);
  if (format === "jpeg") {
    const rgba = new Uint8Array(dataset.height * dataset.width * 4);
    const c = dataset.channels;
    for (let p = 0; p < dataset.height * dataset.width; p++) {
      rgba[4 * p] = data[p * c];
      rgba[4 * p + 1] = data[p * c + (c > 1 ? 1 : 0)];
      rgba[4 * p + 2] = data[p * c + (c > 2 ? 2 : 0)];
      rgba[4 * p + 3] = 255;
    }
    const jpg = jpeg.encode({ data: rgba, width: dataset.width, height: dataset.height }, 90);
    return `data:image/jpeg;base64,${Buffer.from(jpg.data).toString("base64")}`;
  }
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
  const samples = await readRunSamples(dir, dataset);
  if ("reason" in samples) return { items: [], note: `No gallery: ${samples.reason}.` };
  const { embeddings: e, split } = samples;
  const nTrain = e.trainLabels.length;
  const nTest = e.testLabels.length;
  const neighbours = Math.min(options.neighbours ?? 5, nTrain);
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
    src: sampleDataUri(dataset, split.test[q], "jpeg"),
    trueName: e.classNames[e.testLabels[q]],
    predictedName: e.classNames[e.trainLabels[indices[q * neighbours]]],
    neighbours: Array.from({ length: neighbours }, (_, j) => {
      const t = indices[q * neighbours + j];
      return {
        src: sampleDataUri(dataset, split.train[t], "jpeg"),
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
