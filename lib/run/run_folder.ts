/**
 * The run folder: everything one training run leaves behind, written so that a reader
 * never sees half a file.
 *
 * ```
 * runs/<id>/
 *   config.json        fully resolved configuration (written first)
 *   split.json         train and test sample indices (and files, for folder datasets)
 *   metrics.jsonl      one JSON object per line, appended as training goes
 *   model/model.json   network manifest;  model/weights.bin  float32 little-endian
 *   model/loss.json, model/loss-weights.bin   learned loss weights (ArcFace W, proxies)
 *   embeddings/meta.json, embeddings/train.f32, embeddings/test.f32
 *   evaluation.json    k-NN accuracy per k and class, confusion matrices, retrieval metrics
 *   analysis.json      class structure of train and test: silhouette, neighbours, centroid tree, hierarchy correlation
 *   summary.json       the headline figures; written last: its presence marks a finished run
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { Json } from "../types.ts";

/** Names of the files in a run folder. */
export const RUN_FILES = {
  config: "config.json",
  split: "split.json",
  metrics: "metrics.jsonl",
  modelManifest: "model/model.json",
  modelWeights: "model/weights.bin",
  lossManifest: "model/loss.json",
  lossWeights: "model/loss-weights.bin",
  embeddingsMeta: "embeddings/meta.json",
  trainEmbeddings: "embeddings/train.f32",
  testEmbeddings: "embeddings/test.f32",
  evaluation: "evaluation.json",
  analysis: "analysis.json",
  summary: "summary.json",
} as const;

/**
 * Writes a file atomically: a temporary file in the same folder, then a rename.
 *
 * @param path Destination.
 * @param data Text or bytes.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a/b.txt`, "hello");
 * if (await Deno.readTextFile(`${dir}/a/b.txt`) !== "hello") throw new Error("not written");
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/**
 * Writes JSON atomically, pretty-printed.
 *
 * @param path Destination.
 * @param value Any JSON value.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/x.json`, { a: 1 });
 * ```
 */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Appends one record as a line of JSON (metrics.jsonl is only ever appended to).
 *
 * @param path The JSONL file.
 * @param record One JSON object.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { appendJsonLine } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await appendJsonLine(`${dir}/m.jsonl`, { epoch: 1 });
 * ```
 */
export async function appendJsonLine(path: string, record: Record<string, Json>): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(record) + "\n", { append: true });
}

/**
 * Reads a JSONL file; a truncated or malformed last line (an interrupted append) is
 * skipped with a warning, any other malformed line is an error.
 *
 * @param path The JSONL file.
 * @returns The records and warnings.
 * @throws {SyntaxError} On a malformed line before the last one.
 *
 * @example
 * ```ts
 * import { appendJsonLine, readJsonLines } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await appendJsonLine(`${dir}/m.jsonl`, { epoch: 1 });
 * const { records } = await readJsonLines(`${dir}/m.jsonl`);
 * if (records.length !== 1) throw new Error("lost a line");
 * ```
 */
export async function readJsonLines(
  path: string,
): Promise<{ records: Record<string, Json>[]; warnings: string[] }> {
  const lines = (await Deno.readTextFile(path)).split("\n");
  const records: Record<string, Json>[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      const isLast = lines.slice(i + 1).every((l) => !l.trim());
      if (!isLast) throw new SyntaxError(`Cannot read "${path}": line ${i + 1} is not valid JSON`);
      warnings.push(`Skipped the truncated last line ${i + 1} of "${path}"`);
    }
  }
  return { records, warnings };
}

/**
 * Writes float32 values little-endian (the layout of NumPy's `<f4` and of tfjs weights).
 *
 * @param path Destination.
 * @param values The floats.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { readFloat32, writeFloat32 } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFloat32(`${dir}/x.f32`, new Float32Array([1, 2]));
 * if ((await readFloat32(`${dir}/x.f32`))[1] !== 2) throw new Error("bad round trip");
 * ```
 */
export function writeFloat32(path: string, values: Float32Array): Promise<void> {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return writeFileAtomic(path, bytes);
}

/**
 * Reads little-endian float32 values written by {@linkcode writeFloat32}.
 *
 * @param path The file.
 * @returns The floats.
 * @throws {SyntaxError} When the size is not a multiple of 4.
 *
 * @example
 * ```ts
 * import { readFloat32, writeFloat32 } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFloat32(`${dir}/x.f32`, new Float32Array([3]));
 * if ((await readFloat32(`${dir}/x.f32`))[0] !== 3) throw new Error("bad round trip");
 * ```
 */
export async function readFloat32(path: string): Promise<Float32Array> {
  const bytes = await Deno.readFile(path);
  if (bytes.length % 4 !== 0) {
    throw new SyntaxError(
      `Cannot read "${path}": ${bytes.length} bytes is not a whole number of float32`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Whether `dir` holds a finished run (its `summary.json` exists).
 *
 * @param dir A run folder.
 * @returns True when finished.
 *
 * @example
 * ```ts
 * import { isFinishedRun } from "./run_folder.ts";
 * if (await isFinishedRun("/nonexistent")) throw new Error("wrong");
 * ```
 */
export async function isFinishedRun(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, RUN_FILES.summary))).isFile;
  } catch {
    return false;
  }
}

/** A run's saved embeddings: train and test rows (`dim` floats each) with their labels. */
export interface RunEmbeddings {
  /** Floats per row. */
  dim: number;
  /** Training embeddings, row-major. */
  train: Float32Array;
  /** Label of each training row. */
  trainLabels: Int32Array;
  /** Test embeddings, row-major. */
  test: Float32Array;
  /** Label of each test row. */
  testLabels: Int32Array;
  /** Class names, indexed by label. */
  classNames: string[];
}

/**
 * Reads and checks a run folder's `embeddings/` (meta.json, train.f32, test.f32).
 *
 * @param dir The run folder.
 * @param action How messages begin, naming what the caller was doing. @default "Cannot read run"
 * @returns The embeddings and labels.
 * @throws {Error} `<action> "<dir>": <file> not found` (or not valid JSON, or not matching).
 *
 * @example
 * ```ts
 * import { readRunEmbeddings } from "./run_folder.ts";
 * await readRunEmbeddings("/nonexistent").then(() => { throw new Error("no error"); }, () => {});
 * ```
 */
export async function readRunEmbeddings(
  dir: string,
  action = "Cannot read run",
): Promise<RunEmbeddings> {
  const metaPath = join(dir, RUN_FILES.embeddingsMeta);
  let meta: { dim?: unknown; trainLabels?: unknown; testLabels?: unknown; classNames?: unknown };
  try {
    meta = JSON.parse(await Deno.readTextFile(metaPath));
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "not found" : "not valid JSON";
    throw new Error(`${action} "${dir}": ${metaPath} ${why}`);
  }
  const { dim, trainLabels, testLabels, classNames } = meta;
  if (
    typeof dim !== "number" || !Number.isInteger(dim) || dim < 1 ||
    !Array.isArray(trainLabels) || !Array.isArray(testLabels)
  ) {
    throw new Error(`${action} "${dir}": ${metaPath} lacks dim, trainLabels or testLabels`);
  }
  const read = async (file: string) => {
    try {
      return await readFloat32(join(dir, file));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`${action} "${dir}": ${join(dir, file)} not found`);
      }
      throw error;
    }
  };
  const train = await read(RUN_FILES.trainEmbeddings);
  const test = await read(RUN_FILES.testEmbeddings);
  if (train.length !== trainLabels.length * dim || test.length !== testLabels.length * dim) {
    throw new Error(`${action} "${dir}": embedding files do not match ${metaPath}`);
  }
  return {
    dim,
    train,
    trainLabels: Int32Array.from(trainLabels),
    test,
    testLabels: Int32Array.from(testLabels),
    classNames: Array.isArray(classNames) ? classNames.map(String) : [],
  };
}
