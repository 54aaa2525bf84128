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
 *   There every GEMM above runs on oneDNN's `dnnl_sgemm` rather than OpenBLAS: one pool of
 *   threads, where two (OpenMP's and OpenBLAS's, each spinning a while after its work)
 *   took each other's cores and made conv28's small dense layers cost milliseconds.
 * - Adam: every `AdamOptimizer` on wasm updates each variable in one SIMD pass
 *   (`_fused_adam.ts`), with tfjs's own state and tfjs's results to the bit.
 *
 * Cases these do not cover (NCHW, int inputs, broadcast batch matmuls of mismatched
 * batch sizes) run the wasm backend's own kernel (or the fast gradient one). The kernels
 * read tfjs-backend-wasm 4.22 internals through `_engine.ts` (its heap, tensor table and
 * allocator); {@linkcode installBlasKernels} refuses other tfjs versions in one line, and
 * {@linkcode uninstallBlasKernels} restores the wasm kernels.
 *
 * This file installs them; the kernels live in `_conv_kernels.ts` (convolutions, on
 * oneDNN or by the GEMMs of `_im2col.ts`), `_wasm_kernels.ts` (matrix products, sums,
 * pooling and ReLU gradients, Identity) and `_trunk_kernels.ts` (the fused trunk).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { type Blas, loadBlas } from "./blas.ts";
import { loadOneDnn } from "./onednn.ts";
import { assertEngineVersions, runKernel } from "./_engine.ts";
import { type Args, type Kernel, state } from "./_kernel_common.ts";
import {
  conv2D,
  conv2DBackpropFilter,
  conv2DBackpropInput,
  filterBiasGrad,
  fusedConv2D,
} from "./_conv_kernels.ts";
import { batchMatMul, identity, maxPoolGrad, reluGrad, sum } from "./_wasm_kernels.ts";
import { convTrunk, convTrunkGrad, dropAllTrunks } from "./_trunk_kernels.ts";
import { adamUpdate, installFusedAdam, uninstallFusedAdam } from "./_fused_adam.ts";
import {
  ADAM_KERNEL,
  FILTER_BIAS_GRAD_KERNEL,
  POOLED_TRUNK_KERNEL,
  RELU_GRAD_KERNEL,
  TRUNK_GRAD_KERNEL,
  TRUNK_KERNEL,
} from "./_kernel_names.ts";

export { blasKernelsUseSimd } from "./_kernel_common.ts";
export { oneDnnTrunkRuns, trunkActivationsKept } from "./_trunk_kernels.ts";
export { FILTER_BIAS_GRAD_KERNEL, RELU_GRAD_KERNEL, TRUNK_GRAD_KERNEL, TRUNK_KERNEL };

/** The wasm kernels replaced, by name. */
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

/** metriclab's own kernels, registered on wasm while these kernels are installed. */
const OWN_KERNELS: Record<string, (args: Args) => tf.TensorInfo | tf.TensorInfo[]> = {
  [RELU_GRAD_KERNEL]: reluGrad,
  [FILTER_BIAS_GRAD_KERNEL]: filterBiasGrad,
  [TRUNK_KERNEL]: (args) => convTrunk(args, "average"),
  [POOLED_TRUNK_KERNEL]: (args) => convTrunk(args, "pool"),
  [TRUNK_GRAD_KERNEL]: convTrunkGrad,
  [ADAM_KERNEL]: adamUpdate,
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
        !state.replaced.size
      ) {
        return original.gradFunc(dy, saved, attrs);
      }
      return { x: () => runKernel(RELU_GRAD_KERNEL, { dy: single, x }) as tf.Tensor };
    },
  });
  installFusedAdam();
}

function uninstallGradientKernels(): void {
  if (!originalReluGradient) return;
  tf.registerGradient(originalReluGradient);
  for (const kernelName of Object.keys(OWN_KERNELS)) tf.unregisterKernel(kernelName, "wasm");
  dropAllTrunks();
  uninstallFusedAdam();
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
  assertEngineVersions();
  const blas = loadBlas();
  blas.setThreads(threads);
  state.dnnl = options.oneDnn ? loadOneDnn() : undefined;
  state.dnnl?.setThreads(threads);
  // On oneDNN, its GEMM too: one thread pool, not two contending for the cores.
  state.blas = state.dnnl ? { ...blas, sgemm: state.dnnl.sgemm } : blas;
  if (state.replaced.size) return blas;
  installGradientKernels();
  for (const [name, kernel] of Object.entries(KERNELS) as [string, Kernel][]) {
    const original = tf.getKernel(name, "wasm");
    if (!original) throw new Error(`Cannot install the blas kernels: wasm has no ${name} kernel`);
    state.replaced.set(name, original);
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
  for (const [name, original] of state.replaced) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(original);
  }
  state.replaced.clear();
  state.dnnl = undefined;
  uninstallGradientKernels();
}
