import assert from "node:assert/strict";
import { toFloatBatch } from "../../lib/data/batch.ts";
import type { ImageDataset } from "../../lib/types.ts";

const dataset: ImageDataset = {
  source: "tiny",
  // 3 samples of 1x2x2 (NHWC).
  images: Uint8Array.from([0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0]),
  labels: new Int32Array([0, 1, 0]),
  classNames: ["a", "b"],
  height: 1,
  width: 2,
  channels: 2,
  warnings: [],
};

Deno.test("toFloatBatch() scales the chosen samples to [0, 1] in batch order", () => {
  const batch = toFloatBatch(dataset, [2, 0]);
  const expected = [255, 255, 0, 0, 0, 255, 51, 102].map((v) => Math.fround(v / 255));
  assert.deepEqual([...batch], expected);
});

Deno.test("toFloatBatch() fills and returns the given buffer", () => {
  const out = new Float32Array(10).fill(-1);
  const batch = toFloatBatch(dataset, new Int32Array([1]), out);
  assert.equal(batch, out);
  assert.deepEqual([...out.subarray(0, 4)], [1, 2, 3, 4].map((v) => Math.fround(v / 255)));
  assert.deepEqual([...out.subarray(4)], [-1, -1, -1, -1, -1, -1]);
  assert.throws(() => toFloatBatch(dataset, [0, 1, 2], out), /out holds 10 floats, 12 needed/);
});

Deno.test("toFloatBatch() returns an empty batch for no indices", () => {
  assert.equal(toFloatBatch(dataset, []).length, 0);
});
