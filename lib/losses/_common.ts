/**
 * Helpers shared by the losses: the zero loss, gathering pair values from a matrix,
 * masks, a masked log-sum-exp with PML's "+1", and option checks.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type {
  ComponentConfig,
  Distance,
  IndicesTuple,
  Json,
  LossReferences,
  Reducer,
} from "../types.ts";

/**
 * PML's "zero loss": `sum(embeddings) * 0`, a 0 that is still connected to the
 * embeddings, so tf.grad returns an all-zero gradient rather than failing.
 */
export function zeroLoss(embeddings: tf.Tensor2D): tf.Scalar {
  // + 0 turns the -0 of a negative sum into +0.
  return tf.tidy(() => tf.add(tf.mul(tf.sum(embeddings), 0), 0) as tf.Scalar);
}

/** The values `mat[rows[i], cols[i]]`, by tf.gather on the flattened matrix (tf.gatherND has no gradient in tfjs 4.22). */
export function gatherPairs(mat: tf.Tensor2D, rows: Int32Array, cols: Int32Array): tf.Tensor1D {
  return tf.tidy(() => {
    const m = mat.shape[1];
    const flat = Int32Array.from(rows, (r, i) => r * m + cols[i]);
    return tf.gather(tf.reshape(mat, [-1]), tf.tensor1d(flat, "int32")) as tf.Tensor1D;
  });
}

/** A constant n x m float mask with `value` added at every (rows[i], cols[i]) (or set to 1 when `set`). */
export function pairMask(
  n: number,
  m: number,
  rows: Int32Array,
  cols: Int32Array,
  set: boolean,
): Float32Array {
  const out = new Float32Array(n * m);
  for (let i = 0; i < rows.length; i++) {
    const k = rows[i] * m + cols[i];
    out[k] = set ? 1 : out[k] + 1;
  }
  return out;
}

/**
 * `log(1 + sum_{j: mask} exp(x_j))` along `axis` (PML's `logsumexp(..., add_one=True)`),
 * 0 where the mask is empty. Stable: the exponents are shifted by max(0, max of the masked
 * values), and unmasked entries enter as 0 so they can neither overflow nor carry gradient.
 */
export function logOnePlusSumExp(x: tf.Tensor2D, mask: tf.Tensor2D, axis: 0 | 1): tf.Tensor1D {
  return tf.tidy(() => {
    const xm = tf.mul(x, mask);
    const shift = tf.maximum(tf.max(xm, axis, true), 0);
    const s = tf.add(
      tf.sum(tf.mul(tf.exp(tf.sub(xm, shift)), mask), axis, true),
      tf.exp(tf.neg(shift)),
    );
    return tf.reshape(tf.add(tf.log(s), shift), [-1]) as tf.Tensor1D;
  });
}

/** Throws a TypeError unless `embeddings` is 2-D with one label per row. */
export function checkInputs(name: string, embeddings: tf.Tensor, labels: Int32Array): void {
  if (embeddings.rank !== 2) {
    throw new TypeError(
      `Cannot compute ${name}: embeddings must be 2-D, got rank ${embeddings.rank}`,
    );
  }
  if (labels.length !== embeddings.shape[0]) {
    throw new TypeError(
      `Cannot compute ${name}: ${labels.length} labels for ${embeddings.shape[0]} embeddings`,
    );
  }
}

/**
 * Throws a TypeError when an anchor is outside [0, n) or a positive or negative outside
 * [0, m) (the references; the batch again when `m` is undefined).
 */
export function checkIndices(
  name: string,
  indices: IndicesTuple | undefined,
  n: number,
  m?: number,
): void {
  if (indices === undefined) return;
  const lists = indices.kind === "pairs"
    ? [indices.posAnchors, indices.positives, indices.negAnchors, indices.negatives]
    : [indices.anchors, indices.positives, indices.negatives];
  if (
    lists[0].length !== lists[1].length ||
    lists[lists.length - 2].length !== lists[lists.length - 1].length
  ) {
    throw new TypeError(`Cannot compute ${name}: index lists of one tuple kind differ in length`);
  }
  const anchors = new Set([lists[0], indices.kind === "pairs" ? lists[2] : lists[0]]);
  for (const l of lists) {
    const inBatch = anchors.has(l) || m === undefined;
    const size = inBatch ? n : m;
    const what = inBatch ? "the batch" : "the references";
    for (const v of l) {
      if (!(v >= 0 && v < size)) {
        throw new TypeError(`Cannot compute ${name}: index ${v} is outside ${what} of ${size}`);
      }
    }
  }
}

/** The references a loss measures against: none, or checked tensors and labels. */
export interface ResolvedReferences {
  /** The reference rows, or undefined to measure the batch against itself. */
  embeddings: tf.Tensor2D | undefined;
  /** The reference labels, or undefined without references. */
  labels: Int32Array | undefined;
  /** The number of reference rows (the batch size without references). */
  m: number;
}

/**
 * Checks `ref` against the batch (2-D, the same width, one label per row); without `ref`,
 * the batch is its own reference.
 */
export function resolveReferences(
  name: string,
  embeddings: tf.Tensor2D,
  labels: Int32Array,
  ref: LossReferences | undefined,
): ResolvedReferences {
  if (ref === undefined) return { embeddings: undefined, labels: undefined, m: labels.length };
  const e = ref.embeddings;
  if (e?.rank !== 2 || e.shape[1] !== embeddings.shape[1]) {
    throw new TypeError(
      `Cannot compute ${name}: references must be 2-D and ${
        embeddings.shape[1]
      } wide, got shape [${e?.shape}]`,
    );
  }
  if (ref.labels?.length !== e.shape[0]) {
    throw new TypeError(
      `Cannot compute ${name}: ${ref.labels?.length} reference labels for ${
        e.shape[0]
      } reference embeddings`,
    );
  }
  return { embeddings: e, labels: ref.labels, m: e.shape[0] };
}

/** Throws a TypeError when references are given to a loss that PML computes without them. */
export function refuseReferences(name: string, ref: LossReferences | undefined): void {
  if (ref !== undefined) {
    throw new TypeError(
      `Cannot compute ${name} with reference embeddings: PML does not support them for this loss`,
    );
  }
}

/** Throws a RangeError unless `value` is finite (and >= 0, or > 0 when `positive`). */
export function checkNumber(
  factory: string,
  key: string,
  value: number,
  rule: "any" | "non-negative" | "positive" = "non-negative",
): void {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    (rule === "any" || (rule === "positive" ? value > 0 : value >= 0));
  if (!ok) {
    const what = rule === "any" ? "a finite number" : rule === "positive" ? "> 0" : ">= 0";
    throw new RangeError(`Cannot create ${factory}: ${key} must be ${what}, got ${value}`);
  }
}

/** Throws a TypeError unless `distance` and `reducer` look like a Distance and a Reducer. */
export function checkParts(factory: string, distance?: Distance, reducer?: Reducer): void {
  if (distance !== undefined && typeof distance.matrix !== "function") {
    throw new TypeError(`Cannot create ${factory}: distance is not a Distance`);
  }
  if (reducer !== undefined && typeof reducer.reduce !== "function") {
    throw new TypeError(`Cannot create ${factory}: reducer is not a Reducer`);
  }
}

/** A nested component config as a JSON value. */
export function nested(config: ComponentConfig): Json {
  return config as Json;
}

/**
 * PML's `convert_to_weights`: 1 for every sample without `indices`; otherwise each sample's
 * number of occurrences in all index lists divided by the largest such count (0 when absent).
 */
export function minerWeights(indices: IndicesTuple | undefined, n: number): Float32Array {
  const lists = indices === undefined
    ? []
    : indices.kind === "pairs"
    ? [indices.posAnchors, indices.positives, indices.negAnchors, indices.negatives]
    : [indices.anchors, indices.positives, indices.negatives];
  if (lists.every((l) => l.length === 0)) return new Float32Array(n).fill(1);
  const counts = new Float64Array(n);
  for (const l of lists) for (const v of l) counts[v]++;
  let max = 0;
  for (const c of counts) max = Math.max(max, c);
  return Float32Array.from(counts, (c) => c / max);
}

/** Throws a TypeError unless every label is an integer in [0, numClasses). */
export function checkClassLabels(name: string, labels: Int32Array, numClasses: number): void {
  for (const l of labels) {
    if (!(l >= 0 && l < numClasses)) {
      throw new TypeError(`Cannot compute ${name}: label ${l} is outside [0, ${numClasses})`);
    }
  }
}

/** A row-major one-hot matrix, `labels.length` x `numClasses`. */
export function oneHot(labels: Int32Array, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  labels.forEach((l, i) => out[i * numClasses + l] = 1);
  return out;
}
