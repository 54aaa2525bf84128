/**
 * Projections of a run folder: PCA, UMAP and t-SNE of the train and of the test
 * embeddings (each fitted separately), the test embeddings placed into each train map,
 * and, for a 2-D embedding, the embedding itself; written to `projections.json`.
 *
 * @module
 */
import { join } from "node:path";
import { readRunEmbeddings, writeJsonAtomic } from "../run/run_folder.ts";
import type { EmbeddingMatrix, Json } from "../types.ts";
import { type PcaBasis, pcaBasis, type Projection2d, projectOntoPca } from "./pca.ts";
import { stratifiedSubsample } from "./subsample.ts";
import { projectTsne, TSNE_AUTO_EXACT_MAX, TSNE_METHODS, type TsneMethod } from "./tsne.ts";
import { tsneTransform } from "./tsne_transform.ts";
import { projectUmap } from "./umap.ts";

/** The name of the file {@linkcode projectRun} writes into a run folder. */
export const PROJECTIONS_FILE = "projections.json";

/** The format version {@linkcode projectRun} writes; {@linkcode readProjections} reads 1 and 2. */
export const PROJECTIONS_VERSION = 2;

/** A projection method. */
export type ProjectionMethod = "pca" | "umap" | "tsne";

/** Every projection method, in the order they run. */
export const PROJECTION_METHODS: readonly ProjectionMethod[] = ["pca", "umap", "tsne"];

/**
 * The default most points of a split given to t-SNE ({@linkcode ProjectRunOptions.tsneMax}):
 * a whole TT100K train split (about 19,000 points) fits.
 */
export const TSNE_MAX_DEFAULT = 20000;

/**
 * The default most points of a split given to UMAP ({@linkcode ProjectRunOptions.umapMax}):
 * a whole TT100K train split fits (UMAP of 20,000 points: 10-16 s here).
 */
export const UMAP_MAX_DEFAULT = 20000;

/**
 * How a record's points got their positions: `"separately"`, a map fitted on the split
 * alone; `"into-train"`, test points placed into the train map without moving it;
 * `"none"`, the embedding's own two coordinates.
 */
export type ProjectionFit = "separately" | "into-train" | "none";

/**
 * What made a record, for its caption: a map fitted on its points (`"pca"`, `"umap"`,
 * `"tsne"`), test points placed into the train map (`"pca-train-basis"`: projected with
 * the train mean and axes; `"umap-transform"`: umap-js's `transform`;
 * `"tsne-fixed-reference"`: optimised against the fixed train t-SNE map), or the 2-D
 * embedding drawn as is (`"embedding"`).
 */
export type ProjectionKind =
  | ProjectionMethod
  | "pca-train-basis"
  | "umap-transform"
  | "tsne-fixed-reference"
  | "embedding";

/**
 * A record's settings as used, with what a caption needs. Besides the fields below, by
 * kind: UMAP `seed`, `nNeighbors`, `minDist`, `nEpochs`, `max`; t-SNE `algorithm`
 * (`"exact"` or `"barnes-hut"`), `seed`, `perplexity`, `iterations`, `iterationsRun`,
 * `learningRate`, `theta` (`null` when exact), `init`, `earlyExaggeration`,
 * `exaggerationIterations`, `klDivergence`, `max`; placements into the train map
 * `reference` (`"train.pca"`, `"train.umap"` or `"train.tsne"`) and `referencePoints`,
 * and for t-SNE `perplexity`, `neighbors`, `iterations`, `learningRate`, `theta` (0:
 * exact), `init`, `max`; for UMAP the train map's `seed`, `nNeighbors`, `minDist`, the
 * transform's `nEpochs`, `max`.
 */
export interface ProjectionOptions {
  /** What made the record. */
  method: ProjectionKind;
  /** Fitted on its own points, placed into the train map, or the embedding itself. */
  fitted: ProjectionFit;
  /** Points drawn (the length of `rows`). */
  points: number;
  /** Points in the whole split. */
  total: number;
  /** Whether the points are a stratified subsample of the split. */
  subsampled: boolean;
  /** The method's own settings (see above). */
  [setting: string]: Json;
}

/** One projection of one split, as stored in `projections.json`. */
export interface ProjectionRecord {
  /** The projection method (for a placement into the train map, the train map's). */
  method: ProjectionMethod;
  /** Row indices into the split's embedding matrix (and its labels in `embeddings/meta.json`). */
  rows: number[];
  /** The class label of each point, in the order of `rows`. */
  labels: number[];
  /** First coordinate of each point. */
  x: number[];
  /** Second coordinate of each point. */
  y: number[];
  /** Whether `rows` is a stratified subsample of the split. */
  subsampled: boolean;
  /** Rows in the whole split. */
  total: number;
  /** Seconds the projection took. */
  seconds: number;
  /** The settings as used, with what a caption needs (see {@linkcode ProjectionOptions}). */
  options: ProjectionOptions;
}

/** A 2-D embedding drawn as is: `x` and `y` are its two coordinates, every point. */
export interface EmbeddingRecord extends Omit<ProjectionRecord, "method"> {
  /** Always `"embedding"`. */
  method: "embedding";
}

/** The content of `projections.json` (version 2); any method may be missing. */
export interface ProjectionsFile {
  /** Format version of the file. */
  version: 2;
  /** Projections of the training embeddings, each fitted on them, by method. */
  train: Partial<Record<ProjectionMethod, ProjectionRecord>>;
  /** Projections of the test embeddings, each fitted on them alone, by method. */
  test: Partial<Record<ProjectionMethod, ProjectionRecord>>;
  /**
   * The test embeddings placed into the train map of the same method (same coordinates
   * as `train[method]`, which does not move): PCA with the train mean and axes, UMAP by
   * umap-js's `transform`, t-SNE optimised against the fixed train map. Empty in a
   * version 1 file.
   */
  testInTrain: Partial<Record<ProjectionMethod, ProjectionRecord>>;
  /** When the embedding has dimension 2: the train and test embeddings themselves. */
  embedding?: { train: EmbeddingRecord; test: EmbeddingRecord };
}

/** Progress of {@linkcode projectRun}: which split and method, and how far it is. */
export interface ProjectRunProgress {
  /** The split being projected; `"test-in-train"`: test points placed into the train map. */
  split: "train" | "test" | "test-in-train";
  /** The method running. */
  method: ProjectionMethod;
  /** Steps done (epochs for UMAP, iterations for t-SNE, 0 or 1 for PCA and UMAP transform). */
  done: number;
  /** Steps in all. */
  total: number;
}

/** Options of {@linkcode projectRun}. */
export interface ProjectRunOptions {
  /**
   * The methods to run; the others already in `projections.json` are kept.
   * @default ["pca", "umap", "tsne"]
   */
  methods?: ProjectionMethod[];
  /**
   * Most points of a split given to t-SNE; above it, a stratified subsample. FFT t-SNE
   * lays out a whole TT100K train split (about 19,000 points) at the default. The test
   * points placed into the train map are the same subsample as the test map's.
   * @default 20000
   */
  tsneMax?: number;
  /**
   * How t-SNE is computed (see {@linkcode TsneMethod}): `"auto"` is exact (tsne-js) up to
   * 200 points and FFT-accelerated (FIt-SNE) above.
   * @default "auto"
   */
  tsneMethod?: TsneMethod;
  /**
   * Most points of a split given to UMAP; above it, a stratified subsample (the test
   * points placed into the train map are the same subsample as the test map's).
   * @default 20000
   */
  umapMax?: number;
  /**
   * Seed of the subsamples and of UMAP and t-SNE.
   * @default 0
   */
  seed?: number;
  /** Called as each projection progresses. */
  onProgress?: (progress: ProjectRunProgress) => void;
}

/** What {@linkcode projectRun} returns. */
export interface ProjectRunResult {
  /** The path of the written `projections.json`. */
  path: string;
  /** Replaced files, subsampling and the projections' own warnings, for the caller to print. */
  warnings: string[];
}

/** Keeps seven significant digits: a plot needs no more, and the file stays small. */
function round(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Number(v.toPrecision(7)));
}

function checkMax(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${name} ${value}: give a positive integer`);
  }
}

/** The chosen rows of a split, as a matrix. */
function pick(all: Float32Array, dim: number, rows: Int32Array): EmbeddingMatrix {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(all.subarray(r * dim, (r + 1) * dim), i * dim));
  return { data, rows: rows.length, dim };
}

/** Seconds since `started` (a `performance.now()`), to the millisecond. */
function since(started: number): number {
  return Number(((performance.now() - started) / 1000).toFixed(3));
}

/** One of a run's two splits. */
type Split = "train" | "test";

/** Each split's embeddings, row-major, and the label of each row. */
type Splits = Record<Split, { all: Float32Array; labels: Int32Array }>;

/** A record's settings before the point counts are added. */
type RecordSettings = { method: ProjectionKind; fitted: ProjectionFit; [setting: string]: Json };

/** Makes a record of a layout of the chosen rows of a split. */
type Recorder = (
  split: Split,
  method: ProjectionMethod,
  rows: Int32Array,
  layout: Projection2d,
  started: number,
  settings: RecordSettings,
) => ProjectionRecord;

/** What one method's projections need: the rows drawn, the file being filled, progress. */
interface MethodStep {
  /** The rows drawn of each split. */
  rows: Record<Split, Int32Array>;
  /** The drawn training embeddings. */
  train: EmbeddingMatrix;
  /** The drawn test embeddings. */
  test: EmbeddingMatrix;
  /** Makes the records. */
  record: Recorder;
  /** The file being filled. */
  out: ProjectionsFile;
  /** Where warnings go. */
  warnings: string[];
  /** Seed of the subsamples, UMAP and t-SNE. */
  seed: number;
  /** The progress callback of a split. */
  progress: (split: ProjectRunProgress["split"]) => (done: number, total: number) => void;
  /** The settings that name the train map a placement went into. */
  reference: { reference: string; referencePoints: number };
}

/** Checks `projectRun`'s options and fills in the defaults. */
function checkProjectRunOptions(options: ProjectRunOptions) {
  const {
    methods = [...PROJECTION_METHODS],
    tsneMax = TSNE_MAX_DEFAULT,
    tsneMethod = "auto",
    umapMax = UMAP_MAX_DEFAULT,
    seed = 0,
    onProgress,
  } = options;
  for (const method of methods) {
    if (!PROJECTION_METHODS.includes(method)) {
      throw new RangeError(
        `Unknown projection method "${method}": use ${PROJECTION_METHODS.join(", ")}`,
      );
    }
  }
  checkMax("tsneMax", tsneMax);
  if (!TSNE_METHODS.includes(tsneMethod)) {
    throw new RangeError(
      `Invalid tsneMethod "${tsneMethod}": use "exact", "barnes-hut", "fft" or "auto"`,
    );
  }
  checkMax("umapMax", umapMax);
  return { methods, tsneMax, tsneMethod, umapMax, seed, onProgress };
}

/** The file to fill: the records of an earlier file, or none when it is not a projections file. */
async function startFile(dir: string, path: string, warnings: string[]): Promise<ProjectionsFile> {
  let existing: ProjectionsFile | null = null;
  try {
    existing = await readProjections(dir);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    warnings.push(`Replaced "${path}": not a projections file of version 1 or 2`);
  }
  return {
    version: PROJECTIONS_VERSION,
    train: { ...existing?.train },
    test: { ...existing?.test },
    testInTrain: { ...existing?.testInTrain },
  };
}

/** The record maker of a run's splits: rows, labels, rounded coordinates and settings. */
function recorder(splits: Splits): Recorder {
  return (split, method, rows, layout, started, settings) => {
    const { labels } = splits[split];
    const subsampled = rows.length < labels.length;
    return {
      method,
      rows: Array.from(rows),
      labels: Array.from(rows, (r) => labels[r]),
      x: round(layout.x),
      y: round(layout.y),
      subsampled,
      total: labels.length,
      seconds: since(started),
      options: { ...settings, points: rows.length, total: labels.length, subsampled },
    };
  };
}

/** The rows of each split a method draws: all, or a stratified subsample above `max`. */
function drawnRows(
  splits: Splits,
  method: ProjectionMethod,
  max: number,
  seed: number,
  warnings: string[],
): Record<Split, Int32Array> {
  const rows: Record<Split, Int32Array> = { train: new Int32Array(0), test: new Int32Array(0) };
  for (const split of ["train", "test"] as const) {
    const { labels } = splits[split];
    rows[split] = labels.length > max
      ? stratifiedSubsample(labels, max, seed)
      : Int32Array.from(labels.keys());
    if (rows[split].length < labels.length) {
      warnings.push(
        `${split} ${method}: a stratified subsample of ${
          rows[split].length
        } of ${labels.length} points`,
      );
    }
  }
  return rows;
}

/** PCA of each split, and the test points projected onto the train mean and axes. */
function pcaStep(s: MethodStep): void {
  const { rows, train, test, record, out, progress } = s;
  let trainBasis: PcaBasis | undefined;
  for (const split of ["train", "test"] as const) {
    const started = performance.now();
    progress(split)(0, 1);
    const m = split === "train" ? train : test;
    const basis = pcaBasis(m);
    if (split === "train") trainBasis = basis;
    const layout = projectOntoPca(m, basis);
    progress(split)(1, 1);
    out[split].pca = record(split, "pca", rows[split], layout, started, {
      method: "pca",
      fitted: "separately",
    });
  }
  const started = performance.now();
  progress("test-in-train")(0, 1);
  const layout = projectOntoPca(test, trainBasis!);
  progress("test-in-train")(1, 1);
  out.testInTrain.pca = record("test", "pca", rows.test, layout, started, {
    method: "pca-train-basis",
    fitted: "into-train",
    ...s.reference,
  });
}

/** UMAP of the train split with the test points transformed into it, then of the test split. */
function umapStep(s: MethodStep, umapMax: number): void {
  const { rows, train, test, record, out, warnings, seed, progress } = s;
  let started = performance.now();
  const fit = projectUmap(train, { seed, transform: test, onProgress: progress("train") });
  warnings.push(...fit.warnings.map((w) => `train umap: ${w}`));
  const placed = fit.transformed!;
  // The transform ran inside the fit: its time is not the train map's.
  const transformSeconds = placed.seconds;
  out.train.umap = record("train", "umap", rows.train, fit, started, {
    method: "umap",
    fitted: "separately",
    ...fit.options,
    max: umapMax,
  });
  out.train.umap.seconds = Math.max(0, Number((since(started) - transformSeconds).toFixed(3)));
  progress("test-in-train")(1, 1);
  out.testInTrain.umap = record("test", "umap", rows.test, placed, started, {
    method: "umap-transform",
    fitted: "into-train",
    ...s.reference,
    seed,
    nNeighbors: fit.options.nNeighbors,
    minDist: fit.options.minDist,
    nEpochs: placed.nEpochs,
    max: umapMax,
  });
  out.testInTrain.umap.seconds = Number(transformSeconds.toFixed(3));
  started = performance.now();
  const alone = projectUmap(test, { seed, onProgress: progress("test") });
  warnings.push(...alone.warnings.map((w) => `test umap: ${w}`));
  out.test.umap = record("test", "umap", rows.test, alone, started, {
    method: "umap",
    fitted: "separately",
    ...alone.options,
    max: umapMax,
  });
}

/** t-SNE of each split, then the test points optimised against the fixed train map. */
function tsneStep(s: MethodStep, tsneMax: number, tsneMethod: TsneMethod): void {
  const { rows, train, test, record, out, warnings, seed, progress } = s;
  const fitted: Partial<Record<Split, ReturnType<typeof projectTsne>>> = {};
  for (const split of ["train", "test"] as const) {
    const started = performance.now();
    const r = projectTsne(split === "train" ? train : test, {
      seed,
      method: tsneMethod,
      onProgress: progress(split),
    });
    warnings.push(...r.warnings.map((w) => `${split} tsne: ${w}`));
    fitted[split] = r;
    const { method: algorithm, ...used } = r.options;
    out[split].tsne = record(split, "tsne", rows[split], r, started, {
      method: "tsne",
      fitted: "separately",
      algorithm,
      ...used,
      max: tsneMax,
      iterationsRun: r.iterationsRun,
      klDivergence: Number(r.klDivergence.toPrecision(6)),
    });
  }
  const map = fitted.train!;
  const started = performance.now();
  const placed = tsneTransform(test, { embeddings: train, layout: map }, {
    perplexity: map.options.perplexity,
    // Exact for small or exact maps (cheap there), else the map's own accuracy (FFT: 0.5).
    theta: train.rows <= TSNE_AUTO_EXACT_MAX
      ? 0
      : map.options.method === "fft"
      ? 0.5
      : map.options.theta ?? 0,
    onProgress: progress("test-in-train"),
  });
  warnings.push(...placed.warnings.map((w) => `test-in-train tsne: ${w}`));
  out.testInTrain.tsne = record("test", "tsne", rows.test, placed, started, {
    method: "tsne-fixed-reference",
    fitted: "into-train",
    ...s.reference,
    ...placed.options,
    max: tsneMax,
  });
}

/** A 2-D embedding's split drawn as is, every point. */
function drawnEmbedding(splits: Splits, record: Recorder, split: Split): EmbeddingRecord {
  const { all, labels } = splits[split];
  const rows = Int32Array.from(labels.keys());
  const layout = {
    x: Float64Array.from(rows, (r) => all[2 * r]),
    y: Float64Array.from(rows, (r) => all[2 * r + 1]),
  };
  const { method: _, ...rest } = record(split, "pca", rows, layout, performance.now(), {
    method: "embedding",
    fitted: "none",
    dim: 2,
  });
  return { method: "embedding", ...rest, seconds: 0 };
}

/**
 * Projects a run's train and test embeddings with PCA (all points), UMAP (all points up
 * to `umapMax`) and t-SNE (all points up to `tsneMax`, FFT t-SNE above 200 by default):
 * each split fitted on its own (`train`, `test`), and the test points placed into each
 * train map (`testInTrain`: PCA with the train mean and axes; UMAP by umap-js's
 * `transform`; t-SNE optimised against the fixed train map, see {@linkcode
 * tsneTransform}). When the embedding has dimension 2, `embedding` holds it as is.
 * Writes `<dir>/projections.json` atomically (version 2, see {@linkcode
 * ProjectionsFile}); methods not asked for that an earlier file holds are kept (a
 * version 1 file is upgraded). Every record's `options` says how it was made (see
 * {@linkcode ProjectionOptions}). Coordinates are rounded to seven significant digits.
 * Deterministic: the same seed gives the same file, timings apart.
 *
 * @param dir The run folder (with `embeddings/meta.json`, `train.f32`, `test.f32`).
 * @param options Methods, subsample sizes, seed, progress.
 * @returns The path written and warnings (subsamples, lowered parameters).
 * @throws {Error} "Cannot project run ..." when the embeddings are missing or inconsistent.
 * @throws {RangeError} On an unknown method or t-SNE method, or a non-positive maximum.
 *
 * @example
 * ```ts
 * import { projectRun } from "./project_run.ts";
 * await projectRun("/nonexistent").then(() => { throw new Error("no error"); }, () => {});
 * ```
 */
export async function projectRun(
  dir: string,
  options: ProjectRunOptions = {},
): Promise<ProjectRunResult> {
  const { methods, tsneMax, tsneMethod, umapMax, seed, onProgress } = checkProjectRunOptions(
    options,
  );
  const embeddings = await readRunEmbeddings(dir, "Cannot project run");
  const path = join(dir, PROJECTIONS_FILE);
  const warnings: string[] = [];
  const out = await startFile(dir, path, warnings);
  const { dim } = embeddings;
  const splits: Splits = {
    train: { all: embeddings.train, labels: embeddings.trainLabels },
    test: { all: embeddings.test, labels: embeddings.testLabels },
  };
  const record = recorder(splits);
  for (const method of PROJECTION_METHODS.filter((m) => methods.includes(m))) {
    const max = method === "tsne" ? tsneMax : method === "umap" ? umapMax : Infinity;
    const rows = drawnRows(splits, method, max, seed, warnings);
    const train = pick(splits.train.all, dim, rows.train);
    const test = pick(splits.test.all, dim, rows.test);
    const step: MethodStep = {
      rows,
      train,
      test,
      record,
      out,
      warnings,
      seed,
      progress: (split) => (done, total) => onProgress?.({ split, method, done, total }),
      reference: { reference: `train.${method}`, referencePoints: train.rows },
    };
    if (method === "pca") pcaStep(step);
    else if (method === "umap") umapStep(step, umapMax);
    else tsneStep(step, tsneMax, tsneMethod);
  }
  if (dim === 2) {
    out.embedding = {
      train: drawnEmbedding(splits, record, "train"),
      test: drawnEmbedding(splits, record, "test"),
    };
  }
  await writeJsonAtomic(path, out);
  return { path, warnings };
}

/** Version 1 records lack the caption fields, and call t-SNE's algorithm `method`. */
function upgradeRecord(r: ProjectionRecord): ProjectionRecord {
  const old: Record<string, Json> = { ...r.options };
  if (r.method === "tsne" && typeof old.method === "string") old.algorithm = old.method;
  return {
    ...r,
    options: {
      ...old,
      method: r.method,
      fitted: "separately",
      points: r.x.length,
      total: r.total,
      subsampled: r.subsampled,
    },
  };
}

/**
 * Reads a run's `projections.json`, or `null` when the run has none. A version 1 file is
 * returned as version 2: no `testInTrain` (empty) or `embedding`, and each record's
 * `options` completed (`fitted: "separately"`, `method`, `points`, `total`,
 * `subsampled`; t-SNE's `method` moved to `algorithm`).
 *
 * @param dir The run folder.
 * @returns The projections, or `null`.
 * @throws {SyntaxError} When the file is not a projections file of version 1 or 2.
 *
 * @example
 * ```ts
 * import { readProjections } from "./project_run.ts";
 * if (await readProjections("/nonexistent") !== null) throw new Error("wrong");
 * ```
 */
export async function readProjections(dir: string): Promise<ProjectionsFile | null> {
  const path = join(dir, PROJECTIONS_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  let file: ProjectionsFile | { version: 1 } & Omit<ProjectionsFile, "version">;
  try {
    file = JSON.parse(text);
  } catch {
    throw new SyntaxError(`Cannot read "${path}": not valid JSON`);
  }
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (
    (file?.version !== 1 && file?.version !== 2) || !isObject(file.train) ||
    !isObject(file.test) || (file.version === 2 && !isObject(file.testInTrain))
  ) {
    throw new SyntaxError(`Cannot read "${path}": not a projections file of version 1 or 2`);
  }
  if (file.version === 2) return file;
  const upgrade = (side: Partial<Record<ProjectionMethod, ProjectionRecord>>) =>
    Object.fromEntries(Object.entries(side).map(([m, r]) => [m, upgradeRecord(r)]));
  return { version: 2, train: upgrade(file.train), test: upgrade(file.test), testInTrain: {} };
}
