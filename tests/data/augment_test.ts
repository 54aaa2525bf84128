import assert from "node:assert/strict";
import { augmentBatch } from "../../lib/data/augment.ts";
import { createRng } from "../../lib/random.ts";

function ramp(): Float32Array {
  return Float32Array.from({ length: 3 * 8 * 8 * 3 }, (_, i) => (i % 97) / 96);
}

Deno.test("augmentBatch() is deterministic per seed and stays in [0, 1]", () => {
  const a = augmentBatch(ramp(), [3, 8, 8, 3], createRng(5));
  const b = augmentBatch(ramp(), [3, 8, 8, 3], createRng(5));
  const c = augmentBatch(ramp(), [3, 8, 8, 3], createRng(6));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((v) => v >= 0 && v <= 1));
});

Deno.test("augmentBatch() with no strength leaves images unchanged", () => {
  const a = augmentBatch(ramp(), [3, 8, 8, 3], createRng(1), {
    shift: 0,
    brightness: 0,
    contrast: 0,
  });
  assert.deepEqual(a, ramp());
});

Deno.test("augmentBatch() shifts by whole pixels with edge clamping and never mirrors", () => {
  // One bright column at x=2 of an 8x8 grey image; a shift moves it, a flip would put it at x=5.
  const img = new Float32Array(8 * 8);
  for (let y = 0; y < 8; y++) img[y * 8 + 2] = 1;
  for (let seed = 0; seed < 20; seed++) {
    const out = augmentBatch(img.slice(), [1, 8, 8, 1], createRng(seed), {
      brightness: 0,
      contrast: 0,
      shift: 0.125,
    });
    const cols = [0, 1, 2, 3, 4, 5, 6, 7].filter((x) => out[x] === 1);
    assert.equal(cols.length >= 1, true);
    assert.ok(cols.every((x) => x >= 1 && x <= 3), `seed ${seed}: bright column at ${cols}`);
  }
});
