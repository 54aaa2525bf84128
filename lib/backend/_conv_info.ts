/**
 * The geometry of a 2-D convolution kernel call, from its shapes and attributes: shared by
 * the gradient kernels of `fast_gradients.ts` and the GEMM kernels of `blas_kernels.ts`.
 *
 * @module
 */
import * as tf from "../tf.ts";

/**
 * Output size, padding, strides and dilations of a Conv2D (or one of its gradients).
 *
 * @param xShape The NHWC input shape.
 * @param filterShape The `[kh, kw, ci, co]` filter shape.
 * @param attrs The kernel's attributes (`strides`, `pad`, `dilations`, `dimRoundingMode`).
 * @returns tfjs's convolution info.
 *
 * @example
 * ```ts
 * import { conv2DInfo } from "./_conv_info.ts";
 * const info = conv2DInfo([1, 8, 8, 3], [3, 3, 3, 4], { strides: 1, pad: "same" });
 * if (info.outHeight !== 8) throw new Error("same padding keeps the size");
 * ```
 */
export function conv2DInfo(
  xShape: number[],
  filterShape: number[],
  attrs: Record<string, unknown>,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    (attrs.dilations as [number, number] | number | undefined) ?? 1,
    attrs.pad as "same" | "valid",
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
}
