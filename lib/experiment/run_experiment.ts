/**
 * One experiment end to end: data, split, network, loss and miner, training, embeddings,
 * k-NN evaluation, and the run folder.
 *
 * Every input is loaded and validated before the run folder is created, so bad input
 * leaves nothing behind; once training starts, each epoch's record is appended to
 * `metrics.jsonl` and `summary.json` is written last.
 *
 * @module
 */
import { join } from "node:path";
import { stratifiedSplit } from "../data/split.ts";
import { lossFromConfig } from "../losses/mod.ts";
import { minerFromConfig } from "../miners/mod.ts";
import { createEmbeddingNet } from "../model/embedding_net.ts";
import { embedDataset } from "../model/embed.ts";
import { serializeModel } from "../model/serialize.ts";
import {
  appendJsonLine,
  isFinishedRun,
  RUN_FILES,
  writeFloat32,
  writeJsonAtomic,
} from "../run/run_folder.ts";
import { train, type TrainRecord } from "../train/train.ts";
import type { ImageDataset, Json, Split } from "../types.ts";
import { type ExperimentConfig, runId } from "./config.ts";
import { analyzeEmbeddings } from "./analyze_run.ts";
import { evaluateEmbeddings } from "./evaluate_run.ts";
import { loadData } from "./load_data.ts";

/** Where and how {@linkcode runExperiment} runs. */
export interface RunExperimentOptions {
  /** The runs folder; the run goes to `<out>/<runId>`. */
  out: string;
  /** The backend in use, recorded in the config (from `selectBackend`). */
  backend: { name: string; threads: number; reason: string; versions: Record<string, string> };
  /** Retrain even when a finished run with this config exists. @default false */
  force?: boolean;
  /** Evaluate k=1 accuracy on the test split every this many epochs (0: only at the end). @default 0 */
  evalEvery?: number;
  /** A dataset already loaded for this config (sweeps load each dataset once). */
  dataset?: ImageDataset;
  /** Each metrics record, as written. */
  onRecord?: (record: TrainRecord) => void;
  /** Progress through the training batches. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@linkcode runExperiment} returns. */
export interface RunExperimentResult {
  /** The run folder. */
  dir: string;
  /** True when a finished run with this config was already there and kept. */
  skipped: boolean;
  /** The contents of `summary.json`. */
  summary: Record<string, Json>;
  /** Warnings from loading the data. */
  warnings: string[];
}

function sortedIndices(split: Split): Split {
  return { train: split.train.slice().sort(), test: split.test.slice().sort() };
}

/**
 * Runs one experiment and writes its run folder.
 *
 * @param config A resolved config.
 * @param options Output folder, backend, callbacks.
 * @returns The run folder and its summary.
 * @throws {Error} On bad input (before anything is written) or a diverging loss.
 *
 * @example
 * ```ts ignore
 * import { resolveConfig } from "./config.ts";
 * import { runExperiment } from "./run_experiment.ts";
 * import { selectBackend } from "../backend/select_backend.ts";
 * const backend = await selectBackend("auto");
 * const { dir } = await runExperiment(resolveConfig({ data: "synthetic", epochs: 1 }), { out: "runs", backend });
 * ```
 */
export async function runExperiment(
  config: ExperimentConfig,
  options: RunExperimentOptions,
): Promise<RunExperimentResult> {
  const dir = join(options.out, runId(config));
  if (!options.force && await isFinishedRun(dir)) {
    const summary = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.summary)));
    return { dir, skipped: true, summary, warnings: [] };
  }
  const dataset = options.dataset ?? await loadData(config);
  const split = sortedIndices(
    dataset.predefinedSplit ??
      stratifiedSplit(dataset.labels, { testFraction: config.testFraction, seed: config.seed }),
  );
  const tooBig = config.ks.find((k) => k > split.train.length);
  if (tooBig !== undefined) {
    throw new RangeError(
      `Invalid --k ${tooBig}: the training set has only ${split.train.length} samples`,
    );
  }
  const numClasses = dataset.classNames.length;
  const needsClasses = config.loss.name === "arcface" || config.loss.name === "proxy-anchor";
  const loss = lossFromConfig(
    needsClasses
      ? { numClasses, embeddingSize: config.dim, seed: config.seed, ...config.loss }
      : config.loss,
  );
  const miner = config.miner.name === "none" ? undefined : minerFromConfig(config.miner);
  const net = createEmbeddingNet({
    inputShape: [dataset.height, dataset.width, dataset.channels],
    dim: config.dim,
    architecture: config.architecture === "auto" ? undefined : config.architecture,
    seed: config.seed,
  });
  try {
    // Input is valid: from here on the run folder exists and records are kept.
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir, { recursive: true });
    const resolved = {
      id: runId(config),
      ...config,
      loss: loss.config(),
      miner: miner?.config() ?? { name: "none" },
      model: net.config(),
      backend: {
        name: options.backend.name,
        threads: options.backend.threads,
        reason: options.backend.reason,
      },
      versions: options.backend.versions,
      dataset: {
        source: dataset.source,
        numSamples: dataset.labels.length,
        numClasses,
        classNames: dataset.classNames,
        imageShape: [dataset.height, dataset.width, dataset.channels],
        split: dataset.predefinedSplit ? "predefined" : "stratified",
        numTrain: split.train.length,
        numTest: split.test.length,
        hierarchy: (dataset.hierarchy ?? null) as unknown as Json,
      },
      createdAt: new Date().toISOString(),
    };
    await writeJsonAtomic(join(dir, RUN_FILES.config), resolved);
    await writeJsonAtomic(join(dir, RUN_FILES.split), {
      train: Array.from(split.train),
      test: Array.from(split.test),
      ...(dataset.files
        ? {
          trainFiles: Array.from(split.train, (i) => dataset.files![i]),
          testFiles: Array.from(split.test, (i) => dataset.files![i]),
        }
        : {}),
    });
    const metricsPath = join(dir, RUN_FILES.metrics);
    // Appends are chained: records land in metrics.jsonl in the order they happen.
    let appended: Promise<void> = Promise.resolve();
    const trainLabels = Int32Array.from(split.train, (i) => dataset.labels[i]);
    const testLabels = Int32Array.from(split.test, (i) => dataset.labels[i]);
    const evalEvery = options.evalEvery ?? 0;
    const result = await train(net, dataset, split.train, {
      loss,
      miner,
      epochs: config.epochs,
      batchSize: config.batchSize,
      samplesPerClass: config.samplesPerClass,
      learningRate: config.learningRate,
      seed: config.seed,
      augment: config.augment,
      onBatch: options.onProgress,
      onRecord: (record) => {
        appended = appended.then(() => appendJsonLine(metricsPath, record));
        options.onRecord?.(record);
      },
      afterEpoch: (epoch) => {
        if (!evalEvery || epoch % evalEvery !== 0 || epoch === config.epochs) return undefined;
        const quick = evaluateEmbeddings({
          dim: config.dim,
          train: embedDataset(net, dataset, split.train),
          trainLabels,
          test: embedDataset(net, dataset, split.test),
          testLabels,
          classNames: dataset.classNames,
        }, [1]);
        return { testKnnAccuracy1: quick.test.knnAccuracy["1"] };
      },
    });
    await appended;

    // Embeddings and model first: an evaluation that fails loses no training.
    const trainEmbeddings = embedDataset(net, dataset, split.train);
    const testEmbeddings = embedDataset(net, dataset, split.test);
    await writeFloat32(join(dir, RUN_FILES.trainEmbeddings), trainEmbeddings);
    await writeFloat32(join(dir, RUN_FILES.testEmbeddings), testEmbeddings);
    await writeJsonAtomic(join(dir, RUN_FILES.embeddingsMeta), {
      dim: config.dim,
      dtype: "float32-le",
      classNames: dataset.classNames,
      trainIndices: Array.from(split.train),
      trainLabels: Array.from(trainLabels),
      testIndices: Array.from(split.test),
      testLabels: Array.from(testLabels),
    });
    const { manifest, weights } = serializeModel(net);
    await writeJsonAtomic(join(dir, RUN_FILES.modelManifest), manifest);
    await writeFloat32(join(dir, RUN_FILES.modelWeights), weights);
    const lossWeights = loss.trainableVariables?.() ?? [];
    if (lossWeights.length) {
      // ArcFace's class weights and ProxyAnchor's proxies are part of the model.
      await writeJsonAtomic(join(dir, RUN_FILES.lossManifest), {
        loss: loss.config(),
        weights: lossWeights.map((v) => ({ shape: v.shape })),
      });
      const values = lossWeights.map((v) => v.dataSync() as Float32Array);
      const all = new Float32Array(values.reduce((n, v) => n + v.length, 0));
      values.reduce((offset, v) => (all.set(v, offset), offset + v.length), 0);
      await writeFloat32(join(dir, RUN_FILES.lossWeights), all);
    }
    const embeddings = {
      dim: config.dim,
      train: trainEmbeddings,
      trainLabels,
      test: testEmbeddings,
      testLabels,
      classNames: dataset.classNames,
    };
    const evalStarted = performance.now();
    const evaluation = evaluateEmbeddings(embeddings, config.ks);
    const evalSeconds = (performance.now() - evalStarted) / 1000;
    await writeJsonAtomic(join(dir, RUN_FILES.evaluation), evaluation.details);
    const confusion = (evaluation.details.knn as Record<string, { confusion: number[][] }>)["1"]
      ?.confusion;
    const analysis = analyzeEmbeddings(embeddings, {
      hierarchy: dataset.hierarchy,
      confusion,
      seed: config.seed,
    });
    await writeJsonAtomic(join(dir, RUN_FILES.analysis), analysis);
    const finalRecord: TrainRecord = {
      type: "final",
      ...Object.fromEntries(
        Object.entries(evaluation.test.knnAccuracy).map(([k, v]) => [`testKnnAccuracy${k}`, v]),
      ),
      precisionAt1: evaluation.test.precisionAt1,
      meanAveragePrecisionAtR: evaluation.test.meanAveragePrecisionAtR,
      nmi: evaluation.test.nmi,
      testSilhouette: analysis.test.silhouette?.overall ?? null,
      hierarchySpearman: analysis.test.hierarchyCorrelation?.spearman ?? null,
      evalSeconds,
    };
    await appendJsonLine(metricsPath, finalRecord);
    options.onRecord?.(finalRecord);
    const summary: Record<string, Json> = {
      id: resolved.id,
      data: config.data,
      loss: config.loss.name,
      miner: resolved.miner.name === "triplet-margin"
        ? String(resolved.miner.type)
        : resolved.miner.name,
      dim: config.dim,
      seed: config.seed,
      epochs: config.epochs,
      ks: config.ks,
      numClasses,
      numTrain: split.train.length,
      numTest: split.test.length,
      backend: options.backend.name,
      threads: options.backend.threads,
      trainSeconds: result.trainSeconds,
      trainImagesPerSecond: result.imagesPerSecond,
      evalSeconds,
      finalLoss: result.finalLoss,
      test: evaluation.test as unknown as Json,
      finishedAt: new Date().toISOString(),
    };
    await writeJsonAtomic(join(dir, RUN_FILES.summary), summary);
    return { dir, skipped: false, summary, warnings: dataset.warnings };
  } finally {
    net.dispose();
    for (const v of loss.trainableVariables?.() ?? []) v.dispose();
  }
}
