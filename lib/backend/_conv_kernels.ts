/**
 * The convolution kernels of the `blas` and `onednn` backends: `Conv2D`, `FusedConv2D`
 * (bias and ReLU), and the filter, filter-and-bias and input gradients. Each runs on oneDNN
 * where it is loaded and takes the geometry, else on the GEMM formulations of
 * `_im2col.ts`; layouts and dtypes they do not cover run the replaced wasm kernel.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { conv2DInfo } from "./_conv_info.ts";
import {
  address,
  type Args,
  callFallback,
  geometry,
  heapOf,
  isFloat,
  type Kernel,
  nhwcOnly,
  output,
  scratchOf,
  simdFor,
  sizeOf,
  state,
  sumLeading,
  values,
} from "./_kernel_common.ts";
import {
  chunkImages,
  col2im,
  forColumnChunks,
  isPointwise,
  slabConv2D,
  slabFilterGrad,
  slabInputGrad,
  useSlabs,
} from "./_im2col.ts";

/** A convolution: on oneDNN where it runs, else by GEMM. */
export const conv2D: Kernel = (args, fallback) => {
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
    state.dnnl?.forward(
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
    state.blas.sgemm(false, false, info.batchSize * rowsPerImage, info.outChannels, k, xv, fv, out);
  } else if (useSlabs(info)) {
    slabConv2D(xv, fv, info, out);
  } else {
    forColumnChunks(xv, info, (b0, nb, cols) => {
      const o = out.subarray(b0 * rowsPerImage * info.outChannels);
      state.blas.sgemm(false, false, nb * rowsPerImage, info.outChannels, k, cols, fv, o);
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
export const fusedConv2D: Kernel = (args, fallback) => {
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

/** The filter gradient of a convolution. */
export const conv2DBackpropFilter: Kernel = (args, fallback) => filterGrad(args, fallback);

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
    state.dnnl?.backwardWeights(
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
    state.blas.sgemm(true, false, k, info.outChannels, info.batchSize * rowsPerImage, xv, dyv, dw);
  } else if (useSlabs(info)) {
    slabFilterGrad(xv, dyv, info, dw);
  } else {
    forColumnChunks(xv, info, (b0, nb, cols) => {
      const d = dyv.subarray(b0 * rowsPerImage * info.outChannels);
      state.blas.sgemm(
        true,
        false,
        k,
        info.outChannels,
        nb * rowsPerImage,
        cols,
        d,
        dw,
        b0 ? 1 : 0,
      );
    });
  }
  sumBias();
  return result;
}

/** The input gradient of a convolution: on oneDNN where it runs, else GEMM and col2im. */
export const conv2DBackpropInput: Kernel = (args, fallback) => {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!nhwcOnly(attrs) || !isFloat(dy, filter)) return callFallback(fallback, args);
  const inputShape = attrs.inputShape as number[];
  const info = conv2DInfo(inputShape, filter.shape, attrs);
  const result = output(args.backend, inputShape);
  const backend = args.backend;
  if (
    state.dnnl?.backwardData(
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
    state.blas.sgemm(false, true, info.batchSize * rowsPerImage, k, info.outChannels, dyv, fv, dx);
  } else if (useSlabs(info)) {
    slabInputGrad(dyv, fv, info, dx);
  } else {
    dx.fill(0);
    const chunk = chunkImages(info);
    for (let b0 = 0; b0 < info.batchSize; b0 += chunk) {
      const nb = Math.min(chunk, info.batchSize - b0);
      const cols = scratchOf("cols", nb * rowsPerImage * k);
      const d = dyv.subarray(b0 * rowsPerImage * info.outChannels);
      state.blas.sgemm(false, true, nb * rowsPerImage, k, info.outChannels, d, fv, cols);
      col2im(cols, info, b0, nb, dx);
    }
  }
  return result;
};

export function filterBiasGrad(args: Args): tf.TensorInfo[] {
  const co = (args.attrs!.filterShape as number[])[3];
  const db = output(args.backend, [co]);
  return [filterGrad(args, state.replaced.get("Conv2DBackpropFilter")!, db), db];
}
