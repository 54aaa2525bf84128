/**
 * The `conv64` network's convolutional part: three 3x3 convolutions with bias and ReLU,
 * a 2x2 max pooling after the first two and a global average after the last. On the
 * `onednn` backend it runs as one kernel, a chain of oneDNN primitives that keeps the
 * activations in oneDNN's blocked layout from layer to layer, with a gradient that runs
 * the whole backward chain at once; elsewhere it runs layer by layer.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { oneDnnTrunkRuns } from "../backend/blas_kernels.ts";
import { TRUNK_GRAD_KERNEL, TRUNK_KERNEL } from "../backend/_kernel_names.ts";
import { reluGradient } from "./_fused_conv_gradient.ts";

/** 3x3 "same" convolution with bias and ReLU, as the FusedConv2D kernel takes them. */
const FUSED_CONV_ATTRS = {
  strides: [1, 1],
  pad: "same",
  dataFormat: "NHWC",
  dilations: [1, 1],
  dimRoundingMode: undefined,
  activation: "relu",
  leakyreluAlpha: 0.2,
} as unknown as tf.NamedAttrMap;

/** A convolution's filter `[3, 3, in, out]` and bias `[out]`. */
export interface ConvParams {
  /** The filter, HWIO. */
  kernel: tf.Tensor;
  /** The bias. */
  bias: tf.Tensor;
}

/**
 * relu(conv3x3(x) + bias) as one kernel, in training too: its gradient is registered by
 * _fused_conv_gradient.ts (tf.fused.conv2d would split it in three under a tape).
 */
export function fusedConv(x: tf.Tensor, p: ConvParams): tf.Tensor4D {
  return tf.engine().runKernel(
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
    g = tf.engine().runKernel("Conv2DBackpropInput", { dy: g, filter: layers[i].kernel }, {
      ...FUSED_CONV_ATTRS,
      inputShape: i === 0 ? x.shape : pooled[i - 1].shape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    if (i === 0) break;
    g = tf.engine().runKernel("MaxPoolGrad", {
      dy: g,
      input: outputs[i - 1],
      output: pooled[i - 1],
    }, {
      filterSize: 2,
      strides: 2,
      pad: "valid",
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return g;
}

/** Whether tfjs records operations for a gradient now (engine internals of tfjs 4.22). */
function taping(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/**
 * The features `[batch, channels]` of the three-convolution trunk: on oneDNN as one fused
 * kernel where it runs, else layer by layer (same values up to float rounding).
 *
 * @param x Images `[batch, height, width, channels]` (height and width even twice over).
 * @param layers The three convolutions.
 * @returns The globally averaged features of the last convolution.
 */
export function convTrunk(x: tf.Tensor4D, layers: readonly ConvParams[]): tf.Tensor2D {
  if (!oneDnnTrunkRuns(x.shape, layers.map((p) => p.kernel.shape))) {
    return layerByLayer(x, layers).features;
  }
  const inputs: Record<string, tf.Tensor> = { x };
  layers.forEach((p, i) => {
    inputs[`filter${i}`] = p.kernel;
    inputs[`bias${i}`] = p.bias;
  });
  return tf.engine().runKernel(TRUNK_KERNEL, inputs, { save: taping() }) as tf.Tensor2D;
}

/**
 * Registers the gradient of the fused trunk kernel. The filter and bias gradients come from
 * one backward chain on oneDNN; the images' gradient (which training never asks for) is
 * taken layer by layer.
 */
function registerConvTrunkGradient(): void {
  if (tf.getGradient(TRUNK_KERNEL)) return;
  tf.registerGradient({
    kernelName: TRUNK_KERNEL,
    inputsToSave: ["x", "filter0", "bias0", "filter1", "bias1", "filter2", "bias2"],
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [x, f0, b0, f1, b1, f2, b2, features] = saved;
      // Computed here, not in the closures: it consumes the forward pass's activations.
      const grads = tf.engine().runKernel(TRUNK_GRAD_KERNEL, {
        dy: dy as tf.Tensor,
        features,
        filter0: f0,
        filter1: f1,
        filter2: f2,
      }) as unknown as tf.Tensor[];
      const layers = [{ kernel: f0, bias: b0 }, { kernel: f1, bias: b1 }, { kernel: f2, bias: b2 }];
      return {
        x: () => imageGradient(x, layers, dy as tf.Tensor),
        filter0: () => grads[0],
        bias0: () => grads[1],
        filter1: () => grads[2],
        bias1: () => grads[3],
        filter2: () => grads[4],
        bias2: () => grads[5],
      };
    },
  });
}

registerConvTrunkGradient();
