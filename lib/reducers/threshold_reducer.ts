/**
 * The mean of the loss terms inside an open interval, PML's `ThresholdReducer`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { ComponentConfig, Reducer, ReductionInput } from "../types.ts";

/** Options of {@linkcode thresholdReducer}. */
export interface ThresholdReducerOptions {
  /**
   * Terms must be strictly greater than this; no lower bound when absent.
   * @default {undefined}
   */
  low?: number;
  /**
   * Terms must be strictly less than this; no upper bound when absent.
   * @default {undefined}
   */
  high?: number;
}

/** The differentiable mean of the terms `t` with `low < t < high`; 0 when there is none. */
export function meanInside(terms: tf.Tensor1D, low?: number, high?: number): tf.Scalar {
  return tf.tidy(() => {
    if (terms.size === 0) return tf.sum(terms) as tf.Scalar;
    // tf.step, not tf.greater: comparisons have no gradient in tfjs 4.22, and step's
    // gradient is 0, so the mask and the count carry none. step(0) = 0: strict bounds.
    let mask: tf.Tensor = tf.onesLike(terms);
    if (low !== undefined) mask = tf.mul(mask, tf.step(tf.sub(terms, low)));
    if (high !== undefined) mask = tf.mul(mask, tf.step(tf.sub(high, terms)));
    const count = tf.sum(mask);
    return tf.div(tf.sum(tf.mul(terms, mask)), tf.maximum(count, 1)) as tf.Scalar;
  });
}

/**
 * Reduces terms to the mean of those strictly inside `(low, high)`, PML's
 * `ThresholdReducer(low, high)`: `mean(t[low < t < high])`, or 0 (with an all-zero
 * gradient) when no term passes. Terms outside the interval are left out of the
 * denominator. A missing bound is no bound.
 *
 * @param options The bounds.
 * @returns The reducer.
 * @throws {RangeError} When a bound is not a finite number or `low >= high`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { thresholdReducer } from "./threshold_reducer.ts";
 * const v = thresholdReducer({ low: 1, high: 4 }).reduce({ losses: tf.tensor1d([1, 2, 3, 4]), kind: "element" }).dataSync()[0];
 * if (v !== 2.5) throw new Error(String(v));
 * ```
 */
export function thresholdReducer(options: ThresholdReducerOptions = {}): Reducer {
  const { low, high } = options;
  for (const [key, v] of [["low", low], ["high", high]] as const) {
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v))) {
      throw new RangeError(
        `Cannot create thresholdReducer: ${key} must be a finite number, got ${v}`,
      );
    }
  }
  if (low !== undefined && high !== undefined && low >= high) {
    throw new RangeError(`Cannot create thresholdReducer: low (${low}) must be < high (${high})`);
  }
  return {
    config(): ComponentConfig {
      const c: ComponentConfig = { name: "threshold" };
      if (low !== undefined) c.low = low;
      if (high !== undefined) c.high = high;
      return c;
    },
    reduce({ losses: terms }: ReductionInput): tf.Scalar {
      return meanInside(terms, low, high);
    },
  };
}
