/**
 * Choosing and preparing the tfjs backend: {@linkcode selectBackend} (the only place that
 * calls `tf.setBackend`) with its names ({@linkcode BACKEND_NAMES}), options and result
 * ({@linkcode BackendInfo}), the default thread count, and the queries
 * {@linkcode blasAvailable} and {@linkcode oneDnnAvailable} (whether the `blas` and
 * `onednn` backends can start here). The kernels, FFI bindings and tfjs-version checks
 * behind them are internal: import their files directly only to test them.
 *
 * ```ts
 * import { BACKEND_NAMES, defaultThreads } from "./mod.ts";
 * const threads = defaultThreads(); // every core, up to 8
 * if (!BACKEND_NAMES.includes("auto") || threads < 1 || threads > 8) throw new Error();
 * ```
 *
 * @module
 */
export {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  defaultThreads,
  selectBackend,
  type SelectBackendOptions,
} from "./select_backend.ts";
export { blasAvailable } from "./blas.ts";
export { oneDnnAvailable } from "./onednn.ts";
