/**
 * The convolution ops the embedding networks are built from, on whatever backend runs:
 * {@linkcode fusedConv} (a 3x3 convolution, bias and ReLU as one kernel, in training too)
 * and {@linkcode convTrunk}, the `conv64` network's convolutional part: three 3x3
 * convolutions with bias and ReLU, a 2x2 max pooling after the first two and a global
 * average after the last. On the `onednn` backend the trunk runs as one kernel, a chain of
 * oneDNN primitives that keeps the activations in oneDNN's blocked layout from layer to
 * layer, with a gradient that runs the whole backward chain at once; elsewhere it runs
 * layer by layer. Their gradients are registered on first use, not on import.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { oneDnnTrunkRuns } from "./_trunk_kernels.ts";
import { TRUNK_GRAD_KERNEL, TRUNK_KERNEL, TRUNK_LAYERS } from "./_kernel_names.ts";
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
function layerByLayer(x: tf.Tensor, layers: readonly ConvParams[]) {
  const outputs: tf.Tensor4D[] = [], pooled: tf.Tensor4D[] = [];
  let y = x;
  layers.forEach((p, i) => {
    outputs.push(fusedConv(y, p));
    if (i < layers.length - 1) pooled.push(y = tf.maxPool(outputs[i], 2, 2, "valid"));
  });
  return { outputs, pooled, features: tf.mean(outputs[outputs.length - 1], [1, 2]) as tf.Tensor2D };
}

/**
 * The images' gradient of the trunk, by hand, layer by layer: the forward pass again, then
 * the global average, ReLU, convolution and pooling gradients in turn. (A gradient function
 * cannot call tf.grad: tfjs 4.22 drops the outer tape when a nested one ends.)
 */
function imageGradient(x: tf.Tensor, layers: readonly ConvParams[], dy: tf.Tensor): tf.Tensor {
  const { outputs, pooled } = layerByLayer(x, layers);
  const [n, h, w, c] = outputs[outputs.length - 1].shape;
  let g: tf.Tensor = tf.mul(
    tf.onesLike(outputs[outputs.length - 1]),
    tf.reshape(tf.div(dy, h * w), [n, 1, 1, c]),
  );
  for (let i = layers.length - 1; i >= 0; i--) {
    g = reluGradient(g, outputs[i]);
    g = runKernel("Conv2DBackpropInput", { dy: g, filter: layers[i].kernel }, {
      ...FUSED_CONV_ATTRS,
      inputShape: i === 0 ? x.shape : pooled[i - 1].shape,
    }) as tf.Tensor;
    if (i === 0) break;
    g = runKernel("MaxPoolGrad", {
      dy: g,
      input: outputs[i - 1],
      output: pooled[i - 1],
    }, { filterSize: 2, strides: 2, pad: "valid", dimRoundingMode: undefined }) as tf.Tensor;
  }
  return g;
}

/**
 * The features `[batch, channels]` of the three-convolution trunk: on oneDNN as one fused
 * kernel where it runs, else layer by layer (same values up to float rounding).
 *
 * @param x Images `[batch, height, width, channels]` (height and width even twice over).
 * @param layers The convolutions (three: {@linkcode TRUNK_LAYERS}, for the fused kernel).
 * @returns The globally averaged features of the last convolution.
 */
export function convTrunk(x: tf.Tensor4D, layers: readonly ConvParams[]): tf.Tensor2D {
  if (!oneDnnTrunkRuns(x.shape, layers.map((p) => p.kernel.shape))) {
    return layerByLayer(x, layers).features;
  }
  registerConvTrunkGradient();
  const inputs: Record<string, tf.Tensor> = { x };
  layers.forEach((p, i) => {
    inputs[`filter${i}`] = p.kernel;
    inputs[`bias${i}`] = p.bias;
  });
  return runKernel(TRUNK_KERNEL, inputs, { save: isTaping() }) as tf.Tensor2D;
}

/** The trunk kernel's inputs, in order: `x`, then each layer's filter and bias. */
const TRUNK_INPUTS = [
  "x",
  ...Array.from({ length: TRUNK_LAYERS }, (_, i) => [`filter${i}`, `bias${i}`]).flat(),
];

/**
 * Registers the gradient of the fused trunk kernel (once; before its first run, since the
 * tape saves what the gradient declares). The filter and bias gradients come from one
 * backward chain on oneDNN; the images' gradient (which training never asks for) is
 * taken layer by layer.
 */
function registerConvTrunkGradient(): void {
  if (tf.getGradient(TRUNK_KERNEL)) return;
  tf.registerGradient({
    kernelName: TRUNK_KERNEL,
    inputsToSave: TRUNK_INPUTS,
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [x, ...rest] = saved;
      const features = rest.pop()!;
      const layers = Array.from(
        { length: TRUNK_LAYERS },
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
        x: () => imageGradient(x, layers, dy as tf.Tensor),
      };
      layers.forEach((_, i) => {
        result[`filter${i}`] = () => grads[2 * i];
        result[`bias${i}`] = () => grads[2 * i + 1];
      });
      return result;
    },
  });
}
