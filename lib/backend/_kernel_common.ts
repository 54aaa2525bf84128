/**
 * What the `blas` and `onednn` kernels share: their argument types, the native libraries
 * they call (set by `installBlasKernels`), scratch arrays, and views of tensors in the wasm
 * heap (read through `_engine.ts`, the one module that touches tfjs's internals).
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { Blas } from "./blas.ts";
import type { ConvGeometry, OneDnn } from "./onednn.ts";
import { createSimdKernels, type SimdKernels } from "./_simd_kernels.ts";
import { tensorAddress, wasmHeap, wasmMemory, wasmOutput, wasmValues } from "./_engine.ts";

/** A kernel's arguments on the wasm backend. */
export type Args = {
  inputs: Record<string, tf.TensorInfo>;
  backend: BackendWasm;
  attrs?: Record<string, unknown>;
};
/** A replacement kernel, with the kernel it replaces to fall back on. */
export type Kernel = (args: Args, fallback: tf.KernelConfig) => tf.TensorInfo;

/** Floats of im2col columns built at once: bounds the scratch memory to 64 MiB. */
export const CHUNK_FLOATS = 16 * 2 ** 20;

/** The native libraries the kernels call, and the wasm kernels they replaced. */
export const state: {
  /** The BLAS library (set before any kernel runs). */
  blas: Blas;
  /** oneDNN, when the convolutions run on it (the `onednn` backend). */
  dnnl: OneDnn | undefined;
  /** The wasm backend's own kernels, by name, while these are installed. */
  replaced: Map<string, tf.KernelConfig>;
} = { blas: undefined as unknown as Blas, dnnl: undefined, replaced: new Map() };
/**
 * Scratch arrays reused from call to call (kernels run one at a time): fresh arrays of
 * tens of MiB cost page faults on every step.
 */
export const scratch = {
  cols: new Float32Array(0),
  pad: new Float32Array(0),
  grid: new Float32Array(0),
  /** All ones (never handed out by `scratchOf`): the GEMV of leading-axis sums. */
  ones: new Float32Array(0),
};

/** A scratch array of `size` floats (zeroed on request), valid until the next call. */
export function scratchOf(name: "cols" | "pad" | "grid", size: number, zero = false): Float32Array {
  if (scratch[name].length < size) scratch[name] = new Float32Array(size);
  const view = scratch[name].subarray(0, size);
  if (zero) view.fill(0);
  return view;
}

/**
 * A view of a tensor's floats in the wasm heap. Views die when the heap grows: make
 * them after every allocation of the kernel (outputs first).
 */
export const values = wasmValues;

/** The wasm heap's bytes. */
export const heapOf = wasmHeap;

/** A tensor's byte address in the wasm heap. */
export const address = tensorAddress;

/** A new float32 output tensor of the wasm backend. */
export const output = wasmOutput;

/** The geometry oneDNN takes, from tfjs's convolution info. */
export function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

const simdByMemory = new WeakMap<WebAssembly.Memory, SimdKernels | string>();

/**
 * The SIMD loops on this backend's heap, or undefined where they cannot run (the heap's
 * Memory object is not reachable, or WebAssembly SIMD is missing): the scalar loops run.
 */
export function simdFor(backend: BackendWasm): SimdKernels | undefined {
  const memory = wasmMemory(backend);
  if (!memory) return undefined;
  let kernels = simdByMemory.get(memory);
  if (kernels === undefined) simdByMemory.set(memory, kernels = createSimdKernels(memory));
  return typeof kernels === "string" ? undefined : kernels;
}

/**
 * Whether the ReLU and max-pool gradients of these kernels run as WebAssembly SIMD on the
 * current wasm backend (else as scalar JavaScript loops, slower, same results).
 *
 * @returns True when the SIMD loops are in use.
 *
 * @example
 * ```ts ignore
 * import { blasKernelsUseSimd } from "./blas_kernels.ts";
 * console.log(blasKernelsUseSimd());
 * ```
 */
export function blasKernelsUseSimd(): boolean {
  return tf.getBackend() === "wasm" && simdFor(tf.backend() as BackendWasm) !== undefined;
}

/** Elements of a shape. */
export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Whether every tensor is float32. */
export function isFloat(...infos: tf.TensorInfo[]): boolean {
  return infos.every((t) => t.dtype === "float32");
}

/** Whether a convolution's attributes ask for NHWC (the only layout these kernels take). */
export function nhwcOnly(attrs: Record<string, unknown>): boolean {
  return attrs.dataFormat === undefined || attrs.dataFormat === "NHWC" ||
    attrs.dataFormat === "channelsLast";
}

/** Runs the replaced kernel instead. */
export function callFallback(fallback: tf.KernelConfig, args: Args): tf.TensorInfo {
  return fallback.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/** x as `[outer, inner]` summed over its rows into `out`. */
export function sumLeading(x: Float32Array, outer: number, inner: number, out: Float32Array): void {
  // ones[1 x outer] times x[outer x inner]: one pass at memory speed on every core.
  if (scratch.ones.length < outer) scratch.ones = new Float32Array(outer).fill(1);
  state.blas.sgemm(false, false, 1, inner, outer, scratch.ones.subarray(0, outer), x, out);
}
