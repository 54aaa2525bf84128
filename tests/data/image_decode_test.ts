import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import { crc32 } from "node:zlib";
import { decodeImage } from "../../lib/data/image_decode.ts";
import { createRng } from "../../lib/random.ts";
import { fuzz, fuzzCases } from "./_fuzz.ts";

/** The most pixels decodeImage() lets jpeg-js decode per byte of file (its JPEG_MAX_PIXELS_PER_BYTE). */
const MAX_PIXELS_PER_BYTE = 1024;

/**
 * Runs `fn` and counts the calls to jpeg-js's decoder meanwhile (lib/data/image_decode.ts
 * calls `decode` on this same module object).
 */
function countJpegDecodes<T>(fn: () => T): { result: T; decodes: number } {
  const decode = jpeg.decode;
  let decodes = 0;
  jpeg.decode = ((...args: Parameters<typeof decode>) => {
    decodes++;
    return decode(...args);
  }) as typeof decode;
  try {
    return { result: fn(), decodes };
  } finally {
    jpeg.decode = decode;
  }
}

const W = 5, H = 3;
const ramp = (n: number, step = 17) => Uint8Array.from({ length: n }, (_, i) => (i * step) & 255);

function rgbJpeg(width: number, height: number, quality = 95): Uint8Array {
  // A smooth image, so that a high-quality JPEG stays close to it.
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data[p] = 8 * x;
      data[p + 1] = 8 * y;
      data[p + 2] = 128;
      data[p + 3] = 255;
    }
  }
  return new Uint8Array(jpeg.encode({ width, height, data }, quality).data);
}

function assertDecodeError(bytes: Uint8Array, name: string, reason: RegExp) {
  assert.throws(() => decodeImage(bytes, name), (error: unknown) => {
    assert.ok(error instanceof SyntaxError, `expected SyntaxError, got ${error}`);
    assert.ok(error.message.startsWith(`Cannot decode image "${name}": `), error.message);
    assert.match(error.message, reason);
    return true;
  });
}

Deno.test("decodeImage() decodes 8-bit grey, RGB and RGBA PNGs exactly", () => {
  for (const channels of [1, 3, 4] as const) {
    const data = ramp(W * H * channels);
    const image = decodeImage(encodePng({ width: W, height: H, data, channels }), "a.png");
    assert.deepEqual(
      { width: image.width, height: image.height, channels: image.channels },
      { width: W, height: H, channels },
    );
    assert.deepEqual(image.data, data);
  }
});

Deno.test("decodeImage() turns grey+alpha PNGs into RGBA", () => {
  const data = new Uint8Array([10, 255, 20, 0]);
  const image = decodeImage(encodePng({ width: 2, height: 1, data, channels: 2 }), "ga.png");
  assert.equal(image.channels, 4);
  assert.deepEqual([...image.data], [10, 10, 10, 255, 20, 20, 20, 0]);
});

Deno.test("decodeImage() rounds 16-bit PNG samples to 8 bits", () => {
  const data = new Uint16Array([0, 257, 65535, 32896, 128, 129]);
  const png = encodePng({ width: 2, height: 1, data, channels: 3, depth: 16 });
  const image = decodeImage(png, "deep.png");
  assert.equal(image.channels, 3);
  assert.deepEqual([...image.data], [0, 1, 255, 128, 0, 1]);
});

Deno.test("decodeImage() expands palette PNGs, with and without transparency", () => {
  const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
  const data = new Uint8Array([2, 0, 1, 1]);
  const rgb = decodeImage(encodePng({ width: 2, height: 2, data, channels: 1, palette }), "p.png");
  assert.equal(rgb.channels, 3);
  assert.deepEqual([...rgb.data], [0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 255, 0]);

  // Translucent entries first: fast-png 8.0.0's encoder writes the tRNS alphas of the
  // translucent entries only, which the format reads as the alphas of the first entries.
  const withAlpha = [[255, 0, 0, 0], [0, 0, 255, 128], [0, 255, 0, 255]];
  const rgba = decodeImage(
    encodePng({
      width: 2,
      height: 2,
      data: new Uint8Array([1, 0, 2, 2]),
      channels: 1,
      palette: withAlpha,
    }),
    "pa.png",
  );
  assert.equal(rgba.channels, 4);
  assert.deepEqual([...rgba.data], [0, 0, 255, 128, 255, 0, 0, 0, 0, 255, 0, 255, 0, 255, 0, 255]);

  // 2-bit indices, packed 4 to a byte: 3 pixels per row, padded to a whole byte.
  const packed = new Uint8Array([0b10000100, 0b01100000]);
  const small = decodeImage(
    encodePng({ width: 3, height: 2, data: packed, channels: 1, depth: 2, palette }),
    "p2.png",
  );
  assert.deepEqual(
    [...small.data].filter((_, i) => i % 3 === 0),
    [0, 255, 0, 0, 0, 255],
  );
});

/** Inserts a chunk right after IHDR (which ends at byte 33). */
function withChunk(png: Uint8Array, type: string, body: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + body.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, body.length);
  chunk.set(new TextEncoder().encode(type), 4);
  chunk.set(body, 8);
  view.setUint32(8 + body.length, crc32(chunk.subarray(4, 8 + body.length)));
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, 33));
  out.set(chunk, 33);
  out.set(png.subarray(33), 33 + chunk.length);
  return out;
}

Deno.test("decodeImage() turns a tRNS colour key into an alpha channel", () => {
  // Three pixels at least: fast-png 8.0.0 wants no more key samples than pixels.
  const data = new Uint8Array([1, 2, 3, 9, 9, 9, 9, 9, 8]);
  const png = encodePng({ width: 3, height: 1, data, channels: 3 });
  const key = withChunk(png, "tRNS", new Uint8Array([0, 9, 0, 9, 0, 9]));
  const image = decodeImage(key, "key.png");
  assert.equal(image.channels, 4);
  assert.deepEqual([...image.data], [1, 2, 3, 255, 9, 9, 9, 0, 9, 9, 8, 255]);
});

Deno.test("decodeImage() scales 1- and 4-bit grey PNGs to 0..255", () => {
  const one = decodeImage(
    encodePng({ width: 3, height: 1, data: new Uint8Array([0b10100000]), channels: 1, depth: 1 }),
    "bits.png",
  );
  assert.deepEqual([...one.data], [255, 0, 255]);
  const four = decodeImage(
    encodePng({ width: 2, height: 1, data: new Uint8Array([0x0f]), channels: 1, depth: 4 }),
    "nibbles.png",
  );
  assert.deepEqual([...four.data], [0, 255]);
});

Deno.test("decodeImage() decodes JPEGs to RGB close to the source", () => {
  const image = decodeImage(rgbJpeg(16, 8), "a.jpg");
  assert.deepEqual([image.width, image.height, image.channels], [16, 8, 3]);
  let error = 0;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 16; x++) {
      const p = (y * 16 + x) * 3;
      error += Math.abs(image.data[p] - 8 * x) + Math.abs(image.data[p + 1] - 8 * y) +
        Math.abs(image.data[p + 2] - 128);
    }
  }
  assert.ok(error / (16 * 8 * 3) < 4, `mean error ${error / 384}`);
});

Deno.test("decodeImage() detects the format by magic bytes, not the name", () => {
  const png = encodePng({ width: 2, height: 2, data: ramp(4), channels: 1 });
  assert.equal(decodeImage(png, "really-a-png.jpg").channels, 1);
  assert.equal(decodeImage(rgbJpeg(8, 8), "really-a-jpeg.png").channels, 3);
});

Deno.test("decodeImage() rejects empty, unknown and unsupported files", () => {
  assertDecodeError(new Uint8Array(), "empty.png", /empty/);
  assertDecodeError(new TextEncoder().encode("hello, world"), "notes.png", /not a PNG or JPEG/);
  assertDecodeError(new TextEncoder().encode("GIF89a......"), "anim.gif", /GIF/);
  assertDecodeError(new TextEncoder().encode("BM.........."), "old.bmp", /BMP/);
});

Deno.test("decodeImage() rejects truncated and corrupt files", () => {
  const png = encodePng({ width: W, height: H, data: ramp(W * H * 3), channels: 3 });
  for (const cut of [png.length - 1, Math.floor(png.length / 2), 20]) {
    assertDecodeError(png.subarray(0, cut), "cut.png", /truncated/);
  }
  const badCrc = png.slice();
  badCrc[40] ^= 0xff; // inside IDAT: the CRC no longer matches
  assertDecodeError(badCrc, "crc.png", /./);

  const jpg = rgbJpeg(16, 16);
  for (const cut of [jpg.length - 2, Math.floor(jpg.length / 2), 10]) {
    assertDecodeError(jpg.subarray(0, cut), "cut.jpg", /truncated/);
  }
});

Deno.test("decodeImage() refuses huge sizes before allocating", () => {
  const png = encodePng({ width: 1, height: 1, data: new Uint8Array([0]), channels: 1 });
  const huge = png.slice();
  new DataView(huge.buffer).setUint32(16, 50_000); // width
  new DataView(huge.buffer).setUint32(20, 50_000); // height
  assertDecodeError(huge, "huge.png", /megapixels/);
});

Deno.test("decodeImage() throws only SyntaxError on 200 random, mutated and truncated inputs", () => {
  const rng = createRng(42);
  const png = encodePng({ width: 12, height: 9, data: ramp(12 * 9 * 3, 7), channels: 3 });
  const jpg = rgbJpeg(16, 16, 80);
  // Bounded work, counted rather than timed: jpeg-js runs at most once per JPEG input, and
  // nothing decodes to more pixels than the file's size allows.
  let decoded = 0;
  let jpegInputs = 0;
  const { decodes } = countJpegDecodes(() => {
    for (let k = 0; k < 200; k++) {
      let bytes: Uint8Array;
      const base = k % 2 === 0 ? png : jpg;
      if (k % 5 === 0) {
        bytes = Uint8Array.from({ length: rng.int(300) }, () => rng.int(256));
        bytes.set(base.subarray(0, Math.min(bytes.length, 8))); // valid magic, garbage after
      } else if (k % 5 === 1) {
        bytes = base.subarray(0, rng.int(base.length));
      } else {
        bytes = base.slice();
        for (let f = 1 + rng.int(4); f > 0; f--) bytes[rng.int(bytes.length)] = rng.int(256);
      }
      if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) jpegInputs++;
      try {
        const image = decodeImage(bytes, "fuzz");
        assert.equal(image.data.length, image.width * image.height * image.channels);
        assert.ok(image.width * image.height <= MAX_PIXELS_PER_BYTE * bytes.length, `input ${k}`);
        decoded++;
      } catch (error) {
        assert.ok(error instanceof SyntaxError, `input ${k}: ${error}`);
      }
    }
  });
  assert.ok(decoded < 200, "some inputs must fail");
  assert.ok(decodes > 0 && decodes <= jpegInputs, `${decodes} jpeg-js runs, ${jpegInputs} JPEGs`);
});

Deno.test("decodeImage() refuses headers that claim more pixels than the file can hold", () => {
  // A 1x1 PNG whose IHDR says 9000x9000 (81 MP, under the cap): CRC fixed so only the size
  // is wrong; refused before fast-png inflates or allocates anything.
  const png = encodePng({ width: 1, height: 1, data: new Uint8Array([0]), channels: 1 });
  const big = png.slice();
  const view = new DataView(big.buffer);
  view.setUint32(16, 9000);
  view.setUint32(20, 9000);
  view.setUint32(29, crc32(big.subarray(12, 29)));
  assertDecodeError(big, "big.png", /9000x9000 pixels cannot fit in \d+ bytes/);

  // A JPEG whose frame header says 9000x9000: jpeg-js would allocate ~250 MB for it.
  const jpg = rgbJpeg(8, 8);
  const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
  assert.ok(sof > 0, "no SOF0 marker");
  const huge = jpg.slice();
  new DataView(huge.buffer).setUint16(sof + 5, 9000); // height
  new DataView(huge.buffer).setUint16(sof + 7, 9000); // width
  // Counted, not timed: the size check comes before jpeg-js runs at all.
  assert.equal(countJpegDecodes(() => decodeImage(jpg, "ok.jpg")).decodes, 1, "the count works");
  const refused = countJpegDecodes(() =>
    assertDecodeError(huge, "huge.jpg", /9000x9000 pixels cannot fit/)
  );
  assert.equal(refused.decodes, 0, "the size check came after decoding");
  // A frame header of width 0 is an invalid size, not a crash.
  const zero = jpg.slice();
  new DataView(zero.buffer).setUint16(sof + 7, 0);
  assertDecodeError(zero, "zero.jpg", /invalid size 0x8/);
});

Deno.test("decodeImage() fuzzed: 800 random, truncated and bit-flipped PNGs and JPEGs fail cleanly", async () => {
  const rng = createRng(7);
  const noise = (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
  const seeds = [
    encodePng({ width: 12, height: 9, data: ramp(12 * 9 * 3, 7), channels: 3 }),
    encodePng({ width: 7, height: 5, data: noise(7 * 5 * 4), channels: 4 }),
    encodePng({
      width: 6,
      height: 4,
      data: new Uint16Array(24).map((_, i) => i * 2000),
      depth: 16,
      channels: 1,
    }),
    encodePng({
      width: 5,
      height: 3,
      data: new Uint8Array(15).map((_, i) => i % 3),
      channels: 1,
      palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
    }),
    rgbJpeg(16, 16, 80),
    new Uint8Array(jpeg.encode({ width: 9, height: 7, data: noise(9 * 7 * 4) }, 50).data),
  ];
  const { ok, failed } = await fuzz(
    fuzzCases(seeds, 800, 11),
    '"fuzz.img"',
    (c) => decodeImage(c.bytes, "fuzz.img"),
    (image, c) => {
      assert.ok([1, 3, 4].includes(image.channels), `case ${c.index}: ${image.channels} channels`);
      assert.ok(image.width > 0 && image.height > 0, `case ${c.index}`);
      assert.equal(image.data.length, image.width * image.height * image.channels);
      assert.ok(
        image.width * image.height <= MAX_PIXELS_PER_BYTE * c.bytes.length,
        `case ${c.index}`,
      );
    },
  );
  assert.ok(failed > 400, `only ${failed} of 800 failed`);
  assert.ok(ok > 0, "no mutated file decoded (JPEG bit flips in the scan usually do)");
});
