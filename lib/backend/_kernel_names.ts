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

/**
 * The `conv64` network's convolutional part (three 3x3 convolutions with bias and ReLU, a
 * 2x2 max pooling after the first two, a global average after the last) as one kernel:
 * inputs `x`, `filter0..2`, `bias0..2`; attribute `save` (keep the activations for the
 * gradient); output the features `[batch, channels]`. Registered on wasm by the blas
 * kernels; runs only on the `onednn` backend, as one chain of oneDNN primitives.
 */
export const TRUNK_KERNEL = "MetriclabConvTrunk";

/**
 * The filter and bias gradients of {@linkcode TRUNK_KERNEL}: inputs `dy`, `features` (the
 * forward pass's output, whose saved activations it uses) and `filter0..2`; outputs
 * `[dfilter0, dbias0, dfilter1, dbias1, dfilter2, dbias2]`.
 */
export const TRUNK_GRAD_KERNEL = "MetriclabConvTrunkGrad";

/**
 * The `conv28` network's convolutional part (two 3x3 convolutions with bias and ReLU, each
 * followed by a 2x2 max pooling) as one kernel: inputs `x`, `filter0..1`, `bias0..1`;
 * attribute `save`; output the last pooling `[batch, height / 4, width / 4, channels]`.
 * Its gradient is {@linkcode TRUNK_GRAD_KERNEL}'s.
 */
export const POOLED_TRUNK_KERNEL = "MetriclabConvPoolTrunk";

/** What follows a fused trunk's last convolution: the global average, or a max pooling. */
export type TrunkHead = "average" | "pool";

/** Each fused trunk: its kernel and its convolutions (inputs `filter0..`, `bias0..`). */
export const TRUNKS: Readonly<Record<TrunkHead, { kernel: string; layers: number }>> = {
  average: { kernel: TRUNK_KERNEL, layers: 3 },
  pool: { kernel: POOLED_TRUNK_KERNEL, layers: 2 },
};

/**
 * One Adam step of one variable: inputs `value`, `m`, `v`, `gradient`, `accBeta1`,
 * `accBeta2`; attributes `learningRate`, `beta1`, `beta2`, `epsilon`; outputs
 * `[value, m, v]`. Registered on wasm by the blas kernels; every `AdamOptimizer` updates
 * through it while they are installed.
 */
export const ADAM_KERNEL = "MetriclabAdam";
