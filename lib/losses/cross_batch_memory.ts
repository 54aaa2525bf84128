/**
 * Cross-batch memory (XBM), PML's `CrossBatchMemory`: a queue of the embeddings of recent
 * batches that every batch is mined against.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type {
  ComponentConfig,
  IndicesTuple,
  Json,
  LossReferences,
  MemoryState,
  MetricLoss,
  Miner,
  Scalar,
  Tensor2D,
  Variable,
} from "../types.ts";
import { allPairs, toPairs, toTriplets } from "../miners/tuples.ts";
import { LOSSES } from "./registry.ts";

/** The losses PML's `CrossBatchMemory` accepts (its `supported_losses()`), by PML name. */
const PML_SUPPORTED = new Set([
  "AngularLoss",
  "CircleLoss",
  "ContrastiveLoss",
  "GeneralizedLiftedStructureLoss",
  "IntraPairVarianceLoss",
  "LiftedStructureLoss",
  "MarginLoss",
  "MultiSimilarityLoss",
  "NCALoss",
  "NTXentLoss",
  "SignalToNoiseRatioContrastiveLoss",
  "SupConLoss",
  "TripletMarginLoss",
  "TupletMarginLoss",
]);

/** Options of {@linkcode crossBatchMemory}. */
export interface CrossBatchMemoryOptions {
  /**
   * The number of embeddings the queue holds (PML's `memory_size`).
   * @default {1024}
   */
  memorySize?: number;
  /** The width of the embeddings (PML's `embedding_size`); required. */
  embeddingSize: number;
  /**
   * Mines (batch as anchors, memory as references); without one, every positive and
   * negative pair between the batch and the memory is used.
   * @default {undefined}
   */
  miner?: Miner;
}

/** The queue of a {@linkcode CrossBatchMemory}, for checkpoints (`MemoryState`). */
export type CrossBatchMemoryState = MemoryState;

/** A loss wrapped in a cross-batch memory: a {@linkcode MetricLoss} with a queue. */
export interface CrossBatchMemory extends MetricLoss {
  /** The number of slots of the queue. */
  readonly memorySize: number;
  /** The width of the embeddings. */
  readonly embeddingSize: number;
  /**
   * PML's `forward(embeddings, labels, indices_tuple)`: enqueues the batch (detached), then
   * applies the loss to (batch as anchors, filled slots as references), a sample never
   * paired with its own slot. `indices` (batch indices) are added to the mined tuples, as
   * PML does. References cannot be given (TypeError). Each call enqueues: call it once per
   * step. Caller disposes the result.
   */
  compute(
    embeddings: Tensor2D,
    labels: Int32Array,
    indices?: IndicesTuple,
    ref?: LossReferences,
  ): Scalar;
  /**
   * PML's `forward(embeddings, labels, enqueue_mask=mask)`: the samples where `mask` is
   * true only go to the memory, the others are anchors only (so no self-comparison can
   * occur). Caller disposes the result.
   */
  computeMasked(
    embeddings: Tensor2D,
    labels: Int32Array,
    enqueueMask: ArrayLike<boolean>,
  ): Scalar;
  /** The tuple the last call passed to the loss (anchors: batch rows; others: slots). */
  lastIndices(): IndicesTuple | undefined;
  /** A copy of the queue, for checkpoints. */
  state(): CrossBatchMemoryState;
  /** Restores a queue that `state()` returned (copied). */
  setState(state: CrossBatchMemoryState): void;
  /** Empties the queue: zeros, label 0, slot 0, not filled (PML's `reset_queue`). */
  reset(): void;
}

/**
 * Whether PML's CrossBatchMemory takes the loss of this registry name (its
 * `supported_losses()`): not ArcFace or ProxyAnchor, which learn class weights.
 *
 * @param name A loss registry name.
 * @returns False for an unknown name too.
 */
export function memorySupportsLoss(name: string): boolean {
  const description = LOSSES.find((d) => d.name === name);
  return description !== undefined && PML_SUPPORTED.has(description.pmlName);
}

/** Throws unless `loss` is a loss that PML's CrossBatchMemory supports. */
function checkLoss(loss: MetricLoss): void {
  if (typeof loss?.compute !== "function" || typeof loss.config !== "function") {
    throw new TypeError("Cannot create crossBatchMemory: loss is not a MetricLoss");
  }
  const name = loss.config().name;
  const description = LOSSES.find((d) => d.name === name);
  if (description !== undefined && !PML_SUPPORTED.has(description.pmlName)) {
    throw new TypeError(
      `Cannot create crossBatchMemory: PML's CrossBatchMemory does not support ${description.pmlName} (loss "${name}")`,
    );
  }
}

function checkPositiveInteger(key: string, value: number): void {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new RangeError(
      `Cannot create crossBatchMemory: ${key} must be a positive integer, got ${value}`,
    );
  }
}

/**
 * Drops the positive pairs (or triplets) whose positive is the anchor's own slot: batch row
 * a was written to slot (start + a) mod memorySize.
 */
function removeSelfComparisons(t: IndicesTuple, start: number, size: number): IndicesTuple {
  const anchors = t.kind === "pairs" ? t.posAnchors : t.anchors;
  const keep: number[] = [];
  for (let i = 0; i < anchors.length; i++) {
    if (t.positives[i] !== (start + anchors[i]) % size) keep.push(i);
  }
  const pick = (l: Int32Array) => Int32Array.from(keep, (i) => l[i]);
  if (t.kind === "pairs") {
    return { ...t, posAnchors: pick(t.posAnchors), positives: pick(t.positives) };
  }
  return {
    kind: "triplets",
    anchors: pick(t.anchors),
    positives: pick(t.positives),
    negatives: pick(t.negatives),
  };
}

/** PML's `concatenate_indices_tuples`, after converting `extra` to the kind of `t`. */
function concatenate(t: IndicesTuple, extra: IndicesTuple, labels: Int32Array): IndicesTuple {
  const cat = (a: Int32Array, b: Int32Array) => Int32Array.from([...a, ...b]);
  if (t.kind === "pairs") {
    const e = toPairs(extra, labels);
    return {
      kind: "pairs",
      posAnchors: cat(t.posAnchors, e.posAnchors),
      positives: cat(t.positives, e.positives),
      negAnchors: cat(t.negAnchors, e.negAnchors),
      negatives: cat(t.negatives, e.negatives),
    };
  }
  const e = toTriplets(extra, labels);
  return {
    kind: "triplets",
    anchors: cat(t.anchors, e.anchors),
    positives: cat(t.positives, e.positives),
    negatives: cat(t.negatives, e.negatives),
  };
}

/** Checks and copies a state for a queue of `size` slots of width `dim`. */
function copyState(s: CrossBatchMemoryState, size: number, dim: number): CrossBatchMemoryState {
  const bad = (why: string) => new TypeError(`Cannot restore crossBatchMemory state: ${why}`);
  if (s?.embeddings?.length !== size * dim) {
    throw bad(`embeddings hold ${s?.embeddings?.length} values, expected ${size}*${dim}`);
  }
  if (s.labels?.length !== size) throw bad(`${s.labels?.length} labels, expected ${size}`);
  if (!(Number.isInteger(s.queueIdx) && s.queueIdx >= 0 && s.queueIdx < size)) {
    throw bad(`queueIdx must be an integer in [0, ${size}), got ${s.queueIdx}`);
  }
  if (typeof s.hasBeenFilled !== "boolean") {
    throw bad(`hasBeenFilled must be a boolean, got ${s.hasBeenFilled}`);
  }
  return {
    embeddings: Float32Array.from(s.embeddings),
    labels: Int32Array.from(s.labels),
    queueIdx: s.queueIdx,
    hasBeenFilled: s.hasBeenFilled,
  };
}

/** An empty queue: zeros, label 0, slot 0, not filled. */
function emptyState(size: number, dim: number): CrossBatchMemoryState {
  return {
    embeddings: new Float32Array(size * dim),
    labels: new Int32Array(size),
    queueIdx: 0,
    hasBeenFilled: false,
  };
}

/**
 * Writes rows `rows` of the batch at slots `queueIdx, queueIdx + 1, ...` modulo `size` and
 * moves `queueIdx` on; the queue is filled once `queueIdx` wraps (or lands on 0).
 */
function enqueue(
  q: CrossBatchMemoryState,
  size: number,
  dim: number,
  data: ArrayLike<number>,
  labels: Int32Array,
  rows: number[],
): void {
  if (rows.length === 0) return;
  rows.forEach((r, k) => {
    const slot = (q.queueIdx + k) % size;
    for (let c = 0; c < dim; c++) q.embeddings[slot * dim + c] = data[r * dim + c];
    q.labels[slot] = labels[r];
  });
  const prev = q.queueIdx;
  q.queueIdx = (q.queueIdx + rows.length) % size;
  if (q.queueIdx <= prev) q.hasBeenFilled = true;
}

/** Checks a batch and splits its rows into those to enqueue and the anchors. */
function splitBatch(
  embeddings: tf.Tensor2D,
  labels: Int32Array,
  mask: ArrayLike<boolean> | undefined,
  size: number,
  dim: number,
): { queued: number[]; anchorRows: number[] } {
  const action = "Cannot compute crossBatchMemory";
  if (embeddings?.rank !== 2 || embeddings.shape[1] !== dim) {
    throw new TypeError(
      `${action}: embeddings must be 2-D and ${dim} wide, got shape [${embeddings?.shape}]`,
    );
  }
  const b = embeddings.shape[0];
  if (labels?.length !== b) {
    throw new TypeError(`${action}: ${labels?.length} labels for ${b} embeddings`);
  }
  if (mask !== undefined && mask.length !== b) {
    throw new TypeError(`${action}: enqueue mask has ${mask.length} entries for ${b} embeddings`);
  }
  const all = Array.from({ length: b }, (_, i) => i);
  const queued = mask === undefined ? all : all.filter((i) => mask[i]);
  if (queued.length > size) {
    throw new RangeError(
      `${action}: ${queued.length} samples to enqueue exceed memorySize ${size}` +
        (mask === undefined ? " (use a larger memory or an enqueue mask)" : ""),
    );
  }
  return { queued, anchorRows: mask === undefined ? all : all.filter((i) => !mask[i]) };
}

/**
 * Wraps `loss` in a cross-batch memory (Wang et al. 2020, "Cross-Batch Memory for
 * Embedding Learning"), PML's `CrossBatchMemory(loss, embedding_size, memory_size, miner)`.
 * Each call writes the batch (detached) into the queue at slots `queueIdx ..
 * queueIdx + B - 1` modulo `memorySize`, then applies `loss` with the batch as anchors and
 * the written slots as references (all slots once the queue has wrapped), dropping the
 * pairs of a sample with its own slot; the gradient flows to the batch only. With a miner,
 * it mines (batch, memory) first.
 *
 * Decided where PML's behaviour is accidental: an enqueue of no sample (an all-false mask)
 * leaves the queue as it is (PML marks it filled), and with batches of one sample the
 * self-pair is dropped too (PML keeps it).
 *
 * @param loss The loss; one that PML's CrossBatchMemory refuses (ArcFace, ProxyAnchor) is
 *   a TypeError.
 * @param options Memory size, embedding size and miner.
 * @returns The wrapped loss, with its queue.
 * @throws {RangeError} When `memorySize` or `embeddingSize` is not a positive integer.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { crossBatchMemory } from "./cross_batch_memory.ts";
 * import { contrastiveLoss } from "./contrastive_loss.ts";
 * const xbm = crossBatchMemory(contrastiveLoss(), { memorySize: 8, embeddingSize: 2 });
 * const loss = xbm.compute(tf.tensor2d([[1, 0], [0.9, 0.2], [0, 1], [0.1, 1]]), new Int32Array([0, 0, 1, 1]));
 * if (!(loss.dataSync()[0] >= 0) || xbm.state().queueIdx !== 4) throw new Error();
 * ```
 */
export function crossBatchMemory(
  loss: MetricLoss,
  options: CrossBatchMemoryOptions,
): CrossBatchMemory {
  const memorySize = options?.memorySize ?? 1024;
  const embeddingSize = options?.embeddingSize;
  const miner = options?.miner;
  checkPositiveInteger("memorySize", memorySize);
  checkPositiveInteger("embeddingSize", embeddingSize);
  checkLoss(loss);
  if (miner !== undefined && typeof miner.mine !== "function") {
    throw new TypeError("Cannot create crossBatchMemory: miner is not a Miner");
  }
  const dim = embeddingSize;
  let q = emptyState(memorySize, dim);
  let last: IndicesTuple | undefined;

  const forward = (
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: IndicesTuple | undefined,
    mask: ArrayLike<boolean> | undefined,
  ): tf.Scalar => {
    const { queued, anchorRows } = splitBatch(embeddings, labels, mask, memorySize, dim);
    const data = embeddings.dataSync();
    const start = q.queueIdx;
    enqueue(q, memorySize, dim, data, labels, queued);
    const used = q.hasBeenFilled ? memorySize : q.queueIdx;
    // Views, not copies: they are read before the next call writes the queue again.
    const refData = q.embeddings.subarray(0, used * dim);
    const refLabels = q.labels.subarray(0, used);
    const anchorLabels = Int32Array.from(anchorRows, (i) => labels[i]);
    const anchorData = new Float32Array(anchorRows.length * dim);
    anchorRows.forEach((r, k) => anchorData.set(data.subarray(r * dim, (r + 1) * dim), k * dim));
    let tuple: IndicesTuple = miner === undefined ? allPairs(anchorLabels, refLabels) : miner.mine(
      { data: anchorData, rows: anchorRows.length, dim },
      anchorLabels,
      { embeddings: { data: refData, rows: used, dim }, labels: refLabels },
    );
    if (mask === undefined) tuple = removeSelfComparisons(tuple, start, memorySize);
    if (indices !== undefined) tuple = concatenate(tuple, indices, anchorLabels);
    last = tuple;
    return tf.tidy(() => {
      const anchors = mask === undefined
        ? embeddings
        : tf.gather(embeddings, tf.tensor1d(Int32Array.from(anchorRows), "int32")) as tf.Tensor2D;
      const ref = tf.tensor2d(refData, [used, dim]);
      return loss.compute(anchors, anchorLabels, tuple, { embeddings: ref, labels: refLabels });
    });
  };

  const xbm: CrossBatchMemory = {
    memorySize,
    embeddingSize,
    config(): ComponentConfig {
      return {
        name: "cross-batch-memory",
        memorySize,
        embeddingSize,
        loss: loss.config() as Json,
        miner: (miner?.config() ?? null) as Json,
      };
    },
    compute(embeddings, labels, indices, ref) {
      if (ref !== undefined) {
        throw new TypeError(
          "Cannot compute crossBatchMemory with reference embeddings: the memory is the reference",
        );
      }
      return forward(embeddings, labels, indices, undefined);
    },
    computeMasked(embeddings, labels, enqueueMask) {
      if (typeof enqueueMask?.length !== "number") {
        throw new TypeError("Cannot compute crossBatchMemory: enqueueMask is not an array");
      }
      return forward(embeddings, labels, undefined, enqueueMask);
    },
    lastIndices: () => last,
    state: () => copyState(q, memorySize, dim),
    setState(state) {
      q = copyState(state, memorySize, dim);
      last = undefined;
    },
    reset() {
      q = emptyState(memorySize, dim);
      last = undefined;
    },
  };
  if (loss.trainableVariables !== undefined) {
    xbm.trainableVariables = (): Variable[] => loss.trainableVariables!();
  }
  return xbm;
}
