/**
 * Seeded pseudo-random numbers: the one source of randomness in metriclab, so that a
 * seed fixes splits, batches, synthetic images, initial weights and projections.
 *
 * @module
 */

/** A seeded generator of uniform numbers in [0, 1), with helpers. Its state can be saved. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T;
  /** The internal state, to resume the same sequence with {@linkcode createRng}. */
  state(): number;
}

/**
 * Creates a seeded generator (mulberry32: 32-bit state, period 2^32, fast and well mixed).
 *
 * @param seed Any integer; equal seeds give equal sequences.
 * @returns The generator.
 *
 * @example
 * ```ts
 * import { createRng } from "./random.ts";
 * const a = createRng(7), b = createRng(7);
 * if (a.next() !== b.next()) throw new Error("not deterministic");
 * ```
 */
export function createRng(seed: number): Rng {
  let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  let spare: number | null = null;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle: (array) => {
      for (let i = array.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = array[i];
        array[i] = array[j];
        array[j] = tmp;
      }
      return array;
    },
    state: () => s ^ 0x9e3779b9,
  };
  return rng;
}
