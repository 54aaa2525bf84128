/**
 * The data of a run page's image explorer: per run, a sprite sheet of small thumbnails for
 * each split (a JPEG grid, row `r` of the split at tile `r`) and a data script with each
 * point's nearest training samples, loaded by the page on the first hover.
 *
 * @module
 */
import jpeg from "jpeg-js";
import { knnSearch } from "../eval/knn.ts";
import type { ImageDataset } from "../types.ts";
import { readRunSamples } from "./_run_samples.ts";

/** Options of {@linkcode buildExplorer}. */
export interface ExplorerOptions {
  /** Nearest training samples kept per point. @default {5} */
  neighbours?: number;
  /** Side of a thumbnail in the sprite sheets, in pixels. @default {32} */
  tile?: number;
  /** Thumbnails per sprite row. @default {64} */
  columns?: number;
  /** JPEG quality of the sprite sheets, 1 to 100. @default {75} */
  quality?: number;
}

/** A projection figure of the page: its id, its split and the embedding row of each drawn point. */
export interface ExplorerFigure {
  /** The figure id (`fig-umap-train`). */
  id: string;
  /** Which split its points are. */
  split: "train" | "test";
  /** The embedding row of each point, in the order the figure draws them. */
  rows: number[];
}

/** One split in {@linkcode ExplorerData}. */
export interface ExplorerSplit {
  /** The class label of each row. */
  labels: number[];
  /** `k` nearest training rows per row, nearest first (a training row leaves itself out). */
  nn: number[];
  /** Their Euclidean distances in the embedding, to 3 decimals. */
  dist: number[];
}

/** What the page's explorer loads (`window.metriclabExplorer`). */
export interface ExplorerData {
  /** Neighbours per point. */
  k: number;
  /** Class names, indexed by label. */
  classNames: string[];
  /** Thumbnail side in pixels. */
  tile: number;
  /** Thumbnails per sprite row. */
  cols: number;
  /** The sprite sheet files, relative to the data script. */
  sprites: { train: string; test: string };
  /** The training split. */
  train: ExplorerSplit;
  /** The test split. */
  test: ExplorerSplit;
  /** The drawn rows of each projection figure, by figure id. */
  figures: Record<string, { split: "train" | "test"; rows: number[] }>;
}

/** What {@linkcode buildExplorer} makes: the data and the two sprite sheets (JPEG). */
export interface Explorer {
  /** The data of the script. */
  data: ExplorerData;
  /** The JPEG files, by the names in `data.sprites`. */
  files: Record<string, Uint8Array>;
}

/**
 * A JPEG grid of thumbnails: sample `samples[i]` of the dataset, box-filtered to `tile` x
 * `tile`, at column `i % columns`, row `floor(i / columns)`.
 *
 * @param dataset The dataset (bytes NHWC, 1 or 3 channels).
 * @param samples The samples, in tile order.
 * @param options Tile size, columns and quality.
 * @returns The JPEG bytes.
 *
 * @example
 * ```ts
 * import { spriteSheet } from "./explorer.ts";
 * const dataset = { source: "x", images: new Uint8Array(2 * 4 * 4 * 3).fill(200),
 *   labels: new Int32Array([0, 0]), classNames: ["a"], height: 4, width: 4, channels: 3,
 *   warnings: [] };
 * const jpg = spriteSheet(dataset, [0, 1], { tile: 8, columns: 2 });
 * if (jpg[0] !== 0xff || jpg[1] !== 0xd8) throw new Error("not a JPEG");
 * ```
 */
export function spriteSheet(
  dataset: ImageDataset,
  samples: readonly number[],
  options: Pick<ExplorerOptions, "tile" | "columns" | "quality"> = {},
): Uint8Array {
  const tile = options.tile ?? 32;
  const columns = Math.max(1, options.columns ?? 64);
  const rows = Math.max(1, Math.ceil(samples.length / columns));
  const width = columns * tile, height = rows * tile;
  const out = new Uint8Array(width * height * 4).fill(255);
  const { height: h, width: w, channels: c } = dataset;
  const size = h * w * c;
  // The source box of each tile pixel along one axis.
  const boxes = (n: number) =>
    Array.from({ length: tile }, (_, t) => {
      const a = Math.floor((t * n) / tile);
      return [a, Math.max(a + 1, Math.floor(((t + 1) * n) / tile))];
    });
  const bx = boxes(w), by = boxes(h);
  samples.forEach((sample, i) => {
    const image = dataset.images.subarray(sample * size, (sample + 1) * size);
    const ox = (i % columns) * tile, oy = Math.floor(i / columns) * tile;
    for (let ty = 0; ty < tile; ty++) {
      const [y0, y1] = by[ty];
      for (let tx = 0; tx < tile; tx++) {
        const [x0, x1] = bx[tx];
        let r = 0, g = 0, b = 0, count = 0;
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const p = (y * w + x) * c;
            r += image[p];
            g += image[p + (c > 1 ? 1 : 0)];
            b += image[p + (c > 2 ? 2 : 0)];
            count++;
          }
        }
        const q = ((oy + ty) * width + ox + tx) * 4;
        out[q] = r / count;
        out[q + 1] = g / count;
        out[q + 2] = b / count;
      }
    }
  });
  const encoded = jpeg.encode({ data: out, width, height }, options.quality ?? 75);
  return new Uint8Array(encoded.data);
}

/**
 * Builds a run's explorer from its saved embeddings and its dataset loaded again: for every
 * train and test row its `k` nearest training rows (Euclidean, a training row without
 * itself), the drawn rows of each figure, and a sprite sheet per split.
 *
 * @param dir The run folder (embeddings/ and split.json are read).
 * @param dataset The run's dataset, as `loadData(config)` returns it.
 * @param figures The page's projection figures.
 * @param options Neighbours and sprite settings.
 * @returns The explorer, or a note when the split or the dataset does not match.
 *
 * @example
 * ```ts
 * import { buildExplorer } from "./explorer.ts";
 * const dataset = { source: "x", images: new Uint8Array(0), labels: new Int32Array(0),
 *   classNames: [], height: 1, width: 1, channels: 1, warnings: [] };
 * const result = await buildExplorer("/nonexistent", dataset, []);
 * if (!("note" in result)) throw new Error("expected a note");
 * ```
 */
export async function buildExplorer(
  dir: string,
  dataset: ImageDataset,
  figures: readonly ExplorerFigure[],
  options: ExplorerOptions = {},
): Promise<Explorer | { note: string }> {
  const samples = await readRunSamples(dir, dataset);
  if ("reason" in samples) return { note: `No image explorer: ${samples.reason}.` };
  const { embeddings: e, split } = samples;
  const nTrain = e.trainLabels.length, nTest = e.testLabels.length;
  const k = Math.min(options.neighbours ?? 5, nTrain - 1);
  if (k < 1) return { note: "No image explorer: fewer than two training samples." };
  const train = { data: e.train, rows: nTrain, dim: e.dim };
  const round = (d: Float64Array | Float32Array | number[]) =>
    Array.from(d, (v) => Math.round(v * 1000) / 1000);
  const ofTrain = knnSearch(train, train, k, { excludeSelf: true });
  const ofTest = knnSearch({ data: e.test, rows: nTest, dim: e.dim }, train, k);
  const tile = options.tile ?? 32, columns = options.columns ?? 64;
  const sprites = { train: "sprite-train.jpg", test: "sprite-test.jpg" };
  const sheet = (rows: number[]) =>
    spriteSheet(dataset, rows, { tile, columns, quality: options.quality });
  return {
    data: {
      k,
      classNames: e.classNames.slice(),
      tile,
      cols: columns,
      sprites,
      train: {
        labels: Array.from(e.trainLabels),
        nn: Array.from(ofTrain.indices),
        dist: round(ofTrain.distances),
      },
      test: {
        labels: Array.from(e.testLabels),
        nn: Array.from(ofTest.indices),
        dist: round(ofTest.distances),
      },
      figures: Object.fromEntries(figures.map((f) => [f.id, { split: f.split, rows: f.rows }])),
    },
    files: { [sprites.train]: sheet(split.train), [sprites.test]: sheet(split.test) },
  };
}

/**
 * The explorer's data as a script that sets `window.metriclabExplorer` (a page loads it
 * with a `<script src>`, which works from file://, where `fetch()` of JSON does not).
 *
 * @param data The data.
 * @returns The script text.
 *
 * @example
 * ```ts
 * import { explorerScript } from "./explorer.ts";
 * if (!explorerScript({ k: 1 } as never).startsWith("window.metriclabExplorer=")) throw new Error();
 * ```
 */
export function explorerScript(data: ExplorerData): string {
  return `window.metriclabExplorer=${JSON.stringify(data)};\n`;
}
