/**
 * Turning dataset bytes into float batches for the model.
 *
 * @module
 */
import type { ImageDataset } from "../types.ts";

/**
 * Copies the images at `indices` into one float batch, bytes scaled to [0, 1] (x / 255).
 *
 * The layout is NHWC, the same as `dataset.images`: sample `k` of the batch is at
 * `k * height * width * channels`. This is the hot path of training, so it does not
 * validate the indices.
 *
 * @param dataset The dataset to read from.
 * @param indices Sample indices, in batch order.
 * @param out A buffer to fill and return instead of allocating one; it must hold at least
 * `indices.length * height * width * channels` floats (only that prefix is written).
 * @returns The batch, `out` when given.
 * @throws {RangeError} When `out` is too small.
 *
 * @example
 * ```ts
 * import { toFloatBatch } from "./batch.ts";
 * const dataset = {
 *   source: "tiny", images: new Uint8Array([0, 51, 255, 102]), labels: new Int32Array([0, 1]),
 *   classNames: ["a", "b"], height: 1, width: 2, channels: 1, warnings: [],
 * };
 * const batch = toFloatBatch(dataset, [1]);
 * if (batch[0] !== 1 || Math.abs(batch[1] - 0.4) > 1e-6) throw new Error(`got ${batch}`);
 * ```
 */
export function toFloatBatch(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  const size = dataset.height * dataset.width * dataset.channels;
  const total = indices.length * size;
  if (out && out.length < total) {
    throw new RangeError(
      `Cannot fill batch: out holds ${out.length} floats, ${total} needed`,
    );
  }
  const batch = out ?? new Float32Array(total);
  const images = dataset.images;
  const scale = 1 / 255;
  for (let k = 0; k < indices.length; k++) {
    const from = indices[k] * size;
    const to = k * size;
    for (let i = 0; i < size; i++) batch[to + i] = images[from + i] * scale;
  }
  return batch;
}
