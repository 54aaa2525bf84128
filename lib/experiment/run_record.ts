/**
 * What a run records about itself, as plain data: the resolved config of `config.json`
 * ({@linkcode resolvedConfig}), the final metrics record ({@linkcode finalRecord}) and
 * `summary.json` ({@linkcode runSummary}). Pure functions: the clock's readings come in
 * as arguments.
 *
 * @module
 */
import type { ComponentConfig, ImageDataset, Json, Split } from "../types.ts";
import type { TrainRecord, TrainResult } from "../train/train.ts";
import type { RunAnalysis } from "./analyze_run.ts";
import { type ExperimentConfig, minerLabel } from "./config.ts";
import type { EvaluationResult } from "./evaluate_run.ts";

/** The backend a run uses, as `selectBackend` describes it. */
export interface RunBackend {
  /** The backend's name. */
  name: string;
  /** Its threads. */
  threads: number;
  /** Why it was chosen. */
  reason: string;
  /** The versions of the libraries in use. */
  versions: Record<string, string>;
}

/** The dataset fields that `config.json` records. */
export type RunDatasetInfo = Pick<
  ImageDataset,
  "source" | "labels" | "classNames" | "height" | "width" | "channels" | "predefinedSplit"
>;

/** The inputs of {@linkcode resolvedConfig}. */
export interface ResolvedConfigInput {
  /** The run id (`runId(config)`). */
  id: string;
  /** The experiment config. */
  config: ExperimentConfig;
  /** The `config()` of the loss, the miner (`{ name: "none" }` for none) and the model. */
  components: { loss: ComponentConfig; miner: ComponentConfig; model: ComponentConfig };
  /** The backend in use. */
  backend: RunBackend;
  /** The dataset. */
  dataset: RunDatasetInfo;
  /** The split in use. */
  split: Split;
  /** The class hierarchy's rows and where they came from (see `resolveHierarchy`). */
  hierarchy: { hierarchy: Json; hierarchySource: string | null };
  /** Evaluate k=1 accuracy every this many epochs (0: only at the end). */
  evalEvery: number;
  /** When the run was created, as an ISO string. */
  createdAt: string;
}

/** `config.json`: the experiment config with what it resolved to. */
export type ResolvedRunConfig = ExperimentConfig & {
  /** The run id. */
  id: string;
  /** The network's config. */
  model: ComponentConfig;
  /** The backend's name, threads and the reason it was chosen. */
  backend: { name: string; threads: number; reason: string };
  /** The versions of the libraries in use. */
  versions: Record<string, string>;
  /** The dataset, the split and the class hierarchy. */
  dataset: Record<string, Json>;
  /** The config the id is computed from: `train --resume` rebuilds the run from it. */
  experiment: Json;
  /** The k=1 evaluation interval in epochs. */
  evalEvery: number;
  /** When the run was created. */
  createdAt: string;
};

/**
 * The resolved config that `config.json` holds.
 *
 * @param input The config, its components, backend, dataset, split and clock reading.
 * @returns The object to write, in `config.json`'s key order.
 */
export function resolvedConfig(input: ResolvedConfigInput): ResolvedRunConfig {
  const { id, config, components, backend, dataset, split } = input;
  return {
    id,
    ...config,
    loss: components.loss,
    miner: components.miner,
    model: components.model,
    backend: {
      name: backend.name,
      threads: backend.threads,
      reason: backend.reason,
    },
    versions: backend.versions,
    dataset: {
      source: dataset.source,
      numSamples: dataset.labels.length,
      numClasses: dataset.classNames.length,
      classNames: dataset.classNames,
      imageShape: [dataset.height, dataset.width, dataset.channels],
      split: dataset.predefinedSplit ? "predefined" : "stratified",
      numTrain: split.train.length,
      numTest: split.test.length,
      // The rows of this dataset's classes and where they came from (see resolveHierarchy).
      ...input.hierarchy,
    },
    // What the id is computed from: `train --resume` rebuilds the run from it.
    experiment: config as unknown as Json,
    evalEvery: input.evalEvery,
    createdAt: input.createdAt,
  };
}

/**
 * The last record of `metrics.jsonl`: the test figures of the final evaluation.
 *
 * @param test The evaluation's headline test figures.
 * @param analysis The class-structure analysis.
 * @param evalSeconds Seconds the evaluation took.
 */
export function finalRecord(
  test: EvaluationResult["test"],
  analysis: RunAnalysis,
  evalSeconds: number,
): TrainRecord {
  return {
    type: "final",
    ...Object.fromEntries(
      Object.entries(test.knnAccuracy).map(([k, v]) => [`testKnnAccuracy${k}`, v]),
    ),
    precisionAt1: test.precisionAt1,
    meanAveragePrecisionAtR: test.meanAveragePrecisionAtR,
    nmi: test.nmi,
    testSilhouette: analysis.test.silhouette?.overall ?? null,
    hierarchySpearman: analysis.test.hierarchyCorrelation?.spearman ?? null,
    evalSeconds,
  };
}

/** The inputs of {@linkcode runSummary}. */
export interface RunSummaryInput {
  /** The run id. */
  id: string;
  /** The experiment config. */
  config: ExperimentConfig;
  /** The miner's resolved config (`{ name: "none" }` for none). */
  miner: ComponentConfig;
  /** Classes in the dataset. */
  numClasses: number;
  /** The split in use. */
  split: Split;
  /** The backend in use. */
  backend: { name: string; threads: number };
  /** What training returned. */
  result: TrainResult;
  /** Seconds the final evaluation took. */
  evalSeconds: number;
  /** The evaluation's headline test figures. */
  test: EvaluationResult["test"];
  /** The collapse fields (`collapseFields`). */
  collapse: Record<string, Json>;
  /** When the run finished, as an ISO string. */
  finishedAt: string;
}

/**
 * The contents of `summary.json`.
 *
 * @param input The run's config, training result, evaluation and clock reading.
 * @returns The object to write, in `summary.json`'s key order.
 */
export function runSummary(input: RunSummaryInput): Record<string, Json> {
  const { config, split, backend, result } = input;
  return {
    id: input.id,
    data: config.data,
    loss: config.loss.name,
    miner: minerLabel(input.miner),
    ...(config.xbm ? { xbm: config.xbm, xbmWarmup: config.xbmWarmup ?? 0 } : {}),
    dim: config.dim,
    seed: config.seed,
    epochs: config.epochs,
    ks: config.ks,
    numClasses: input.numClasses,
    numTrain: split.train.length,
    numTest: split.test.length,
    backend: backend.name,
    threads: backend.threads,
    trainSeconds: result.trainSeconds,
    trainImagesPerSecond: result.imagesPerSecond,
    evalSeconds: input.evalSeconds,
    finalLoss: result.finalLoss,
    test: input.test as unknown as Json,
    ...input.collapse,
    finishedAt: input.finishedAt,
  };
}
