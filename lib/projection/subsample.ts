/**
 * Stratified subsampling: fewer points with the same class proportions, for the
 * projections whose cost grows with the square of the number of points (t-SNE).
 *
 * @module
 */
import { createRng } from "../random.ts";

/**
 * Chooses at most `max` rows so that every class keeps its share: quotas in proportion
 * to the class counts (largest remainder, ties to the larger class, then the smaller
 * label); then, when `max` is at least the number of classes, a class left with none
 * gets one, taken from the class most over its exact share. When there are more
 * classes than `max`, the rows go to the largest classes. Rows inside a class are a
 * seeded random choice. When `labels.length <= max`, every row is returned.
 *
 * @param labels The class of each row (any integers, any order); not modified.
 * @param max The most rows to keep, a positive integer.
 * @param seed Seed of the random choice inside each class.
 * @returns The chosen row indices, sorted ascending.
 * @throws {RangeError} When `max` is not a positive integer.
 *
 * @example
 * ```ts
 * import { stratifiedSubsample } from "./subsample.ts";
 * const labels = new Int32Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
 * const rows = stratifiedSubsample(labels, 5, 0);
 * if (rows.length !== 5 || rows.filter((r) => labels[r] === 1).length !== 1) {
 *   throw new Error("not stratified");
 * }
 * ```
 */
export function stratifiedSubsample(
  labels: ArrayLike<number>,
  max: number,
  seed: number,
): Int32Array {
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`Cannot subsample to ${max} rows: give a positive integer`);
  }
  const n = labels.length;
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const count = classes.map((c) => byClass.get(c)!.length);
  // Hamilton's method: floors of the exact shares, then one more to the largest remainders.
  const exact = count.map((k) => (max * k) / n);
  const quota = exact.map(Math.floor);
  let left = max - quota.reduce((s, q) => s + q, 0);
  const byRemainder = classes.map((_, i) => i).sort((a, b) =>
    (exact[b] - quota[b]) - (exact[a] - quota[a]) || count[b] - count[a] || a - b
  );
  for (const i of byRemainder) {
    if (left-- <= 0) break;
    quota[i]++;
  }
  if (max >= classes.length) {
    for (let i = 0; i < classes.length; i++) {
      if (quota[i] > 0) continue;
      // The donor is the class most over its exact share that can spare a row.
      let donor = -1;
      for (let j = 0; j < classes.length; j++) {
        if (quota[j] < 2) continue;
        if (donor < 0 || quota[j] - exact[j] > quota[donor] - exact[donor]) donor = j;
      }
      quota[donor]--;
      quota[i] = 1;
    }
  }
  const rng = createRng(seed);
  const chosen: number[] = [];
  classes.forEach((c, i) => {
    const rows = rng.shuffle([...byClass.get(c)!]);
    chosen.push(...rows.slice(0, quota[i]));
  });
  return Int32Array.from(chosen).sort();
}
