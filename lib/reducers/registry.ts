/**
 * Rebuilding a reducer from its `config()`.
 *
 * @module
 */
import type { ComponentConfig, Reducer } from "../types.ts";
import { unknownNameError } from "../_suggest.ts";
import { meanReducer } from "./mean_reducer.ts";
import { avgNonZeroReducer } from "./avg_non_zero_reducer.ts";
import { thresholdReducer } from "./threshold_reducer.ts";

/** The registry names of the reducers. */
export const REDUCER_NAMES = ["mean", "avg-non-zero", "threshold"] as const;

/**
 * Builds the reducer that `config()` described.
 *
 * @param config `{ name, ...options }` as returned by a reducer's `config()`.
 * @returns A new reducer with the same options.
 * @throws {RangeError} For an unknown name (with the closest valid one) or a bad option.
 *
 * @example
 * ```ts
 * import { reducerFromConfig } from "./registry.ts";
 * const r = reducerFromConfig({ name: "threshold", low: 0.1 });
 * if (r.config().low !== 0.1) throw new Error("lost an option");
 * ```
 */
export function reducerFromConfig(config: ComponentConfig): Reducer {
  switch (config.name) {
    case "mean":
      return meanReducer();
    case "avg-non-zero":
      return avgNonZeroReducer();
    case "threshold":
      return thresholdReducer({
        low: config.low as number | undefined,
        high: config.high as number | undefined,
      });
    default:
      throw unknownNameError("reducer", config.name, REDUCER_NAMES);
  }
}
