/**
 * Choosing and preparing the tfjs backend: {@linkcode selectBackend} (the only place that
 * calls `tf.setBackend`) with its names ({@linkcode BACKEND_NAMES}), options and result
 * ({@linkcode BackendInfo}), the default thread count, and the queries
 * {@linkcode blasAvailable} and {@linkcode oneDnnAvailable} (whether the `blas` and
 * `onednn` backends can start here). The kernels, FFI bindings and tfjs-version checks
 * behind them are internal: import their files directly only to test them.
 *
 * This folder is the one boundary to native code and tfjs's internals: `_engine.ts` alone
 * reads tfjs's engine and wasm internals (after checking tfjs-core and tfjs-backend-wasm
 * are the versions it was written for), `blas.ts` and `onednn/` alone call native
 * libraries (oneDNN at the 2.6 its bindings were written for), `blas_kernels.ts` installs
 * the kernels of the `_*_kernels.ts` files, and `conv_ops.ts` gives `lib/model` its fused
 * convolution and trunk ops. A version other than the one written for is refused in one
 * line, and `auto` falls back to the next backend.
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
