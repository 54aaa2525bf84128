/**
 * The training loop: class-balanced batches, optional mining, a metric loss and Adam.
 * It emits records through a callback and does no I/O.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { augmentBatch } from "../data/augment.ts";
import { toFloatBatch } from "../data/batch.ts";
import { createRng } from "../random.ts";
import { createMPerClassSampler } from "../data/sampler.ts";
import type { EmbeddingNet } from "../model/embedding_net.ts";
import type {
  AdamState,
  ImageDataset,
  IndicesTuple,
  Json,
  MetricLoss,
  Miner,
  TrainState,
} from "../types.ts";
import { invalidOption } from "../_errors.ts";
import type { CrossBatchMemory } from "../losses/cross_batch_memory.ts";

/** One line of `metrics.jsonl`. */
export type TrainRecord = { type: string; [key: string]: Json };

/** Options of {@linkcode train}. */
export interface TrainOptions {
  /** The loss. */
  loss: MetricLoss;
  /** A miner, or none for all pairs/triplets of each batch. */
  miner?: Miner;
  /** Passes over the training split. @default 10 */
  epochs?: number;
  /** Images per batch. @default 64 */
  batchSize?: number;
  /** Samples per class in each batch (PML's MPerClassSampler `m`). @default 4 */
  samplesPerClass?: number;
  /** Adam learning rate. @default 0.001 */
  learningRate?: number;
  /** Seed of the batch order (and of the augmentation). @default 0 */
  seed?: number;
  /** Random shifts, brightness and contrast on each training batch. @default false */
  augment?: boolean;
  /** Receives each record as it happens (per-epoch loss, timing). */
  onRecord?: (record: TrainRecord) => void;
  /** Called after each batch, for progress display. */
  onBatch?: (done: number, total: number) => void;
  /**
   * Called after each epoch (1-based); may return, or resolve to, evaluation figures to
   * record. Training waits for a returned promise.
   */
  afterEpoch?: (
    epoch: number,
  ) => Record<string, Json> | undefined | Promise<Record<string, Json> | undefined>;
  /**
   * How the miner reads each batch's embeddings. `"sync"`: inside the gradient computation,
   * from the same forward pass, with a synchronous read (tfjs's gradient tape is
   * synchronous). `"async"`: from one more forward pass before it, read with `await`, to
   * the same tuples; it costs that forward pass, and is what a GPU backend needs (tfjs's
   * `webgpu` cannot read synchronously in Deno). Ignored without a miner.
   * @default "async" on the `webgpu` and `webgl` backends, else "sync"
   */
  minerReads?: "sync" | "async";
  /**
   * A cross-batch memory around `loss` (`crossBatchMemory`, which holds the miner): from
   * epoch `fromEpoch` on (1-based; earlier epochs train on `loss` and `miner` alone, so
   * a fresh memory is first filled then), each batch is mined and its loss taken against
   * the memory too. Its queue is part of every checkpoint.
   */
  memory?: { xbm: CrossBatchMemory; fromEpoch: number };
  /**
   * Continue from this state (from `onCheckpoint` of an earlier, interrupted call with the
   * same network, data and options): the result equals that of an uninterrupted run on the
   * same backend.
   */
  resumeFrom?: TrainState;
  /**
   * Receives the state after every `checkpointEvery`-th epoch and after the last one, after
   * that epoch's record; training waits for the returned promise (the caller saves it).
   */
  onCheckpoint?: (state: TrainState) => void | Promise<void>;
  /** Epochs between checkpoints. @default 1 */
  checkpointEvery?: number;
  /**
   * Stops training at the next batch boundary when aborted, rejecting with the signal's
   * reason; the epoch in progress is dropped (resume from the last checkpoint). With a
   * signal, training yields to the event loop every 100 ms, so that signal handlers run.
   */
  signal?: AbortSignal;
}

export type { AdamState, TrainState } from "../types.ts";

/** What {@linkcode train} returns. */
export interface TrainResult {
  /** Seconds spent in training steps (not in `afterEpoch`). */
  trainSeconds: number;
  /** Mean loss of the last epoch. */
  finalLoss: number;
  /** Training images per second over the whole run. */
  imagesPerSecond: number;
}

function tupleCount(t: IndicesTuple): number {
  return t.kind === "triplets" ? t.anchors.length : t.posAnchors.length + t.negAnchors.length;
}

/** The fields of tfjs's AdamOptimizer that `getWeights()`/`setWeights()` do not carry. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** Reads Adam's state into plain arrays. */
async function captureAdam(optimizer: tf.AdamOptimizer): Promise<AdamState> {
  const named = await optimizer.getWeights();
  const iterTensor = named[0].tensor;
  const iterations = (await iterTensor.data())[0];
  iterTensor.dispose(); // a fresh scalar; the moments are the optimizer's own variables
  const moments = await Promise.all(
    named.slice(1).map(async (w) => Float32Array.from(await w.tensor.data())),
  );
  const half = moments.length / 2;
  const internals = optimizer as unknown as AdamInternals;
  return {
    iterations,
    beta1Power: (await internals.accBeta1.data())[0],
    beta2Power: (await internals.accBeta2.data())[0],
    firstMoments: moments.slice(0, half),
    secondMoments: moments.slice(half),
  };
}

/** Puts a saved state back into a fresh Adam. */
async function restoreAdam(
  optimizer: tf.AdamOptimizer,
  state: AdamState,
  variables: tf.Variable[],
): Promise<void> {
  const tensors: tf.Tensor[] = [
    tf.scalar(state.iterations, "int32"),
    ...[...state.firstMoments, ...state.secondMoments].map((m, i) =>
      tf.tensor(m, variables[i % variables.length].shape)
    ),
  ];
  try {
    // setWeights() makes its own variables from these (sharing their data), so disposing
    // the tensors afterwards is safe.
    await optimizer.setWeights(tensors.map((tensor, i) => ({ name: `w${i}`, tensor })));
    // setWeights() recomputes beta^(t+1) with pow(); Adam accumulated it by repeated
    // multiplication, which can differ in the last bit: restore the saved values.
    const internals = optimizer as unknown as AdamInternals;
    tf.tidy(() => {
      internals.accBeta1.assign(tf.scalar(state.beta1Power));
      internals.accBeta2.assign(tf.scalar(state.beta2Power));
    });
  } finally {
    tf.dispose(tensors);
  }
}

/** Checks that a saved state fits these variables. */
function checkState(
  state: TrainState,
  net: tf.Variable[],
  lossVars: tf.Variable[],
  epochs: number,
) {
  const fits = (values: Float32Array[], vars: tf.Variable[]) =>
    values.length === vars.length && values.every((v, i) => v.length === vars[i].size);
  const all = [...net, ...lossVars];
  const o = state.optimizer;
  const why = !Number.isInteger(state.epoch) || state.epoch < 0 || state.epoch > epochs
    ? `it is at epoch ${state.epoch} of ${epochs}`
    : !fits(state.weights, net)
    ? "its network weights do not fit this network"
    : !fits(state.lossWeights, lossVars)
    ? "its loss weights do not fit this loss"
    : (o.firstMoments.length || o.secondMoments.length) &&
        !(fits(o.firstMoments, all) && fits(o.secondMoments, all))
    ? "its optimiser state does not fit these variables"
    : undefined;
  if (why) throw new RangeError(`Cannot resume training from the checkpoint: ${why}`);
}

/**
 * Honours an abort between batches. Training awaits only settled promises, which never
 * give the event loop a turn, so a signal handler could not run: this yields to the event
 * loop, at most every 100 ms (a yield costs a few milliseconds).
 */
function abortChecker(signal: AbortSignal | undefined): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (!signal) return;
    if (performance.now() - last >= 100) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      last = performance.now();
    }
    signal.throwIfAborted();
  };
}

/** What one training step needs besides its batch. */
interface StepContext {
  net: EmbeddingNet;
  loss: MetricLoss;
  miner: Miner | undefined;
  /** The cross-batch memory, while it is in use (it mines itself). */
  xbm?: CrossBatchMemory;
  minerReads: "sync" | "async";
  optimizer: tf.Optimizer;
  variables: tf.Variable[];
}

/** `"async"` where tensors live on a GPU, whose tfjs backends read synchronously badly or not at all. */
function defaultMinerReads(): "sync" | "async" {
  const backend = tf.getBackend();
  return backend === "webgpu" || backend === "webgl" ? "async" : "sync";
}

/**
 * One Adam step on one batch (`floats`, NHWC, one row of `labels` per image): the batch's
 * loss (read with `await`) and the number of mined tuples (0 without a miner).
 */
async function trainStep(
  ctx: StepContext,
  floats: Float32Array,
  labels: Int32Array,
): Promise<{ value: number; tuples: number }> {
  const { net, xbm } = ctx;
  const miner = xbm ? undefined : ctx.miner;
  const shape: [number, number, number, number] = [labels.length, ...net.inputShape];
  const rows = (data: Float32Array) => ({ data, rows: labels.length, dim: net.dim });
  let indices: IndicesTuple | undefined;
  if (miner && ctx.minerReads === "async") {
    // The same forward pass as the step's below (same weights, same images), outside the
    // gradient tape so that its read can be awaited.
    const embeddings = tf.tidy(() => net.apply(tf.tensor4d(floats, shape)));
    try {
      indices = miner.mine(rows((await embeddings.data()) as Float32Array), labels);
    } finally {
      embeddings.dispose();
    }
  }
  const lossTensor = tf.tidy((): tf.Scalar => {
    const x = tf.tensor4d(floats, shape);
    return ctx.optimizer.minimize(
      (): tf.Scalar => {
        const embeddings = net.apply(x);
        if (miner && ctx.minerReads === "sync") {
          // dataSync(): tfjs's gradient tape is synchronous; on the CPU backends this read
          // is a copy in host memory, and it saves a second forward pass.
          indices = miner.mine(rows(embeddings.dataSync() as Float32Array), labels);
        }
        if (xbm) return xbm.compute(embeddings, labels);
        return ctx.loss.compute(embeddings, labels, indices);
      },
      true,
      ctx.variables,
    )!;
  });
  try {
    const value = (await lossTensor.data())[0];
    const mined = xbm ? xbm.lastIndices() : indices;
    return { value, tuples: mined ? tupleCount(mined) : 0 };
  } finally {
    lossTensor.dispose();
  }
}

/**
 * Trains `net` on the samples `trainIndices` of `dataset`.
 *
 * Training is a pure function of the network's initial weights, the data and the options
 * on one backend: with `onCheckpoint` and `resumeFrom`, an interrupted run continues to
 * the same weights and losses as an uninterrupted one.
 *
 * @param net The network; its weights change in place.
 * @param dataset Images and labels.
 * @param trainIndices The training split.
 * @param options Loss, miner, schedule, checkpoints and callbacks.
 * @returns Timing and the final loss.
 * @throws {RangeError} On invalid options, a checkpoint that does not fit, or when the loss
 * becomes NaN or infinite.
 *
 * @example
 * ```ts
 * import { createEmbeddingNet } from "../model/embedding_net.ts";
 * import { train, type TrainState } from "./train.ts";
 * import { tripletMarginLoss } from "../losses/mod.ts";
 * const images = new Uint8Array(8 * 8 * 8).map((_, i) => (i * 37) % 256);
 * const data = { source: "x", images, labels: new Int32Array([0, 0, 1, 1, 0, 0, 1, 1]),
 *   classNames: ["a", "b"], height: 8, width: 8, channels: 1, warnings: [] };
 * const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4 });
 * const states: TrainState[] = [];
 * const r = await train(net, data, new Int32Array([0, 1, 2, 3, 4, 5, 6, 7]), {
 *   loss: tripletMarginLoss(), epochs: 1, batchSize: 4, samplesPerClass: 2,
 *   onCheckpoint: (state) => void states.push(state),
 * });
 * if (!Number.isFinite(r.finalLoss) || states[0].epoch !== 1) throw new Error("no loss");
 * net.dispose();
 * ```
 */
export async function train(
  net: EmbeddingNet,
  dataset: ImageDataset,
  trainIndices: Int32Array,
  options: TrainOptions,
): Promise<TrainResult> {
  const epochs = options.epochs ?? 10;
  const batchSize = options.batchSize ?? 64;
  const m = options.samplesPerClass ?? 4;
  const learningRate = options.learningRate ?? 1e-3;
  const checkpointEvery = options.checkpointEvery ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) {
    throw invalidOption("epochs", epochs, "must be a non-negative integer");
  }
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw invalidOption("learningRate", learningRate, "must be a positive number");
  }
  if (options.minerReads !== undefined && !["sync", "async"].includes(options.minerReads)) {
    throw invalidOption("minerReads", options.minerReads, 'must be "sync" or "async"');
  }
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new RangeError(`Invalid checkpointEvery ${checkpointEvery}: must be a positive integer`);
  }
  const sampler = createMPerClassSampler(dataset.labels, trainIndices, {
    m,
    batchSize,
    seed: options.seed ?? 0,
  });
  const lossVariables = options.loss.trainableVariables?.() ?? [];
  const variables = [...net.variables, ...lossVariables];
  const resume = options.resumeFrom;
  if (resume) checkState(resume, net.variables, lossVariables, epochs);
  const memory = options.memory;
  if (memory && (!Number.isInteger(memory.fromEpoch) || memory.fromEpoch < 1)) {
    throw invalidOption("memory.fromEpoch", memory.fromEpoch, "must be a positive integer");
  }
  if (memory && resume && resume.epoch >= memory.fromEpoch && !resume.memory) {
    throw new RangeError(
      `Cannot resume at epoch ${resume.epoch}: the checkpoint has no cross-batch memory`,
    );
  }
  const optimizer = tf.train.adam(learningRate);
  const [h, w, c] = net.inputShape;
  const buffer = new Float32Array(batchSize * h * w * c);
  const emit = options.onRecord ?? (() => {});
  let trainSeconds = resume?.trainSeconds ?? 0;
  let images = resume?.images ?? 0;
  let finalLoss = resume?.finalLoss ?? 0;
  let step = resume?.step ?? 0;
  const total = epochs * sampler.batchesPerEpoch;
  const checkAbort = abortChecker(options.signal);
  const stepContext: StepContext = {
    net,
    loss: options.loss,
    miner: options.miner,
    minerReads: options.minerReads ?? defaultMinerReads(),
    optimizer,
    variables,
  };
  const snapshot = async (epoch: number): Promise<TrainState> => ({
    epoch,
    step,
    trainSeconds,
    images,
    finalLoss,
    weights: await Promise.all(net.variables.map(async (v) => Float32Array.from(await v.data()))),
    lossWeights: await Promise.all(
      lossVariables.map(async (v) => Float32Array.from(await v.data())),
    ),
    optimizer: await captureAdam(optimizer),
    ...(options.miner?.randomState ? { minerRandomState: options.miner.randomState() } : {}),
    ...(memory ? { memory: memory.xbm.state() } : {}),
  });
  try {
    if (resume) {
      tf.tidy(() => {
        net.variables.forEach((v, i) => v.assign(tf.tensor(resume.weights[i], v.shape)));
        lossVariables.forEach((v, i) => v.assign(tf.tensor(resume.lossWeights[i], v.shape)));
      });
      if (resume.optimizer.firstMoments.length) {
        await restoreAdam(optimizer, resume.optimizer, variables);
      }
      if (resume.minerRandomState !== undefined) {
        options.miner?.setRandomState?.(resume.minerRandomState);
      }
      if (memory && resume.memory) memory.xbm.setState(resume.memory);
    }
    for (let epoch = (resume?.epoch ?? 0) + 1; epoch <= epochs; epoch++) {
      const started = performance.now();
      stepContext.xbm = memory && epoch >= memory.fromEpoch ? memory.xbm : undefined;
      let lossSum = 0, tupleSum = 0;
      const batches = sampler.epoch(epoch - 1);
      const augmentRng = options.augment
        ? createRng((options.seed ?? 0) * 7919 + epoch)
        : undefined;
      for (const batch of batches) {
        await checkAbort();
        const labels = new Int32Array(batch.length);
        for (let i = 0; i < batch.length; i++) labels[i] = dataset.labels[batch[i]];
        const floats = toFloatBatch(dataset, batch, buffer).subarray(0, batch.length * h * w * c);
        if (augmentRng) augmentBatch(floats, [batch.length, h, w, c], augmentRng);
        const { value, tuples } = await trainStep(stepContext, floats, labels);
        step++;
        if (!Number.isFinite(value)) {
          throw new RangeError(
            `Training diverged: the loss became ${value} at epoch ${epoch}, step ${step}; try a lower --lr (now ${learningRate})`,
          );
        }
        lossSum += value;
        tupleSum += tuples;
        images += batch.length;
        options.onBatch?.(step, total);
      }
      const seconds = (performance.now() - started) / 1000;
      trainSeconds += seconds;
      finalLoss = batches.length ? lossSum / batches.length : 0;
      const record: TrainRecord = {
        type: "epoch",
        epoch,
        loss: finalLoss,
        seconds,
        imagesPerSecond: (batches.length * batchSize) / seconds,
      };
      if (options.miner || stepContext.xbm) {
        record.minedTuplesPerBatch = batches.length ? tupleSum / batches.length : 0;
      }
      if (memory) record.memory = stepContext.xbm !== undefined;
      const extra = await options.afterEpoch?.(epoch);
      emit(extra ? { ...record, ...extra } : record);
      if (options.onCheckpoint && (epoch % checkpointEvery === 0 || epoch === epochs)) {
        await options.onCheckpoint(await snapshot(epoch));
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { trainSeconds, finalLoss, imagesPerSecond: trainSeconds > 0 ? images / trainSeconds : 0 };
}
