/**
 * Names of metriclab's own tfjs kernels, shared by the backends that register them and
 * the gradients that call them.
 *
 * @module
 */

/** dy where x > 0: the ReLU gradient as one kernel (registered on wasm by the blas kernels). */
export const RELU_GRAD_KERNEL = "MetriclabReluGrad";

/**
 * The filter and bias gradients of a convolution as one kernel: inputs `x` and `dy`, the
 * attributes of `Conv2DBackpropFilter`; outputs `[dw, db]`. Registered on wasm by the
 * blas kernels (one oneDNN pass on the `onednn` backend).
 */
export const FILTER_BIAS_GRAD_KERNEL = "MetriclabConv2DBackpropFilterBias";
