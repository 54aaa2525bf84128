/**
 * IDX files (the MNIST and Fashion-MNIST format), plain or gzipped.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import type { ImageDataset } from "../types.ts";

/** Where Debian's `dataset-fashion-mnist` package installs the four gzipped IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** The largest IDX file read, after decompression: a bound on memory for gzip bombs. */
const MAX_IDX_BYTES = 2 ** 30;

/** The Fashion-MNIST class names, indexed by label. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** The contents of one IDX file of unsigned bytes. */
export interface IdxArray {
  /** Size of each dimension, outermost first (`[60000, 28, 28]`). */
  dims: number[];
  /** The values, row-major. */
  data: Uint8Array;
}

/** Options of {@linkcode loadIdxDataset}. */
export interface IdxDatasetOptions {
  /**
   * Keep only the first `train` training and the first `test` test samples.
   * @default {{}} (all of them)
   */
  limit?: { train?: number; test?: number };
  /**
   * Class names by label. By default the Fashion-MNIST names when the folder's path
   * contains "fashion" (case-insensitive), otherwise the digits "0", "1", ...
   */
  classNames?: readonly string[];
}

/**
 * Parses an IDX file of unsigned bytes (type code 0x08), gunzipping it first when it
 * starts with the gzip magic bytes.
 *
 * @param bytes The file contents.
 * @param name The file name, for error messages.
 * @returns The dimensions and the values.
 * @throws {SyntaxError} On a bad magic number, a type other than unsigned byte, a
 * corrupt gzip stream, or a length that differs from the header's (naming both lengths).
 * @throws {RangeError} When the file decompresses to more than 1 GiB.
 *
 * @example
 * ```ts
 * import { readIdx } from "./idx.ts";
 * const bytes = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 2, 7, 9]);
 * const { dims, data } = readIdx(bytes, "tiny-idx2-ubyte");
 * if (dims.join() !== "1,2" || data[1] !== 9) throw new Error();
 * ```
 */
export function readIdx(bytes: Uint8Array, name: string): IdxArray {
  const where = `Cannot read IDX file "${name}"`;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_IDX_BYTES }));
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new RangeError(`${where}: decompresses to more than ${MAX_IDX_BYTES / 2 ** 30} GiB`);
      }
      throw new SyntaxError(`${where}: corrupt gzip data (${(error as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new SyntaxError(`${where}: not an IDX file (bad magic number)`);
  }
  if (bytes[2] !== 0x08) {
    throw new SyntaxError(
      `${where}: data type 0x${bytes[2].toString(16).padStart(2, "0")} is not supported ` +
        `(only 0x08, unsigned byte)`,
    );
  }
  const rank = bytes[3];
  if (rank === 0) throw new SyntaxError(`${where}: no dimensions`);
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new SyntaxError(
      `${where}: truncated header: expected ${headerLength} bytes, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d));
  const expected = headerLength + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw new SyntaxError(
      `${where}: ${bytes.length < expected ? "truncated" : "too long"}: dims ${dims.join("x")} ` +
        `need ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

async function readIdxFile(dir: string, base: string): Promise<IdxArray> {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    return readIdx(bytes, path);
  }
  throw new Deno.errors.NotFound(
    `Cannot read IDX dataset "${dir}": missing ${base} (or ${base}.gz)`,
  );
}

function checkLimit(value: number | undefined, key: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new RangeError(`Invalid IDX limit ${key}=${value}: must be a non-negative integer`);
  }
}

/**
 * Loads an MNIST-style dataset from the four IDX files of a folder:
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
 * `t10k-labels-idx1-ubyte`, each optionally gzipped (`.gz`).
 *
 * The samples are the training ones, then the test ones; `predefinedSplit` says which.
 * Images are grey (`channels: 1`), of the files' height and width (28x28 for MNIST).
 *
 * @param dir The folder, e.g. {@linkcode FASHION_MNIST_DIR}.
 * @param options `limit` to keep the first samples only, `classNames` to name the labels.
 * @returns The dataset.
 * @throws {Deno.errors.NotFound} When the folder or one of the files is missing.
 * @throws {SyntaxError} When a file is malformed, or images and labels do not match.
 * @throws {RangeError} When a limit is negative or a label has no class name.
 *
 * @example
 * ```ts
 * import { loadIdxDataset } from "./idx.ts";
 * // Two 1x1 training images and one test image (real data: FASHION_MNIST_DIR).
 * const dir = await Deno.makeTempDir();
 * const idx = (dims: number[], data: number[]) =>
 *   new Uint8Array([0, 0, 8, dims.length, ...dims.flatMap((d) => [0, 0, 0, d]), ...data]);
 * await Deno.writeFile(`${dir}/train-images-idx3-ubyte`, idx([2, 1, 1], [0, 255]));
 * await Deno.writeFile(`${dir}/train-labels-idx1-ubyte`, idx([2], [3, 7]));
 * await Deno.writeFile(`${dir}/t10k-images-idx3-ubyte`, idx([1, 1, 1], [128]));
 * await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte`, idx([1], [7]));
 * const data = await loadIdxDataset(dir, { limit: { train: 1 } });
 * await Deno.remove(dir, { recursive: true });
 * if (data.labels.join() !== "3,7" || data.predefinedSplit?.test[0] !== 1) throw new Error();
 * ```
 */
export async function loadIdxDataset(
  dir: string,
  options: IdxDatasetOptions = {},
): Promise<ImageDataset> {
  const { limit = {} } = options;
  checkLimit(limit.train, "train");
  checkLimit(limit.test, "test");
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot read IDX dataset "${dir}": path does not exist`);
    }
    throw error;
  }
  if (!info.isDirectory) throw new TypeError(`Cannot read IDX dataset "${dir}": not a directory`);

  const parts = [];
  for (const [prefix, max] of [["train", limit.train], ["t10k", limit.test]] as const) {
    const images = await readIdxFile(dir, `${prefix}-images-idx3-ubyte`);
    const labels = await readIdxFile(dir, `${prefix}-labels-idx1-ubyte`);
    const name = `Cannot read IDX dataset "${dir}"`;
    if (images.dims.length !== 3) {
      throw new SyntaxError(`${name}: ${prefix} images have ${images.dims.length} dims, not 3`);
    }
    if (labels.dims.length !== 1) {
      throw new SyntaxError(`${name}: ${prefix} labels have ${labels.dims.length} dims, not 1`);
    }
    if (images.dims[1] === 0 || images.dims[2] === 0) {
      throw new SyntaxError(
        `${name}: ${prefix} images are ${images.dims[1]}x${images.dims[2]} pixels`,
      );
    }
    if (images.dims[0] !== labels.dims[0]) {
      throw new SyntaxError(
        `${name}: ${images.dims[0]} ${prefix} images but ${labels.dims[0]} ${prefix} labels`,
      );
    }
    const n = Math.min(images.dims[0], max ?? Infinity);
    const size = images.dims[1] * images.dims[2];
    parts.push({
      height: images.dims[1],
      width: images.dims[2],
      images: images.data.subarray(0, n * size),
      labels: labels.data.subarray(0, n),
    });
  }
  const [train, test] = parts;
  if (train.height !== test.height || train.width !== test.width) {
    throw new SyntaxError(
      `Cannot read IDX dataset "${dir}": train images are ${train.height}x${train.width}, ` +
        `test images ${test.height}x${test.width}`,
    );
  }

  const nTrain = train.labels.length;
  const nTest = test.labels.length;
  const images = new Uint8Array(train.images.length + test.images.length);
  images.set(train.images);
  images.set(test.images, train.images.length);
  const labels = new Int32Array(nTrain + nTest);
  labels.set(train.labels);
  labels.set(test.labels, nTrain);

  let maxLabel = -1;
  for (const label of labels) if (label > maxLabel) maxLabel = label;
  const classNames = options.classNames
    ? [...options.classNames]
    : /fashion/i.test(dir)
    ? [...FASHION_MNIST_CLASS_NAMES]
    : Array.from({ length: Math.max(10, maxLabel + 1) }, (_, i) => String(i));
  if (maxLabel >= classNames.length) {
    throw new RangeError(
      `Cannot read IDX dataset "${dir}": label ${maxLabel} has no class name ` +
        `(${classNames.length} given)`,
    );
  }
  return {
    source: dir,
    images,
    labels,
    classNames,
    height: train.height,
    width: train.width,
    channels: 1,
    predefinedSplit: {
      train: Int32Array.from({ length: nTrain }, (_, i) => i),
      test: Int32Array.from({ length: nTest }, (_, i) => nTrain + i),
    },
    warnings: [],
  };
}
