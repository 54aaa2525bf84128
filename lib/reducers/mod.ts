/**
 * Reducers: from per-tuple loss terms to one scalar (PML's `reducers/`).
 *
 * @module
 */
export { meanReducer } from "./mean_reducer.ts";
export { avgNonZeroReducer } from "./avg_non_zero_reducer.ts";
export { thresholdReducer, type ThresholdReducerOptions } from "./threshold_reducer.ts";
export { REDUCER_NAMES, reducerFromConfig } from "./registry.ts";
