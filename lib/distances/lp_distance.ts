/**
 * The Lp (Euclidean) distance, PML's `LpDistance`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { ComponentConfig, Distance, EmbeddingMatrix } from "../types.ts";
import {
  checkPair,
  checkTensors,
  distanceMargin,
  l2NormalizeRows,
  rowsAsFloat64,
  safeSqrt,
} from "./_common.ts";

/** Options of {@linkcode lpDistance}. */
export interface LpDistanceOptions {
  /**
   * L2-normalise the embeddings first, `x / max(||x||, 1e-12)`.
   * @default {true}
   */
  normalize?: boolean;
  /**
   * The norm order; only 2 is supported.
   * @default {2}
   */
  p?: number;
  /**
   * The distance is raised to this power (1: distance, 2: squared distance).
   * @default {1}
   */
  power?: number;
}

/**
 * The Euclidean distance `||a_i - b_j||_2 ^ power` between rows, PML's
 * `LpDistance(p=2, power=1, normalize_embeddings=True)` by default.
 *
 * `matrix()` computes the differences by broadcasting (`[N,1,D] - [1,M,D]`), not with the
 * `|a|^2 + |b|^2 - 2ab` matmul formula, so there is no cancellation, and its square root is
 * safe: a distance of exactly 0 (duplicates, the diagonal) has value and gradient 0.
 * Memory is N*M*D floats.
 *
 * @param options Normalisation, order and power.
 * @returns The distance (`isInverted: false`).
 * @throws {RangeError} When `p` is not 2 or `power` is not positive.
 *
 * @example
 * ```ts
 * import { lpDistance } from "./lp_distance.ts";
 * const d = lpDistance({ normalize: false });
 * const m = d.matrixArray({ data: new Float64Array([0, 0, 3, 4]), rows: 2, dim: 2 });
 * if (m[1] !== 5) throw new Error(String(m[1]));
 * ```
 */
export function lpDistance(options: LpDistanceOptions = {}): Distance {
  const normalize = options.normalize ?? true;
  const p = options.p ?? 2;
  const power = options.power ?? 1;
  if (typeof normalize !== "boolean") {
    throw new TypeError(`Cannot create lpDistance: normalize must be a boolean, got ${normalize}`);
  }
  if (p !== 2) {
    throw new RangeError(`Cannot create lpDistance: p must be 2 (only p=2 is supported), got ${p}`);
  }
  if (!(typeof power === "number" && Number.isFinite(power) && power > 0)) {
    throw new RangeError(`Cannot create lpDistance: power must be > 0, got ${power}`);
  }
  const fromSquared = (s: tf.Tensor2D): tf.Tensor2D => {
    if (power === 2) return s;
    const d = safeSqrt(s);
    if (power === 1) return d;
    // d^power with power > 0: 0 stays 0; mask the gradient there.
    const mask = tf.step(d);
    return tf.mul(tf.pow(tf.add(d, tf.sub(1, mask)), power), mask) as tf.Tensor2D;
  };
  return {
    isInverted: false,
    normalize,
    config(): ComponentConfig {
      return { name: "lp", normalize, p, power };
    },
    matrix(a: tf.Tensor2D, b?: tf.Tensor2D): tf.Tensor2D {
      checkTensors("compute lp distance matrix", a, b ?? a);
      return tf.tidy(() => {
        const x = normalize ? l2NormalizeRows(a) : a;
        const y = b === undefined ? x : normalize ? l2NormalizeRows(b) : b;
        const diff = tf.sub(tf.expandDims(x, 1), tf.expandDims(y, 0));
        return fromSquared(tf.sum(tf.square(diff), 2) as tf.Tensor2D);
      });
    },
    matrixArray(a: EmbeddingMatrix, b?: EmbeddingMatrix): Float64Array {
      const bb = b ?? a;
      checkPair("compute lp distance matrix", a, bb);
      const x = rowsAsFloat64(a, normalize);
      const y = b === undefined ? x : rowsAsFloat64(bb, normalize);
      const dim = a.dim;
      const out = new Float64Array(a.rows * bb.rows);
      for (let i = 0; i < a.rows; i++) {
        for (let j = 0; j < bb.rows; j++) {
          let s = 0;
          for (let k = 0; k < dim; k++) {
            const t = x[i * dim + k] - y[j * dim + k];
            s += t * t;
          }
          out[i * bb.rows + j] = power === 2 ? s : Math.sqrt(s) ** power;
        }
      }
      return out;
    },
    margin: distanceMargin,
  };
}
