/**
 * Numeric comparisons of the conformance runner.
 *
 * @module
 */

/** Tolerances: an element passes when `|got - want| <= atol + rtol * |want|`. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Distance matrices from `matrix()` (float32 tensors). */
export const DISTANCE_TENSOR_TOL: Tolerance = { atol: 1e-6, rtol: 1e-5 };
/** Distance matrices from `matrixArray()` (float64; README point 3: diagonal up to 6e-8). */
export const DISTANCE_ARRAY_TOL: Tolerance = { atol: 1e-7, rtol: 0 };
/** Loss values (float32 forward against a float64 oracle). */
export const LOSS_TOL: Tolerance = { atol: 1e-6, rtol: 1e-5 };
/** Gradients (float32 autodiff against float64 autograd). */
export const GRAD_TOL: Tolerance = { atol: 1e-4, rtol: 1e-4 };

/** The first failing element of a comparison, or undefined when all pass. */
export function compareArrays(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
): string | undefined {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    const limit = tol.atol + tol.rtol * Math.abs(want[i]);
    if (!(diff <= limit)) {
      const excess = Number.isNaN(diff) ? Infinity : diff - limit;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (worst < 0) return undefined;
  return `element ${worst}: got ${got[worst]}, expected ${want[worst]} ` +
    `(|diff| ${
      Math.abs(got[worst] - want[worst]).toExponential(2)
    } > ${tol.atol} + ${tol.rtol}*|expected|)`;
}

/** Flattens a nested JSON array of numbers (row-major). */
export function flatten(value: unknown): number[] {
  const out: number[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else out.push(v as number);
  };
  walk(value);
  return out;
}
