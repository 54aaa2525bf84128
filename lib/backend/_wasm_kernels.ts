/**
 * The other kernels the `blas` backend replaces on wasm: `BatchMatMul` (GEMMs), `Sum` over
 * leading axes (a GEMV), `MaxPoolGrad` (one pass, SIMD for 2x2 windows), `Identity`
 * (shared memory instead of a copy), and metriclab's one-pass ReLU gradient.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { SimdKernels } from "./_simd_kernels.ts";
import { sharedOutput } from "./_engine.ts";
import {
  address,
  type Args,
  callFallback,
  isFloat,
  type Kernel,
  output,
  simdFor,
  state,
  sumLeading,
  values,
} from "./_kernel_common.ts";

/** Matrix products: one GEMM per batch entry, transposes handled by BLAS. */
export const batchMatMul: Kernel = (args, fallback) => {
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
    state.blas.sgemm(transA, transB, m, n, k, ai, bi, out.subarray(i * m * n, (i + 1) * m * n));
  }
  return result;
};

/** Sum over a leading block of axes (as in every bias gradient) with no transpose. */
export const sum: Kernel = (args, fallback) => {
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
export function simdMaxPoolGrad2x2(
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
export const maxPoolGrad: Kernel = (args, fallback) => {
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
export const identity: Kernel = (args, fallback) => {
  const { x } = args.inputs;
  if (x.dtype === "string") return callFallback(fallback, args);
  return sharedOutput(args.backend, x);
};

/**
 * dx = dy where x > 0, else 0 (times 0, so an infinite dy gives NaN as in tfjs): one
 * branch-free pass, where tfjs's gradient takes Step, Cast and Mul. Unlike Step, a NaN in
 * x gives 0 rather than NaN; the loss is NaN by then and training stops on it anyway.
 */
export function reluGrad(args: Args): tf.TensorInfo {
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
