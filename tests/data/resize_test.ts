import assert from "node:assert/strict";
import type { DecodedImage } from "../../lib/data/image_decode.ts";
import { resizeImage } from "../../lib/data/resize.ts";

const grey = (width: number, height: number, values: number[]): DecodedImage => ({
  width,
  height,
  channels: 1,
  data: Uint8Array.from(values),
});

Deno.test("resizeImage() returns a copy when nothing changes", () => {
  const img = grey(2, 1, [3, 4]);
  const out = resizeImage(img, { height: 1, width: 2, channels: 1 });
  assert.deepEqual([...out], [3, 4]);
  out[0] = 99;
  assert.equal(img.data[0], 3);
});

Deno.test("resizeImage() converts grey to RGB, RGB to grey and composites RGBA on white", () => {
  assert.deepEqual([...resizeImage(grey(1, 1, [7]), { height: 1, width: 1, channels: 3 })], [
    7,
    7,
    7,
  ]);
  const rgb: DecodedImage = {
    width: 2,
    height: 1,
    channels: 3,
    data: new Uint8Array([255, 0, 0, 100, 200, 50]),
  };
  const luminance = resizeImage(rgb, { height: 1, width: 2, channels: 1 });
  assert.deepEqual([...luminance], [
    Math.round(0.299 * 255),
    Math.round(0.299 * 100 + 0.587 * 200 + 0.114 * 50),
  ]);
  const rgba: DecodedImage = {
    width: 3,
    height: 1,
    channels: 4,
    data: new Uint8Array([0, 0, 0, 0, 10, 20, 30, 255, 0, 0, 0, 102]),
  };
  const out = resizeImage(rgba, { height: 1, width: 3, channels: 3 });
  assert.deepEqual([...out], [255, 255, 255, 10, 20, 30, 153, 153, 153]);
});

Deno.test("resizeImage() upsamples bilinearly with half-pixel centres", () => {
  const out = resizeImage(grey(2, 1, [0, 100]), { height: 1, width: 4, channels: 1 });
  assert.deepEqual([...out], [0, 25, 75, 100]);
  const tall = resizeImage(grey(1, 2, [0, 100]), { height: 4, width: 1, channels: 1 });
  assert.deepEqual([...tall], [0, 25, 75, 100]);
});

Deno.test("resizeImage() averages areas when downscaling by more than 2x", () => {
  const row = [0, 40, 80, 120, 200, 200, 200, 200];
  assert.deepEqual(
    [...resizeImage(grey(8, 1, row), { height: 1, width: 2, channels: 1 })],
    [60, 200],
  );
  // 7 -> 2: each output covers 3.5 source pixels.
  const seven = [10, 20, 30, 40, 50, 60, 70];
  const expected = [(10 + 20 + 30 + 0.5 * 40) / 3.5, (0.5 * 40 + 50 + 60 + 70) / 3.5];
  assert.deepEqual(
    [...resizeImage(grey(7, 1, seven), { height: 1, width: 2, channels: 1 })],
    expected.map(Math.round),
  );
});

Deno.test("resizeImage() does not alias a checkerboard when shrinking it 8x", () => {
  const size = 64;
  const values = Array.from(
    { length: size * size },
    (_, i) => ((i % size) + Math.floor(i / size)) % 2 * 255,
  );
  const out = resizeImage(grey(size, size, values), { height: 8, width: 8, channels: 3 });
  for (const v of out) assert.ok(Math.abs(v - 128) <= 1, `got ${v}`);
});

Deno.test("resizeImage() keeps a constant image constant at any size", () => {
  const img: DecodedImage = {
    width: 5,
    height: 7,
    channels: 3,
    data: new Uint8Array(5 * 7 * 3).fill(77),
  };
  for (const [h, w] of [[1, 1], [3, 2], [7, 5], [20, 13], [64, 64]]) {
    const out = resizeImage(img, { height: h, width: w, channels: 3 });
    assert.equal(out.length, h * w * 3);
    assert.ok(out.every((v) => v === 77), `${h}x${w}`);
  }
});

Deno.test("resizeImage() rejects invalid sizes and channels", () => {
  const img = grey(1, 1, [0]);
  assert.throws(() => resizeImage(img, { height: 0, width: 1, channels: 1 }), RangeError);
  assert.throws(() => resizeImage(img, { height: 1, width: 1.5, channels: 1 }), RangeError);
  assert.throws(
    () => resizeImage(img, { height: 1, width: 1, channels: 4 as 3 }),
    /channels must be 1 or 3, got 4/,
  );
});
