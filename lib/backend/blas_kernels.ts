/**
 * The `blas` backend: tfjs's wasm backend (XNNPACK and SIMD for the element-wise ops,
 * one thread) with its heavy kernels replaced by native GEMM calls on every core (see
 * `blas.ts`). The GEMMs read and write the wasm heap in place through typed-array views.
 *
 * - `Conv2D`: im2col over a chunk of images, then one GEMM with the filter, which is
 *   already laid out as a `[kh * kw * ci, co]` matrix.
 * - `Conv2DBackpropFilter`: the same columns, transposed, times dy.
 * - `Conv2DBackpropInput`: dy times the transposed filter, scattered back (col2im).
 * - `BatchMatMul`: one GEMM per batch entry, transposes handled by BLAS.
 * - `Sum` over leading axes (every bias gradient) as one pass with no transpose.
 * - The ReLU gradient: one pass (`dy` where `x > 0`) instead of Step, Cast and Mul; the
 *   gradient registered for `Relu` uses it while these kernels are installed on wasm.
 * - `Identity` shares the input's memory (a reference count, as the cpu backend does)
 *   instead of copying it: the gradient tape clones every tensor it saves.
 * - `FusedConv2D` (inference: convolution, bias and ReLU) adds the bias and applies the
 *   ReLU in one SIMD pass over the convolution's output.
 * - `MaxPoolGrad`: one pass over the windows, first maximum wins (as tfjs's cpu backend),
 *   reading and writing the heap in place.
 * - With oneDNN (the `onednn` backend), two kernels of metriclab's own: conv64's
 *   convolutional part as one chain of oneDNN primitives (`TRUNK_KERNEL`) and its
 *   gradient (`TRUNK_GRAD_KERNEL`). A forward pass under a gradient tape keeps its
 *   activations (buffers from the wasm heap's allocator, which `tf.memory()` does not
 *   count) until the gradient kernel uses them, its tape ends, or four newer passes wait.
 *
 * Cases these do not cover (NCHW, int inputs, broadcast batch matmuls of mismatched
 * batch sizes) run the wasm backend's own kernel (or the fast gradient one). The kernels
 * read tfjs-backend-wasm 4.22 internals (`backend.dataIdMap`, `backend.wasm.HEAPU8`,
 * `makeOutput`); {@linkcode installBlasKernels} refuses another version with a clear
 * message, and {@linkcode uninstallBlasKernels} restores the wasm kernels.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { conv2DInfo } from "./_conv_info.ts";
import { createSimdKernels, type SimdKernels } from "./_simd_kernels.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type Blas, loadBlas } from "./blas.ts";
import { FAST_GRADIENTS_TFJS_VERSION } from "./fast_gradients.ts";
import {
  type ConvGeometry,
  loadOneDnn,
  type OneDnn,
  type TrunkGeometry,
  type TrunkPlan,
} from "./onednn.ts";
import {
  FILTER_BIAS_GRAD_KERNEL,
  RELU_GRAD_KERNEL,
  TRUNK_GRAD_KERNEL,
  TRUNK_KERNEL,
} from "./_kernel_names.ts";

type Args = {
  inputs: Record<string, tf.TensorInfo>;
  backend: BackendWasm;
  attrs?: Record<string, unknown>;
};
type Kernel = (args: Args, fallback: tf.KernelConfig) => tf.TensorInfo;

/** Floats of im2col columns built at once: bounds the scratch memory to 64 MiB. */
const CHUNK_FLOATS = 16 * 2 ** 20;

let blas: Blas;
/** oneDNN, when the convolutions run on it (the `onednn` backend). */
let dnnl: OneDnn | undefined;
/**
 * Scratch arrays reused from call to call (kernels run one at a time): fresh arrays of
 * tens of MiB cost page faults on every step.
 */
const scratch = {
  cols: new Float32Array(0),
  pad: new Float32Array(0),
  grid: new Float32Array(0),
  /** All ones (never handed out by `scratchOf`): the GEMV of leading-axis sums. */
  ones: new Float32Array(0),
};

function scratchOf(name: "cols" | "pad" | "grid", size: number, zero = false): Float32Array {
  if (scratch[name].length < size) scratch[name] = new Float32Array(size);
  const view = scratch[name].subarray(0, size);
  if (zero) view.fill(0);
  return view;
}

type WasmData = { memoryOffset: number };

/**
 * A view of a tensor's floats in the wasm heap. Views die when the heap grows: make
 * them after every allocation of the kernel (outputs first).
 */
function values(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return new Float32Array(heapOf(backend).buffer, address(backend, info), sizeOf(info.shape));
}

function heapOf(backend: BackendWasm): Uint8Array {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

/** The geometry oneDNN takes, from tfjs's convolution info. */
function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
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

/** A tensor's byte address in the wasm heap. */
function address(backend: BackendWasm, info: tf.TensorInfo): number {
  return (backend.dataIdMap.get(info.dataId) as unknown as WasmData).memoryOffset;
}

const simdByMemory = new WeakMap<WebAssembly.Memory, SimdKernels | string>();

/**
 * The SIMD loops on this backend's heap, or undefined where they cannot run (the heap's
 * Memory object is not reachable, or WebAssembly SIMD is missing): the scalar loops run.
 */
function simdFor(backend: BackendWasm): SimdKernels | undefined {
  const module = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const memory = module.asm?.memory ?? module.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
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

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A new float32 output tensor of the wasm backend. */
function output(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, "float32");
}

function isFloat(...infos: tf.TensorInfo[]): boolean {
  return infos.every((t) => t.dtype === "float32");
}

/** Images per GEMM chunk for a convolution. */
function chunkImages(info: tf.backend_util.Conv2DInfo): number {
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth *
    info.inChannels;
  return Math.max(1, Math.min(info.batchSize, Math.floor(CHUNK_FLOATS / perImage)));
}

/** True when columns equal the input itself (1x1, stride 1, no padding). */
function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 &&
    info.strideWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0;
}

/**
 * Writes the im2col rows of images [b0, b0 + nb) of x into cols, one filter tap at a
 * time: the inner loop runs along an output row with a fixed stride and no bounds
 * checks, which matters for the first layers (1 or 3 channels), where a loop per tap and
 * pixel would do almost no work per iteration.
 */
function im2col(
  x: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  b0: number,
  nb: number,
  cols: Float32Array,
): void {
  const { inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const k = kh * kw * c, step = sw * c;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const tap = (ky * kw + kx) * c, shift = kx * dw - left;
      // Output columns [lo, hi) read inside the image.
      const lo = Math.min(ow, Math.max(0, Math.ceil(-shift / sw)));
      const hi = Math.max(lo, Math.min(ow, Math.floor((w - 1 - shift) / sw) + 1));
      for (let b = 0; b < nb; b++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - top + ky * dh;
          let o = ((b * oh + oy) * ow) * k + tap;
          const inside = iy >= 0 && iy < h;
          const end = inside ? lo : ow;
          for (let ox = 0; ox < end; ox++, o += k) for (let i = 0; i < c; i++) cols[o + i] = 0;
          if (!inside) continue;
          let s = (((b0 + b) * h + iy) * w + lo * sw + shift) * c;
          for (let ox = lo; ox < hi; ox++, o += k, s += step) {
            for (let i = 0; i < c; i++) cols[o + i] = x[s + i];
          }
          for (let ox = hi; ox < ow; ox++, o += k) for (let i = 0; i < c; i++) cols[o + i] = 0;
        }
      }
    }
  }
}

/** Adds the im2col-shaped gradient cols of images [b0, b0 + nb) back into dx. */
function col2im(
  cols: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  b0: number,
  nb: number,
  dx: Float32Array,
): void {
  const { inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const rowLength = kw * c;
  let o = 0;
  for (let b = b0; b < b0 + nb; b++) {
    const xb = b * h * w * c;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - top + ky * dh;
          if (iy < 0 || iy >= h) {
            o += rowLength;
            continue;
          }
          const xRow = xb + iy * w * c;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - left + kx * dw;
            if (ix < 0 || ix >= w) {
              o += c;
              continue;
            }
            let s = xRow + ix * c;
            for (let i = 0; i < c; i++) dx[s++] += cols[o++];
          }
        }
      }
    }
  }
}

function nhwcOnly(attrs: Record<string, unknown>): boolean {
  return attrs.dataFormat === undefined || attrs.dataFormat === "NHWC" ||
    attrs.dataFormat === "channelsLast";
}

/**
 * Stride-1 convolutions with enough input channels skip im2col: on the zero-padded
 * input, stacked as one `[B * Hp * Wp, ci]` matrix, the input pixel of output row r and
 * filter tap (ky, kx) is row r + ky * Wp + kx. Each tap is then one GEMM on a contiguous
 * slab of rows, accumulated in the padded output grid, whose rows past the right and
 * bottom edges of each image are computed and dropped.
 */
function useSlabs(info: tf.backend_util.Conv2DInfo): boolean {
  return info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 &&
    info.dilationWidth === 1 && info.inChannels >= SLAB_MIN_CHANNELS && !isPointwise(info);
}

/** Input channels from which the slab formulation beats im2col. */
const SLAB_MIN_CHANNELS = 8;

interface Slabs {
  hp: number;
  wp: number;
  /** Rows of the padded output grid computed. */
  rows: number;
  /** Row offset of each filter tap. */
  shifts: number[];
}

function slabsOf(info: tf.backend_util.Conv2DInfo): Slabs {
  const { top, bottom, left, right } = info.padInfo;
  const hp = info.inHeight + top + bottom, wp = info.inWidth + left + right;
  const shifts: number[] = [];
  for (let ky = 0; ky < info.filterHeight; ky++) {
    for (let kx = 0; kx < info.filterWidth; kx++) shifts.push(ky * wp + kx);
  }
  return { hp, wp, rows: info.batchSize * hp * wp - shifts[shifts.length - 1], shifts };
}

/** x [B, H, W, C] into the zero-padded [B, Hp, Wp, C]. */
function padInput(x: Float32Array, info: tf.backend_util.Conv2DInfo, g: Slabs): Float32Array {
  const { inHeight: h, inWidth: w, inChannels: c } = info;
  const { top, left } = info.padInfo;
  const xp = scratchOf("pad", info.batchSize * g.hp * g.wp * c, true);
  for (let b = 0; b < info.batchSize; b++) {
    for (let y = 0; y < h; y++) {
      const from = (b * h + y) * w * c;
      xp.set(x.subarray(from, from + w * c), ((b * g.hp + y + top) * g.wp + left) * c);
    }
  }
  return xp;
}

/** The interior of the zero-padded [B, Hp, Wp, C] back into x [B, H, W, C]. */
function unpad(xp: Float32Array, info: tf.backend_util.Conv2DInfo, g: Slabs, x: Float32Array) {
  const { inHeight: h, inWidth: w, inChannels: c } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < info.batchSize; b++) {
    for (let y = 0; y < h; y++) {
      const from = ((b * g.hp + y + top) * g.wp + left) * c;
      x.set(xp.subarray(from, from + w * c), (b * h + y) * w * c);
    }
  }
}

/** dy in the padded output grid; the rows past each image's edges are zero. */
function dyGrid(dy: Float32Array, info: tf.backend_util.Conv2DInfo, g: Slabs): Float32Array {
  const grid = scratchOf("grid", g.rows * info.outChannels, true);
  gridRows(info, g, (dense, at, n) => grid.set(dy.subarray(dense, dense + n), at));
  return grid;
}

/** Copies between an output-shaped tensor and the padded output grid, row by row. */
function gridRows(
  info: tf.backend_util.Conv2DInfo,
  g: Slabs,
  visit: (dense: number, grid: number, length: number) => void,
): void {
  const { outHeight: oh, outWidth: ow, outChannels: co } = info;
  for (let b = 0; b < info.batchSize; b++) {
    for (let oy = 0; oy < oh; oy++) {
      visit((b * oh + oy) * ow * co, (b * g.hp + oy) * g.wp * co, ow * co);
    }
  }
}

function filterTap(f: Float32Array, info: tf.backend_util.Conv2DInfo, tap: number) {
  const size = info.inChannels * info.outChannels;
  return f.subarray(tap * size, (tap + 1) * size);
}

/**
 * Rows of the padded grid per block: the taps of a block reuse the same few MiB of
 * input and output while they are in cache, instead of streaming the whole grid 9 times.
 */
const SLAB_BLOCK_ROWS = 4096;

function forBlocks(rows: number, visit: (r0: number, n: number) => void): void {
  for (let r0 = 0; r0 < rows; r0 += SLAB_BLOCK_ROWS) {
    visit(r0, Math.min(SLAB_BLOCK_ROWS, rows - r0));
  }
}

function slabConv2D(
  x: Float32Array,
  f: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  out: Float32Array,
) {
  const g = slabsOf(info), c = info.inChannels, co = info.outChannels;
  const xp = padInput(x, info, g);
  const grid = scratchOf("grid", g.rows * co);
  forBlocks(g.rows, (r0, n) => {
    const target = grid.subarray(r0 * co, (r0 + n) * co);
    g.shifts.forEach((shift, tap) => {
      const a = xp.subarray((r0 + shift) * c, (r0 + shift + n) * c);
      blas.sgemm(false, false, n, co, c, a, filterTap(f, info, tap), target, tap ? 1 : 0);
    });
  });
  gridRows(info, g, (dense, at, n) => out.set(grid.subarray(at, at + n), dense));
}

function slabFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  dw: Float32Array,
) {
  const g = slabsOf(info), c = info.inChannels, co = info.outChannels;
  const xp = padInput(x, info, g);
  const grid = dyGrid(dy, info, g);
  forBlocks(g.rows, (r0, n) => {
    const b = grid.subarray(r0 * co, (r0 + n) * co);
    g.shifts.forEach((shift, tap) => {
      const a = xp.subarray((r0 + shift) * c, (r0 + shift + n) * c);
      blas.sgemm(true, false, c, co, n, a, b, filterTap(dw, info, tap), r0 ? 1 : 0);
    });
  });
}

function slabInputGrad(
  dy: Float32Array,
  f: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  dx: Float32Array,
) {
  const g = slabsOf(info), c = info.inChannels, co = info.outChannels;
  const grid = dyGrid(dy, info, g);
  const dxp = scratchOf("pad", info.batchSize * g.hp * g.wp * c, true);
  forBlocks(g.rows, (r0, n) => {
    const a = grid.subarray(r0 * co, (r0 + n) * co);
    g.shifts.forEach((shift, tap) => {
      const target = dxp.subarray((r0 + shift) * c, (r0 + shift + n) * c);
      blas.sgemm(false, true, n, c, co, a, filterTap(f, info, tap), target, 1);
    });
  });
  unpad(dxp, info, g, dx);
}

/** The im2col columns of x, a chunk of images at a time, each handed to `visit`. */
function forColumnChunks(
  x: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  visit: (b0: number, nb: number, cols: Float32Array) => void,
): void {
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const chunk = chunkImages(info);
  // Stride 1: from the zero-padded input, each filter row's taps are one contiguous run.
  const unit = info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1;
  const g = unit ? slabsOf(info) : undefined;
  const padded = g ? padInput(x, info, g) : undefined;
  for (let b0 = 0; b0 < info.batchSize; b0 += chunk) {
    const nb = Math.min(chunk, info.batchSize - b0);
    const cols = scratchOf("cols", nb * info.outHeight * info.outWidth * k);
    if (padded) im2colPadded(padded, info, g!, b0, nb, cols);
    else im2col(x, info, b0, nb, cols);
    visit(b0, nb, cols);
  }
}

/**
 * im2col rows of images [b0, b0 + nb) from the zero-padded input of a stride-1
 * convolution: each filter row is one run of `kw * channels` floats, copied by a loop
 * unrolled for the runs of 3x3 filters on 1 and 3 channels (the first layers).
 */
function im2colPadded(
  xp: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  g: Slabs,
  b0: number,
  nb: number,
  cols: Float32Array,
): void {
  const { inChannels: c, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { hp, wp } = g;
  const run = kw * c;
  let o = 0;
  for (let b = b0; b < b0 + nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const s = ((b * hp + oy + ky) * wp + ox) * c;
          if (run === 9) {
            cols[o] = xp[s], cols[o + 1] = xp[s + 1], cols[o + 2] = xp[s + 2];
            cols[o + 3] = xp[s + 3], cols[o + 4] = xp[s + 4], cols[o + 5] = xp[s + 5];
            cols[o + 6] = xp[s + 6], cols[o + 7] = xp[s + 7], cols[o + 8] = xp[s + 8];
          } else if (run === 3) {
            cols[o] = xp[s], cols[o + 1] = xp[s + 1], cols[o + 2] = xp[s + 2];
          } else if (run >= 64) {
            cols.set(xp.subarray(s, s + run), o);
          } else {
            for (let i = 0; i < run; i++) cols[o + i] = xp[s + i];
          }
          o += run;
        }
      }
    }
  }
}

const conv2D: Kernel = (args, fallback) => {
  const { x, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!nhwcOnly(attrs) || !isFloat(x, filter)) return callFallback(fallback, args);
  return convolve(args.backend, x, filter, conv2DInfo(x.shape, filter.shape, attrs));
};

/**
 * A convolution into a new output tensor, then `bias` added and ReLU applied when asked:
 * on oneDNN where it runs (bias and ReLU fused in), else by the cheapest GEMM formulation
 * and one pass for the bias and ReLU.
 */
function convolve(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  bias?: tf.TensorInfo,
  relu = false,
): tf.TensorInfo {
  const result = output(backend, info.outShape);
  if (
    dnnl?.forward(
      geometry(info),
      heapOf(backend),
      address(backend, x),
      address(backend, filter),
      bias ? address(backend, bias) : -1,
      address(backend, result),
      relu,
    )
  ) {
    return result;
  }
  const xv = values(backend, x), fv = values(backend, filter);
  const out = values(backend, result);
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const rowsPerImage = info.outHeight * info.outWidth;
  if (isPointwise(info)) {
    blas.sgemm(false, false, info.batchSize * rowsPerImage, info.outChannels, k, xv, fv, out);
  } else if (useSlabs(info)) {
    slabConv2D(xv, fv, info, out);
  } else {
    forColumnChunks(xv, info, (b0, nb, cols) => {
      const o = out.subarray(b0 * rowsPerImage * info.outChannels);
      blas.sgemm(false, false, nb * rowsPerImage, info.outChannels, k, cols, fv, o);
    });
  }
  if (bias || relu) addBiasRelu(backend, result, bias, relu);
  return result;
}

/** out = relu?(out + bias) in place, over the last axis: one SIMD pass where it runs. */
function addBiasRelu(
  backend: BackendWasm,
  result: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  relu: boolean,
): void {
  const out = values(backend, result);
  const co = result.shape[result.shape.length - 1];
  const simd = bias && relu && co % 4 === 0 ? simdFor(backend) : undefined;
  if (simd) {
    simd.biasRelu(address(backend, result), out.length / co, co, address(backend, bias!));
    return;
  }
  const b = bias ? values(backend, bias) : new Float32Array(co);
  for (let i = 0; i < out.length; i += co) {
    for (let k = 0; k < co; k++) {
      const v = out[i + k] + b[k];
      out[i + k] = relu ? (v > 0 ? v : 0) : v;
    }
  }
}

/**
 * Convolution, bias and ReLU in one kernel (what `tf.fused.conv2d` runs outside a
 * gradient tape, so in inference): the bias and ReLU are one SIMD pass over the output
 * instead of two separate ops. Other activations and layouts run wasm's own kernel.
 */
const fusedConv2D: Kernel = (args, fallback) => {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const attrs = args.attrs ?? {};
  const activation = (attrs.activation as string | undefined) ?? "linear";
  const co = filter.shape[3];
  if (
    !nhwcOnly(attrs) || !isFloat(x, filter) || preluActivationWeights ||
    !(activation === "relu" || activation === "linear") ||
    (bias && (bias.dtype !== "float32" || sizeOf(bias.shape) !== co))
  ) {
    return callFallback(fallback, args);
  }
  const info = conv2DInfo(x.shape, filter.shape, attrs);
  return convolve(args.backend, x, filter, info, bias, activation === "relu");
};

const conv2DBackpropFilter: Kernel = (args, fallback) => filterGrad(args, fallback);

/**
 * The filter gradient, and with `db` the bias gradient into it (dy summed over all but
 * its last axis): one oneDNN pass where it runs, else GEMMs and a GEMV.
 */
function filterGrad(args: Args, fallback: tf.KernelConfig, db?: tf.TensorInfo): tf.TensorInfo {
  const { x, dy } = args.inputs;
  const attrs = args.attrs ?? {};
  const backend = args.backend;
  const sumBias = () => {
    if (!db) return;
    const dyv = values(backend, dy), co = sizeOf(db.shape);
    sumLeading(dyv, dyv.length / co, co, values(backend, db));
  };
  if (!nhwcOnly(attrs) || !isFloat(x, dy)) {
    const dw = callFallback(fallback, args);
    sumBias();
    return dw;
  }
  const filterShape = attrs.filterShape as number[];
  const info = conv2DInfo(x.shape, filterShape, attrs);
  const result = output(backend, filterShape);
  if (
    dnnl?.backwardWeights(
      geometry(info),
      heapOf(backend),
      address(backend, x),
      address(backend, dy),
      address(backend, result),
      db ? address(backend, db) : -1,
    )
  ) {
    return result;
  }
  const xv = values(args.backend, x), dyv = values(args.backend, dy);
  const dw = values(args.backend, result);
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const rowsPerImage = info.outHeight * info.outWidth;
  if (isPointwise(info)) {
    blas.sgemm(true, false, k, info.outChannels, info.batchSize * rowsPerImage, xv, dyv, dw);
  } else if (useSlabs(info)) {
    slabFilterGrad(xv, dyv, info, dw);
  } else {
    forColumnChunks(xv, info, (b0, nb, cols) => {
      const d = dyv.subarray(b0 * rowsPerImage * info.outChannels);
      blas.sgemm(true, false, k, info.outChannels, nb * rowsPerImage, cols, d, dw, b0 ? 1 : 0);
    });
  }
  sumBias();
  return result;
}

const conv2DBackpropInput: Kernel = (args, fallback) => {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!nhwcOnly(attrs) || !isFloat(dy, filter)) return callFallback(fallback, args);
  const inputShape = attrs.inputShape as number[];
  const info = conv2DInfo(inputShape, filter.shape, attrs);
  const result = output(args.backend, inputShape);
  const backend = args.backend;
  if (
    dnnl?.backwardData(
      geometry(info),
      heapOf(backend),
      address(backend, dy),
      address(backend, filter),
      address(backend, result),
    )
  ) {
    return result;
  }
  const dyv = values(args.backend, dy), fv = values(args.backend, filter);
  const dx = values(args.backend, result);
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const rowsPerImage = info.outHeight * info.outWidth;
  if (isPointwise(info)) {
    blas.sgemm(false, true, info.batchSize * rowsPerImage, k, info.outChannels, dyv, fv, dx);
  } else if (useSlabs(info)) {
    slabInputGrad(dyv, fv, info, dx);
  } else {
    dx.fill(0);
    const chunk = chunkImages(info);
    for (let b0 = 0; b0 < info.batchSize; b0 += chunk) {
      const nb = Math.min(chunk, info.batchSize - b0);
      const cols = scratchOf("cols", nb * rowsPerImage * k);
      const d = dyv.subarray(b0 * rowsPerImage * info.outChannels);
      blas.sgemm(false, true, nb * rowsPerImage, k, info.outChannels, d, fv, cols);
      col2im(cols, info, b0, nb, dx);
    }
  }
  return result;
};

const batchMatMul: Kernel = (args, fallback) => {
  const { a, b } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!isFloat(a, b) || a.shape.length < 2 || b.shape.length < 2) {
    return callFallback(fallback, args);
  }
  const transA = Boolean(attrs.transposeA), transB = Boolean(attrs.transposeB);
  const ra = a.shape.length, rb = b.shape.length;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const sizeA = batchA.reduce((x, y) => x * y, 1), sizeB = batchB.reduce((x, y) => x * y, 1);
  // Equal batches, or one side a single matrix; other broadcasts go to the cpu kernel.
  const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (k !== kb || !(sameBatch || sizeA === 1 || sizeB === 1)) return callFallback(fallback, args);
  const batch = Math.max(sizeA, sizeB);
  const outBatch = sizeA >= sizeB ? batchA : batchB;
  const result = output(args.backend, [...outBatch, m, n]);
  const av = values(args.backend, a), bv = values(args.backend, b);
  const out = values(args.backend, result);
  for (let i = 0; i < batch; i++) {
    const ai = sizeA === 1 ? av : av.subarray(i * m * k, (i + 1) * m * k);
    const bi = sizeB === 1 ? bv : bv.subarray(i * k * n, (i + 1) * k * n);
    blas.sgemm(transA, transB, m, n, k, ai, bi, out.subarray(i * m * n, (i + 1) * m * n));
  }
  return result;
};

/** Sum over a leading block of axes (as in every bias gradient) with no transpose. */
const sum: Kernel = (args, fallback) => {
  const { x } = args.inputs;
  const attrs = args.attrs ?? {};
  if (x.dtype !== "float32" || x.shape.length === 0) return callFallback(fallback, args);
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape)
    .sort((p, q) => p - q);
  const leading = axes.every((axis, i) => axis === i);
  if (!leading || axes.length === x.shape.length) return callFallback(fallback, args);
  const outer = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
  const kept = x.shape.slice(axes.length);
  const inner = kept.reduce((p, q) => p * q, 1);
  const result = output(args.backend, attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept);
  sumLeading(values(args.backend, x), outer, inner, values(args.backend, result));
  return result;
};

/** x as `[outer, inner]` summed over its rows into `out`. */
function sumLeading(x: Float32Array, outer: number, inner: number, out: Float32Array): void {
  // ones[1 x outer] times x[outer x inner]: one pass at memory speed on every core.
  if (scratch.ones.length < outer) scratch.ones = new Float32Array(outer).fill(1);
  blas.sgemm(false, false, 1, inner, outer, scratch.ones.subarray(0, outer), x, out);
}

/**
 * The filter and bias gradients of a convolution together: one oneDNN pass where it
 * runs, else the filter-gradient kernel and a leading-axis sum.
 */
function filterBiasGrad(args: Args): tf.TensorInfo[] {
  const co = (args.attrs!.filterShape as number[])[3];
  const db = output(args.backend, [co]);
  return [filterGrad(args, replaced.get("Conv2DBackpropFilter")!, db), db];
}

/** The 2x2, stride 2 windows of the reference networks: four candidates, no bounds. */
function maxPoolGrad2x2(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  b: number,
  h: number,
  w: number,
  c: number,
  oh: number,
  ow: number,
): void {
  let o = 0;
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const p00 = ((n * h + 2 * i) * w + 2 * j) * c, p01 = p00 + c;
        const p10 = p00 + w * c, p11 = p10 + c;
        for (let k = 0; k < c; k++, o++) {
          // The first maximum in row-major window order, as the cpu backend picks it; all
          // four are written, so dx needs no clearing first. Branch-free: the values are
          // random, so branches would mispredict half the time.
          const a = x[p00 + k], b = x[p01 + k], e = x[p10 + k], f = x[p11 + k];
          const ab = Number(a >= b), ae = Number(a >= e), af = Number(a >= f);
          const be = Number(b >= e), bf = Number(b >= f), ef = Number(e >= f);
          const s0 = ab & ae & af, s1 = (1 - ab) & be & bf, s2 = (1 - ae) & (1 - be) & ef;
          const g = dy[o];
          dx[p00 + k] = g * s0;
          dx[p01 + k] = g * s1;
          dx[p10 + k] = g * s2;
          dx[p11 + k] = g * (1 - s0 - s1 - s2);
        }
      }
    }
  }
}

/**
 * The 2x2, stride 2 max-pool gradient of an NHWC tensor with even rows and columns and
 * channels a multiple of 4, row by row in SIMD; byte offsets into the heap.
 */
function simdMaxPoolGrad2x2(
  simd: SimdKernels,
  x: number,
  dy: number,
  dx: number,
  b: number,
  h: number,
  w: number,
  c: number,
): void {
  const rowBytes = w * c * 4, oh = h >> 1, ow = w >> 1;
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      const row = (n * h + 2 * i) * rowBytes;
      const out = ((n * oh + i) * ow) * c * 4;
      simd.maxPoolGrad2x2Row(
        x + row,
        x + row + rowBytes,
        dy + out,
        dx + row,
        dx + row + rowBytes,
        ow,
        c,
      );
    }
  }
}

/** dx of max pooling: each window's dy goes to its first maximum, in place in the heap. */
const maxPoolGrad: Kernel = (args, fallback) => {
  const { dy, input } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!isFloat(dy, input) || input.shape.length !== 4) return callFallback(fallback, args);
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as "same" | "valid",
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const result = output(args.backend, input.shape);
  const x = values(args.backend, input), dyv = values(args.backend, dy);
  const dx = values(args.backend, result);
  const [b, h, w, c] = input.shape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0) {
    // Rows or columns past the last window get no gradient: only then is clearing needed.
    if (oh * 2 !== h || ow * 2 !== w) dx.fill(0);
    const simd = c % 4 === 0 ? simdFor(args.backend) : undefined;
    if (!simd) {
      maxPoolGrad2x2(x, dyv, dx, b, h, w, c, oh, ow);
      return result;
    }
    simdMaxPoolGrad2x2(
      simd,
      address(args.backend, input),
      address(args.backend, dy),
      address(args.backend, result),
      b,
      h,
      w,
      c,
    );
    return result;
  }
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      const r0 = Math.max(0, i * sh - top), r1 = Math.min(h, i * sh - top + fh);
      for (let j = 0; j < ow; j++) {
        const c0 = Math.max(0, j * sw - left), c1 = Math.min(w, j * sw - left + fw);
        for (let k = 0; k < c; k++, o++) {
          let best = -Infinity, where = -1;
          for (let row = r0; row < r1; row++) {
            let at = ((n * h + row) * w + c0) * c + k;
            for (let col = c0; col < c1; col++, at += c) {
              if (x[at] > best || where < 0) {
                best = x[at];
                where = at;
              }
            }
          }
          if (where >= 0) dx[where] += dyv[o];
        }
      }
    }
  }
  return result;
};

/** A second reference to x's memory, as tfjs's cpu backend does; wasm copies. */
const identity: Kernel = (args, fallback) => {
  const { x } = args.inputs;
  if (x.dtype === "string") return callFallback(fallback, args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

const KERNELS = {
  Conv2D: conv2D,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  BatchMatMul: batchMatMul,
  Sum: sum,
  MaxPoolGrad: maxPoolGrad,
  Identity: identity,
  FusedConv2D: fusedConv2D,
} satisfies Record<string, Kernel>;

/** The kernels replaced on the wasm backend. */
export const BLAS_KERNELS: readonly string[] = Object.keys(KERNELS);

function callFallback(fallback: tf.KernelConfig, args: Args): tf.TensorInfo {
  return fallback.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

const replaced = new Map<string, tf.KernelConfig>();

export { FILTER_BIAS_GRAD_KERNEL, RELU_GRAD_KERNEL, TRUNK_GRAD_KERNEL, TRUNK_KERNEL };

/** Layers of the trunk kernels. */
const TRUNK_LAYERS = 3;

/** The trunk's geometry, or null when these shapes are not a chain of 3x3 convolutions. */
function trunkGeometry(xShape: readonly number[], filterShapes: number[][]): TrunkGeometry | null {
  if (xShape.length !== 4 || filterShapes.length !== TRUNK_LAYERS) return null;
  let channels = xShape[3];
  for (const shape of filterShapes) {
    if (shape.length !== 4 || shape[0] !== 3 || shape[1] !== 3 || shape[2] !== channels) {
      return null;
    }
    channels = shape[3];
  }
  return {
    batch: xShape[0],
    height: xShape[1],
    width: xShape[2],
    channels: xShape[3],
    filters: filterShapes.map((shape) => shape[3]),
  };
}

/**
 * Whether {@linkcode TRUNK_KERNEL} runs for these shapes now: on the `onednn` backend,
 * for a geometry oneDNN builds with its optimised kernels.
 *
 * @param xShape The images' shape, NHWC.
 * @param filterShapes The three convolutions' filter shapes, HWIO.
 * @returns True when the fused kernel can run.
 *
 * @example
 * ```ts
 * import { oneDnnTrunkRuns } from "./blas_kernels.ts";
 * // False unless the onednn backend is installed and current.
 * console.log(oneDnnTrunkRuns([64, 64, 64, 3], [[3, 3, 3, 32], [3, 3, 32, 64], [3, 3, 64, 128]]));
 * ```
 */
export function oneDnnTrunkRuns(xShape: readonly number[], filterShapes: number[][]): boolean {
  if (!dnnl || !replaced.size || tf.getBackend() !== "wasm") return false;
  if (!simdFor(tf.backend() as BackendWasm)) return false;
  const g = trunkGeometry(xShape, filterShapes);
  return g !== null && dnnl.trunk(g) !== null;
}

/**
 * Activations of trunk forward passes awaiting their gradient, by the features' data id.
 * The gradient finds them through the saved features, which share that data id only
 * because this module's `Identity` shares memory (tfjs-wasm's own copies it).
 */
const pendingTrunks = new Map<object, { plan: TrunkPlan; acts: number[]; backend: BackendWasm }>();
/** Forward passes whose activations are kept at most (the oldest are dropped). */
const MAX_PENDING_TRUNKS = 4;

/** The wasm module's allocator (tfjs 4.22 allocates tensors with it). */
type Allocator = { _malloc(bytes: number): number; _free(offset: number): void };

/**
 * Buffers from the wasm heap's allocator, outside tfjs's tensor accounting (`tf.memory()`
 * does not count them).
 */
function malloc(backend: BackendWasm, bytes: number[]): number[] {
  const offsets: number[] = [];
  for (const n of bytes) {
    const at = (backend.wasm as unknown as Allocator)._malloc(Math.max(n, 4)) >>> 0;
    if (!at) {
      free(backend, offsets);
      throw new Error(`Out of wasm memory for the convolution trunk (${n} bytes)`);
    }
    offsets.push(at);
  }
  return offsets;
}

function free(backend: BackendWasm, offsets: number[]): void {
  for (const at of offsets) (backend.wasm as unknown as Allocator)._free(at);
}

/**
 * Buffers of the last trunk plan used, kept from call to call: fresh tens of MiB on every
 * step cost more than the pooling that fills them.
 */
let spare:
  | { plan: TrunkPlan; backend: BackendWasm; acts: number[][]; scratch?: number[] }
  | undefined;

function spareFor(plan: TrunkPlan, backend: BackendWasm) {
  if (spare && (spare.plan !== plan || spare.backend !== backend || spare.plan.released)) {
    dropSpare();
  }
  return spare ??= { plan, backend, acts: [] };
}

function dropSpare(): void {
  if (!spare) return;
  for (const acts of spare.acts) free(spare.backend, acts);
  if (spare.scratch) free(spare.backend, spare.scratch);
  spare = undefined;
}

/** A set of activation buffers for `plan`: a spare one, or new. */
function takeActs(plan: TrunkPlan, backend: BackendWasm): number[] {
  return spareFor(plan, backend).acts.pop() ?? malloc(backend, [...plan.activationBytes]);
}

/** Returns activation buffers: one set is kept for the next call, others freed. */
function giveActs(plan: TrunkPlan, backend: BackendWasm, acts: number[]): void {
  if (plan.released) return free(backend, acts);
  const keep = spareFor(plan, backend);
  if (keep.acts.length) free(backend, acts);
  else keep.acts.push(acts);
}

/**
 * Frees the kept activations whose features are gone: their tape ended without asking
 * for the trunk's gradient (a frozen trunk, or an embedding inside another gradient).
 */
function dropFinishedTrunks(backend: BackendWasm): void {
  for (const [dataId, saved] of pendingTrunks) {
    if (saved.backend !== backend || !backend.dataIdMap.has(dataId as tf.DataId)) {
      dropPending(dataId);
    }
  }
}

/** Frees a kept forward pass's activations. */
function dropPending(dataId: object): void {
  const saved = pendingTrunks.get(dataId);
  if (!saved) return;
  free(saved.backend, saved.acts);
  pendingTrunks.delete(dataId);
}

function trunkInputs(inputs: Record<string, tf.TensorInfo>, name: string): tf.TensorInfo[] {
  return Array.from({ length: TRUNK_LAYERS }, (_, i) => inputs[`${name}${i}`]);
}

function trunkPlan(x: tf.TensorInfo, filters: tf.TensorInfo[]): TrunkPlan {
  const g = trunkGeometry(x.shape, filters.map((f) => f.shape));
  const plan = g && dnnl?.trunk(g);
  if (!plan) {
    throw new Error(
      `The fused convolution trunk runs only on the onednn backend, for 3x3 convolution chains oneDNN builds (got ${x.shape})`,
    );
  }
  return plan;
}

/**
 * How many forward passes of the fused convolution trunk keep their activations now,
 * awaiting their gradient (a diagnostic: 0 once every tape has ended and a newer pass ran).
 *
 * @returns The count.
 *
 * @example
 * ```ts
 * import { trunkActivationsKept } from "./blas_kernels.ts";
 * if (trunkActivationsKept() !== 0) throw new Error("nothing ran yet");
 * ```
 */
export function trunkActivationsKept(): number {
  return pendingTrunks.size;
}

/** The trunk's features; with `save`, its activations kept for the gradient kernel. */
function convTrunk(args: Args): tf.TensorInfo {
  const { backend, inputs } = args;
  const x = inputs.x, filters = trunkInputs(inputs, "filter"), biases = trunkInputs(inputs, "bias");
  if (!isFloat(x, ...filters, ...biases)) {
    throw new Error("The convolution trunk takes float32 tensors");
  }
  biases.forEach((b, i) => {
    if (b.shape.length !== 1 || b.shape[0] !== filters[i].shape[3]) {
      throw new Error(
        `The convolution trunk's bias ${i} has shape ${b.shape}, not [${filters[i].shape[3]}]`,
      );
    }
  });
  const plan = trunkPlan(x, filters);
  if (args.attrs?.save) dropFinishedTrunks(backend);
  const acts = takeActs(plan, backend);
  let out: tf.TensorInfo | undefined;
  try {
    out = output(backend, [x.shape[0], filters[TRUNK_LAYERS - 1].shape[3]]);
    plan.forward(
      () => heapOf(backend),
      address(backend, x),
      filters.map((f) => address(backend, f)),
      biases.map((b) => address(backend, b)),
      address(backend, out),
      acts,
    );
  } catch (error) {
    giveActs(plan, backend, acts);
    if (out) backend.disposeData(out.dataId);
    throw error;
  }
  if (!args.attrs?.save) {
    giveActs(plan, backend, acts);
    return out;
  }
  pendingTrunks.set(out.dataId, { plan, acts, backend });
  if (pendingTrunks.size > MAX_PENDING_TRUNKS) dropPending(pendingTrunks.keys().next().value!);
  return out;
}

/** The trunk's filter and bias gradients, from the activations its forward pass kept. */
function convTrunkGrad(args: Args): tf.TensorInfo[] {
  const { backend, inputs } = args;
  const { dy, features } = inputs;
  const filters = trunkInputs(inputs, "filter");
  const saved = pendingTrunks.get(features.dataId);
  if (!saved) {
    throw new Error(
      "The convolution trunk's activations are gone: its forward pass ran without a gradient tape, " +
        `the kernels were installed again since, or more than ${MAX_PENDING_TRUNKS} passes awaited their gradient`,
    );
  }
  pendingTrunks.delete(features.dataId);
  const grads: tf.TensorInfo[] = [];
  try {
    if (saved.plan.released) {
      throw new Error(
        "The convolution trunk's primitives were rebuilt (the thread count changed) between its forward pass and its gradient",
      );
    }
    if (dy.dtype !== "float32" || dy.shape.join() !== features.shape.join()) {
      throw new Error(
        `The convolution trunk's gradient has shape ${dy.shape}, not ${features.shape}`,
      );
    }
    const simd = simdFor(backend);
    if (!simd) throw new Error("The convolution trunk's gradient needs WebAssembly SIMD");
    for (const f of filters) grads.push(output(backend, f.shape), output(backend, [f.shape[3]]));
    const keep = spareFor(saved.plan, backend);
    keep.scratch ??= malloc(backend, [...saved.plan.scratchBytes]);
    saved.plan.backward(
      () => heapOf(backend),
      address(backend, dy),
      filters.map((f) => address(backend, f)),
      saved.acts,
      keep.scratch,
      grads.filter((_, i) => i % 2 === 0).map((t) => address(backend, t)),
      grads.filter((_, i) => i % 2 === 1).map((t) => address(backend, t)),
      (x, dyAt, dx, images, h, w, c) => simdMaxPoolGrad2x2(simd, x, dyAt, dx, images, h, w, c),
    );
    return grads;
  } catch (error) {
    for (const t of grads) backend.disposeData(t.dataId);
    throw error;
  } finally {
    giveActs(saved.plan, saved.backend, saved.acts);
  }
}

/**
 * dx = dy where x > 0, else 0 (times 0, so an infinite dy gives NaN as in tfjs): one
 * branch-free pass, where tfjs's gradient takes Step, Cast and Mul. Unlike Step, a NaN in
 * x gives 0 rather than NaN; the loss is NaN by then and training stops on it anyway.
 */
function reluGrad(args: Args): tf.TensorInfo {
  const { dy, x } = args.inputs;
  const result = output(args.backend, x.shape);
  const xv = values(args.backend, x), dyv = values(args.backend, dy);
  const dx = values(args.backend, result);
  const n = dx.length;
  const simd = simdFor(args.backend);
  let start = 0;
  if (simd) {
    start = n - (n % 4);
    simd.reluGrad(
      address(args.backend, x),
      address(args.backend, dy),
      address(args.backend, result),
      start,
    );
  }
  for (let i = start; i < n; i++) dx[i] = dyv[i] * Number(xv[i] > 0);
  return result;
}

/** metriclab's own kernels, registered on wasm while these kernels are installed. */
const OWN_KERNELS: Record<string, (args: Args) => tf.TensorInfo | tf.TensorInfo[]> = {
  [RELU_GRAD_KERNEL]: reluGrad,
  [FILTER_BIAS_GRAD_KERNEL]: filterBiasGrad,
  [TRUNK_KERNEL]: convTrunk,
  [TRUNK_GRAD_KERNEL]: convTrunkGrad,
};

let originalReluGradient: tf.GradConfig | undefined;

/**
 * Registers the one-pass ReLU gradient and the filter-and-bias gradient kernels on wasm,
 * and a Relu gradient that uses the first (tfjs's own elsewhere).
 */
function installGradientKernels(): void {
  const original = tf.getGradient("Relu");
  if (!original || originalReluGradient) return;
  originalReluGradient = original;
  for (const [kernelName, kernelFunc] of Object.entries(OWN_KERNELS)) {
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
  tf.registerGradient({
    ...original,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x] = saved;
      const single = dy as tf.Tensor;
      // Only where this kernel exists and the dtypes are plain floats; else tfjs's own.
      if (
        tf.getBackend() !== "wasm" || single.dtype !== "float32" || x.dtype !== "float32" ||
        !replaced.size
      ) {
        return original.gradFunc(dy, saved, attrs);
      }
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: single, x }) as tf.Tensor };
    },
  });
}

function uninstallGradientKernels(): void {
  if (!originalReluGradient) return;
  tf.registerGradient(originalReluGradient);
  for (const kernelName of Object.keys(OWN_KERNELS)) tf.unregisterKernel(kernelName, "wasm");
  for (const dataId of pendingTrunks.keys()) dropPending(dataId);
  dropSpare();
  originalReluGradient = undefined;
}

/**
 * Replaces the wasm backend's convolution, matrix-product and leading-axis sum kernels
 * with the GEMM-based ones of this module, and sets the BLAS thread count. Call it after
 * the wasm backend is set (and after `installFastGradients("wasm")`, whose kernels then
 * serve as the fallbacks). Calling it again only changes the thread count.
 *
 * @param threads Threads for the BLAS library (and oneDNN's OpenMP).
 * @param options `oneDnn`: run the convolutions and their gradients on oneDNN (see
 *   `onednn.ts`), keeping the GEMM kernels for geometries it declines.
 * @returns The library loaded.
 * @throws {Error} When no BLAS library (or oneDNN, when asked for) loads, or tfjs is not
 *   the version these kernels were written for.
 *
 * @example
 * ```ts ignore
 * import * as tf from "../tf.ts";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { installBlasKernels } from "./blas_kernels.ts";
 * await tf.setBackend("wasm");
 * installBlasKernels(2);
 * ```
 */
export function installBlasKernels(threads: number, options: { oneDnn?: boolean } = {}): Blas {
  if (tf.version_core !== FAST_GRADIENTS_TFJS_VERSION) {
    throw new Error(
      `The blas kernels were written for tfjs ${FAST_GRADIENTS_TFJS_VERSION}, found ${tf.version_core}`,
    );
  }
  blas = loadBlas();
  blas.setThreads(threads);
  dnnl = options.oneDnn ? loadOneDnn() : undefined;
  dnnl?.setThreads(threads);
  if (replaced.size) return blas;
  installGradientKernels();
  for (const [name, kernel] of Object.entries(KERNELS) as [string, Kernel][]) {
    const original = tf.getKernel(name, "wasm");
    if (!original) throw new Error(`Cannot install the blas kernels: wasm has no ${name} kernel`);
    replaced.set(name, original);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({
      ...original,
      kernelFunc: ((args: Args) => kernel(args, original)) as unknown as tf.KernelFunc,
    });
  }
  return blas;
}

/**
 * Puts back the wasm kernels that {@linkcode installBlasKernels} replaced.
 *
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { uninstallBlasKernels } from "./blas_kernels.ts";
 * uninstallBlasKernels(); // a no-op when nothing is installed
 * ```
 */
export function uninstallBlasKernels(): void {
  for (const [name, original] of replaced) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(original);
  }
  replaced.clear();
  dnnl = undefined;
  uninstallGradientKernels();
}
