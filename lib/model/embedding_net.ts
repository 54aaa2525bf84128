/**
 * Small convolutional embedding networks, written on tfjs ops with named variables so
 * that weights and optimiser state can be saved, restored and inspected directly.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { convTrunk } from "../backend/conv_ops.ts";
import { createRng } from "../random.ts";
import type { ComponentConfig, Tensor2D, Tensor4D, Variable } from "../types.ts";
import { invalidOption } from "../_errors.ts";

/** The built-in architectures. */
export const ARCHITECTURES = ["conv64", "conv28"] as const;

/** A name from {@linkcode ARCHITECTURES}. */
export type Architecture = (typeof ARCHITECTURES)[number];

/** Options of {@linkcode createEmbeddingNet}. */
export interface EmbeddingNetOptions {
  /** Input height, width and channels. */
  inputShape: [number, number, number];
  /** Embedding dimension; the exercise uses 8, 16 or 32. */
  dim: number;
  /**
   * `conv64`: conv32-pool-conv64-pool-conv128-global-average-pool-dense (for 64x64 RGB);
   * `conv28`: conv32-pool-conv64-pool-dense128-dense (for 28x28 grey). 3x3 same
   * convolutions with ReLU, 2x2 max pooling. Default: `conv28` for inputs up to 32
   * pixels, else `conv64`.
   */
  architecture?: Architecture;
  /** Seed of the He-normal initial weights. @default 0 */
  seed?: number;
}

/** An embedding network: a function from images to embeddings with named weights. */
export interface EmbeddingNet {
  /** `{ name: "embedding-net", architecture, inputShape, dim, seed }`. */
  config(): ComponentConfig;
  /** Input image shape `[height, width, channels]`. */
  readonly inputShape: [number, number, number];
  /** Length of each output embedding. */
  readonly dim: number;
  /** Trainable weights, in a fixed order. */
  readonly variables: Variable[];
  /** Names of `variables`, `<layer>/<kernel|bias>` (tfjs variable names must be unique per process, these need not). */
  readonly weightNames: string[];
  /** Embeds a float batch [B, H, W, C] with values in [0, 1]. Caller disposes. */
  apply(x: Tensor4D): Tensor2D;
  /** Frees the weights. */
  dispose(): void;
}

interface Layer {
  kind: "conv" | "dense";
  name: string;
  shape: number[];
}

function layersOf(architecture: Architecture, c: number, flat: number, dim: number): Layer[] {
  const conv = (name: string, ci: number, co: number): Layer => ({
    kind: "conv",
    name,
    shape: [3, 3, ci, co],
  });
  if (architecture === "conv64") {
    return [
      conv("conv1", c, 32),
      conv("conv2", 32, 64),
      conv("conv3", 64, 128),
      { kind: "dense", name: "embed", shape: [128, dim] },
    ];
  }
  return [
    conv("conv1", c, 32),
    conv("conv2", 32, 64),
    { kind: "dense", name: "dense1", shape: [flat, 128] },
    { kind: "dense", name: "embed", shape: [128, dim] },
  ];
}

/**
 * Creates an embedding network with seeded He-normal weights and zero biases.
 *
 * @param options Input shape, dimension, architecture, seed.
 * @returns The network; dispose it when done.
 * @throws {RangeError} On a dimension that is not a positive integer, or an input too
 *   small for two 2x2 poolings.
 *
 * @example
 * ```ts
 * import * as tf from "../tf.ts";
 * import { createEmbeddingNet } from "./embedding_net.ts";
 * const net = createEmbeddingNet({ inputShape: [28, 28, 1], dim: 8 });
 * const e = net.apply(tf.zeros([2, 28, 28, 1]));
 * if (e.shape[1] !== 8) throw new Error("wrong dim");
 * e.dispose();
 * net.dispose();
 * ```
 */
export function createEmbeddingNet(options: EmbeddingNetOptions): EmbeddingNet {
  const { inputShape, dim } = options;
  const [h, w, c] = inputShape;
  if (!Number.isInteger(dim) || dim < 1) {
    throw invalidOption("dim", dim, "must be a positive integer");
  }
  if (!(h >= 4 && w >= 4 && c >= 1)) {
    throw new RangeError(`Invalid input shape ${inputShape.join("x")}: needs at least 4x4x1`);
  }
  const architecture = options.architecture ?? (Math.max(h, w) <= 32 ? "conv28" : "conv64");
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new RangeError(
      `Unknown architecture "${architecture}": expected one of ${ARCHITECTURES.join(", ")}`,
    );
  }
  const seed = options.seed ?? 0;
  const rng = createRng(seed);
  const flat = Math.floor(h / 4) * Math.floor(w / 4) * 64;
  const layers = layersOf(architecture, c, flat, dim);
  const variables: tf.Variable[] = [];
  const weightNames: string[] = [];
  const params = new Map<string, { kernel: tf.Variable; bias: tf.Variable }>();
  for (const layer of layers) {
    const fanIn = layer.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const std = Math.sqrt(2 / fanIn);
    const values = new Float32Array(layer.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = rng.normal() * std;
    // tf.variable copies its initial value: the temporaries are freed at once.
    const [kernel, bias] = tf.tidy(() => [
      tf.variable(tf.tensor(values, layer.shape), true),
      tf.variable(tf.zeros([layer.shape[layer.shape.length - 1]]), true),
    ]);
    params.set(layer.name, { kernel, bias });
    variables.push(kernel, bias);
    weightNames.push(`${layer.name}/kernel`, `${layer.name}/bias`);
  }

  const convs = layers.filter((l) => l.kind === "conv").map((l) => params.get(l.name)!);
  const denses = layers.filter((l) => l.kind === "dense");
  const apply = (x: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const scaled = tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D;
      // The convolutions and poolings (and conv64's global average) are one kernel on oneDNN.
      let y: tf.Tensor = convTrunk(scaled, convs, architecture === "conv64" ? "average" : "pool");
      for (const layer of denses) {
        const p = params.get(layer.name)!;
        if (y.rank !== 2) y = tf.reshape(y, [y.shape[0], -1]);
        y = tf.add(tf.matMul(y as tf.Tensor2D, p.kernel as tf.Tensor2D), p.bias);
        if (layer.name !== "embed") y = tf.relu(y);
      }
      return y as tf.Tensor2D;
    });

  return {
    inputShape: [h, w, c],
    dim,
    variables,
    weightNames,
    config: () => ({ name: "embedding-net", architecture, inputShape: [h, w, c], dim, seed }),
    apply,
    dispose: () => tf.dispose(variables),
  };
}
