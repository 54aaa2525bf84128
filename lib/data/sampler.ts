/**
 * Batch samplers: class-balanced batches for metric learning (PML's `MPerClassSampler`)
 * and plain shuffled batches.
 *
 * @module
 */
import { createRng } from "../random.ts";
import type { ComponentConfig } from "../types.ts";

/** Yields the batches of each epoch, deterministically from a seed and the epoch index. */
export interface BatchSampler {
  /** Number of batches of every epoch. */
  readonly batchesPerEpoch: number;
  /** The batches of epoch `epochIndex` (0-based): sample indices into the dataset. */
  epoch(epochIndex: number): Int32Array[];
  /** The sampler's name and options. */
  config(): ComponentConfig;
}

/** Options of {@linkcode createMPerClassSampler}. */
export interface MPerClassSamplerOptions {
  /**
   * Samples per class in each batch.
   * @default {4}
   */
  m?: number;
  /** Samples per batch: a multiple of `m`, at least `2 * m`. */
  batchSize: number;
  /** Seed; with the epoch index it fixes the batches. */
  seed: number;
}

/** Options of {@linkcode createRandomSampler}. */
export interface RandomSamplerOptions {
  /** Samples per batch. */
  batchSize: number;
  /** Seed; with the epoch index it fixes the batches. */
  seed: number;
  /**
   * Drop the last batch when it is smaller than `batchSize`.
   * @default {false}
   */
  dropLast?: boolean;
}

function epochRng(seed: number, epochIndex: number) {
  return createRng(seed * 1000003 + epochIndex);
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Invalid batch size ${batchSize}: must be a positive integer`);
  }
}

function checkEpoch(epochIndex: number): void {
  if (!Number.isInteger(epochIndex) || epochIndex < 0) {
    throw new RangeError(`Invalid epoch index ${epochIndex}: must be a non-negative integer`);
  }
}

/**
 * Creates a class-balanced sampler, like PML's `MPerClassSampler`: each batch holds
 * `batchSize / m` distinct classes, chosen uniformly at random, with `m` samples each.
 *
 * Within a class, samples are drawn in a shuffled order that is used up before any sample
 * repeats, so an epoch covers the data evenly. A class with fewer than `m` samples fills
 * its `m` places by drawing again with replacement. When the samples hold fewer classes
 * than `batchSize / m`, every batch holds all the classes, and so only
 * `classes * m` samples. An epoch has `max(1, floor(indices.length / batchSize))` batches.
 * The batches depend only on (labels, indices, options, epoch index).
 *
 * @param labels Class index of every sample of the dataset.
 * @param indices The samples to draw from (for example the train split).
 * @param options `m`, `batchSize` and `seed`.
 * @returns The sampler.
 * @throws {RangeError} When `batchSize` is not a multiple of `m`, `batchSize < 2 * m`, or
 * `indices` is empty.
 *
 * @example
 * ```ts
 * import { createMPerClassSampler } from "./sampler.ts";
 * const labels = new Int32Array([0, 0, 0, 1, 1, 1, 2, 2, 2]);
 * const sampler = createMPerClassSampler(labels, Int32Array.from(labels.keys()), {
 *   m: 2, batchSize: 4, seed: 0,
 * });
 * const [batch] = sampler.epoch(0);
 * if (batch.length !== 4 || labels[batch[0]] !== labels[batch[1]]) throw new Error("unbalanced");
 * ```
 */
export function createMPerClassSampler(
  labels: Int32Array,
  indices: Int32Array,
  options: MPerClassSamplerOptions,
): BatchSampler {
  const { m = 4, batchSize, seed } = options;
  if (!Number.isInteger(m) || m < 1) {
    throw new RangeError(`Invalid m ${m}: must be a positive integer`);
  }
  checkBatchSize(batchSize);
  if (batchSize % m !== 0 || batchSize < 2 * m) {
    throw new RangeError(
      `Invalid batch size ${batchSize} for m=${m}: must be a multiple of m and at least 2*m`,
    );
  }
  if (indices.length === 0) throw new RangeError("Cannot sample batches: no samples given");

  const byClass = new Map<number, number[]>();
  for (const i of indices) {
    const members = byClass.get(labels[i]);
    if (members) members.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const members = classes.map((c) => Int32Array.from(byClass.get(c)!));
  const classesPerBatch = Math.min(batchSize / m, classes.length);
  const batchesPerEpoch = Math.max(1, Math.floor(indices.length / batchSize));

  return {
    batchesPerEpoch,
    epoch(epochIndex: number): Int32Array[] {
      checkEpoch(epochIndex);
      const rng = epochRng(seed, epochIndex);
      // One shuffled queue per class, refilled (reshuffled) when used up.
      const queues = members.map((list) => rng.shuffle(list.slice()));
      const cursors = new Int32Array(classes.length);
      const order = Int32Array.from(classes.keys());
      const batches: Int32Array[] = [];
      for (let b = 0; b < batchesPerEpoch; b++) {
        // Partial Fisher-Yates: the first classesPerBatch entries are a uniform choice.
        for (let j = 0; j < classesPerBatch; j++) {
          const k = j + rng.int(order.length - j);
          const tmp = order[j];
          order[j] = order[k];
          order[k] = tmp;
        }
        const batch = new Int32Array(classesPerBatch * m);
        let at = 0;
        for (let j = 0; j < classesPerBatch; j++) {
          const c = order[j];
          const queue = queues[c];
          if (queue.length < m) {
            for (let s = 0; s < m; s++) batch[at++] = queue[rng.int(queue.length)];
            continue;
          }
          for (let s = 0; s < m; s++) {
            if (cursors[c] === queue.length) {
              rng.shuffle(queue);
              cursors[c] = 0;
            }
            batch[at++] = queue[cursors[c]++];
          }
        }
        batches.push(batch);
      }
      return batches;
    },
    config: () => ({ name: "m-per-class", m, batchSize, seed }),
  };
}

/**
 * Creates a plain sampler: each epoch shuffles `indices` and cuts them into batches of
 * `batchSize` (the last one smaller unless `dropLast`).
 *
 * @param indices The samples to draw from.
 * @param options `batchSize`, `seed` and `dropLast`.
 * @returns The sampler.
 * @throws {RangeError} When `batchSize` is not a positive integer or `indices` is empty.
 *
 * @example
 * ```ts
 * import { createRandomSampler } from "./sampler.ts";
 * const sampler = createRandomSampler(new Int32Array([0, 1, 2, 3, 4]), { batchSize: 2, seed: 3 });
 * const sizes = sampler.epoch(0).map((b) => b.length);
 * if (sizes.join() !== "2,2,1") throw new Error(`got ${sizes}`);
 * ```
 */
export function createRandomSampler(
  indices: Int32Array,
  options: RandomSamplerOptions,
): BatchSampler {
  const { batchSize, seed, dropLast = false } = options;
  checkBatchSize(batchSize);
  if (indices.length === 0) throw new RangeError("Cannot sample batches: no samples given");
  if (dropLast && indices.length < batchSize) {
    throw new RangeError(
      `Cannot sample batches: ${indices.length} samples are fewer than one batch of ${batchSize}`,
    );
  }
  const source = indices.slice();
  const batchesPerEpoch = dropLast
    ? Math.floor(source.length / batchSize)
    : Math.ceil(source.length / batchSize);
  return {
    batchesPerEpoch,
    epoch(epochIndex: number): Int32Array[] {
      checkEpoch(epochIndex);
      const shuffled = epochRng(seed, epochIndex).shuffle(source.slice());
      const batches: Int32Array[] = [];
      for (let b = 0; b < batchesPerEpoch; b++) {
        batches.push(shuffled.slice(b * batchSize, (b + 1) * batchSize));
      }
      return batches;
    },
    config: () => ({ name: "random", batchSize, seed, dropLast }),
  };
}
