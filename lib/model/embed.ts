/**
 * Inference: embeddings of many images, batch by batch.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { toFloatBatch } from "../data/batch.ts";
import type { ImageDataset } from "../types.ts";
import type { EmbeddingNet } from "./embedding_net.ts";

/**
 * Embeds the samples `indices` of `dataset`.
 *
 * @param net The network.
 * @param dataset Images (bytes), of the network's input shape.
 * @param indices Which samples, in output order.
 * @param batchSize Images per forward pass. @default 256
 * @returns `indices.length * net.dim` floats, row-major. Each batch is read back with
 * `await`, so this works on GPU backends too (tfjs's `webgpu` cannot read synchronously in
 * Deno).
 *
 * @example
 * ```ts
 * import { createEmbeddingNet } from "./embedding_net.ts";
 * import { embedDataset } from "./embed.ts";
 * const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 3 });
 * const data = { source: "x", images: new Uint8Array(2 * 64), labels: new Int32Array(2),
 *   classNames: ["a"], height: 8, width: 8, channels: 1, warnings: [] };
 * const e = await embedDataset(net, data, new Int32Array([0, 1]));
 * if (e.length !== 6) throw new Error("wrong size");
 * net.dispose();
 * ```
 */
export async function embedDataset(
  net: EmbeddingNet,
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  batchSize = 256,
): Promise<Float32Array> {
  const [h, w, c] = net.inputShape;
  if (dataset.height !== h || dataset.width !== w || dataset.channels !== c) {
    throw new TypeError(
      `Cannot embed ${dataset.height}x${dataset.width}x${dataset.channels} images with a network for ${h}x${w}x${c}`,
    );
  }
  const out = new Float32Array(indices.length * net.dim);
  const buffer = new Float32Array(batchSize * h * w * c);
  for (let start = 0; start < indices.length; start += batchSize) {
    const end = Math.min(start + batchSize, indices.length);
    const batch = Array.from({ length: end - start }, (_, i) => indices[start + i]);
    const floats = toFloatBatch(dataset, batch, buffer).subarray(0, batch.length * h * w * c);
    const e = tf.tidy(() => net.apply(tf.tensor4d(floats, [batch.length, h, w, c])));
    try {
      out.set((await e.data()) as Float32Array, start * net.dim);
    } finally {
      e.dispose();
    }
  }
  return out;
}
