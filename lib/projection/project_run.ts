/**
 * Projections of a run folder: PCA, UMAP and t-SNE of the train and of the test
 * embeddings, written to `projections.json` in the run folder.
 *
 * @module
 */
import { join } from "node:path";
import { readRunEmbeddings, writeJsonAtomic } from "../run/run_folder.ts";
import type { Json } from "../types.ts";
import { type Projection2d, projectPca } from "./pca.ts";
import { stratifiedSubsample } from "./subsample.ts";
import { projectTsne, type TsneMethod } from "./tsne.ts";
import { projectUmap } from "./umap.ts";

/** The name of the file {@linkcode projectRun} writes into a run folder. */
export const PROJECTIONS_FILE = "projections.json";

/** A projection method. */
export type ProjectionMethod = "pca" | "umap" | "tsne";

/** Every projection method, in the order they run. */
export const PROJECTION_METHODS: readonly ProjectionMethod[] = ["pca", "umap", "tsne"];

/** One projection of one split, as stored in `projections.json`. */
export interface ProjectionRecord {
  /** The projection method. */
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
  /** The method's options as used (seed, nNeighbors, perplexity, iterations, max, ...). */
  options: Record<string, Json>;
}

/** The content of `projections.json`; any method may be missing from a split. */
export interface ProjectionsFile {
  /** Format version of the file. */
  version: 1;
  /** Projections of the training embeddings, by method. */
  train: Partial<Record<ProjectionMethod, ProjectionRecord>>;
  /** Projections of the test embeddings, by method. */
  test: Partial<Record<ProjectionMethod, ProjectionRecord>>;
}

/** Progress of {@linkcode projectRun}: which split and method, and how far it is. */
export interface ProjectRunProgress {
  /** The split being projected. */
  split: "train" | "test";
  /** The method running. */
  method: ProjectionMethod;
  /** Steps done (epochs for UMAP, iterations for t-SNE, 0 or 1 for PCA). */
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
   * Most points of a split given to t-SNE; above it, a stratified subsample. Barnes-Hut
   * t-SNE lays out 5,000 points in about 30 s.
   * @default 5000
   */
  tsneMax?: number;
  /**
   * How t-SNE is computed (see {@linkcode TsneMethod}): `"auto"` is exact (tsne-js) up to
   * 200 points and Barnes-Hut above.
   * @default "auto"
   */
  tsneMethod?: TsneMethod;
  /**
   * Most points of a split given to UMAP; above it, a stratified subsample.
   * @default 10000
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
function round(values: Float64Array): number[] {
  return Array.from(values, (v) => Number(v.toPrecision(7)));
}

function checkMax(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${name} ${value}: give a positive integer`);
  }
}

/**
 * Projects a run's train and test embeddings (each split on its own) with PCA (all
 * points), UMAP (all points up to `umapMax`) and t-SNE (all points up to `tsneMax`,
 * Barnes-Hut above 200 by default), and writes them atomically to `<dir>/projections.json`
 * (`{version: 1, train: {pca, umap, tsne}, test: {...}}`, see {@linkcode ProjectionsFile}).
 * Methods not asked for that an earlier `projections.json` holds are kept. Coordinates
 * are rounded to seven significant digits.
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
  const {
    methods = [...PROJECTION_METHODS],
    tsneMax = 5000,
    tsneMethod = "auto",
    umapMax = 10000,
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
  if (!["exact", "barnes-hut", "auto"].includes(tsneMethod)) {
    throw new RangeError(
      `Invalid tsneMethod "${tsneMethod}": use "exact", "barnes-hut" or "auto"`,
    );
  }
  checkMax("umapMax", umapMax);
  const embeddings = await readRunEmbeddings(dir, "Cannot project run");
  const path = join(dir, PROJECTIONS_FILE);
  const warnings: string[] = [];
  let existing: ProjectionsFile | null = null;
  try {
    existing = await readProjections(dir);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    warnings.push(`Replaced "${path}": not a version 1 projections file`);
  }
  const out: ProjectionsFile = {
    version: 1,
    train: { ...existing?.train },
    test: { ...existing?.test },
  };
  const { dim } = embeddings;
  for (const split of ["train", "test"] as const) {
    const all = embeddings[split];
    const labels = split === "train" ? embeddings.trainLabels : embeddings.testLabels;
    for (const method of PROJECTION_METHODS.filter((m) => methods.includes(m))) {
      const max = method === "tsne" ? tsneMax : method === "umap" ? umapMax : Infinity;
      const subsampled = labels.length > max;
      const rows = subsampled
        ? stratifiedSubsample(labels, max, seed)
        : Int32Array.from(labels.keys());
      if (subsampled) {
        warnings.push(
          `${split} ${method}: a stratified subsample of ${rows.length} of ${labels.length} points`,
        );
      }
      const data = new Float32Array(rows.length * dim);
      rows.forEach((r, i) => data.set(all.subarray(r * dim, (r + 1) * dim), i * dim));
      const m = { data, rows: rows.length, dim };
      const report = (done: number, total: number) => onProgress?.({ split, method, done, total });
      const started = performance.now();
      let layout: Projection2d;
      let used: Record<string, Json>;
      if (method === "pca") {
        report(0, 1);
        layout = projectPca(m);
        report(1, 1);
        used = {};
      } else if (method === "umap") {
        const r = projectUmap(m, { seed, onProgress: report });
        warnings.push(...r.warnings.map((w) => `${split} umap: ${w}`));
        layout = r;
        used = { ...r.options, max: umapMax };
      } else {
        const r = projectTsne(m, { seed, method: tsneMethod, onProgress: report });
        warnings.push(...r.warnings.map((w) => `${split} tsne: ${w}`));
        layout = r;
        used = {
          ...r.options,
          max: tsneMax,
          iterationsRun: r.iterationsRun,
          klDivergence: Number(r.klDivergence.toPrecision(6)),
        };
      }
      out[split][method] = {
        method,
        rows: Array.from(rows),
        labels: Array.from(rows, (r) => labels[r]),
        x: round(layout.x),
        y: round(layout.y),
        subsampled,
        total: labels.length,
        seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        options: used,
      };
    }
  }
  await writeJsonAtomic(path, out);
  return { path, warnings };
}

/**
 * Reads a run's `projections.json`, or `null` when the run has none.
 *
 * @param dir The run folder.
 * @returns The projections, or `null`.
 * @throws {SyntaxError} When the file is not a version 1 projections file.
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
  let file: ProjectionsFile;
  try {
    file = JSON.parse(text);
  } catch {
    throw new SyntaxError(`Cannot read "${path}": not valid JSON`);
  }
  if (file?.version !== 1 || typeof file.train !== "object" || typeof file.test !== "object") {
    throw new SyntaxError(`Cannot read "${path}": not a version 1 projections file`);
  }
  return file;
}
