/**
 * Gradient kernels for the tfjs `wasm` and `cpu` backends, reformulated onto their fast
 * forward kernels (XNNPACK-backed Conv2D and MatMul on wasm).
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel at all, and its
 * `Conv2DBackpropInput`, `MaxPoolGrad` and transposed `BatchMatMul` kernels are scalar
 * loops. Each replacement here is written with ordinary tfjs ops inside the kernel, so it
 * runs on whatever the backend does best; where a case is not covered (dilations,
 * overlapping pooling windows, NCHW) the original kernel runs, or, where there is none,
 * a direct reformulation that is always correct.
 *
 * These depend on tfjs 4.22 internals (a kernel function may return a `Tensor`, and ops
 * called inside a kernel are not recorded on the gradient tape); {@linkcode installFastGradients}
 * checks the version and installs nothing on another one.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { engineVersionProblem, runKernel, tensorOf } from "./_engine.ts";
import { conv2DInfo } from "./_conv_info.ts";

type Tensor4D = tf.Tensor4D;
type KernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  backend: tf.KernelBackend;
  attrs?: Record<string, unknown>;
};

/** The kernels {@linkcode installFastGradients} replaces (or adds, where missing). */
export const FAST_GRADIENT_KERNELS = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "MaxPoolGrad",
  "BatchMatMul",
  "UnsortedSegmentSum",
] as const;

const installed = new Map<string, Map<string, tf.KernelConfig | undefined>>();

/** A kernel input as a tensor (a bare TensorInfo is wrapped without copying). */
const asTensor = tensorOf;

function callOriginal(original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/**
 * dW = correlation of x with dy: batch and input channels swap roles, so it is one
 * Conv2D whose "filter" is dy (dilated by the stride) over x transposed to [ci, H, W, B].
 */
function conv2DBackpropFilter(args: KernelArgs, original?: tf.KernelConfig): tf.TensorInfo {
  const attrs = args.attrs ?? {};
  const filterShape = attrs.filterShape as [number, number, number, number];
  if (attrs.dataFormat === "NCHW" && original) return callOriginal(original, args);
  return tf.tidy(() => {
    const x = asTensor<Tensor4D>(args.inputs.x);
    const dy = asTensor<Tensor4D>(args.inputs.dy);
    const info = conv2DInfo(x.shape, filterShape, attrs);
    const [kh, kw, ci, co] = filterShape;
    const { top, bottom, left, right } = info.padInfo;
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [ci, H, W, B]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, co]
    const full = tf.conv2d(
      xt,
      dyt,
      1,
      [[0, 0], [top, bottom], [left, right], [0, 0]],
      "NHWC",
      [info.strideHeight, info.strideWidth],
    ); // [ci, >=kh, >=kw, co]
    const cropped = full.shape[1] === kh && full.shape[2] === kw
      ? full
      : tf.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
}

/**
 * dx = full correlation of dy (zeros inserted between rows and columns for stride > 1)
 * with the spatially flipped filter whose in/out channels are swapped: one Conv2D.
 */
function conv2DBackpropInput(args: KernelArgs, original?: tf.KernelConfig): tf.TensorInfo {
  const attrs = args.attrs ?? {};
  const inputShape = attrs.inputShape as [number, number, number, number];
  const filterInfo = args.inputs.filter;
  const info = conv2DInfo(inputShape, filterInfo.shape, attrs);
  const [kh, kw] = filterInfo.shape;
  const padTop = kh - 1 - info.padInfo.top;
  const padLeft = kw - 1 - info.padInfo.left;
  if ((attrs.dataFormat === "NCHW" || padTop < 0 || padLeft < 0) && original) {
    return callOriginal(original, args);
  }
  return tf.tidy(() => {
    const dy = asTensor<Tensor4D>(args.inputs.dy);
    const filter = asTensor<Tensor4D>(filterInfo);
    const [b, oh, ow, co] = dy.shape;
    const [, h, w] = inputShape;
    const sh = info.strideHeight, sw = info.strideWidth;
    let up: Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      const spread = tf.pad(tf.reshape(dy, [b, oh, 1, ow, 1, co]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      up = tf.reshape(spread, [b, oh * sh, ow * sw, co]);
    }
    // Rows of `up` past h + top are never read; drop them so the bottom pad is >= 0.
    let padBottom = h - up.shape[1] + info.padInfo.top;
    let padRight = w - up.shape[2] + info.padInfo.left;
    if (padBottom < 0 || padRight < 0) {
      up = tf.slice(up, [0, 0, 0, 0], [
        b,
        up.shape[1] + Math.min(padBottom, 0),
        up.shape[2] + Math.min(padRight, 0),
        co,
      ]);
      padBottom = Math.max(padBottom, 0);
      padRight = Math.max(padRight, 0);
    }
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [kh, kw, co, ci]
    return tf.conv2d(up, flipped, 1, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
  });
}

/**
 * MaxPool gradient as one pass over plain arrays: for every output position and channel,
 * the first maximum of its window (row-major, padding skipped) receives dy, exactly as
 * tfjs's reference loop decides. The wasm kernel loops per element without
 * vectorisation, and a mask built with broadcast Equal is slower still; a JIT-compiled
 * loop over the channel-contiguous NHWC layout is neither.
 */
function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs ?? {};
  const input = args.inputs.input;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as "same" | "valid",
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const backend = args.backend;
  const x = backend.readSync(input.dataId) as Float32Array;
  const dy = backend.readSync(args.inputs.dy.dataId) as Float32Array;
  const [b, h, w, c] = input.shape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const dx = new Float32Array(x.length);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let u = 0; u < fh; u++) {
          const row = i * sh - top + u;
          if (row < 0 || row >= h) continue;
          for (let v = 0; v < fw; v++) {
            const col = j * sw - left + v;
            if (col < 0 || col >= w) continue;
            const base = ((n * h + row) * w + col) * c;
            for (let k = 0; k < c; k++) {
              const value = x[base + k];
              if (value > best[k] || where[k] < 0) {
                best[k] = value;
                where[k] = base + k;
              }
            }
          }
        }
        const out = ((n * oh + i) * ow + j) * c;
        for (let k = 0; k < c; k++) if (where[k] >= 0) dx[where[k]] += dy[out + k];
      }
    }
  }
  return tf.tensor4d(dx, [b, h, w, c]);
}

/**
 * UnsortedSegmentSum, which tf.gather's gradient needs and tfjs-wasm lacks: rows of x
 * added into the rows named by segmentIds, in one pass over plain arrays.
 */
function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = args.inputs;
  const numSegments = (args.attrs ?? {}).numSegments as number;
  const values = args.backend.readSync(x.dataId) as Float32Array;
  const ids = args.backend.readSync(segmentIds.dataId) as Int32Array;
  const row = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const out = new Float32Array(numSegments * row);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    const src = i * row, dst = id * row;
    for (let k = 0; k < row; k++) out[dst + k] += values[src + k];
  }
  return tf.tensor(out, [numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
}

/** Transposed matmuls become an explicit Transpose and a plain (XNNPACK) BatchMatMul. */
function batchMatMul(args: KernelArgs, original?: tf.KernelConfig): tf.TensorInfo {
  const attrs = args.attrs ?? {};
  if ((!attrs.transposeA && !attrs.transposeB) || !original) {
    if (!original) throw new TypeError("Cannot compute BatchMatMul: no original kernel");
    return callOriginal(original, args);
  }
  return tf.tidy(() => {
    const swap = (t: tf.Tensor) => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return tf.transpose(t, perm);
    };
    const a = attrs.transposeA ? swap(asTensor(args.inputs.a)) : asTensor(args.inputs.a);
    const b = attrs.transposeB ? swap(asTensor(args.inputs.b)) : asTensor(args.inputs.b);
    // Dispatches back to this kernel with no transposes, hence to the original.
    return runKernel("BatchMatMul", { a, b }, {
      transposeA: false,
      transposeB: false,
    }) as tf.Tensor;
  });
}

const FUNCS: Record<
  (typeof FAST_GRADIENT_KERNELS)[number],
  (args: KernelArgs, original?: tf.KernelConfig) => tf.TensorInfo
> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  MaxPoolGrad: (args) => maxPoolGrad(args),
  BatchMatMul: batchMatMul,
  UnsortedSegmentSum: (args) => unsortedSegmentSum(args),
};

/**
 * Replaces the gradient kernels of `backendName` by the reformulations of this module.
 * Idempotent. Returns a warning instead of installing on a tfjs version other than 4.22.0.
 *
 * @param backendName `"wasm"` or `"cpu"`.
 * @returns The names of the kernels replaced, and warnings.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import { installFastGradients, uninstallFastGradients } from "./fast_gradients.ts";
 * const { kernels } = installFastGradients("cpu");
 * if (kernels.length !== 5) throw new Error("not installed");
 * uninstallFastGradients("cpu");
 * ```
 */
export function installFastGradients(
  backendName: string,
): { kernels: string[]; warnings: string[] } {
  const problem = engineVersionProblem();
  if (problem !== null) {
    return { kernels: [], warnings: [`Fast gradient kernels not installed: ${problem}`] };
  }
  if (installed.has(backendName)) return { kernels: [...FAST_GRADIENT_KERNELS], warnings: [] };
  const originals = new Map<string, tf.KernelConfig | undefined>();
  for (const name of FAST_GRADIENT_KERNELS) {
    const original = tf.getKernel(name, backendName);
    // Only added where missing: the cpu backend's own loop is as good as this one.
    if (name === "UnsortedSegmentSum" && original) continue;
    originals.set(name, original);
    if (original) tf.unregisterKernel(name, backendName);
    const func = FUNCS[name];
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: ((args: KernelArgs) => func(args, original)) as unknown as tf.KernelFunc,
      // The original's setup (wasm binds its C function there) must run if the backend
      // initialises after this.
      setupFunc: original?.setupFunc,
      disposeFunc: original?.disposeFunc,
    });
  }
  installed.set(backendName, originals);
  return { kernels: [...FAST_GRADIENT_KERNELS], warnings: [] };
}

/**
 * Restores the original kernels that {@linkcode installFastGradients} replaced.
 *
 * @param backendName The backend given to `installFastGradients`.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import { uninstallFastGradients } from "./fast_gradients.ts";
 * uninstallFastGradients("cpu"); // no-op when nothing is installed
 * ```
 */
export function uninstallFastGradients(backendName: string): void {
  const originals = installed.get(backendName);
  if (!originals) return;
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, backendName);
    if (original) tf.registerKernel(original);
  }
  installed.delete(backendName);
}
