/**
 * Decoding PNG and JPEG files into plain pixel bytes.
 *
 * @module
 */
import { decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";

/** A decoded image: 8-bit samples, row-major, channels interleaved. */
export interface DecodedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA; straight, not premultiplied, alpha). */
  channels: 1 | 3 | 4;
  /** `height * width * channels` bytes. */
  data: Uint8Array;
}

/** The largest image accepted, in pixels: a bound on memory for corrupt or hostile headers. */
const MAX_PIXELS = 100_000_000;
/** jpeg-js refuses to allocate more than this while decoding one image. */
const MAX_JPEG_MEMORY_MB = 1024;
/**
 * Deflate expands at most 1032 times, so a PNG's unfiltered rows can be at most this many
 * times larger than the whole file: a header claiming more is corrupt or hostile.
 */
const PNG_MAX_EXPANSION = 1100;
/**
 * A JPEG spends at least about 2 bits on each 8x8 block (a flat image with optimised
 * Huffman tables: 256 pixels per byte for grey); 1024 leaves a wide margin and bounds
 * what a tiny file with a huge frame header can make jpeg-js allocate.
 */
const JPEG_MAX_PIXELS_PER_BYTE = 1024;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** Names the format of a file we do not decode, for a useful message. */
function otherFormat(bytes: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 4) === "GIF8") return "GIF";
  if (ascii(0, 2) === "BM") return "BMP";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "WebP";
  if (
    (bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a) ||
    (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[3] === 0x2a)
  ) return "TIFF";
  return undefined;
}

/**
 * Decodes a PNG or JPEG file, recognised by its magic bytes (not its extension).
 *
 * PNG: every colour type and bit depth (1, 2, 4, 8, 16) is supported. 16-bit samples are
 * rounded to 8 bits, palettes are expanded to RGB (RGBA with a `tRNS` chunk), grey+alpha
 * becomes RGBA, and a `tRNS` colour key adds an alpha channel. CRCs are checked.
 * JPEG: baseline and progressive, decoded to RGB (grey JPEGs too) by jpeg-js.
 * Images over 100 megapixels, and headers that claim more pixels than the file's size can
 * hold, are refused before any large allocation.
 *
 * @param bytes The file contents.
 * @param name The file name, for error messages.
 * @returns The pixels with 1, 3 or 4 channels.
 * @throws {SyntaxError} `Cannot decode image "<name>": <reason>` when the bytes are not a
 * complete, valid PNG or JPEG.
 *
 * @example
 * ```ts
 * import { decodeImage } from "./image_decode.ts";
 * import { encode } from "fast-png";
 * const png = encode({ width: 2, height: 1, data: new Uint8Array([0, 255]), channels: 1 });
 * const image = decodeImage(png, "tiny.png");
 * if (image.width !== 2 || image.channels !== 1 || image.data[1] !== 255) throw new Error();
 * ```
 */
export function decodeImage(bytes: Uint8Array, name: string): DecodedImage {
  const fail = (reason: string): never => {
    throw new SyntaxError(`Cannot decode image "${name}": ${reason}`);
  };
  if (bytes.length === 0) fail("the file is empty");
  let image: DecodedImage | undefined;
  if (startsWith(bytes, PNG_MAGIC)) {
    image = tryDecode(() => decodePngBytes(bytes), fail);
  } else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    image = tryDecode(() => decodeJpegBytes(bytes), fail, !endsWithJpegEnd(bytes));
  } else {
    const other = otherFormat(bytes);
    fail(other ? `unsupported format ${other} (only PNG and JPEG)` : "not a PNG or JPEG file");
  }
  const { width, height, channels, data } = image!;
  if (!(width > 0 && height > 0)) fail(`invalid size ${width}x${height}`);
  if (data.length !== width * height * channels) {
    fail(`decoded ${data.length} bytes, expected ${width * height * channels}`);
  }
  return image!;
}

/** Whether the file ends with a JPEG end-of-image marker (allowing a little padding). */
function endsWithJpegEnd(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 2; i >= Math.max(0, bytes.length - 64); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

function tryDecode(
  decode: () => DecodedImage,
  fail: (reason: string) => never,
  truncatedHint = false,
): DecodedImage {
  try {
    return decode();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // IOBuffer and DataView report a truncated PNG as an out-of-bounds read.
    const truncated = !message.startsWith("the file is truncated") && (truncatedHint ||
      /out of bounds|outside the bounds|offset is outside|beyond/i.test(message));
    return fail(truncated ? `the file is truncated (${message})` : message || "corrupt data");
  }
}

function checkSize(width: number, height: number): void {
  if (width <= 0 || height <= 0) throw new Error(`invalid size ${width}x${height}`);
  if (width * height > MAX_PIXELS) {
    throw new Error(`${width}x${height} is over the limit of ${MAX_PIXELS / 1e6} megapixels`);
  }
}

/** Samples per pixel of each PNG colour type. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function decodePngBytes(bytes: Uint8Array): DecodedImage {
  // Read IHDR ourselves first so a corrupt size never reaches an allocation.
  if (bytes.length < 33) throw new Error("the file is truncated (no complete header)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
    throw new Error("the first chunk is not IHDR");
  }
  const headerWidth = view.getUint32(16);
  const headerHeight = view.getUint32(20);
  checkSize(headerWidth, headerHeight);
  const depth = bytes[24];
  const samples = PNG_CHANNELS[bytes[25]];
  if (samples === undefined) throw new Error(`unknown colour type ${bytes[25]}`);
  if (![1, 2, 4, 8, 16].includes(depth)) throw new Error(`invalid bit depth ${depth}`);
  const raw = headerHeight * (1 + Math.ceil((headerWidth * samples * depth) / 8));
  if (raw > PNG_MAX_EXPANSION * bytes.length) {
    throw new Error(
      `the file is truncated or corrupt: ${headerWidth}x${headerHeight} pixels cannot fit in ` +
        `${bytes.length} bytes`,
    );
  }
  return decodeCheckedPng(bytes);
}

function decodeCheckedPng(bytes: Uint8Array): DecodedImage {
  const png = decodePng(bytes, { checkCrc: true });
  const { width, height, depth, channels } = png;
  const n = width * height;
  const src = png.data;
  const max = (1 << depth) - 1;

  // Samples of one row-major image, unpacked to one number per sample at 8 bits.
  let samples: Uint8Array;
  const count = n * channels;
  if (depth === 8) {
    samples = src instanceof Uint8Array ? src : Uint8Array.from(src);
  } else if (depth === 16) {
    samples = new Uint8Array(count);
    for (let i = 0; i < count; i++) samples[i] = (src[i] * 255 + 32767) / 65535;
  } else {
    // 1, 2 and 4 bits: rows are packed and padded to whole bytes.
    samples = new Uint8Array(count);
    const rowBytes = Math.ceil((width * channels * depth) / 8);
    if (src.length < rowBytes * height) throw new Error("image data is too short");
    const scale = png.palette ? 1 : 255 / max;
    const perRow = width * channels;
    for (let y = 0; y < height; y++) {
      const row = y * rowBytes;
      for (let x = 0; x < perRow; x++) {
        const bit = x * depth;
        const value = (src[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
        samples[y * perRow + x] = value * scale;
      }
    }
  }

  if (png.palette) {
    const palette = png.palette;
    const outChannels = palette.some((c) => c.length === 4) ? 4 : 3;
    const out = new Uint8Array(n * outChannels);
    for (let i = 0; i < n; i++) {
      const color = palette[samples[i]];
      if (!color) throw new Error(`palette index ${samples[i]} is out of range`);
      for (let c = 0; c < outChannels; c++) out[i * outChannels + c] = color[c] ?? 255;
    }
    return { width, height, channels: outChannels, data: out };
  }

  const key = png.transparency;
  if (channels === 1 || channels === 3) {
    if (key && key.length === channels) {
      // A tRNS colour key: pixels of exactly that colour (at the file's depth) are transparent.
      const raw = src;
      const out = new Uint8Array(n * 4);
      for (let i = 0; i < n; i++) {
        let match = true;
        for (let c = 0; c < channels; c++) {
          const v = depth < 8
            ? Math.round(samples[i * channels + c] / (255 / max))
            : raw[i * channels + c];
          if (v !== key[c]) match = false;
        }
        for (let c = 0; c < 3; c++) {
          out[i * 4 + c] = samples[i * channels + (channels === 1 ? 0 : c)];
        }
        out[i * 4 + 3] = match ? 0 : 255;
      }
      return { width, height, channels: 4, data: out };
    }
    return { width, height, channels, data: samples };
  }
  if (channels === 2) {
    const out = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      const g = samples[i * 2];
      out[i * 4] = g;
      out[i * 4 + 1] = g;
      out[i * 4 + 2] = g;
      out[i * 4 + 3] = samples[i * 2 + 1];
    }
    return { width, height, channels: 4, data: out };
  }
  if (channels === 4) return { width, height, channels: 4, data: samples };
  throw new Error(`unsupported channel count ${channels}`);
}

/** JPEG start-of-frame markers (every coding process); they carry the image size. */
const JPEG_SOF = new Set([
  0xc0,
  0xc1,
  0xc2,
  0xc3,
  0xc5,
  0xc6,
  0xc7,
  0xc9,
  0xca,
  0xcb,
  0xcd,
  0xce,
  0xcf,
]);

/** The frame size of a JPEG, read from its markers without decoding anything. */
function jpegFrameSize(bytes: Uint8Array): { width: number; height: number } {
  let i = 2;
  while (i + 1 < bytes.length) {
    if (bytes[i] !== 0xff) throw new Error(`no marker at byte ${i}`);
    const marker = bytes[i + 1];
    if (marker === 0xff) { // fill byte
      i++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { // no length
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, start of scan
    if (i + 4 > bytes.length) break;
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (length < 2) throw new Error(`invalid marker length ${length} at byte ${i}`);
    if (JPEG_SOF.has(marker)) {
      if (i + 9 > bytes.length) break;
      return {
        height: (bytes[i + 5] << 8) | bytes[i + 6],
        width: (bytes[i + 7] << 8) | bytes[i + 8],
      };
    }
    i += 2 + length;
  }
  throw new Error("the file is truncated or corrupt (no frame header before the image data)");
}

function decodeJpegBytes(bytes: Uint8Array): DecodedImage {
  const { width, height } = jpegFrameSize(bytes);
  checkSize(width, height);
  if (width * height > JPEG_MAX_PIXELS_PER_BYTE * bytes.length) {
    throw new Error(
      `the file is truncated or corrupt: ${width}x${height} pixels cannot fit in ` +
        `${bytes.length} bytes`,
    );
  }
  const result = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    // Strict: a truncated or corrupt scan is an error, not a silently grey image.
    tolerantDecoding: false,
    maxResolutionInMP: MAX_PIXELS / 1e6,
    maxMemoryUsageInMB: MAX_JPEG_MEMORY_MB,
  });
  checkSize(result.width, result.height);
  return { width: result.width, height: result.height, channels: 3, data: result.data };
}
