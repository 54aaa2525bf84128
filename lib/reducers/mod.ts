/**
 * Reducers: from per-tuple loss terms to one scalar (PML's `reducers/`):
 * {@linkcode meanReducer}, {@linkcode avgNonZeroReducer}, {@linkcode thresholdReducer},
 * and {@linkcode reducerFromConfig} to build one by name.
 *
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { avgNonZeroReducer, meanReducer } from "./mod.ts";
 * const terms = tf.tensor1d([1, 2, 3, 0]);
 * if (meanReducer().reduce({ losses: terms, kind: "element" }).dataSync()[0] !== 1.5) throw new Error("mean");
 * if (avgNonZeroReducer().reduce({ losses: terms, kind: "element" }).dataSync()[0] !== 2) throw new Error("non-zero");
 * ```
 *
 * @module
 */
export { meanReducer } from "./mean_reducer.ts";
export { avgNonZeroReducer } from "./avg_non_zero_reducer.ts";
export { thresholdReducer, type ThresholdReducerOptions } from "./threshold_reducer.ts";
export { REDUCER_NAMES, reducerFromConfig } from "./registry.ts";
