import assert from "node:assert/strict";
import { stratifiedSubsample } from "../../lib/projection/subsample.ts";

function countBy(rows: Int32Array, labels: Int32Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(labels[r], (counts.get(labels[r]) ?? 0) + 1);
  return counts;
}

function isSortedUnique(rows: Int32Array, n: number): boolean {
  return rows.every((r, i) => r >= 0 && r < n && (i === 0 || rows[i - 1] < r));
}

Deno.test("stratifiedSubsample() keeps class proportions", () => {
  // 600 / 300 / 100 interleaved -> 1 each, then 97 shared over 599 / 299 / 99.
  const labels = Int32Array.from({ length: 1000 }, (_, i) => i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2);
  const rows = stratifiedSubsample(labels, 100, 0);
  assert.equal(rows.length, 100);
  assert.ok(isSortedUnique(rows, labels.length));
  assert.deepEqual([...countBy(rows, labels)].sort((a, b) => a[0] - b[0]), [[0, 60], [1, 30], [
    2,
    10,
  ]]);
});

Deno.test("stratifiedSubsample() keeps at least one row of every class", () => {
  // One class of 990 and ten classes of one sample each.
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 990 ? 0 : i - 989));
  const rows = stratifiedSubsample(labels, 20, 3);
  assert.equal(rows.length, 20);
  assert.ok(isSortedUnique(rows, labels.length));
  const counts = countBy(rows, labels);
  for (let c = 1; c <= 10; c++) assert.equal(counts.get(c), 1, `class ${c}`);
  assert.equal(counts.get(0), 10);
});

Deno.test("stratifiedSubsample() gives rows to the largest classes when there are more classes than rows", () => {
  const labels = new Int32Array([5, 5, 5, 1, 1, 2, 3, 4]);
  const rows = stratifiedSubsample(labels, 2, 0);
  assert.equal(rows.length, 2);
  assert.deepEqual([...countBy(rows, labels).keys()].sort(), [1, 5]);
});

Deno.test("stratifiedSubsample() is seeded and returns everything when small", () => {
  const labels = Int32Array.from({ length: 200 }, (_, i) => i % 7);
  const a = stratifiedSubsample(labels, 50, 1);
  assert.deepEqual(stratifiedSubsample(labels, 50, 1), a);
  assert.notDeepEqual(stratifiedSubsample(labels, 50, 2), a);
  assert.deepEqual([...stratifiedSubsample(labels.subarray(0, 5), 5, 0)], [0, 1, 2, 3, 4]);
  assert.deepEqual([...stratifiedSubsample([], 5, 0)], []);
});

Deno.test("stratifiedSubsample() rejects a non-positive or fractional max", () => {
  for (const max of [0, -1, 2.5, NaN]) {
    assert.throws(() => stratifiedSubsample([0, 1], max, 0), RangeError);
  }
});
