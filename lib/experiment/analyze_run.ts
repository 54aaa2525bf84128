/**
 * The class structure of a run's embedding, for train and for test: do classes group
 * (silhouette, neighbour label share), how far apart are they (centroid distances and
 * their average-linkage tree), and do those distances follow the known class hierarchy
 * (Spearman and a Mantel permutation test against the tree distance).
 *
 * @module
 */
import {
  analyzeClassStructure,
  type ClassStructureResult,
  meanPairwiseDistances,
} from "../eval/class_structure.ts";
import { stratifiedSubsample } from "../projection/subsample.ts";
import { tt100kHierarchyFor } from "../data/tt100k.ts";
import type { ClassInfo } from "../types.ts";
import { join } from "node:path";
import { RUN_FILES, writeJsonAtomic } from "../run/run_folder.ts";
import { readRunEmbeddings, type SplitEmbeddings } from "./evaluate_run.ts";

/** Options of {@linkcode analyzeEmbeddings}. */
export interface AnalyzeEmbeddingsOptions {
  /** The class hierarchy, for the correlation with tree distances. */
  hierarchy?: ClassInfo[];
  /** The test confusion matrix (k=1), for the most confused pairs. */
  confusion?: number[][];
  /** Silhouette is O(N^2): larger splits are analysed on a stratified subsample. @default 2000 */
  maxPoints?: number;
  /** Seed of the subsample and of the Mantel permutations. @default 0 */
  seed?: number;
  /** Mantel permutations. @default 999 */
  permutations?: number;
}

/** `analysis.json`: the class structure of each split. */
export interface RunAnalysis {
  /** Points analysed per split (a stratified subsample above `maxPoints`). */
  points: { train: number; test: number };
  /** Class-to-class mean pairwise distances (C x C, null where a class has no pair), per split. */
  meanPairwiseDistances: { train: (number | null)[][]; test: (number | null)[][] };
  /** The class structure of the training embeddings. */
  train: ClassStructureResult;
  /** The class structure of the test embeddings (with the most confused pairs). */
  test: ClassStructureResult;
}

function subset(
  data: Float32Array,
  labels: Int32Array,
  dim: number,
  max: number,
  seed: number,
) {
  if (labels.length <= max) return { m: { data, rows: labels.length, dim }, labels };
  const rows = stratifiedSubsample(labels, max, seed);
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(data.subarray(r * dim, (r + 1) * dim), i * dim));
  return {
    m: { data: out, rows: rows.length, dim },
    labels: Int32Array.from(rows, (r) => labels[r]),
  };
}

/**
 * Analyses the class structure of the train and test embeddings of a run.
 *
 * @param e The embeddings with labels and class names.
 * @param options Hierarchy, confusion matrix, subsample size, seed.
 * @returns The analysis of both splits, JSON-ready.
 *
 * @example
 * ```ts
 * import { analyzeEmbeddings } from "./analyze_run.ts";
 * const a = analyzeEmbeddings({ dim: 1, train: new Float32Array([0, 0.1, 5, 5.1, 9, 9.2]),
 *   trainLabels: new Int32Array([0, 0, 1, 1, 2, 2]), test: new Float32Array([0.2, 5.2, 9.1]),
 *   testLabels: new Int32Array([0, 1, 2]), classNames: ["a", "b", "c"] }, { permutations: 9 });
 * if (!(a.train.silhouette!.overall > 0.9)) throw new Error("classes should group");
 * ```
 */
export function analyzeEmbeddings(
  e: SplitEmbeddings,
  options: AnalyzeEmbeddingsOptions = {},
): RunAnalysis {
  const max = options.maxPoints ?? 2000, seed = options.seed ?? 0;
  const common = { hierarchy: options.hierarchy, seed, permutations: options.permutations };
  const train = subset(e.train, e.trainLabels, e.dim, max, seed);
  const test = subset(e.test, e.testLabels, e.dim, max, seed);
  const pairwise = (s: typeof train) => {
    const c = e.classNames.length;
    const d = meanPairwiseDistances(s.m, s.labels, c);
    return Array.from(
      { length: c },
      (_, i) =>
        Array.from({ length: c }, (_, j) => (Number.isFinite(d[i * c + j]) ? d[i * c + j] : null)),
    );
  };
  return {
    points: { train: train.labels.length, test: test.labels.length },
    meanPairwiseDistances: { train: pairwise(train), test: pairwise(test) },
    train: analyzeClassStructure(train.m, train.labels, e.classNames, common),
    test: analyzeClassStructure(test.m, test.labels, e.classNames, {
      ...common,
      confusion: options.confusion,
    }),
  };
}

/**
 * Recomputes `analysis.json` of a run folder from its saved embeddings, with the run's
 * own hierarchy (from `config.json`) unless one is given, and the k=1 confusion matrix of
 * `evaluation.json` when present. A run whose config.json has no hierarchy (one made
 * before TT100K's table shipped) gets TT100K's built-in table when its class names are
 * TT100K codes, unless it was trained with `--hierarchy none`.
 *
 * @param dir The run folder.
 * @param options A hierarchy to use instead of the run's (e.g. TT100K's TSV for a folder
 *   dataset), and the number of Mantel permutations (default 999).
 * @returns The analysis written.
 * @throws {Error} When the embeddings are missing or inconsistent.
 *
 * @example
 * ```ts
 * import { analyzeRunFolder } from "./analyze_run.ts";
 * await analyzeRunFolder("/nonexistent").then(() => { throw new Error("no error"); }, () => {});
 * ```
 */
export async function analyzeRunFolder(
  dir: string,
  options: { hierarchy?: ClassInfo[]; permutations?: number } = {},
): Promise<RunAnalysis> {
  const embeddings = await readRunEmbeddings(dir);
  const readJson = async (name: string) => {
    try {
      return JSON.parse(await Deno.readTextFile(join(dir, name)));
    } catch {
      return undefined;
    }
  };
  const config = await readJson(RUN_FILES.config);
  const evaluation = await readJson(RUN_FILES.evaluation);
  const hierarchy = options.hierarchy ?? config?.dataset?.hierarchy ??
    (config?.dataset?.hierarchySource === "none"
      ? undefined
      : tt100kHierarchyFor(embeddings.classNames));
  const analysis = analyzeEmbeddings(embeddings, {
    hierarchy,
    confusion: evaluation?.knn?.["1"]?.confusion,
    seed: typeof config?.seed === "number" ? config.seed : 0,
    permutations: options.permutations,
  });
  await writeJsonAtomic(join(dir, RUN_FILES.analysis), analysis);
  return analysis;
}
