/**
 * The convolution ops the embedding networks are built from, on whatever backend runs:
 * {@linkcode fusedConv} (a 3x3 convolution, bias and ReLU as one kernel, in training too)
 * and {@linkcode convTrunk}, the networks' convolutional part: `conv64`'s three 3x3
 * convolutions with bias and ReLU, a 2x2 max pooling after the first two and a global
 * average after the last, or `conv28`'s two, each followed by a pooling. On the `onednn`
 * backend the trunk runs as one kernel, a chain of
 * oneDNN primitives that keeps the activations in oneDNN's blocked layout from layer to
 * layer, with a gradient that runs the whole backward chain at once; elsewhere it runs
 * layer by layer. Their gradients are registered on first use, not on import.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { oneDnnTrunkRuns } from "./_trunk_kernels.ts";
import { TRUNK_GRAD_KERNEL, type TrunkHead, TRUNKS } from "./_kernel_names.ts";
import { isTaping, runKernel } from "./_engine.ts";
import { registerFusedConvGradient, reluGradient } from "./_fused_conv_gradient.ts";

export { registerFusedConvGradient };

/** 3x3 "same" convolution with bias and ReLU, as the FusedConv2D kernel takes them. */
const FUSED_CONV_ATTRS = {
  strides: [1, 1],
  pad: "same",
  dataFormat: "NHWC",
  dilations: [1, 1],
  dimRoundingMode: undefined,
  activation: "relu",
  leakyreluAlpha: 0.2,
};

/** A convolution's filter `[3, 3, in, out]` and bias `[out]`. */
export interface ConvParams {
  /** The filter, HWIO. */
  kernel: tf.Tensor;
  /** The bias. */
  bias: tf.Tensor;
}

/**
 * relu(conv3x3(x) + bias) as one kernel, in training too: its gradient is registered by
 * _fused_conv_gradient.ts on first use (tf.fused.conv2d would split it in three under a
 * tape).
 *
 * @param x Images `[batch, height, width, channels]`.
 * @param p The convolution's filter and bias.
 * @returns The activations, same height and width.
 */
export function fusedConv(x: tf.Tensor, p: ConvParams): tf.Tensor4D {
  registerFusedConvGradient();
  return runKernel(
    "FusedConv2D",
    { x, filter: p.kernel, bias: p.bias },
    FUSED_CONV_ATTRS,
  ) as tf.Tensor4D;
}

/** The trunk layer by layer: each convolution's output, each pooling's, and the features. */
function layerByLayer(x: tf.Tensor, layers: readonly ConvParams[], head: TrunkHead) {
  const outputs: tf.Tensor4D[] = [], pooled: tf.Tensor4D[] = [];
  let y = x;
  layers.forEach((p, i) => {
    outputs.push(fusedConv(y, p));
    if (i < layers.length - 1 || head === "pool") {
      pooled.push(y = tf.maxPool(outputs[i], 2, 2, "valid"));
    }
  });
  const features = head === "pool"
    ? pooled[pooled.length - 1]
    : tf.mean(outputs[outputs.length - 1], [1, 2]) as tf.Tensor2D;
  return { outputs, pooled, features };
}

/** The gradient of a 2x2 max pooling of `input` (giving `output`). */
function maxPoolGrad(dy: tf.Tensor, input: tf.Tensor, output: tf.Tensor): tf.Tensor {
  return runKernel("MaxPoolGrad", { dy, input, output }, {
    filterSize: 2,
    strides: 2,
    pad: "valid",
    dimRoundingMode: undefined,
  }) as tf.Tensor;
}

/**
 * The images' gradient of the trunk, by hand, layer by layer: the forward pass again, then
 * the global average, ReLU, convolution and pooling gradients in turn. (A gradient function
 * cannot call tf.grad: tfjs 4.22 drops the outer tape when a nested one ends.)
 */
function imageGradient(
  x: tf.Tensor,
  layers: readonly ConvParams[],
  dy: tf.Tensor,
  head: TrunkHead,
): tf.Tensor {
  const { outputs, pooled } = layerByLayer(x, layers, head);
  const top = outputs[outputs.length - 1], [n, h, w, c] = top.shape;
  let g: tf.Tensor = head === "pool"
    ? maxPoolGrad(dy, top, pooled[pooled.length - 1])
    : tf.mul(tf.onesLike(top), tf.reshape(tf.div(dy, h * w), [n, 1, 1, c]));
  for (let i = layers.length - 1; i >= 0; i--) {
    g = reluGradient(g, outputs[i]);
    g = runKernel("Conv2DBackpropInput", { dy: g, filter: layers[i].kernel }, {
      ...FUSED_CONV_ATTRS,
      inputShape: i === 0 ? x.shape : pooled[i - 1].shape,
    }) as tf.Tensor;
    if (i === 0) break;
    g = maxPoolGrad(g, outputs[i - 1], pooled[i - 1]);
  }
  return g;
}

/**
 * The features of a stack of 3x3 convolutions with bias and ReLU and a 2x2 max pooling
 * after each but the last, then `head`: the global average (`conv64`: features `[batch,
 * channels]`) or one more pooling (`conv28`: `[batch, height / 2^layers, width / 2^layers,
 * channels]`). On oneDNN as one fused kernel where it runs (three layers for the average,
 * two for the pooling: `TRUNKS`), else layer by layer (same values up to float rounding).
 *
 * @param x Images `[batch, height, width, channels]` (height and width even at each pooling).
 * @param layers The convolutions.
 * @param head What follows the last convolution.
 * @returns The features.
 */
export function convTrunk(
  x: tf.Tensor4D,
  layers: readonly ConvParams[],
  head: TrunkHead = "average",
): tf.Tensor {
  if (!oneDnnTrunkRuns(x.shape, layers.map((p) => p.kernel.shape), head)) {
    return layerByLayer(x, layers, head).features;
  }
  registerConvTrunkGradient(head);
  const inputs: Record<string, tf.Tensor> = { x };
  layers.forEach((p, i) => {
    inputs[`filter${i}`] = p.kernel;
    inputs[`bias${i}`] = p.bias;
  });
  return runKernel(TRUNKS[head].kernel, inputs, { save: isTaping() }) as tf.Tensor;
}

/**
 * Registers the gradient of a fused trunk kernel (once; before its first run, since the
 * tape saves what the gradient declares). The filter and bias gradients come from one
 * backward chain on oneDNN; the images' gradient (which training never asks for) is
 * taken layer by layer.
 */
function registerConvTrunkGradient(head: TrunkHead): void {
  const { kernel, layers: count } = TRUNKS[head];
  if (tf.getGradient(kernel)) return;
  tf.registerGradient({
    kernelName: kernel,
    // x, then each layer's filter and bias.
    inputsToSave: [
      "x",
      ...Array.from({ length: count }, (_, i) => [`filter${i}`, `bias${i}`]).flat(),
    ],
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [x, ...rest] = saved;
      const features = rest.pop()!;
      const layers = Array.from(
        { length: count },
        (_, i) => ({ kernel: rest[2 * i], bias: rest[2 * i + 1] }),
      );
      // Computed here, not in the closures: it consumes the forward pass's activations.
      const filters = Object.fromEntries(layers.map((p, i) => [`filter${i}`, p.kernel]));
      const grads = runKernel(TRUNK_GRAD_KERNEL, {
        dy: dy as tf.Tensor,
        features,
        ...filters,
      }) as tf.Tensor[];
      const result: Record<string, () => tf.Tensor> = {
        x: () => imageGradient(x, layers, dy as tf.Tensor, head),
      };
      layers.forEach((_, i) => {
        result[`filter${i}`] = () => grads[2 * i];
        result[`bias${i}`] = () => grads[2 * i + 1];
      });
      return result;
    },
  });
}
