/**
 * Choosing and preparing the tfjs backend.
 *
 * @module
 */
export * from "./fast_gradients.ts";
export * from "./select_backend.ts";
export * from "./blas.ts";
export * from "./blas_kernels.ts";
export * from "./onednn.ts";
