/**
 * The mean of the positive loss terms, PML's `AvgNonZeroReducer`.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { ComponentConfig, Reducer, ReductionInput } from "../types.ts";
import { meanInside } from "./threshold_reducer.ts";

/**
 * Reduces terms to the mean of those strictly greater than 0 (PML's `AvgNonZeroReducer`,
 * which is `ThresholdReducer(low=0)`). Zero terms are left out of the denominator; when no
 * term is positive the result is 0 with an all-zero gradient.
 *
 * @returns The reducer.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { avgNonZeroReducer } from "./avg_non_zero_reducer.ts";
 * const v = avgNonZeroReducer().reduce({ losses: tf.tensor1d([0, 1, 3, 0]), kind: "element" }).dataSync()[0];
 * if (v !== 2) throw new Error(String(v));
 * ```
 */
export function avgNonZeroReducer(): Reducer {
  return {
    config(): ComponentConfig {
      return { name: "avg-non-zero" };
    },
    reduce({ losses: terms }: ReductionInput): tf.Scalar {
      return meanInside(terms, 0);
    },
  };
}
