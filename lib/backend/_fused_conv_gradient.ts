/**
 * A gradient for tfjs's `FusedConv2D` kernel (convolution, bias, ReLU or no activation),
 * which tfjs 4.22 does not register: its `tf.fused.conv2d` op falls back to three separate
 * ops under a gradient tape. With this gradient the embedding networks run one fused
 * kernel forward in training too, and the backward pass computes only what is needed
 * (no input gradient for the first layer).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { FILTER_BIAS_GRAD_KERNEL } from "./_kernel_names.ts";
import { runKernel } from "./_engine.ts";

/** dy where the layer's output is positive: the ReLU gradient, taken from its output. */
export function reluGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  // The registered Relu gradient (lib/tf.ts loads them all; a one-pass kernel on the blas
  // backend) with the output in place of the input: y > 0 exactly where the pre-activation is.
  const relu = tf.getGradient("Relu")!;
  return (relu.gradFunc(dy, [y], {}) as Record<string, () => tf.Tensor>).x();
}

/**
 * Registers the gradient of `FusedConv2D` (NHWC, "linear" or "relu", no PReLU weights).
 * Safe to call more than once; leaves an already registered gradient alone.
 *
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import * as tf from "../tf.ts";
 * import { registerFusedConvGradient } from "./_fused_conv_gradient.ts";
 * registerFusedConvGradient();
 * if (!tf.getGradient("FusedConv2D")) throw new Error("not registered");
 * ```
 */
export function registerFusedConvGradient(): void {
  if (tf.getGradient("FusedConv2D")) return;
  tf.registerGradient({
    kernelName: "FusedConv2D",
    inputsToSave: ["x", "filter"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as Record<string, unknown>;
      const activation = (a.activation as string | undefined) ?? "linear";
      if (activation !== "linear" && activation !== "relu") {
        throw new Error(`Cannot differentiate FusedConv2D with activation ${activation}`);
      }
      // Computed here, not inside the closures: tfjs tidies each closure on its own, so a
      // tensor one closure made would be gone when the next one ran.
      const d = (activation === "relu" ? reluGradient(dy as tf.Tensor, y) : dy) as tf.Tensor4D;
      const common = {
        strides: a.strides,
        pad: a.pad,
        dilations: a.dilations,
        dataFormat: "NHWC",
        dimRoundingMode: a.dimRoundingMode,
      };
      const gradients = {
        x: () =>
          runKernel("Conv2DBackpropInput", { dy: d, filter }, {
            ...common,
            inputShape: x.shape,
          }) as tf.Tensor,
        filter: () =>
          runKernel("Conv2DBackpropFilter", { x, dy: d }, {
            ...common,
            filterShape: filter.shape,
          }) as tf.Tensor,
        bias: () => tf.sum(d, [0, 1, 2]),
      };
      // Where the backend has one kernel for the filter and bias gradients (the blas and
      // onednn backends), both come from it; like d, computed before the closures (so also
      // when only the input's gradient is wanted, which training never does).
      const together = tf.getKernel(FILTER_BIAS_GRAD_KERNEL, tf.getBackend())
        ? runKernel(FILTER_BIAS_GRAD_KERNEL, { x, dy: d }, {
          ...common,
          filterShape: filter.shape,
        }) as [tf.Tensor, tf.Tensor]
        : undefined;
      if (together) return { x: gradients.x, filter: () => together[0], bias: () => together[1] };
      return gradients;
    },
  });
}
