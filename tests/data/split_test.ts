import assert from "node:assert/strict";
import { stratifiedSplit } from "../../lib/data/split.ts";

/** Class sizes 1, 2, 3, 5, 10, 30, interleaved so that classes are not contiguous. */
function labelsOf(sizes: number[]): Int32Array {
  const labels: number[] = [];
  const left = [...sizes];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        labels.push(c);
        left[c]--;
      }
    });
  }
  return Int32Array.from(labels);
}

const sizes = [1, 2, 3, 5, 10, 30];
const labels = labelsOf(sizes);

Deno.test("stratifiedSplit() puts round(n * fraction), clamped to [1, n-1], of each class in test", () => {
  const { train, test } = stratifiedSplit(labels, { testFraction: 0.2, seed: 3 });
  const testCount = sizes.map(() => 0);
  const trainCount = sizes.map(() => 0);
  for (const i of test) testCount[labels[i]]++;
  for (const i of train) trainCount[labels[i]]++;
  assert.deepEqual(testCount, [0, 1, 1, 1, 2, 6]);
  assert.deepEqual(trainCount, [1, 1, 2, 4, 8, 24]);
  const high = stratifiedSplit(labels, { testFraction: 0.9, seed: 3 });
  const highTest = sizes.map(() => 0);
  for (const i of high.test) highTest[labels[i]]++;
  assert.deepEqual(highTest, [0, 1, 2, 4, 9, 27]);
});

Deno.test("stratifiedSplit() returns a sorted partition of all samples", () => {
  const { train, test } = stratifiedSplit(labels, { seed: 1 });
  const all = [...train, ...test].sort((a, b) => a - b);
  assert.deepEqual(all, [...labels.keys()]);
  for (const side of [train, test]) {
    for (let k = 1; k < side.length; k++) assert.ok(side[k - 1] < side[k]);
  }
});

Deno.test("stratifiedSplit() is deterministic in its seed", () => {
  const a = stratifiedSplit(labels, { seed: 5 });
  const b = stratifiedSplit(labels, { seed: 5 });
  assert.deepEqual(a, b);
  const others = [6, 7, 8].map((seed) => stratifiedSplit(labels, { seed }).test.join());
  assert.ok(others.some((t) => t !== a.test.join()), "different seeds give the same split");
  assert.deepEqual(
    stratifiedSplit(labels),
    stratifiedSplit(labels, { seed: 0, testFraction: 0.2 }),
  );
});

Deno.test("stratifiedSplit() rejects a test fraction outside (0, 1)", () => {
  for (const testFraction of [0, 1, 1.5, -0.1, NaN]) {
    assert.throws(
      () => stratifiedSplit(labels, { testFraction }),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message ===
          `Invalid testFraction ${testFraction}: must be between 0 and 1 (exclusive)`,
    );
  }
});

Deno.test("stratifiedSplit() handles empty labels", () => {
  const { train, test } = stratifiedSplit(new Int32Array());
  assert.equal(train.length + test.length, 0);
});
