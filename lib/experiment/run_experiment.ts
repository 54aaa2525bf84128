/**
 * One experiment end to end: data, split, network, loss and miner, training, embeddings,
 * k-NN evaluation, and the run folder.
 *
 * Every input is loaded and validated before the run folder is created, so bad input
 * leaves nothing behind; once training starts, each epoch ends with a checkpoint and its
 * record appended to `metrics.jsonl`, and `summary.json` is written last. A run stopped
 * at any point (Ctrl-C, a kill, a crash) continues from its last checkpoint when run
 * again, to the same result as an uninterrupted run on the same backend.
 *
 * @module
 */
import { join } from "node:path";
import { stratifiedSplit } from "../data/split.ts";
import { resolveHierarchy } from "../data/tt100k.ts";
import { findLoss, lossFromConfig } from "../losses/mod.ts";
import { minerFromConfig } from "../miners/mod.ts";
import { createEmbeddingNet } from "../model/embedding_net.ts";
import { embedDataset } from "../model/embed.ts";
import { serializeModel } from "../model/serialize.ts";
import type { EmbeddingNet } from "../model/embedding_net.ts";
import { claimRun, type RunClaimOptions } from "../run/run_claim.ts";
import {
  appendJsonLine,
  clearRunFolder,
  inspectRunFolder,
  readRunCheckpoint,
  removeRunCheckpoint,
  removeTemporaryFiles,
  repairJsonLines,
  RUN_FILES,
  type RunCheckpoint,
  writeFloat32,
  writeJsonAtomic,
  writeRunCheckpoint,
} from "../run/run_folder.ts";
import { train, type TrainRecord, type TrainState } from "../train/train.ts";
import type { ImageDataset, Json, Split } from "../types.ts";
import { type ExperimentConfig, minerLabel, runId } from "./config.ts";
import { analyzeEmbeddings } from "./analyze_run.ts";
import { collapseFields, evaluateEmbeddings } from "./evaluate_run.ts";
import { knnAccuracy } from "../eval/classification.ts";

import { loadData } from "./load_data.ts";

/** Where and how {@linkcode runExperiment} runs. */
export interface RunExperimentOptions {
  /** The runs folder; the run goes to `<out>/<runId>`. */
  out: string;
  /** The backend in use, recorded in the config (from `selectBackend`). */
  backend: { name: string; threads: number; reason: string; versions: Record<string, string> };
  /**
   * Train from scratch even when the folder holds this run (finished or not) or another
   * run. @default false
   */
  force?: boolean;
  /**
   * Evaluate k=1 accuracy on the test split every this many epochs (0: only at the end).
   * @default the value the run was started with when resuming, else 0
   */
  evalEvery?: number;
  /**
   * Stops the run at the next batch boundary or between its last steps, rejecting with the
   * signal's reason; the folder stays incomplete, with its last checkpoint.
   */
  signal?: AbortSignal;
  /** Called once before training: `epoch` is 0 for a fresh run, else the checkpoint's. */
  onStart?: (start: { dir: string; epoch: number }) => void;
  /**
   * Claim the run folder while training (see `claimRun`): a folder that a live process
   * holds is refused with a `RunHeldError`, a stale claim is taken over with a warning.
   * `false`: no claim (the caller holds it). @default {} (claim, with the default options)
   */
  claim?: RunClaimOptions | false;
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
  /** The checkpoint's epoch when an incomplete run was continued. */
  resumedFrom?: number;
  /** The contents of `summary.json`. */
  summary: Record<string, Json>;
  /** Warnings from loading the data and choosing the class hierarchy. */
  warnings: string[];
}

function sortedIndices(split: Split): Split {
  return { train: split.train.slice().sort(), test: split.test.slice().sort() };
}

/** A checkpoint's content: the training state and the records not yet in metrics.jsonl. */
function toCheckpoint(
  state: TrainState,
  net: EmbeddingNet,
  lossVariables: { shape: number[] }[],
  records: TrainRecord[],
): RunCheckpoint {
  const shapes = [...net.variables, ...lossVariables].map((v) => v.shape);
  const { optimizer: adam } = state;
  return {
    epoch: state.epoch,
    state: {
      step: state.step,
      trainSeconds: state.trainSeconds,
      images: state.images,
      finalLoss: state.finalLoss,
      ...(state.minerRandomState === undefined ? {} : { minerRandomState: state.minerRandomState }),
      adam: {
        iterations: adam.iterations,
        beta1Power: adam.beta1Power,
        beta2Power: adam.beta2Power,
      },
      records,
    },
    arrays: [
      ...state.weights.map((values, i) => ({
        name: `net/${net.weightNames[i]}`,
        shape: shapes[i],
        values,
      })),
      ...state.lossWeights.map((values, i) => ({
        name: `loss/${i}`,
        shape: shapes[net.variables.length + i],
        values,
      })),
      ...adam.firstMoments.map((values, i) => ({ name: `adam/m/${i}`, shape: shapes[i], values })),
      ...adam.secondMoments.map((values, i) => ({ name: `adam/v/${i}`, shape: shapes[i], values })),
    ],
  };
}

/** The training state and pending records of a checkpoint read back. */
function fromCheckpoint(
  checkpoint: RunCheckpoint,
  dir: string,
): { state: TrainState; records: TrainRecord[] } {
  const s = checkpoint.state as Record<string, Json>;
  const adam = s.adam as Record<string, Json> | undefined;
  const numbers = [s.step, s.trainSeconds, s.images, s.finalLoss, adam?.iterations];
  if (
    !numbers.every((n) => typeof n === "number") || !adam ||
    typeof adam.beta1Power !== "number" || typeof adam.beta2Power !== "number" ||
    !Array.isArray(s.records)
  ) {
    throw new SyntaxError(`Cannot read checkpoint "${dir}": its state lacks counters or records`);
  }
  const part = (prefix: string) =>
    checkpoint.arrays.filter((a) => a.name.startsWith(prefix)).map((a) => a.values);
  return {
    state: {
      epoch: checkpoint.epoch,
      step: s.step as number,
      trainSeconds: s.trainSeconds as number,
      images: s.images as number,
      finalLoss: s.finalLoss as number,
      ...(typeof s.minerRandomState === "number" ? { minerRandomState: s.minerRandomState } : {}),
      weights: part("net/"),
      lossWeights: part("loss/"),
      optimizer: {
        iterations: adam.iterations as number,
        beta1Power: adam.beta1Power,
        beta2Power: adam.beta2Power,
        firstMoments: part("adam/m/"),
        secondMoments: part("adam/v/"),
      },
    },
    records: s.records as TrainRecord[],
  };
}

async function readJsonOrUndefined(path: string): Promise<Json | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

/** Rewrites config.json's hierarchy fields when they differ from the ones given. */
async function recordHierarchy(
  dir: string,
  saved: Record<string, Json>,
  spec: string | undefined,
  hierarchyJson: { hierarchy: Json; hierarchySource: string | null },
): Promise<void> {
  const dataset = (saved.dataset ?? {}) as Record<string, Json>;
  const experiment = (saved.experiment ?? {}) as Record<string, Json>;
  const same = saved.hierarchy === spec && experiment.hierarchy === spec &&
    JSON.stringify([dataset.hierarchy, dataset.hierarchySource]) ===
      JSON.stringify([hierarchyJson.hierarchy, hierarchyJson.hierarchySource]);
  if (same) return;
  const withSpec = <T extends Record<string, Json>>(o: T) =>
    spec === undefined ? o : { ...o, hierarchy: spec };
  await writeJsonAtomic(join(dir, RUN_FILES.config), {
    ...withSpec(saved),
    ...(saved.experiment ? { experiment: withSpec(experiment) } : {}),
    dataset: { ...dataset, ...hierarchyJson },
  });
}

/**
 * Runs one experiment and writes its run folder.
 *
 * @param config A resolved config.
 * @param options Output folder, backend, callbacks.
 * @returns The run folder and its summary.
 * @throws {Error} On bad input (before anything is written) or a diverging loss.
 * @throws {RunHeldError} When another live process holds the run folder (nothing is
 * written), or takes it over while this one trains (training stops, resumable).
 * @throws {DiskWriteError} When a write fails for want of space or permission (the run
 * stays resumable from its last checkpoint).
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
  const id = runId(config);
  const dir = join(options.out, id);
  let found = await inspectRunFolder(dir, id);
  // Another run in the folder is refused; this run, finished, is returned as it is.
  const existing = async (): Promise<RunExperimentResult | undefined> => {
    if (options.force) return undefined;
    if (found.status === "other") {
      throw new Error(
        `Cannot write run to "${dir}": it holds a different run (${
          found.id ?? "no readable config.json"
        }); use another --out or --force`,
      );
    }
    if (found.status !== "finished") return undefined;
    const summary = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.summary)));
    return { dir, skipped: true, summary, warnings: [] };
  };
  const before = await existing();
  if (before) return before;
  const dataset = options.dataset ?? await loadData(config);
  // Before the folder exists: a hierarchy file that cannot be read leaves nothing behind.
  const classHierarchy = await resolveHierarchy(
    config.hierarchy,
    dataset.classNames,
    dataset.hierarchy,
    { ownSource: dataset.source },
  );
  const hierarchyJson = {
    hierarchy: (classHierarchy.hierarchy ?? null) as unknown as Json,
    hierarchySource: classHierarchy.source,
  };
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
  const needsClasses = findLoss(config.loss.name)?.learnsClassWeights === true;
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
  const lossVariables = loss.trainableVariables?.() ?? [];
  let claim: Awaited<ReturnType<typeof claimRun>> | undefined;
  let started = false;
  try {
    // Input is valid: claim the folder before anything of the run is written, then look
    // again, as another process may have finished or started it meanwhile.
    claim = options.claim === false ? undefined : await claimRun(dir, options.claim ?? {});
    if (claim) found = await inspectRunFolder(dir, id);
    const meanwhile = await existing();
    if (meanwhile) return meanwhile;
    // Ctrl-C, or the claim taken over by another process: either stops training.
    const signal = claim
      ? AbortSignal.any(options.signal ? [options.signal, claim.lost] : [claim.lost])
      : options.signal;
    const splitJson = {
      train: Array.from(split.train),
      test: Array.from(split.test),
      ...(dataset.files
        ? {
          trainFiles: Array.from(split.train, (i) => dataset.files![i]),
          testFiles: Array.from(split.test, (i) => dataset.files![i]),
        }
        : {}),
    };
    // An incomplete run of this config continues from its checkpoint; without one, it
    // starts over (nothing of it was kept yet).
    const warnings = [...dataset.warnings, ...classHierarchy.warnings, ...claim?.warnings ?? []];
    const checkpoint = !options.force && found.status === "incomplete"
      ? await readRunCheckpoint(dir).catch((error) => {
        if (!(error instanceof SyntaxError)) throw error;
        throw new SyntaxError(`${error.message}; use --force to start over`);
      })
      : undefined;
    const saved = checkpoint
      ? await readJsonOrUndefined(join(dir, RUN_FILES.config)) as Record<string, Json>
      : undefined;
    if (checkpoint) {
      const savedSplit = await readJsonOrUndefined(join(dir, RUN_FILES.split));
      if (JSON.stringify(savedSplit) !== JSON.stringify(splitJson)) {
        throw new Error(
          `Cannot resume run "${dir}": the data no longer gives its split.json (${split.train.length} train and ${split.test.length} test samples now); use --force to start over`,
        );
      }
      const savedBackend = (saved?.backend as Record<string, Json> | undefined)?.name;
      if (savedBackend !== options.backend.name) {
        warnings.push(
          `Run "${dir}" was started on backend ${savedBackend} and continues on ${options.backend.name}: its results may differ from an uninterrupted run`,
        );
      }
    }
    const evalEvery = options.evalEvery ??
      (typeof saved?.evalEvery === "number" ? saved.evalEvery : 0);
    const resolved = {
      id,
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
        // The rows of this dataset's classes and where they came from (see resolveHierarchy).
        ...hierarchyJson,
      },
      // What the id is computed from: `train --resume` rebuilds the run from it.
      experiment: config as unknown as Json,
      evalEvery,
      createdAt: new Date().toISOString(),
    };
    const metricsPath = join(dir, RUN_FILES.metrics);
    let resume: { state: TrainState; records: TrainRecord[] } | undefined;
    let hasFinalRecord = false;
    if (checkpoint) {
      resume = fromCheckpoint(checkpoint, dir);
      // The hierarchy is not part of the id: a run resumed with another one records the
      // one its analysis will use.
      if (saved) await recordHierarchy(dir, saved, config.hierarchy, hierarchyJson);
      await removeTemporaryFiles(dir);
      // The checkpoint holds the records appended after it: add those a kill cut off.
      const present = await repairJsonLines(metricsPath);
      warnings.push(...present.warnings);
      const epochs = new Set(present.records.filter((r) => r.type === "epoch").map((r) => r.epoch));
      hasFinalRecord = present.records.some((r) => r.type === "final");
      for (const record of resume.records) {
        if (!epochs.has(record.epoch)) await appendJsonLine(metricsPath, record);
      }
    } else {
      // Input is valid: from here on the run folder exists and records are kept.
      // (The claim stays: this process holds the folder.)
      await clearRunFolder(dir);
      await writeJsonAtomic(join(dir, RUN_FILES.config), resolved);
      await writeJsonAtomic(join(dir, RUN_FILES.split), splitJson);
    }
    // A failure of an earlier try is history now.
    await Deno.remove(join(dir, RUN_FILES.failure)).catch(() => {});
    started = true;
    options.onStart?.({ dir, epoch: checkpoint?.epoch ?? 0 });
    // Records wait for the checkpoint that holds them, then are appended: metrics.jsonl
    // never runs ahead of the checkpoint, so a resumed run appends each epoch once.
    let pending: TrainRecord[] = [];
    const trainLabels = Int32Array.from(split.train, (i) => dataset.labels[i]);
    const testLabels = Int32Array.from(split.test, (i) => dataset.labels[i]);
    signal?.throwIfAborted();
    const result = await train(net, dataset, split.train, {
      loss,
      miner,
      epochs: config.epochs,
      batchSize: config.batchSize,
      samplesPerClass: config.samplesPerClass,
      learningRate: config.learningRate,
      seed: config.seed,
      augment: config.augment,
      resumeFrom: resume?.state,
      signal,
      onBatch: options.onProgress,
      onRecord: (record) => {
        pending.push(record);
        options.onRecord?.(record);
      },
      onCheckpoint: async (state) => {
        await writeRunCheckpoint(dir, toCheckpoint(state, net, lossVariables, pending));
        for (const record of pending) await appendJsonLine(metricsPath, record);
        pending = [];
        await claim?.heartbeat();
      },
      afterEpoch: (epoch) => {
        if (!evalEvery || epoch % evalEvery !== 0 || epoch === config.epochs) return undefined;
        // Only k=1 accuracy: the full evaluation (retrieval, k-means) waits for the end.
        const rows = (data: Float32Array) => ({
          data,
          rows: data.length / config.dim,
          dim: config.dim,
        });
        const { results } = knnAccuracy(
          rows(embedDataset(net, dataset, split.test)),
          testLabels,
          rows(embedDataset(net, dataset, split.train)),
          trainLabels,
          { ks: [1], numClasses: dataset.classNames.length },
        );
        return { testKnnAccuracy1: results[0].accuracy };
      },
    });
    signal?.throwIfAborted();

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
    if (lossVariables.length) {
      // ArcFace's class weights and ProxyAnchor's proxies are part of the model.
      await writeJsonAtomic(join(dir, RUN_FILES.lossManifest), {
        loss: loss.config(),
        weights: lossVariables.map((v) => ({ shape: v.shape })),
      });
      const values = lossVariables.map((v) => v.dataSync() as Float32Array);
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
    signal?.throwIfAborted();
    const evalStarted = performance.now();
    const evaluation = evaluateEmbeddings(embeddings, config.ks);
    const evalSeconds = (performance.now() - evalStarted) / 1000;
    await writeJsonAtomic(join(dir, RUN_FILES.evaluation), evaluation.details);
    const confusion = (evaluation.details.knn as Record<string, { confusion: number[][] }>)["1"]
      ?.confusion;
    const analysis = analyzeEmbeddings(embeddings, {
      hierarchy: classHierarchy.hierarchy,
      confusion,
      seed: config.seed,
    });
    await writeJsonAtomic(join(dir, RUN_FILES.analysis), analysis);
    signal?.throwIfAborted();
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
    // A run killed after its final record and before summary.json already has one.
    if (!hasFinalRecord) await appendJsonLine(metricsPath, finalRecord);
    options.onRecord?.(finalRecord);
    const summary: Record<string, Json> = {
      id,
      data: config.data,
      loss: config.loss.name,
      miner: minerLabel(resolved.miner),
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
      ...collapseFields(embeddings, evaluation.test.knnAccuracy["1"]),
      finishedAt: new Date().toISOString(),
    };
    await writeJsonAtomic(join(dir, RUN_FILES.summary), summary);
    // Finished: the checkpoint is no longer needed (a kill before this leaves it, unused).
    await removeRunCheckpoint(dir);
    return {
      dir,
      skipped: false,
      summary,
      warnings,
      ...(checkpoint ? { resumedFrom: checkpoint.epoch } : {}),
    };
  } catch (error) {
    // A run that failed (not stopped, not taken over) says so for `sweep --status`.
    const stopped = options.signal?.aborted || claim?.lost.aborted;
    if (started && !stopped) {
      await writeJsonAtomic(join(dir, RUN_FILES.failure), {
        error: error instanceof Error ? error.message : String(error),
        at: new Date().toISOString(),
        ...(claim ? { host: claim.holder.host, pid: claim.holder.pid } : {}),
      }).catch(() => {});
    }
    throw error;
  } finally {
    net.dispose();
    for (const v of lossVariables) v.dispose();
    await claim?.release();
  }
}
