/**
 * A seeded per-class (stratified) train/test split.
 *
 * @module
 */
import { createRng } from "../random.ts";
import type { Split } from "../types.ts";
import { invalidOption } from "../_errors.ts";

/** Options of {@linkcode stratifiedSplit}. */
export interface StratifiedSplitOptions {
  /**
   * Fraction of each class that goes to the test side, in (0, 1).
   * @default {0.2}
   */
  testFraction?: number;
  /**
   * Seed of the shuffle inside each class.
   * @default {0}
   */
  seed?: number;
}

/**
 * Splits samples into train and test per class, so that both sides hold every class.
 *
 * For each class of `n` samples, the samples are shuffled with the seeded generator and
 * `round(n * testFraction)` of them, clamped to `[1, n - 1]`, go to test: every class
 * with at least 2 samples keeps at least one sample on each side. A class with a single
 * sample goes to train only. The same labels, fraction and seed give the same split.
 *
 * @param labels Class index of each sample.
 * @param options The test fraction and the seed.
 * @returns Train and test sample indices, each sorted ascending.
 * @throws {RangeError} When `testFraction` is not strictly between 0 and 1.
 *
 * @example
 * ```ts
 * import { stratifiedSplit } from "./split.ts";
 * const labels = new Int32Array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
 * const { train, test } = stratifiedSplit(labels, { testFraction: 0.2, seed: 1 });
 * if (train.length !== 8 || test.length !== 2) throw new Error("wrong sizes");
 * ```
 */
export function stratifiedSplit(labels: Int32Array, options: StratifiedSplitOptions = {}): Split {
  const { testFraction = 0.2, seed = 0 } = options;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw invalidOption("testFraction", testFraction, "must be between 0 and 1 (exclusive)");
  }
  // Group by class in sample order, classes in ascending label order: the shuffles then
  // consume the generator in a fixed order.
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]);
    if (members) members.push(i);
    else byClass.set(labels[i], [i]);
  }
  const rng = createRng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(byClass.get(label)!);
    const n = members.length;
    if (n < 2) {
      train.push(...members);
      continue;
    }
    const nTest = Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
    for (let k = 0; k < n; k++) (k < nTest ? test : train).push(members[k]);
  }
  return {
    train: Int32Array.from(train).sort(),
    test: Int32Array.from(test).sort(),
  };
}
