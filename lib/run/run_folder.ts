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
 *   checkpoint.json, checkpoint-<epoch>.bin   the last per-epoch checkpoint, while training
 *   run.lock           the claim of the process training it (see run_claim.ts), while training
 *   failure.json       the error that stopped the last try, until the run starts again
 * ```
 *
 * A folder with config.json but no summary.json is an incomplete run: interrupted, it
 * continues from its checkpoint. Every file but metrics.jsonl is written whole (temporary
 * file, then rename); metrics.jsonl is only appended to.
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
  checkpoint: "checkpoint.json",
  lock: "run.lock",
  failure: "failure.json",
} as const;

/** The claim file and the files of its creation and takeover (`run.lock.new-...` and so on). */
const CLAIM_FILE = /^run\.lock(\.(takeover|stale|new)-.+)?$/;

/**
 * A write that failed for want of space or permission: the file is named, the run folder
 * keeps its last checkpoint, and `remedy` says what the user should do before resuming.
 * Callers catch it on purpose to add how to resume.
 */
export class DiskWriteError extends Error {
  /** The file that could not be written. */
  readonly path: string;
  /** The system's code: `ENOSPC`, `EDQUOT`, `EACCES`, `EPERM` or `EROFS`. */
  readonly code: string;
  /** What to do first: "free space" or "make it writable". */
  readonly remedy: string;
  /**
   * An error for a write of `path` that failed with `code`.
   *
   * @param path The file.
   * @param code The system's error code.
   * @param options The original error as `cause`.
   */
  constructor(path: string, code: string, options?: ErrorOptions) {
    const full = code === "ENOSPC" || code === "EDQUOT";
    const why = full
      ? code === "ENOSPC" ? "no space left on device" : "disk quota exceeded"
      : code === "EROFS"
      ? "read-only file system"
      : "permission denied";
    super(`Cannot write "${path}": ${why}`, options);
    this.name = "DiskWriteError";
    this.path = path;
    this.code = code;
    this.remedy = full ? "free space" : "make it writable";
  }
}

const DISK_CODES = new Set(["ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS"]);

/**
 * The {@linkcode DiskWriteError} that `error` is (a full disk, a quota, a read-only or
 * unwritable folder), naming `path`; undefined for any other error.
 *
 * @param error What a write threw.
 * @param path The file being written.
 * @returns The error to throw instead, or undefined.
 *
 * @example
 * ```ts
 * import { asDiskWriteError } from "./run_folder.ts";
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * if (asDiskWriteError(full, "a.bin")?.message !== 'Cannot write "a.bin": no space left on device') {
 *   throw new Error("not recognised");
 * }
 * ```
 */
export function asDiskWriteError(error: unknown, path: string): DiskWriteError | undefined {
  if (error instanceof DiskWriteError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && DISK_CODES.has(code)) {
    return new DiskWriteError(path, code, { cause: error });
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new DiskWriteError(path, "EACCES", { cause: error });
  }
  return undefined;
}

/** An injected failure per path (tests of a full disk), see {@linkcode injectWriteFault}. */
let writeFault: ((path: string) => Error | undefined) | undefined;

/**
 * For tests: makes the run-folder writers ({@linkcode writeFileAtomic},
 * {@linkcode appendJsonLine}) throw the error that `fault` returns for a path, as a full
 * disk would. `undefined` removes it.
 *
 * @param fault Returns the error to throw for a path, or undefined to write it.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { injectWriteFault, writeFileAtomic } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * injectWriteFault(() => Object.assign(new Error("No space left on device"), { code: "ENOSPC" }));
 * const failed = await writeFileAtomic(`${dir}/a.txt`, "x").then(() => false, () => true);
 * injectWriteFault(undefined);
 * if (!failed) throw new Error("the fault was not injected");
 * ```
 */
export function injectWriteFault(fault: ((path: string) => Error | undefined) | undefined): void {
  writeFault = fault;
}

/** Runs a write of `path`, turning a full disk or a permission error into a DiskWriteError. */
async function guardWrite<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    const fault = writeFault?.(path);
    if (fault) throw fault;
    return await write();
  } catch (error) {
    throw asDiskWriteError(error, path) ?? error;
  }
}

/**
 * Writes a file atomically: a temporary file in the same folder, then a rename.
 *
 * @param path Destination.
 * @param data Text or bytes.
 * @returns Nothing.
 * @throws {DiskWriteError} When the disk is full or the folder is not writable (the
 * temporary file is removed and `path` keeps its previous content).
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a/b.txt`, "hello");
 * if (await Deno.readTextFile(`${dir}/a/b.txt`) !== "hello") throw new Error("not written");
 * ```
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  return guardWrite(path, async () => {
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
  });
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
 * @throws {DiskWriteError} When the disk is full or the folder is not writable (a line cut
 * short is dropped by {@linkcode repairJsonLines} when the run resumes).
 *
 * @example
 * ```ts
 * import { appendJsonLine } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await appendJsonLine(`${dir}/m.jsonl`, { epoch: 1 });
 * ```
 */
export function appendJsonLine(path: string, record: Record<string, Json>): Promise<void> {
  return guardWrite(path, async () => {
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, JSON.stringify(record) + "\n", { append: true });
  });
}

/**
 * Reads a JSONL file of JSON objects; a truncated or malformed last line (an interrupted
 * append) is skipped with a warning, any other malformed line, or a line that holds
 * something else than an object, is an error.
 *
 * @param path The JSONL file.
 * @returns The records and warnings.
 * @throws {SyntaxError} On a malformed or non-object line before the last one (the message
 * names the file and the line).
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
  return parseJsonLines(await Deno.readTextFile(path), path);
}

/** The records of a JSONL text read from `path` (see {@linkcode readJsonLines}). */
function parseJsonLines(
  text: string,
  path: string,
): { records: Record<string, Json>[]; warnings: string[] } {
  const lines = text.split("\n");
  const records: Record<string, Json>[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let record: unknown;
    let problem: string | undefined;
    try {
      record = JSON.parse(line);
      if (typeof record !== "object" || record === null || Array.isArray(record)) {
        problem = "is not a JSON object";
      }
    } catch {
      problem = "is not valid JSON";
    }
    if (problem === undefined) {
      records.push(record as Record<string, Json>);
      continue;
    }
    const isLast = lines.slice(i + 1).every((l) => !l.trim());
    if (!isLast) throw new SyntaxError(`Cannot read "${path}": line ${i + 1} ${problem}`);
    warnings.push(`Skipped the truncated last line ${i + 1} of "${path}"`);
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

/** The name of a {@linkcode writeFileAtomic} temporary file. */
const TEMPORARY = /\.tmp-\d+-[0-9a-f]{8}$/;

/**
 * Removes the temporary files that a kill during {@linkcode writeFileAtomic} can leave, in
 * `dir` and its subfolders.
 *
 * @param dir A run folder.
 * @returns The paths removed.
 *
 * @example
 * ```ts
 * import { removeTemporaryFiles } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/summary.json.tmp-12-0a1b2c3d`, "{");
 * if ((await removeTemporaryFiles(dir)).length !== 1) throw new Error("kept it");
 * ```
 */
export async function removeTemporaryFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) removed.push(...await removeTemporaryFiles(path));
      else if (e.isFile && TEMPORARY.test(e.name)) {
        await Deno.remove(path);
        removed.push(path);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}

/** A training checkpoint as plain data: JSON state and named float32 arrays. */
export interface RunCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Any JSON state (counters, records, optimiser scalars). */
  state: Record<string, Json>;
  /** Named arrays (weights, optimiser moments), stored together in one float32 file. */
  arrays: { name: string; shape: number[]; values: Float32Array }[];
}

const CHECKPOINT_FORMAT = "metriclab-checkpoint/1";
const CHECKPOINT_BIN = /^checkpoint-\d+\.bin$/;

/** Removes the checkpoint-<epoch>.bin files of `dir` other than `keep`. */
async function removeCheckpointBins(dir: string, keep?: string): Promise<void> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && CHECKPOINT_BIN.test(e.name) && e.name !== keep) names.push(e.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const name of names) await Deno.remove(join(dir, name)).catch(() => {});
}

/**
 * Writes a checkpoint into a run folder: the arrays to `checkpoint-<epoch>.bin`, then
 * `checkpoint.json` (which names that file), each atomically, then removes older bins. A
 * kill at any point leaves the previous or the new checkpoint whole, never a mix.
 *
 * @param dir The run folder.
 * @param checkpoint Epoch, state and arrays.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { readRunCheckpoint, writeRunCheckpoint } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await writeRunCheckpoint(dir, { epoch: 2, state: { step: 8 },
 *   arrays: [{ name: "w", shape: [2], values: new Float32Array([1, 2]) }] });
 * const back = await readRunCheckpoint(dir);
 * if (back?.epoch !== 2 || back.arrays[0].values[1] !== 2) throw new Error("bad round trip");
 * ```
 */
export async function writeRunCheckpoint(dir: string, checkpoint: RunCheckpoint): Promise<void> {
  const { epoch, state, arrays } = checkpoint;
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new RangeError(`Cannot write checkpoint to "${dir}": invalid epoch ${epoch}`);
  }
  const weightsFile = `checkpoint-${epoch}.bin`;
  const all = new Float32Array(arrays.reduce((n, a) => n + a.values.length, 0));
  arrays.reduce((offset, a) => (all.set(a.values, offset), offset + a.values.length), 0);
  await writeFloat32(join(dir, weightsFile), all);
  await writeJsonAtomic(join(dir, RUN_FILES.checkpoint), {
    format: CHECKPOINT_FORMAT,
    epoch,
    weightsFile,
    arrays: arrays.map((a) => ({ name: a.name, shape: a.shape, size: a.values.length })),
    state,
  });
  await removeCheckpointBins(dir, weightsFile);
}

/**
 * Reads a run folder's checkpoint.
 *
 * @param dir The run folder.
 * @returns The checkpoint, or undefined when there is none.
 * @throws {SyntaxError} `Cannot read checkpoint "<dir>": ...` when checkpoint.json is not
 * valid or does not match its float file (or that file is missing).
 *
 * @example
 * ```ts
 * import { readRunCheckpoint } from "./run_folder.ts";
 * if (await readRunCheckpoint(await Deno.makeTempDir()) !== undefined) throw new Error("none");
 * ```
 */
export async function readRunCheckpoint(dir: string): Promise<RunCheckpoint | undefined> {
  const path = join(dir, RUN_FILES.checkpoint);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const bad = (why: string) => new SyntaxError(`Cannot read checkpoint "${dir}": ${why}`);
  let meta: {
    format?: unknown;
    epoch?: unknown;
    weightsFile?: unknown;
    arrays?: { name?: unknown; shape?: unknown; size?: unknown }[];
    state?: unknown;
  };
  try {
    meta = JSON.parse(text);
  } catch {
    throw bad(`${RUN_FILES.checkpoint} is not valid JSON`);
  }
  const { epoch, weightsFile, arrays, state } = meta;
  if (
    meta.format !== CHECKPOINT_FORMAT || typeof epoch !== "number" ||
    typeof weightsFile !== "string" || !CHECKPOINT_BIN.test(weightsFile) ||
    !Array.isArray(arrays) || !state || typeof state !== "object" ||
    !arrays.every((a) =>
      typeof a.name === "string" && Array.isArray(a.shape) && typeof a.size === "number"
    )
  ) {
    throw bad(`${RUN_FILES.checkpoint} is not a ${CHECKPOINT_FORMAT} file`);
  }
  let floats: Float32Array;
  try {
    floats = await readFloat32(join(dir, weightsFile));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw bad(`${weightsFile} not found`);
    throw error;
  }
  const total = arrays.reduce((n, a) => n + (a.size as number), 0);
  if (floats.length !== total) {
    throw bad(
      `${weightsFile} holds ${floats.length} floats, ${RUN_FILES.checkpoint} lists ${total}`,
    );
  }
  let offset = 0;
  return {
    epoch,
    state: state as Record<string, Json>,
    arrays: arrays.map((a) => {
      const values = floats.slice(offset, offset + (a.size as number));
      offset += a.size as number;
      return { name: a.name as string, shape: a.shape as number[], values };
    }),
  };
}

/**
 * Removes a run folder's checkpoint (once the run is finished, it is no longer needed).
 *
 * @param dir The run folder.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { removeRunCheckpoint } from "./run_folder.ts";
 * await removeRunCheckpoint(await Deno.makeTempDir());
 * ```
 */
export async function removeRunCheckpoint(dir: string): Promise<void> {
  await Deno.remove(join(dir, RUN_FILES.checkpoint)).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await removeCheckpointBins(dir);
}

/** What {@linkcode inspectRunFolder} finds. */
export interface RunFolderInspection {
  /**
   * `absent`: no folder, or one holding only temporary files; `finished`: config.json of
   * this run and summary.json; `incomplete`: config.json of this run, no summary.json;
   * `other`: anything else (another run's config.json, an unreadable one, or files
   * without one).
   */
  status: "absent" | "incomplete" | "finished" | "other";
  /** The id in config.json; null when there is none or it cannot be read. */
  id: string | null;
}

/**
 * Tells whether `dir` is free, holds the run `id` (finished or not), or holds something else.
 *
 * @param dir A run folder.
 * @param id The run id it should hold.
 * @returns The status and the id found.
 *
 * @example
 * ```ts
 * import { inspectRunFolder, writeJsonAtomic } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/config.json`, { id: "a" });
 * if ((await inspectRunFolder(dir, "a")).status !== "incomplete") throw new Error();
 * if ((await inspectRunFolder(dir, "b")).status !== "other") throw new Error();
 * ```
 */
export async function inspectRunFolder(dir: string, id: string): Promise<RunFolderInspection> {
  const names: string[] = [];
  let finished = false;
  try {
    for await (const e of Deno.readDir(dir)) {
      // A claim is not content: a folder holding only one is still free.
      if (CLAIM_FILE.test(e.name)) continue;
      names.push(e.name);
      if (e.name === RUN_FILES.summary && e.isFile) finished = true;
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { status: "absent", id: null };
    throw error;
  }
  if (!names.includes(RUN_FILES.config)) {
    // A kill during the very first write leaves only a temporary file.
    const onlyTemporary = names.every((n) => TEMPORARY.test(n));
    return { status: onlyTemporary ? "absent" : "other", id: null };
  }
  let found: string | null = null;
  try {
    const config = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.config)));
    if (config && typeof config.id === "string") found = config.id;
  } catch {
    // Unreadable: not a run this code can continue.
  }
  if (found !== id) return { status: "other", id: found };
  return { status: finished ? "finished" : "incomplete", id: found };
}

/**
 * Empties a run folder (creating it when missing) but keeps its claim ({@linkcode RUN_FILES}
 * `.lock`): a fresh run starts in a folder its process already holds.
 *
 * @param dir The run folder.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { clearRunFolder } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/run.lock`, "{}");
 * await Deno.writeTextFile(`${dir}/metrics.jsonl`, "{}");
 * await clearRunFolder(dir);
 * const left = [...Deno.readDirSync(dir)].map((e) => e.name);
 * if (left.join() !== "run.lock") throw new Error(left.join());
 * ```
 */
export async function clearRunFolder(dir: string): Promise<void> {
  await guardWrite(dir, () => Deno.mkdir(dir, { recursive: true }));
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (!CLAIM_FILE.test(e.name)) names.push(e.name);
  for (const name of names) await Deno.remove(join(dir, name), { recursive: true });
}

/**
 * Cuts a truncated last line (an append stopped by a kill) off a JSONL file, so that
 * appends can go on; the file is rewritten atomically, and only when it has one.
 *
 * @param path The JSONL file (missing: nothing to do).
 * @returns The records kept and a warning per line dropped.
 * @throws {SyntaxError} On a malformed line before the last one.
 *
 * @example
 * ```ts
 * import { repairJsonLines } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/m.jsonl`, '{"epoch":1}\n{"epo');
 * const { records } = await repairJsonLines(`${dir}/m.jsonl`);
 * if (records.length !== 1 || !(await Deno.readTextFile(`${dir}/m.jsonl`)).endsWith("}\n")) {
 *   throw new Error("not repaired");
 * }
 * ```
 */
export async function repairJsonLines(
  path: string,
): Promise<{ records: Record<string, Json>[]; warnings: string[] }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { records: [], warnings: [] };
    throw error;
  }
  const { records, warnings } = parseJsonLines(text, path);
  const torn = text.length > 0 && !text.endsWith("\n");
  if (warnings.length || torn) {
    await writeFileAtomic(path, records.map((r) => JSON.stringify(r) + "\n").join(""));
    if (!warnings.length) {
      warnings.push(`Ended the last line of "${path}": its newline was cut off`);
    }
  }
  return { records, warnings };
}
