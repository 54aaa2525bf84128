import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { buildExplorer, explorerScript, spriteSheet } from "../../lib/report/explorer.ts";
import type { ImageDataset } from "../../lib/types.ts";

/** `n` grey 4x4 images, sample `i` of brightness `40 * i`. */
function greys(n: number, channels = 3): ImageDataset {
  const size = 4 * 4 * channels;
  const images = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) images.fill(40 * i, i * size, (i + 1) * size);
  return {
    source: "test",
    images,
    labels: new Int32Array(n),
    classNames: ["a"],
    height: 4,
    width: 4,
    channels,
    warnings: [],
  };
}

Deno.test("spriteSheet() lays the samples out in a grid of tiles, row-major", () => {
  for (const channels of [1, 3]) {
    const jpg = spriteSheet(greys(5, channels), [4, 0, 2], { tile: 8, columns: 2, quality: 95 });
    const { width, height, data } = jpeg.decode(jpg, { useTArray: true });
    assert.equal(width, 16, "2 columns of 8 px");
    assert.equal(height, 16, "2 rows for 3 tiles");
    const at = (x: number, y: number) => data[(y * width + x) * 4];
    const near = (v: number, want: number) => assert.ok(Math.abs(v - want) <= 6, `${v} vs ${want}`);
    near(at(4, 4), 160); // tile 0: sample 4
    near(at(12, 4), 0); // tile 1: sample 0
    near(at(4, 12), 80); // tile 2: sample 2
    near(at(12, 12), 255); // no tile: white
  }
});

Deno.test("buildExplorer() gives a note instead of failing when the run cannot be read", async () => {
  const result = await buildExplorer("/nonexistent-run", greys(2), []);
  assert.ok("note" in result);
  assert.match(result.note, /^No image explorer: /);
});

Deno.test("explorerScript() sets one global a <script src> can load", () => {
  const text = explorerScript({ k: 1 } as never);
  assert.equal(text, 'window.metriclabExplorer={"k":1};\n');
});
