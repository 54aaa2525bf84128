/**
 * Saving and loading embedding networks as a JSON manifest plus one little-endian
 * float32 weight buffer (the layout of tfjs's own weight files, without tfjs-layers).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { type Architecture, createEmbeddingNet, type EmbeddingNet } from "./embedding_net.ts";

/** The manifest written beside the weights. */
export interface ModelManifest {
  /** Format tag and version of the manifest. */
  format: "metriclab-embedding-net/1";
  /** What `createEmbeddingNet` needs to rebuild the network. */
  config: {
    /** Network architecture. */
    architecture: Architecture;
    /** Input image shape `[height, width, channels]`. */
    inputShape: [number, number, number];
    /** Embedding dimension. */
    dim: number;
    /** Seed of the initial weights. */
    seed: number;
  };
  /** Name and shape of each weight, in the order they are stored. */
  weights: { name: string; shape: number[] }[];
}

/**
 * Reads a network's weights into a manifest and one buffer (each weight read back with
 * `await`, so GPU backends work too).
 *
 * @param net The network.
 * @returns The manifest and the concatenated float32 weights.
 *
 * @example
 * ```ts
 * import { createEmbeddingNet } from "./embedding_net.ts";
 * import { serializeModel, deserializeModel } from "./serialize.ts";
 * const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4, architecture: "conv28" });
 * const { manifest, weights } = await serializeModel(net);
 * const copy = deserializeModel(manifest, weights);
 * if (copy.variables.length !== net.variables.length) throw new Error("lost weights");
 * net.dispose(); copy.dispose();
 * ```
 */
export async function serializeModel(
  net: EmbeddingNet,
): Promise<{ manifest: ModelManifest; weights: Float32Array }> {
  const config = net.config() as unknown as ModelManifest["config"];
  const total = net.variables.reduce((n, v) => n + v.size, 0);
  const weights = new Float32Array(total);
  let offset = 0;
  for (const v of net.variables) {
    weights.set((await v.data()) as Float32Array, offset);
    offset += v.size;
  }
  return {
    manifest: {
      format: "metriclab-embedding-net/1",
      config: {
        architecture: config.architecture,
        inputShape: config.inputShape,
        dim: config.dim,
        seed: config.seed,
      },
      weights: net.variables.map((v, i) => ({ name: net.weightNames[i], shape: v.shape })),
    },
    weights,
  };
}

/**
 * Rebuilds a network from {@linkcode serializeModel}'s output.
 *
 * @param manifest The manifest.
 * @param weights The weights.
 * @returns The network, with the saved weights.
 * @throws {SyntaxError} When the manifest and the weights do not agree.
 *
 * @example
 * ```ts
 * import { createEmbeddingNet } from "./embedding_net.ts";
 * import { serializeModel, deserializeModel } from "./serialize.ts";
 * const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 2, architecture: "conv28" });
 * const { manifest, weights } = await serializeModel(net);
 * deserializeModel(manifest, weights).dispose();
 * net.dispose();
 * ```
 */
export function deserializeModel(manifest: ModelManifest, weights: Float32Array): EmbeddingNet {
  if (manifest?.format !== "metriclab-embedding-net/1") {
    throw new SyntaxError(`Cannot load model: unknown format "${manifest?.format}"`);
  }
  const net = createEmbeddingNet(manifest.config);
  const expected = net.variables.reduce((n, v) => n + v.size, 0);
  if (expected !== weights.length || manifest.weights.length !== net.variables.length) {
    net.dispose();
    throw new SyntaxError(
      `Cannot load model: the manifest needs ${expected} weights, the weight file has ${weights.length}`,
    );
  }
  let offset = 0;
  for (const v of net.variables) {
    tf.tidy(() => v.assign(tf.tensor(weights.subarray(offset, offset + v.size), v.shape)));
    offset += v.size;
  }
  return net;
}
