/**
 * Exporting a run folder for other tools: the TensorBoard Embedding Projector, NumPy
 * (`.npy`) and CSV.
 *
 * @module
 */
import { encode as encodePng } from "fast-png";
import { join } from "node:path";
import { resizeImage } from "../data/resize.ts";
import { readJsonLines, RUN_FILES, writeFileAtomic } from "../run/run_folder.ts";
import type { Json } from "../types.ts";
import { readRunEmbeddings, type SplitEmbeddings } from "./evaluate_run.ts";
import { loadData } from "./load_data.ts";

/** The export formats. */
export const EXPORT_FORMATS = ["projector", "npy", "csv"] as const;

/** A name from {@linkcode EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of {@linkcode exportRun}. */
export interface ExportRunOptions {
  /**
   * The folder to write into (created when missing).
   * @default {"<runDir>/export-<format>"}
   */
  out?: string;
}

/** What {@linkcode exportRun} returns. */
export interface ExportRunResult {
  /** The folder written into. */
  dir: string;
  /** The files written, relative to `dir`, in the order written. */
  files: string[];
  /** Things skipped (the sprite when the data cannot be loaded), for the caller to print. */
  warnings: string[];
}

/** The largest sprite thumbnail side, in pixels. */
const THUMB = 32;

/**
 * Encodes a NumPy `.npy` file (format version 1.0, little-endian, C order).
 *
 * @param values `Float32Array` (`<f4`) or `Int32Array` (`<i4`).
 * @param shape The array shape; its product must equal `values.length`.
 * @returns The file bytes.
 * @throws {RangeError} When the shape does not match the values.
 *
 * @example
 * ```ts
 * import { encodeNpy } from "./export_run.ts";
 * const bytes = encodeNpy(new Int32Array([1, 2, 3]), [3]);
 * const headerLength = bytes[8] | (bytes[9] << 8);
 * if ((10 + headerLength) % 64 !== 0 || bytes.length !== 10 + headerLength + 12) throw new Error();
 * ```
 */
export function encodeNpy(values: Float32Array | Int32Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) {
    throw new RangeError(
      `Cannot encode .npy: shape (${shape.join(", ")}) holds ${count} values, got ${values.length}`,
    );
  }
  const descr = values instanceof Float32Array ? "<f4" : "<i4";
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const bytes = new Uint8Array(10 + header.length + values.length * 4);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(start + i * 4, values[i], true);
    else view.setInt32(start + i * 4, values[i], true);
  }
  return bytes;
}

function csvCell(value: Json | undefined): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function toCsv(header: string[], rows: (Json | undefined)[][]): string {
  return [header.map(csvCell), ...rows.map((r) => r.map(csvCell))]
    .map((r) => r.join(","))
    .join("\n") + "\n";
}

function flatten(value: Json, prefix: string, out: Record<string, Json>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) {
      flatten(v, prefix ? `${prefix}.${key}` : key, out);
    }
  } else {
    out[prefix] = value;
  }
}

async function readJson(path: string, runDir: string): Promise<Record<string, Json>> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "not found" : "not valid JSON";
    throw new Error(`Cannot export run "${runDir}": ${path} ${why}`);
  }
}

async function exportCsv(runDir: string, dir: string): Promise<string[]> {
  const metricsPath = join(runDir, RUN_FILES.metrics);
  const { records } = await readJsonLines(metricsPath).catch(() => {
    throw new Error(`Cannot export run "${runDir}": ${metricsPath} not readable`);
  });
  const epochs = records.filter((r) => r.type === "epoch");
  const columns: string[] = [];
  for (const r of epochs) {
    for (const key of Object.keys(r)) {
      if (key !== "type" && !columns.includes(key)) columns.push(key);
    }
  }
  await writeFileAtomic(
    join(dir, "metrics.csv"),
    toCsv(columns, epochs.map((r) => columns.map((c) => r[c]))),
  );
  const summary = await readJson(join(runDir, RUN_FILES.summary), runDir);
  const flat: Record<string, Json> = {};
  for (const key of ["id", "data", "loss", "miner", "dim", "seed", "epochs"]) {
    if (summary[key] !== undefined) flat[key] = summary[key];
  }
  flatten(summary.test ?? {}, "", flat);
  await writeFileAtomic(join(dir, "summary.csv"), toCsv(Object.keys(flat), [Object.values(flat)]));
  return ["metrics.csv", "summary.csv"];
}

async function exportNpy(e: SplitEmbeddings, dir: string): Promise<string[]> {
  const files: [string, Uint8Array][] = [
    ["train_embeddings.npy", encodeNpy(e.train, [e.trainLabels.length, e.dim])],
    ["train_labels.npy", encodeNpy(e.trainLabels, [e.trainLabels.length])],
    ["test_embeddings.npy", encodeNpy(e.test, [e.testLabels.length, e.dim])],
    ["test_labels.npy", encodeNpy(e.testLabels, [e.testLabels.length])],
  ];
  for (const [name, bytes] of files) await writeFileAtomic(join(dir, name), bytes);
  return files.map(([name]) => name);
}

async function sampleIndices(runDir: string): Promise<{ train: number[]; test: number[] }> {
  const split = await readJson(join(runDir, RUN_FILES.split), runDir);
  if (!Array.isArray(split.train) || !Array.isArray(split.test)) {
    throw new Error(`Cannot export run "${runDir}": split.json has no train and test indices`);
  }
  return { train: split.train as number[], test: split.test as number[] };
}

/** Builds the sprite, or returns a reason why it cannot. */
async function buildSprite(
  runDir: string,
  e: SplitEmbeddings,
): Promise<{ png: Uint8Array; width: number; height: number } | string> {
  let indices: number[];
  let dataset;
  try {
    const config = await readJson(join(runDir, RUN_FILES.config), runDir);
    const split = await sampleIndices(runDir);
    indices = [...split.train, ...split.test];
    // deno-lint-ignore no-explicit-any
    dataset = await loadData(config as any);
  } catch (error) {
    return error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
  const labels = [...e.trainLabels, ...e.testLabels];
  const n = dataset.labels.length;
  if (
    indices.length !== labels.length ||
    indices.some((i, j) => !(i >= 0 && i < n) || dataset.labels[i] !== labels[j])
  ) {
    return "the dataset's images do not match the run's samples";
  }
  const width = Math.min(THUMB, dataset.width);
  const height = Math.min(THUMB, dataset.height);
  const side = Math.ceil(Math.sqrt(indices.length));
  const sprite = new Uint8Array(side * width * side * height * 3);
  const size = dataset.width * dataset.height * dataset.channels;
  indices.forEach((index, j) => {
    const thumb = resizeImage({
      width: dataset.width,
      height: dataset.height,
      channels: dataset.channels as 1 | 3,
      data: dataset.images.subarray(index * size, (index + 1) * size),
    }, { width, height, channels: 3 });
    const x0 = (j % side) * width, y0 = Math.floor(j / side) * height;
    for (let y = 0; y < height; y++) {
      sprite.set(
        thumb.subarray(y * width * 3, (y + 1) * width * 3),
        ((y0 + y) * side * width + x0) * 3,
      );
    }
  });
  const png = encodePng({ width: side * width, height: side * height, data: sprite, channels: 3 });
  return { png, width, height };
}

/** The shortest decimal that reads back as the same float32. */
function float32Text(v: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(v.toPrecision(digits)));
    if (Math.fround(Number(text)) === v) return text;
  }
  return String(Number(v.toPrecision(9)));
}

async function exportProjector(
  runDir: string,
  e: SplitEmbeddings,
  dir: string,
  warnings: string[],
): Promise<string[]> {
  const rows = (data: Float32Array, count: number) =>
    Array.from(
      { length: count },
      (_, i) =>
        Array.from(data.subarray(i * e.dim, (i + 1) * e.dim), float32Text).join("\t") + "\n",
    ).join("");
  const tensors = rows(e.train, e.trainLabels.length) + rows(e.test, e.testLabels.length);
  const meta = (labels: Int32Array, split: string) =>
    Array.from(labels, (l) => `${l}\t${e.classNames[l] ?? l}\t${split}\n`).join("");
  const metadata = "label\tclass\tsplit\n" + meta(e.trainLabels, "train") +
    meta(e.testLabels, "test");
  await writeFileAtomic(join(dir, "tensors.tsv"), tensors);
  await writeFileAtomic(join(dir, "metadata.tsv"), metadata);
  const files = ["tensors.tsv", "metadata.tsv"];
  const sprite = await buildSprite(runDir, e);
  const config = await readJson(join(runDir, RUN_FILES.config), runDir).catch(() => undefined);
  const embedding: Record<string, Json> = {
    tensorName: typeof config?.id === "string" ? config.id : runDir,
    tensorShape: [e.trainLabels.length + e.testLabels.length, e.dim],
    tensorPath: "tensors.tsv",
    metadataPath: "metadata.tsv",
  };
  let pbtxtSprite = "";
  if (typeof sprite === "string") {
    warnings.push(`Skipped the sprite image: ${sprite}`);
  } else {
    await writeFileAtomic(join(dir, "sprite.png"), sprite.png);
    files.push("sprite.png");
    embedding.sprite = { imagePath: "sprite.png", singleImageDim: [sprite.width, sprite.height] };
    pbtxtSprite = `  sprite {\n    image_path: "sprite.png"\n` +
      `    single_image_dim: ${sprite.width}\n    single_image_dim: ${sprite.height}\n  }\n`;
  }
  await writeFileAtomic(
    join(dir, "projector_config.json"),
    JSON.stringify({ embeddings: [embedding] }, null, 2) + "\n",
  );
  await writeFileAtomic(
    join(dir, "projector_config.pbtxt"),
    `embeddings {\n  tensor_name: ${JSON.stringify(embedding.tensorName)}\n` +
      `  tensor_path: "tensors.tsv"\n  metadata_path: "metadata.tsv"\n${pbtxtSprite}}\n`,
  );
  return [...files, "projector_config.json", "projector_config.pbtxt"];
}

/**
 * Exports a run folder in one format:
 *
 * - `projector`: TensorBoard Embedding Projector files: `tensors.tsv` (train then test
 *   embeddings), `metadata.tsv` (header `label\tclass\tsplit`), `sprite.png` (the sample
 *   images in a square grid of `ceil(sqrt(n))` thumbnails a side, each 32x32 or the image
 *   size if smaller; skipped with a warning when the data cannot be loaded),
 *   `projector_config.json` and `projector_config.pbtxt`.
 * - `npy`: `train_embeddings.npy`, `test_embeddings.npy` (`<f4`, shape (n, dim)),
 *   `train_labels.npy`, `test_labels.npy` (`<i4`), NumPy format 1.0.
 * - `csv`: `metrics.csv` (one row per epoch record of `metrics.jsonl`) and `summary.csv`
 *   (one row: the run's id, loss, miner, dim, seed, then the flattened test metrics of
 *   `summary.json`, such as `knnAccuracy.1`).
 *
 * Every file is written atomically.
 *
 * @param runDir The run folder.
 * @param format One of {@linkcode EXPORT_FORMATS}.
 * @param options `out`.
 * @returns The folder, the files written and warnings.
 * @throws {RangeError} On an unknown format.
 * @throws {Error} When the run's files are missing (one line naming the file).
 *
 * @example
 * ```ts
 * import { exportRun } from "./export_run.ts";
 * const run = new URL("../../tests/fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url).pathname;
 * const out = await Deno.makeTempDir();
 * const { files } = await exportRun(run, "npy", { out });
 * if (files.length !== 4) throw new Error(String(files));
 * ```
 */
export async function exportRun(
  runDir: string,
  format: ExportFormat,
  options: ExportRunOptions = {},
): Promise<ExportRunResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new RangeError(
      `Unknown export format "${format}": expected one of ${EXPORT_FORMATS.join(", ")}`,
    );
  }
  try {
    if (!(await Deno.stat(runDir)).isDirectory) throw new Error();
  } catch {
    throw new Error(`Cannot export run "${runDir}": not a folder`);
  }
  const dir = options.out ?? join(runDir, `export-${format}`);
  const warnings: string[] = [];
  if (format === "csv") return { dir, files: await exportCsv(runDir, dir), warnings };
  const embeddings = await readRunEmbeddings(runDir);
  const files = format === "npy"
    ? await exportNpy(embeddings, dir)
    : await exportProjector(runDir, embeddings, dir, warnings);
  return { dir, files, warnings };
}
