/**
 * Resizing decoded images and converting their channels, for loading datasets of mixed
 * sizes into one fixed shape.
 *
 * @module
 */
import type { DecodedImage } from "./image_decode.ts";

/** The shape to resize to. */
export interface ResizeOptions {
  /** Output height in pixels. */
  height: number;
  /** Output width in pixels. */
  width: number;
  /** Output channels: 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
}

/** Source taps of one output index along one axis: `count` (index, weight) pairs each. */
interface Taps {
  index: Int32Array;
  weight: Float32Array;
  count: number;
}

/**
 * Bilinear taps with half-pixel centres (as `tf.image.resizeBilinear` with
 * `halfPixelCenters`), edges clamped.
 */
function bilinearTaps(src: number, dst: number): Taps {
  const scale = src / dst;
  const index = new Int32Array(dst * 2);
  const weight = new Float32Array(dst * 2);
  for (let o = 0; o < dst; o++) {
    const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), src - 1);
    const x0 = Math.floor(x);
    const x1 = Math.min(x0 + 1, src - 1);
    const f = x - x0;
    index[o * 2] = x0;
    index[o * 2 + 1] = x1;
    weight[o * 2] = 1 - f;
    weight[o * 2 + 1] = f;
  }
  return { index, weight, count: 2 };
}

/** Area-averaging taps: each output pixel is the mean of the source area it covers. */
function areaTaps(src: number, dst: number): Taps {
  const scale = src / dst;
  const count = Math.ceil(scale) + 1;
  const index = new Int32Array(dst * count);
  const weight = new Float32Array(dst * count);
  for (let o = 0; o < dst; o++) {
    const start = o * scale;
    const end = start + scale;
    let k = 0;
    for (let s = Math.floor(start); s < end && s < src; s++, k++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s);
      index[o * count + k] = s;
      weight[o * count + k] = overlap / scale;
    }
    // Unused taps keep weight 0 and index 0.
  }
  return { index, weight, count };
}

/** Downscaling by more than 2x averages areas; otherwise bilinear interpolation. */
function taps(src: number, dst: number): Taps {
  return src > 2 * dst ? areaTaps(src, dst) : bilinearTaps(src, dst);
}

/**
 * Converts an image's channels to 1 or 3, as floats.
 * Grey to RGB replicates; RGB to grey uses Rec. 601 luminance (0.299 R + 0.587 G + 0.114 B,
 * as PIL and `tf.image.rgbToGrayscale`); RGBA is composited on white before anything else,
 * so transparent areas become white rather than the arbitrary colour stored under them.
 */
function convertChannels(img: DecodedImage, channels: 1 | 3): Float32Array {
  const n = img.width * img.height;
  const src = img.data;
  const out = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    let r: number, g: number, b: number;
    if (img.channels === 1) {
      r = g = b = src[i];
    } else {
      const p = i * img.channels;
      r = src[p];
      g = src[p + 1];
      b = src[p + 2];
      if (img.channels === 4) {
        const a = src[p + 3] / 255;
        const white = 255 * (1 - a);
        r = r * a + white;
        g = g * a + white;
        b = b * a + white;
      }
    }
    if (channels === 1) {
      out[i] = img.channels === 1 ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      out[i * 3] = r;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = b;
    }
  }
  return out;
}

/**
 * Resizes an image to `height` x `width` and converts it to 1 or 3 channels.
 *
 * Upscaling and downscaling by up to 2x are bilinear (half-pixel centres); downscaling by
 * more than 2x along an axis averages the covered source area along that axis, so that
 * small outputs do not alias. RGBA is composited on a white background; RGB to grey is
 * Rec. 601 luminance; grey to RGB replicates the grey value.
 *
 * @param img The decoded image (1, 3 or 4 channels).
 * @param options The output shape.
 * @returns `height * width * channels` bytes, row-major, channels interleaved (HWC).
 * @throws {RangeError} When the output size is not a positive integer or channels is not 1 or 3.
 *
 * @example
 * ```ts
 * import { resizeImage } from "./resize.ts";
 * const img = { width: 2, height: 2, channels: 1 as const, data: new Uint8Array([0, 255, 255, 0]) };
 * const out = resizeImage(img, { height: 1, width: 1, channels: 3 });
 * if (out.length !== 3 || out[0] !== 128) throw new Error(`got ${out}`);
 * ```
 */
export function resizeImage(img: DecodedImage, options: ResizeOptions): Uint8Array {
  const { height, width, channels } = options;
  for (const [key, value] of [["height", height], ["width", width]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Cannot resize image: ${key} must be a positive integer, got ${value}`);
    }
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`Cannot resize image: channels must be 1 or 3, got ${channels}`);
  }
  if (img.width === width && img.height === height && img.channels === channels) {
    return img.data.slice();
  }
  const src = convertChannels(img, channels);
  const out = new Uint8Array(height * width * channels);
  if (img.width === width && img.height === height) {
    for (let i = 0; i < out.length; i++) out[i] = Math.round(src[i]);
    return out;
  }

  // Separable: horizontal pass into a float buffer, then vertical pass into bytes.
  const tx = taps(img.width, width);
  const ty = taps(img.height, height);
  const mid = new Float32Array(img.height * width * channels);
  for (let y = 0; y < img.height; y++) {
    const srcRow = y * img.width * channels;
    const midRow = y * width * channels;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < tx.count; k++) {
          const t = x * tx.count + k;
          sum += tx.weight[t] * src[srcRow + tx.index[t] * channels + c];
        }
        mid[midRow + x * channels + c] = sum;
      }
    }
  }
  const rowLength = width * channels;
  for (let y = 0; y < height; y++) {
    const outRow = y * rowLength;
    for (let i = 0; i < rowLength; i++) {
      let sum = 0;
      for (let k = 0; k < ty.count; k++) {
        const t = y * ty.count + k;
        sum += ty.weight[t] * mid[ty.index[t] * rowLength + i];
      }
      out[outRow + i] = Math.min(255, Math.max(0, Math.round(sum)));
    }
  }
  return out;
}
