/**
 * Light photometric and geometric augmentation of float batches: random shifts with edge
 * clamping, brightness and contrast. No flips: traffic signs are chiral (a left arrow is
 * another class than a right arrow).
 *
 * @module
 */
import type { Rng } from "../random.ts";

/** Augmentation strengths. */
export interface AugmentOptions {
  /** Largest shift, as a fraction of the image side. @default 0.08 */
  shift?: number;
  /** Largest brightness offset (values are in [0, 1]). @default 0.1 */
  brightness?: number;
  /** Largest relative contrast change. @default 0.2 */
  contrast?: number;
}

/**
 * Augments `count` NHWC images in `batch` in place.
 *
 * @param batch Floats in [0, 1], `count * h * w * c` of them.
 * @param shape `[count, h, w, c]`.
 * @param rng The seeded generator (the training loop derives it from seed and epoch).
 * @param options Strengths.
 * @returns `batch`, changed in place.
 *
 * @example
 * ```ts
 * import { augmentBatch } from "./augment.ts";
 * import { createRng } from "../random.ts";
 * const batch = new Float32Array(2 * 4 * 4).fill(0.5);
 * augmentBatch(batch, [2, 4, 4, 1], createRng(1));
 * if (batch.some((v) => v < 0 || v > 1)) throw new Error("out of range");
 * ```
 */
export function augmentBatch(
  batch: Float32Array,
  shape: [number, number, number, number],
  rng: Rng,
  options: AugmentOptions = {},
): Float32Array {
  const [count, h, w, c] = shape;
  const maxShift = Math.round((options.shift ?? 0.08) * Math.min(h, w));
  const brightness = options.brightness ?? 0.1, contrast = options.contrast ?? 0.2;
  const size = h * w * c;
  const copy = new Float32Array(size);
  for (let n = 0; n < count; n++) {
    const image = batch.subarray(n * size, (n + 1) * size);
    copy.set(image);
    const dy = rng.int(2 * maxShift + 1) - maxShift, dx = rng.int(2 * maxShift + 1) - maxShift;
    const gain = 1 + rng.uniform(-contrast, contrast);
    const offset = rng.uniform(-brightness, brightness);
    for (let y = 0; y < h; y++) {
      const sy = Math.min(h - 1, Math.max(0, y - dy));
      for (let x = 0; x < w; x++) {
        const sx = Math.min(w - 1, Math.max(0, x - dx));
        const dst = (y * w + x) * c, src = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) {
          const v = (copy[src + k] - 0.5) * gain + 0.5 + offset;
          image[dst + k] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
  }
  return batch;
}
