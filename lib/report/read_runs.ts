/**
 * Loading run folders for the report: finished runs with their summary, epoch records,
 * evaluation details and projections; unfinished or corrupt runs become warnings.
 *
 * @module
 */
import { basename, join } from "node:path";
import { readJsonLines, RUN_FILES } from "../run/run_folder.ts";
import type { RunAnalysis } from "../experiment/analyze_run.ts";
import type { ClassInfo, Json } from "../types.ts";
import type { ProjectionRecord } from "../projection/project_run.ts";
import { TT100K_HIERARCHY_SOURCE, tt100kHierarchyFor } from "../data/tt100k.ts";

/** One `{"type":"epoch"}` record of `metrics.jsonl`. */
export interface EpochRecord {
  /** The epoch number. */
  epoch: number;
  /** Mean training loss of the epoch. */
  loss: number;
  /** Wall-clock seconds the epoch took. */
  seconds?: number;
  /** Training throughput of the epoch. */
  imagesPerSecond?: number;
  /** Mean number of mined pairs or triplets per batch. */
  minedTuplesPerBatch?: number;
}

/**
 * A 2-D projection of one split, as written by `deno task project` into `projections.json`;
 * the report also reads files without `options`, and {@linkcode readRun} fills in the
 * caption fields (`method`, `fitted`, `points`, `total`, `subsampled`) of older files.
 */
export type Projection = Omit<ProjectionRecord, "options"> & {
  /** The options the projection ran with, and what a caption needs. */
  options?: ProjectionRecord["options"];
};

/** A 2-D embedding drawn as is (`x`, `y`: its two coordinates, every point). */
export type EmbeddingProjection = Omit<Projection, "method"> & {
  /** Always `"embedding"`. */
  method: "embedding";
};

/**
 * `projections.json`: projections of the train and test embeddings (version 1 or 2).
 */
export interface Projections {
  /** Format version of the file. */
  version: number;
  /** Projections of the training embeddings, by method. */
  train: Partial<Record<"pca" | "umap" | "tsne", Projection>>;
  /** Projections of the test embeddings, each fitted on them alone, by method. */
  test: Partial<Record<"pca" | "umap" | "tsne", Projection>>;
  /**
   * The test embeddings placed into the train map of the same method (its coordinates),
   * by method; `options.fitted` is `"into-train"`. Absent in version 1 files.
   */
  testInTrain?: Partial<Record<"pca" | "umap" | "tsne", Projection>>;
  /** When the embedding has dimension 2: the embeddings themselves. Version 2 only. */
  embedding?: { train: EmbeddingProjection; test: EmbeddingProjection };
}

/** The k-NN details of one k in `evaluation.json`. */
export interface KnnDetails {
  /** Overall k-NN accuracy on the test split. */
  accuracy: number;
  /** Number of test samples whose vote was tied. */
  numVoteTies?: number;
  /** Accuracy of each class, indexed by label. */
  perClassAccuracy: number[];
  /** `confusion[true][predicted]` counts. */
  confusion: number[][];
}

/** `evaluation.json`. */
export interface EvaluationFile {
  /** Class names, indexed by label. */
  classNames: string[];
  /** Number of test samples of each class, indexed by label. */
  testCountPerClass?: number[];
  /** k-NN details keyed by k. */
  knn: Record<string, KnnDetails>;
  /** Retrieval metrics, as written. */
  retrieval?: Record<string, Json>;
}

/** `summary.json` (the fields the report uses; the rest is kept as JSON). */
export interface RunSummary {
  /** The run id. */
  id?: string;
  /** Where the data came from. */
  data: string;
  /** The loss name. */
  loss: string;
  /** The miner name. */
  miner: string;
  /** Embedding dimension. */
  dim: number;
  /** Seed of the run. */
  seed: number;
  /** Number of epochs trained. */
  epochs: number;
  /** The k values of the k-NN classifier. */
  ks?: number[];
  /** The tfjs backend used. */
  backend?: string;
  /** Number of threads of the backend. */
  threads?: number;
  /** Wall-clock seconds of training. */
  trainSeconds?: number;
  /** Number of training samples. */
  numTrain?: number;
  /** Number of test samples. */
  numTest?: number;
  /** Number of classes. */
  numClasses?: number;
  /** The headline test figures (k-NN accuracy keyed by k, retrieval and clustering metrics). */
  test: {
    knnAccuracy: Record<string, number>;
    precisionAt1?: number;
    rPrecision?: number;
    meanAveragePrecisionAtR?: number;
    nmi?: number;
    ami?: number;
    [key: string]: unknown;
  };
  /** Any other field of `summary.json`. */
  [key: string]: unknown;
}

/** Everything the report knows about one finished run. */
export interface RunRecord {
  /** The folder name. */
  id: string;
  /** The folder path. */
  dir: string;
  /** `config.json` (empty when missing). */
  config: Record<string, Json>;
  /** `summary.json`. */
  summary: RunSummary;
  /** The epoch records of `metrics.jsonl`, in order. */
  epochs: EpochRecord[];
  /** `evaluation.json`, or null when missing or unreadable. */
  evaluation: EvaluationFile | null;
  /** Class names indexed by label. */
  classNames: string[];
  /**
   * Hierarchy rows: config.json's `dataset.hierarchy`; for a run whose config.json has
   * none (made before TT100K's table shipped) but whose class names are TT100K codes,
   * TT100K's built-in rows of its classes (not for a run trained with `--hierarchy none`);
   * else null.
   */
  hierarchy: ClassInfo[] | null;
  /**
   * Where {@linkcode RunRecord.hierarchy} came from: `"config"` (config.json's rows, whose
   * own origin config.json records as `dataset.hierarchySource`), `"tt100k (built-in)"`
   * (filled in by the reader), or null with no hierarchy. Always set by `readRun`.
   */
  hierarchySource?: "config" | typeof TT100K_HIERARCHY_SOURCE | null;
  /** `projections.json`, or null when not made yet. */
  projections: Projections | null;
  /** `analysis.json` (class structure, from `deno task evaluate`), or null when not made. */
  analysis?: RunAnalysis | null;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Deno.errors.NotFound(`${path} not found`);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SyntaxError(`${path} is not valid JSON`);
  }
}

async function readOptionalJson(path: string): Promise<unknown | undefined> {
  try {
    return await readJson(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
/** A number, or null where JSON wrote NaN, or absent. */
const isOptionalNumber = (v: unknown) => v === undefined || v === null || isNumber(v);
const isNumberArray = (v: unknown) => Array.isArray(v) && v.every((x) => x === null || isNumber(x));

/** Optional numeric fields of summary.json and of its `test`, checked when present. */
const SUMMARY_NUMBERS = ["trainSeconds", "numTrain", "numTest", "numClasses", "threads"];
const SUMMARY_TEST_NUMBERS = [
  "precisionAt1",
  "rPrecision",
  "meanAveragePrecisionAtR",
  "nmi",
  "ami",
];

function checkSummary(value: unknown, path: string): RunSummary {
  const test = isObject(value) ? value.test : undefined;
  if (
    !isObject(value) || !isObject(test) || !isObject(test.knnAccuracy) ||
    typeof value.loss !== "string" || typeof value.miner !== "string"
  ) {
    throw new SyntaxError(`${path} lacks loss, miner or test.knnAccuracy`);
  }
  // The report formats and plots these: a wrong type is a corrupt file, not a crash later.
  const bad = [
    ...(typeof value.data === "string" ? [] : ["data"]),
    ...["dim", "seed", "epochs"].filter((k) => !isNumber(value[k])),
    ...SUMMARY_NUMBERS.filter((k) => !isOptionalNumber(value[k])),
    ...(value.ks === undefined || isNumberArray(value.ks) ? [] : ["ks"]),
    ...(value.backend === undefined || typeof value.backend === "string" ? [] : ["backend"]),
    ...SUMMARY_TEST_NUMBERS.filter((k) => !isOptionalNumber(test[k])).map((k) => `test.${k}`),
    ...Object.entries(test.knnAccuracy).filter(([, v]) => !isNumber(v)).map(([k]) =>
      `test.knnAccuracy.${k}`
    ),
  ];
  if (bad.length > 0) {
    throw new SyntaxError(`${path} has invalid ${bad.slice(0, 3).join(", ")}`);
  }
  return value as unknown as RunSummary;
}

/** Whether `value` has the shape of evaluation.json that the run page draws. */
function isEvaluation(value: unknown): value is EvaluationFile {
  if (!isObject(value) || !isObject(value.knn)) return false;
  if (!Array.isArray(value.classNames) || !value.classNames.every((c) => typeof c === "string")) {
    return false;
  }
  if (value.testCountPerClass !== undefined && !isNumberArray(value.testCountPerClass)) {
    return false;
  }
  return Object.values(value.knn).every((d) =>
    isObject(d) && isNumber(d.accuracy) && isNumberArray(d.perClassAccuracy) &&
    Array.isArray(d.confusion) && d.confusion.every((row) => isNumberArray(row))
  );
}

/** Hierarchy rows need a class name; the other levels are text. */
function isHierarchy(value: unknown): value is ClassInfo[] {
  return Array.isArray(value) &&
    value.every((row) =>
      isObject(row) && Object.values(row).every((v) => typeof v === "string") &&
      typeof row.class === "string"
    );
}

const PROJECTION_FITS = ["separately", "into-train", "none"];

/** Checks one record and returns a copy whose `options` has the caption fields. */
function checkProjection(
  p: unknown,
  where: string,
  method: string,
  fitted: string,
): Projection {
  if (
    !isObject(p) || !Array.isArray(p.x) || !Array.isArray(p.y) || !Array.isArray(p.labels) ||
    p.x.length !== p.y.length || p.x.length !== p.labels.length || !isNumberArray(p.x) ||
    !isNumberArray(p.y) || !p.labels.every((l) => Number.isInteger(l) && l >= 0)
  ) {
    throw new SyntaxError(`${where} lacks x, y or labels of equal length`);
  }
  if (
    p.rows !== undefined &&
    (!Array.isArray(p.rows) || !isNumberArray(p.rows) || p.rows.length !== p.x.length)
  ) {
    throw new SyntaxError(`${where} has rows of another length than x`);
  }
  if (p.options !== undefined && !isObject(p.options)) {
    throw new SyntaxError(`${where} has options that are not an object`);
  }
  const options: Record<string, unknown> = { ...p.options };
  if (options.fitted !== undefined && !PROJECTION_FITS.includes(options.fitted as string)) {
    throw new SyntaxError(
      `${where} has fitted "${options.fitted}": use ${PROJECTION_FITS.join(", ")}`,
    );
  }
  // Version 1 named t-SNE's algorithm `method`; version 2 keeps the method's name there.
  if (options.method === "exact" || options.method === "barnes-hut") {
    options.algorithm = options.method;
    delete options.method;
  }
  const total = isNumber(p.total) ? p.total : p.x.length;
  const subsampled = typeof p.subsampled === "boolean" ? p.subsampled : p.x.length < total;
  return {
    ...p,
    options: {
      method,
      fitted,
      points: p.x.length,
      total,
      subsampled,
      ...options,
    },
  } as unknown as Projection;
}

function checkProjections(value: unknown, path: string): Projections {
  if (!isObject(value) || !isObject(value.train) || !isObject(value.test)) {
    throw new SyntaxError(`${path} lacks train or test`);
  }
  for (const part of ["testInTrain", "embedding"]) {
    if (value[part] !== undefined && !isObject(value[part])) {
      throw new SyntaxError(`${path}: ${part} is not an object`);
    }
  }
  const out: Record<string, unknown> = { ...value };
  for (const side of ["train", "test", "testInTrain"] as const) {
    if (value[side] === undefined) continue;
    const fitted = side === "testInTrain" ? "into-train" : "separately";
    out[side] = Object.fromEntries(
      Object.entries(value[side] as Record<string, unknown>).map(([method, p]) => [
        method,
        checkProjection(p, `${path}: ${side}.${method}`, method, fitted),
      ]),
    );
  }
  if (isObject(value.embedding)) {
    const embedding: Record<string, unknown> = {};
    for (const side of ["train", "test"]) {
      const p = value.embedding[side];
      const where = `${path}: embedding.${side}`;
      if (!isObject(p) || p.method !== "embedding") {
        throw new SyntaxError(`${where} is not an embedding record`);
      }
      embedding[side] = checkProjection(p, where, "embedding", "none");
    }
    out.embedding = embedding;
  }
  return out as unknown as Projections;
}

/**
 * Reads one finished run folder.
 *
 * @param dir The run folder.
 * @returns The run and the warnings about optional files (evaluation, projections).
 * @throws {Deno.errors.NotFound} When summary.json is missing (an unfinished run).
 * @throws {SyntaxError} When summary.json or metrics.jsonl is corrupt, or summary.json
 * lacks a field the report needs or has one of the wrong type. Messages name the run and
 * the file.
 *
 * @example
 * ```ts
 * import { readRun } from "./read_runs.ts";
 * const { run } = await readRun(new URL("../../tests/fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url).pathname);
 * if (run.classNames.length !== 3) throw new Error("wrong classes");
 * ```
 */
export async function readRun(dir: string): Promise<{ run: RunRecord; warnings: string[] }> {
  const id = basename(dir);
  const warnings: string[] = [];
  const fail = (why: string, kind: new (message: string) => Error = SyntaxError) =>
    new kind(`Cannot read run "${id}": ${why}`);
  const summaryPath = join(dir, RUN_FILES.summary);
  let summary: RunSummary;
  try {
    summary = checkSummary(await readJson(summaryPath), RUN_FILES.summary);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw fail("no summary.json (unfinished run)", Deno.errors.NotFound);
    }
    if (error instanceof SyntaxError) {
      throw fail(error.message.replace(summaryPath, RUN_FILES.summary));
    }
    throw fail(String(error), Error);
  }
  let epochs: EpochRecord[] = [];
  try {
    const { records, warnings: w } = await readJsonLines(join(dir, RUN_FILES.metrics));
    warnings.push(...w);
    // Sorted by epoch, the last record of an epoch winning: a resumed run may append out of order.
    const byEpoch = new Map<number, EpochRecord>();
    for (const r of records) {
      if (r.type === "epoch" && isNumber(r.epoch) && isNumber(r.loss)) {
        // Optional figures of another type are dropped rather than drawn wrong.
        const record: Record<string, unknown> = { ...r };
        for (const key of ["seconds", "imagesPerSecond", "minedTuplesPerBatch"]) {
          if (key in record && !isNumber(record[key])) delete record[key];
        }
        byEpoch.set(r.epoch, record as unknown as EpochRecord);
      }
    }
    epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw fail(`metrics.jsonl is corrupt (${error instanceof Error ? error.message : error})`);
    }
    warnings.push(`Run "${id}" has no metrics.jsonl: no loss curve`);
  }
  let config: Record<string, Json> = {};
  try {
    const c = await readOptionalJson(join(dir, RUN_FILES.config));
    if (isObject(c)) config = c as Record<string, Json>;
    else warnings.push(`Run "${id}" has no config.json`);
  } catch {
    warnings.push(`Run "${id}": config.json is not valid JSON`);
  }
  let evaluation: EvaluationFile | null = null;
  try {
    const e = await readOptionalJson(join(dir, RUN_FILES.evaluation));
    if (isEvaluation(e)) evaluation = e;
    else warnings.push(`Run "${id}" has no usable evaluation.json: no per-class figures`);
  } catch {
    warnings.push(`Run "${id}": evaluation.json is not valid JSON`);
  }
  let projections: Projections | null = null;
  try {
    const p = await readOptionalJson(join(dir, "projections.json"));
    if (p !== undefined) projections = checkProjections(p, "projections.json");
  } catch (error) {
    warnings.push(`Run "${id}": ${error instanceof Error ? error.message : error}`);
  }
  let analysis: RunAnalysis | null = null;
  try {
    const a = await readOptionalJson(join(dir, RUN_FILES.analysis));
    if (a !== undefined) {
      if (isObject(a) && isObject(a.test) && isObject(a.train)) {
        analysis = a as unknown as RunAnalysis;
      } else warnings.push(`Run "${id}": analysis.json lacks train or test`);
    }
  } catch (error) {
    warnings.push(`Run "${id}": ${error instanceof Error ? error.message : error}`);
  }
  let classNames = evaluation?.classNames;
  if (!Array.isArray(classNames)) {
    try {
      const meta = await readOptionalJson(join(dir, RUN_FILES.embeddingsMeta));
      if (isObject(meta) && Array.isArray(meta.classNames)) classNames = meta.classNames;
    } catch {
      // Leave it to the dataset record below.
    }
  }
  const dataset = isObject(config.dataset) ? config.dataset : {};
  if (!Array.isArray(classNames) && Array.isArray(dataset.classNames)) {
    classNames = dataset.classNames as string[];
  }
  let hierarchy: ClassInfo[] | null = null;
  let hierarchySource: RunRecord["hierarchySource"] = null;
  if (isHierarchy(dataset.hierarchy)) {
    hierarchy = dataset.hierarchy;
    hierarchySource = "config";
  } else if (dataset.hierarchy !== undefined && dataset.hierarchy !== null) {
    warnings.push(`Run "${id}": config.json has an invalid dataset.hierarchy`);
  } else if (dataset.hierarchySource !== "none" && Array.isArray(classNames)) {
    // Older runs of TT100K folders recorded no hierarchy: their confused pairs still get
    // tree distances.
    hierarchy = tt100kHierarchyFor(classNames.map(String)) ?? null;
    if (hierarchy) hierarchySource = TT100K_HIERARCHY_SOURCE;
  }
  return {
    run: {
      id,
      dir,
      config,
      summary,
      epochs,
      evaluation,
      classNames: Array.isArray(classNames) ? classNames.map(String) : [],
      hierarchy,
      hierarchySource,
      projections,
      analysis,
    },
    warnings,
  };
}

/**
 * Reads every finished run folder under `root` (folders without `summary.json`, and
 * folders whose summary.json or metrics.jsonl is corrupt, are skipped with a warning),
 * sorted by id.
 *
 * @param root The folder that holds run folders.
 * @returns The runs and the warnings.
 * @throws {Deno.errors.NotFound} When `root` does not exist.
 *
 * @example
 * ```ts
 * import { readRuns } from "./read_runs.ts";
 * const { runs } = await readRuns(new URL("../../tests/fixtures/runs", import.meta.url).pathname);
 * if (runs.length !== 1) throw new Error("expected the fixture run");
 * ```
 */
export async function readRuns(root: string): Promise<{ runs: RunRecord[]; warnings: string[] }> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(root)) if (entry.isDirectory) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot read runs "${root}": folder not found`);
    }
    throw error;
  }
  names.sort();
  const runs: RunRecord[] = [];
  const warnings: string[] = [];
  for (const name of names) {
    try {
      const { run, warnings: w } = await readRun(join(root, name));
      runs.push(run);
      warnings.push(...w);
    } catch (error) {
      warnings.push(`Skipped: ${error instanceof Error ? error.message : error}`);
    }
  }
  return { runs, warnings };
}
