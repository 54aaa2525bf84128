/**
 * Helpers shared by the distances (and the losses): safe square roots, L2 normalisation
 * on tensors and on plain arrays, and the option checks.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { EmbeddingMatrix } from "../types.ts";

/** The floor of the norm in `x / max(||x||, eps)` (PML, torch.nn.functional.normalize). */
export const NORM_EPS = 1e-12;

/**
 * `sqrt(s)` for `s >= 0` whose value and gradient are exactly 0 where `s == 0`.
 * tf.step(0) is 0 and has a zero gradient, so the mask carries no gradient.
 */
export function safeSqrt<T extends tf.Tensor>(s: T): T {
  return tf.tidy(() => {
    const mask = tf.step(s);
    return tf.mul(tf.sqrt(tf.add(s, tf.sub(1, mask))), mask) as T;
  });
}

/** Rows of `x` divided by `max(||row||, 1e-12)`, differentiable (zero rows stay zero). */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = safeSqrt(tf.sum(tf.square(x), 1, true));
    return tf.div(x, tf.maximum(norm, NORM_EPS)) as tf.Tensor2D;
  });
}

/** A float64 copy of `m`, rows L2-normalised when `normalize` (same rule as the tensors). */
export function rowsAsFloat64(m: EmbeddingMatrix, normalize: boolean): Float64Array {
  const out = Float64Array.from(m.data);
  if (!normalize) return out;
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let k = 0; k < m.dim; k++) s += out[i * m.dim + k] ** 2;
    const n = Math.max(Math.sqrt(s), NORM_EPS);
    for (let k = 0; k < m.dim; k++) out[i * m.dim + k] /= n;
  }
  return out;
}

/** Throws a TypeError unless `a` and `b` are valid matrices of the same width. */
export function checkPair(action: string, a: EmbeddingMatrix, b: EmbeddingMatrix): void {
  for (const m of [a, b]) {
    if (m.data.length !== m.rows * m.dim) {
      throw new TypeError(
        `Cannot ${action}: data has ${m.data.length} values, expected rows*dim = ${m.rows}*${m.dim}`,
      );
    }
  }
  if (a.dim !== b.dim) {
    throw new TypeError(`Cannot ${action}: embedding widths differ (${a.dim} vs ${b.dim})`);
  }
}

/** Throws a TypeError unless both tensors are 2-D with the same width. */
export function checkTensors(action: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new TypeError(
      `Cannot ${action}: expected 2-D tensors, got ranks ${a.rank} and ${b.rank}`,
    );
  }
  if (a.shape[1] !== b.shape[1]) {
    throw new TypeError(
      `Cannot ${action}: embedding widths differ (${a.shape[1]} vs ${b.shape[1]})`,
    );
  }
}

/** Plain float64 matrix of row dot products, rows normalised first when `normalize`. */
export function dotRows(
  action: string,
  a: EmbeddingMatrix,
  b: EmbeddingMatrix | undefined,
  normalize: boolean,
): Float64Array {
  const bb = b ?? a;
  checkPair(action, a, bb);
  const x = rowsAsFloat64(a, normalize);
  const y = b === undefined ? x : rowsAsFloat64(bb, normalize);
  const dim = a.dim;
  const out = new Float64Array(a.rows * bb.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < bb.rows; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += x[i * dim + k] * y[j * dim + k];
      out[i * bb.rows + j] = s;
    }
  }
  return out;
}

/** `x - y`, PML's `margin` for a distance; `tf.sub` when either is a tensor (caller disposes). */
export function distanceMargin(x: number, y: number): number;
export function distanceMargin(x: number | tf.Tensor, y: number | tf.Tensor): tf.Tensor;
export function distanceMargin(x: number | tf.Tensor, y: number | tf.Tensor): number | tf.Tensor {
  return typeof x === "number" && typeof y === "number" ? x - y : tf.sub(x, y);
}

/** `y - x`, PML's `margin` for a similarity; `tf.sub` when either is a tensor (caller disposes). */
export function similarityMargin(x: number, y: number): number;
export function similarityMargin(x: number | tf.Tensor, y: number | tf.Tensor): tf.Tensor;
export function similarityMargin(x: number | tf.Tensor, y: number | tf.Tensor): number | tf.Tensor {
  return typeof x === "number" && typeof y === "number" ? y - x : tf.sub(y, x);
}
