/**
 * The suite's numeric assertions: one `assertClose` for numbers and array-likes, and a
 * relative-error check for whole tensors.
 *
 * @module
 */
import { AssertionError } from "node:assert/strict";

/** Tolerances of {@linkcode assertClose}. */
export interface CloseOptions {
  /**
   * Absolute tolerance: element `i` passes when `|actual[i] - expected[i]| <= atol + rtol *
   * |expected[i]|`.
   * @default 0
   */
  atol?: number;
  /**
   * Relative tolerance, times `|expected[i]|`.
   * @default 0
   */
  rtol?: number;
  /**
   * What is compared, at the start of the failure message.
   * @default "value"
   */
  what?: string;
  /**
   * Whether `NaN` matches `NaN` (a `NaN` against a number always fails).
   * @default false
   */
  equalNan?: boolean;
}

function fail(message: string): never {
  throw new AssertionError({ message });
}

/**
 * Asserts that `actual` is within `atol + rtol * |expected|` of `expected`, element by element
 * for array-likes (same length required). Identical values (infinities included) always pass.
 * The message names the first element that differs and both values.
 *
 * @example
 * ```ts
 * import { assertClose } from "./_assert.ts";
 * assertClose(0.1 + 0.2, 0.3, { atol: 1e-15 });
 * assertClose(new Float32Array([1, 2]), [1, 2.0001], { rtol: 1e-4, what: "row 0" });
 * ```
 */
export function assertClose(
  actual: number | ArrayLike<number> | null | undefined,
  expected: number | ArrayLike<number>,
  options: CloseOptions = {},
): void {
  const { atol = 0, rtol = 0, what = "value", equalNan = false } = options;
  const check = (a: unknown, e: number, where: string) => {
    if (typeof a !== "number") fail(`${what}${where}: got ${a}, expected ${e}`);
    if (a === e || (equalNan && Number.isNaN(a) && Number.isNaN(e))) return;
    const tolerance = atol + rtol * Math.abs(e);
    const difference = Math.abs(a - e);
    if (!(difference <= tolerance)) {
      fail(
        `${what}${where}: got ${a}, expected ${e} (difference ${difference} > tolerance ${tolerance})`,
      );
    }
  };
  if (typeof expected === "number") return check(actual, expected, "");
  if (actual === null || actual === undefined || typeof actual === "number") {
    return fail(`${what}: got ${actual}, expected an array of ${expected.length}`);
  }
  if (actual.length !== expected.length) {
    fail(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) check(actual[i], expected[i], `: element ${i}`);
}

/**
 * Asserts that the relative L2 error `||actual - expected|| / ||expected||` is below `max`
 * (a whole-tensor check, for results that sum many terms in another order) and that
 * `expected` is not all zeros.
 *
 * @example
 * ```ts
 * import { assertRelativeError } from "./_assert.ts";
 * assertRelativeError([1, 2.000001], [1, 2], { max: 1e-5, what: "gradient" });
 * ```
 */
export function assertRelativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: { max: number; what?: string },
): void {
  const what = options.what ?? "value";
  if (actual.length !== expected.length) {
    fail(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  let err = 0, norm = 0;
  for (let i = 0; i < expected.length; i++) {
    err += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  if (!(norm > 0)) fail(`${what}: the reference is all zeros`);
  const relative = Math.sqrt(err / norm);
  if (!(relative < options.max)) fail(`${what}: relative error ${relative} >= ${options.max}`);
}
