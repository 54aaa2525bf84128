/**
 * The plain mean of the loss terms, PML's `MeanReducer`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { ComponentConfig, Reducer, ReductionInput } from "../types.ts";

/**
 * Reduces terms to their mean; no term gives 0 (still connected to the input, so the
 * gradient is all zeros rather than missing).
 *
 * @returns The reducer.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { meanReducer } from "./mean_reducer.ts";
 * const v = meanReducer().reduce({ losses: tf.tensor1d([1, 2, 3, 0]), kind: "element" }).dataSync()[0];
 * if (v !== 1.5) throw new Error(String(v));
 * ```
 */
export function meanReducer(): Reducer {
  return {
    config(): ComponentConfig {
      return { name: "mean" };
    },
    reduce({ losses: terms }: ReductionInput): tf.Scalar {
      return tf.tidy(() => {
        const n = terms.size;
        return (n === 0 ? tf.sum(terms) : tf.div(tf.sum(terms), n)) as tf.Scalar;
      });
    },
  };
}
