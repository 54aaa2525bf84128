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
import type { ImageDataset, IndicesTuple, Json, MetricLoss, Miner } from "../types.ts";

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
  /** Called after each epoch (1-based); may return evaluation figures to record. */
  afterEpoch?: (epoch: number) => Record<string, Json> | undefined;
}

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

/**
 * Trains `net` on the samples `trainIndices` of `dataset`.
 *
 * @param net The network; its weights change in place.
 * @param dataset Images and labels.
 * @param trainIndices The training split.
 * @param options Loss, miner, schedule and callbacks.
 * @returns Timing and the final loss.
 * @throws {RangeError} On invalid options, or when the loss becomes NaN or infinite.
 *
 * @example
 * ```ts
 * import { createEmbeddingNet } from "../model/embedding_net.ts";
 * import { train } from "./train.ts";
 * import { tripletMarginLoss } from "../losses/mod.ts";
 * const images = new Uint8Array(8 * 8 * 8).map((_, i) => (i * 37) % 256);
 * const data = { source: "x", images, labels: new Int32Array([0, 0, 1, 1, 0, 0, 1, 1]),
 *   classNames: ["a", "b"], height: 8, width: 8, channels: 1, warnings: [] };
 * const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4 });
 * const r = await train(net, data, new Int32Array([0, 1, 2, 3, 4, 5, 6, 7]),
 *   { loss: tripletMarginLoss(), epochs: 1, batchSize: 4, samplesPerClass: 2 });
 * if (!Number.isFinite(r.finalLoss)) throw new Error("no loss");
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
  if (!Number.isInteger(epochs) || epochs < 0) {
    throw new RangeError(`Invalid --epochs ${epochs}: must be a non-negative integer`);
  }
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new RangeError(`Invalid --lr ${learningRate}: must be a positive number`);
  }
  const sampler = createMPerClassSampler(dataset.labels, trainIndices, {
    m,
    batchSize,
    seed: options.seed ?? 0,
  });
  const optimizer = tf.train.adam(learningRate);
  const [h, w, c] = net.inputShape;
  const buffer = new Float32Array(batchSize * h * w * c);
  const emit = options.onRecord ?? (() => {});
  let trainSeconds = 0, images = 0, finalLoss = 0, step = 0;
  const total = epochs * sampler.batchesPerEpoch;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = performance.now();
      let lossSum = 0, tupleSum = 0;
      const batches = sampler.epoch(epoch - 1);
      const augmentRng = options.augment
        ? createRng((options.seed ?? 0) * 7919 + epoch)
        : undefined;
      for (const batch of batches) {
        const labels = new Int32Array(batch.length);
        for (let i = 0; i < batch.length; i++) labels[i] = dataset.labels[batch[i]];
        const floats = toFloatBatch(dataset, batch, buffer).subarray(0, batch.length * h * w * c);
        if (augmentRng) augmentBatch(floats, [batch.length, h, w, c], augmentRng);
        let tuples = 0;
        const lossTensor = tf.tidy((): tf.Scalar => {
          const x = tf.tensor4d(floats, [batch.length, h, w, c]);
          return optimizer.minimize(
            (): tf.Scalar => {
              const embeddings = net.apply(x);
              let indices: IndicesTuple | undefined;
              if (options.miner) {
                indices = options.miner.mine(
                  { data: embeddings.dataSync() as Float32Array, rows: batch.length, dim: net.dim },
                  labels,
                );
                tuples = tupleCount(indices);
              }
              return options.loss.compute(embeddings, labels, indices);
            },
            true,
            [...net.variables, ...(options.loss.trainableVariables?.() ?? [])],
          )!;
        });
        const value = (await lossTensor.data())[0];
        lossTensor.dispose();
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
      if (options.miner) {
        record.minedTuplesPerBatch = batches.length ? tupleSum / batches.length : 0;
      }
      const extra = options.afterEpoch?.(epoch);
      emit(extra ? { ...record, ...extra } : record);
    }
  } finally {
    optimizer.dispose();
  }
  return { trainSeconds, finalLoss, imagesPerSecond: trainSeconds > 0 ? images / trainSeconds : 0 };
}
