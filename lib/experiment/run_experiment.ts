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
import { type ResolvedHierarchy, resolveHierarchy } from "../data/tt100k.ts";
import {
  type CrossBatchMemory,
  crossBatchMemory,
  findLoss,
  lossFromConfig,
} from "../losses/mod.ts";
import { minerFromConfig } from "../miners/mod.ts";
import { createEmbeddingNet } from "../model/embedding_net.ts";
import { embedDataset } from "../model/embed.ts";
import { serializeModel } from "../model/serialize.ts";
import type { EmbeddingNet } from "../model/embedding_net.ts";
import { writeRunArtefacts } from "../run/artefacts.ts";
import { fromCheckpoint, toCheckpoint } from "../run/checkpoint_state.ts";
import { claimRun, type RunClaim, type RunClaimOptions } from "../run/run_claim.ts";
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
  type RunFolderInspection,
  writeJsonAtomic,
  writeRunCheckpoint,
} from "../run/run_folder.ts";
import { train, type TrainRecord, type TrainResult } from "../train/train.ts";
import type { ImageDataset, Json, MetricLoss, Miner, Split, TrainState } from "../types.ts";
import { type ExperimentConfig, runId } from "./config.ts";
import { analyzeEmbeddings, type RunAnalysis } from "./analyze_run.ts";
import {
  collapseFields,
  evaluateEmbeddings,
  type EvaluationResult,
  type SplitEmbeddings,
} from "./evaluate_run.ts";
import { knnAccuracy } from "../eval/classification.ts";
import { finalRecord, resolvedConfig, type ResolvedRunConfig, runSummary } from "./run_record.ts";

import { loadData } from "./load_data.ts";
import { invalidOption, OptionError } from "../_errors.ts";

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

/** The validated inputs of a run: its data, class hierarchy and split. */
interface RunInputs {
  dataset: ImageDataset;
  classHierarchy: ResolvedHierarchy;
  hierarchyJson: { hierarchy: Json; hierarchySource: string | null };
  split: Split;
}

/** The trained components of a run. */
interface RunComponents {
  loss: MetricLoss;
  miner: Miner | undefined;
  /** The cross-batch memory around the loss (with the miner), when the config has one. */
  xbm?: CrossBatchMemory;
  net: EmbeddingNet;
  lossVariables: ReturnType<NonNullable<MetricLoss["trainableVariables"]>>;
}

/** Where a run starts: from scratch, or from its checkpoint. */
interface OpenedRun {
  checkpoint: RunCheckpoint | undefined;
  resume: { state: TrainState; records: TrainRecord[] } | undefined;
  resolved: ResolvedRunConfig;
  evalEvery: number;
  hasFinalRecord: boolean;
  warnings: string[];
}

/** Another run in the folder is refused; this run, finished, is returned as it is. */
async function existingRun(
  dir: string,
  found: RunFolderInspection,
  force: boolean | undefined,
): Promise<RunExperimentResult | undefined> {
  if (force) return undefined;
  if (found.status === "other") {
    const id = found.id ?? "no readable config.json";
    throw new OptionError(
      "force",
      (n) =>
        `Cannot write run to "${dir}": it holds a different run (${id}); use another ${
          n("out")
        } or ${n("force")}`,
    );
  }
  if (found.status !== "finished") return undefined;
  const summary = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.summary)));
  return { dir, skipped: true, summary, warnings: [] };
}

/** Loads the data, its class hierarchy and split, and validates them (nothing is written). */
async function loadInputs(config: ExperimentConfig, given?: ImageDataset): Promise<RunInputs> {
  const dataset = given ?? await loadData(config);
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
    throw invalidOption("ks", tooBig, `the training set has only ${split.train.length} samples`);
  }
  return { dataset, classHierarchy, hierarchyJson, split };
}

/** The loss, the miner and the network of a config (the caller disposes of them). */
function buildComponents(config: ExperimentConfig, dataset: ImageDataset): RunComponents {
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
  const xbm = config.xbm
    ? crossBatchMemory(loss, { memorySize: config.xbm, embeddingSize: config.dim, miner })
    : undefined;
  return { loss, miner, net, lossVariables, ...(xbm ? { xbm } : {}) };
}

/**
 * Opens the run folder (the caller holds its claim): an incomplete run of this config
 * continues from its checkpoint, after its split and config are checked and metrics.jsonl
 * repaired; without one, the folder is cleared and config.json and split.json written.
 */
async function openRun(
  dir: string,
  found: RunFolderInspection,
  config: ExperimentConfig,
  options: RunExperimentOptions,
  run: { inputs: RunInputs; parts: RunComponents; claimWarnings: string[] },
): Promise<OpenedRun> {
  const { dataset, classHierarchy, hierarchyJson, split } = run.inputs;
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
  const warnings = [...dataset.warnings, ...classHierarchy.warnings, ...run.claimWarnings];
  const checkpoint = !options.force && found.status === "incomplete"
    ? await readRunCheckpoint(dir).catch((error) => {
      if (!(error instanceof SyntaxError)) throw error;
      throw new OptionError("force", (n) => `${error.message}; use ${n("force")} to start over`);
    })
    : undefined;
  const saved = checkpoint
    ? await readJsonOrUndefined(join(dir, RUN_FILES.config)) as Record<string, Json>
    : undefined;
  if (checkpoint) {
    const savedSplit = await readJsonOrUndefined(join(dir, RUN_FILES.split));
    if (JSON.stringify(savedSplit) !== JSON.stringify(splitJson)) {
      const now = `${split.train.length} train and ${split.test.length} test samples now`;
      throw new OptionError(
        "force",
        (n) =>
          `Cannot resume run "${dir}": the data no longer gives its split.json (${now}); use ${
            n("force")
          } to start over`,
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
  const { loss, miner, net } = run.parts;
  const resolved = resolvedConfig({
    id: runId(config),
    config,
    components: {
      loss: loss.config(),
      miner: miner?.config() ?? { name: "none" },
      model: net.config(),
    },
    backend: options.backend,
    dataset,
    split,
    hierarchy: hierarchyJson,
    evalEvery,
    createdAt: new Date().toISOString(),
  });
  const metricsPath = join(dir, RUN_FILES.metrics);
  let resume: OpenedRun["resume"];
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
  return { checkpoint, resume, resolved, evalEvery, hasFinalRecord, warnings };
}

/** The labels of the training and test splits. */
function splitLabels(inputs: RunInputs): { trainLabels: Int32Array; testLabels: Int32Array } {
  const { dataset, split } = inputs;
  return {
    trainLabels: Int32Array.from(split.train, (i) => dataset.labels[i]),
    testLabels: Int32Array.from(split.test, (i) => dataset.labels[i]),
  };
}

/**
 * Trains, ending each epoch with a checkpoint; the records wait for the checkpoint that
 * holds them, then are appended: metrics.jsonl never runs ahead of the checkpoint, so a
 * resumed run appends each epoch once.
 */
function trainWithCheckpoints(
  dir: string,
  config: ExperimentConfig,
  options: RunExperimentOptions,
  run: {
    inputs: RunInputs;
    parts: RunComponents;
    opened: OpenedRun;
    labels: { trainLabels: Int32Array; testLabels: Int32Array };
    signal: AbortSignal | undefined;
    claim: RunClaim | undefined;
  },
): Promise<TrainResult> {
  const { dataset, split } = run.inputs;
  const { loss, miner, net, lossVariables, xbm } = run.parts;
  const { evalEvery } = run.opened;
  const metricsPath = join(dir, RUN_FILES.metrics);
  let pending: TrainRecord[] = [];
  return train(net, dataset, split.train, {
    loss,
    miner,
    ...(xbm ? { memory: { xbm, fromEpoch: (config.xbmWarmup ?? 0) + 1 } } : {}),
    epochs: config.epochs,
    batchSize: config.batchSize,
    samplesPerClass: config.samplesPerClass,
    learningRate: config.learningRate,
    seed: config.seed,
    augment: config.augment,
    resumeFrom: run.opened.resume?.state,
    signal: run.signal,
    onBatch: options.onProgress,
    onRecord: (record) => {
      pending.push(record);
      options.onRecord?.(record);
    },
    onCheckpoint: async (state) => {
      const layout = {
        weightNames: net.weightNames,
        netShapes: net.variables.map((v) => v.shape),
        lossShapes: lossVariables.map((v) => v.shape),
      };
      await writeRunCheckpoint(dir, toCheckpoint(state, layout, pending));
      for (const record of pending) await appendJsonLine(metricsPath, record);
      pending = [];
      await run.claim?.heartbeat();
    },
    afterEpoch: async (epoch) => {
      if (!evalEvery || epoch % evalEvery !== 0 || epoch === config.epochs) return undefined;
      // Only k=1 accuracy: the full evaluation (retrieval, k-means) waits for the end.
      const rows = (data: Float32Array) => ({
        data,
        rows: data.length / config.dim,
        dim: config.dim,
      });
      const { results } = knnAccuracy(
        rows(await embedDataset(net, dataset, split.test)),
        run.labels.testLabels,
        rows(await embedDataset(net, dataset, split.train)),
        run.labels.trainLabels,
        { ks: [1], numClasses: dataset.classNames.length },
      );
      return { testKnnAccuracy1: results[0].accuracy };
    },
  });
}

/** Embeds both splits and writes the embeddings, the model and the loss weights. */
async function writeArtefacts(
  dir: string,
  config: ExperimentConfig,
  inputs: RunInputs,
  parts: RunComponents,
  labels: { trainLabels: Int32Array; testLabels: Int32Array },
): Promise<SplitEmbeddings> {
  const { dataset, split } = inputs;
  const { loss, net, lossVariables } = parts;
  const trainEmbeddings = await embedDataset(net, dataset, split.train);
  const testEmbeddings = await embedDataset(net, dataset, split.test);
  await writeRunArtefacts(dir, {
    dim: config.dim,
    classNames: dataset.classNames,
    trainIndices: split.train,
    testIndices: split.test,
    ...labels,
    trainEmbeddings,
    testEmbeddings,
    model: await serializeModel(net),
    // ArcFace's class weights and ProxyAnchor's proxies are part of the model.
    ...(lossVariables.length
      ? {
        lossWeights: {
          loss: loss.config(),
          variables: await Promise.all(lossVariables.map(async (v) => ({
            shape: v.shape,
            values: (await v.data()) as Float32Array,
          }))),
        },
      }
      : {}),
  });
  return {
    dim: config.dim,
    train: trainEmbeddings,
    trainLabels: labels.trainLabels,
    test: testEmbeddings,
    testLabels: labels.testLabels,
    classNames: dataset.classNames,
  };
}

/** Evaluates the embeddings and analyses their class structure; writes both. */
async function evaluateRun(
  dir: string,
  config: ExperimentConfig,
  embeddings: SplitEmbeddings,
  hierarchy: ResolvedHierarchy["hierarchy"],
): Promise<{ evaluation: EvaluationResult; analysis: RunAnalysis; evalSeconds: number }> {
  const evalStarted = performance.now();
  const evaluation = evaluateEmbeddings(embeddings, config.ks);
  const evalSeconds = (performance.now() - evalStarted) / 1000;
  await writeJsonAtomic(join(dir, RUN_FILES.evaluation), evaluation.details);
  const confusion = (evaluation.details.knn as Record<string, { confusion: number[][] }>)["1"]
    ?.confusion;
  const analysis = analyzeEmbeddings(embeddings, {
    hierarchy,
    confusion,
    seed: config.seed,
  });
  await writeJsonAtomic(join(dir, RUN_FILES.analysis), analysis);
  return { evaluation, analysis, evalSeconds };
}

/**
 * Appends the final record (unless a killed try already did), writes summary.json and
 * removes the checkpoint, no longer needed (a kill before this leaves it, unused).
 */
async function summariseRun(
  dir: string,
  config: ExperimentConfig,
  options: RunExperimentOptions,
  run: {
    inputs: RunInputs;
    opened: OpenedRun;
    result: TrainResult;
    embeddings: SplitEmbeddings;
    evaluated: { evaluation: EvaluationResult; analysis: RunAnalysis; evalSeconds: number };
  },
): Promise<Record<string, Json>> {
  const { evaluation, analysis, evalSeconds } = run.evaluated;
  const record = finalRecord(evaluation.test, analysis, evalSeconds);
  // A run killed after its final record and before summary.json already has one.
  if (!run.opened.hasFinalRecord) await appendJsonLine(join(dir, RUN_FILES.metrics), record);
  options.onRecord?.(record);
  const summary = runSummary({
    id: run.opened.resolved.id,
    config,
    miner: run.opened.resolved.miner,
    numClasses: run.inputs.dataset.classNames.length,
    split: run.inputs.split,
    backend: options.backend,
    result: run.result,
    evalSeconds,
    test: evaluation.test,
    collapse: collapseFields(run.embeddings, evaluation.test.knnAccuracy["1"]),
    finishedAt: new Date().toISOString(),
  });
  await writeJsonAtomic(join(dir, RUN_FILES.summary), summary);
  await removeRunCheckpoint(dir);
  return summary;
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
  const before = await existingRun(dir, found, options.force);
  if (before) return before;
  const inputs = await loadInputs(config, options.dataset);
  const parts = buildComponents(config, inputs.dataset);
  let claim: RunClaim | undefined;
  let started = false;
  try {
    // Input is valid: claim the folder before anything of the run is written, then look
    // again, as another process may have finished or started it meanwhile.
    claim = options.claim === false ? undefined : await claimRun(dir, options.claim ?? {});
    if (claim) found = await inspectRunFolder(dir, id);
    const meanwhile = await existingRun(dir, found, options.force);
    if (meanwhile) return meanwhile;
    // Ctrl-C, or the claim taken over by another process: either stops training.
    const signal = claim
      ? AbortSignal.any(options.signal ? [options.signal, claim.lost] : [claim.lost])
      : options.signal;
    const claimWarnings = claim?.warnings ?? [];
    const opened = await openRun(dir, found, config, options, { inputs, parts, claimWarnings });
    // A failure of an earlier try is history now.
    await Deno.remove(join(dir, RUN_FILES.failure)).catch(() => {});
    started = true;
    options.onStart?.({ dir, epoch: opened.checkpoint?.epoch ?? 0 });
    const labels = splitLabels(inputs);
    signal?.throwIfAborted();
    const result = await trainWithCheckpoints(dir, config, options, {
      inputs,
      parts,
      opened,
      labels,
      signal,
      claim,
    });
    signal?.throwIfAborted();
    // Embeddings and model first: an evaluation that fails loses no training.
    const embeddings = await writeArtefacts(dir, config, inputs, parts, labels);
    signal?.throwIfAborted();
    const evaluated = await evaluateRun(dir, config, embeddings, inputs.classHierarchy.hierarchy);
    signal?.throwIfAborted();
    const summary = await summariseRun(dir, config, options, {
      inputs,
      opened,
      result,
      embeddings,
      evaluated,
    });
    return {
      dir,
      skipped: false,
      summary,
      warnings: opened.warnings,
      ...(opened.checkpoint ? { resumedFrom: opened.checkpoint.epoch } : {}),
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
    parts.net.dispose();
    for (const v of parts.lossVariables) v.dispose();
    await claim?.release();
  }
}
