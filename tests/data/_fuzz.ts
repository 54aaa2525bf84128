/**
 * Seeded fuzzing helpers shared by the readers' tests: random bytes, truncations and
 * bit flips of valid seed files, and a check that a reader fails cleanly.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createRng, type Rng } from "../../lib/random.ts";

/** One fuzzed input and how it was made (for failure messages). */
export interface FuzzCase {
  /** Case number. */
  index: number;
  /** `random`, `truncated`, `bit-flipped` or `overwritten`. */
  kind: string;
  /** The bytes. */
  bytes: Uint8Array;
}

function randomBytes(rng: Rng, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => rng.int(256));
}

/**
 * `count` inputs made from `seeds`, in turn: random bytes (sometimes behind a seed's first
 * bytes, so that the format's magic number is right), a truncation, 1-4 flipped bits,
 * 1-4 overwritten bytes.
 */
export function* fuzzCases(
  seeds: readonly Uint8Array[],
  count: number,
  seed = 1,
): Generator<FuzzCase> {
  const rng = createRng(seed);
  for (let index = 0; index < count; index++) {
    const base = seeds[index % seeds.length];
    const mode = Math.floor(index / seeds.length) % 4;
    let bytes: Uint8Array;
    let kind: string;
    if (mode === 0) {
      kind = "random";
      bytes = randomBytes(rng, rng.int(2 * base.length + 2));
      if (rng.next() < 0.7) bytes.set(base.subarray(0, Math.min(bytes.length, 16)));
    } else if (mode === 1) {
      kind = "truncated";
      bytes = base.slice(0, rng.int(base.length));
    } else if (mode === 2) {
      kind = "bit-flipped";
      bytes = base.slice();
      for (let f = 1 + rng.int(4); f > 0; f--) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
    } else {
      kind = "overwritten";
      bytes = base.slice();
      for (let f = 1 + rng.int(4); f > 0; f--) bytes[rng.int(bytes.length)] = rng.int(256);
    }
    yield { index, kind, bytes };
  }
}

/** The error classes a reader may throw on bad input. */
const CLEAN = [SyntaxError, RangeError, TypeError, Deno.errors.NotFound];

/**
 * Runs `read` on every case: it must return (then `check` the result) or throw one of the
 * built-in error classes with a message that contains `name`. Nothing is timed: a reader's
 * bounded work is checked through `check` (a result no bigger than its input allows) and the
 * reader's own tests (sizes refused before allocating).
 * Returns how many cases were read without an error.
 */
export async function fuzz<T>(
  cases: Iterable<FuzzCase>,
  name: string,
  read: (c: FuzzCase) => T | Promise<T>,
  check: (result: T, c: FuzzCase) => void = () => {},
): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  for (const c of cases) {
    const what = `case ${c.index} (${c.kind}, ${c.bytes.length} bytes)`;
    try {
      const result = await read(c);
      check(result, c);
      ok++;
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      assert.ok(
        CLEAN.some((k) => error instanceof k),
        `${what}: threw ${error instanceof Error ? error.constructor.name : typeof error}: ${
          error instanceof Error ? error.stack : error
        }`,
      );
      assert.ok((error as Error).message.includes(name), `${what}: ${(error as Error).message}`);
      failed++;
    }
  }
  return { ok, failed };
}
