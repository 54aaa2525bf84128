/**
 * Checks shared by the evaluation functions: matrices, labels and k.
 * Private to `lib/eval/`.
 *
 * @module
 */
import type { EmbeddingMatrix } from "../types.ts";

/**
 * Throws unless `m` is a well-formed matrix whose values are all finite.
 *
 * @param m The matrix to check.
 * @param action What the caller was doing, for the message (`"Cannot search neighbours"`).
 * @param what Which argument it is (`"query"`).
 */
export function checkMatrix(m: EmbeddingMatrix, action: string, what: string): void {
  if (m === null || typeof m !== "object" || !ArrayBuffer.isView(m.data)) {
    throw new TypeError(`${action}: ${what} is not an embedding matrix {data, rows, dim}`);
  }
  const { rows, dim, data } = m;
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(dim) || dim < 1) {
    throw new TypeError(`${action}: ${what} has invalid shape ${rows}x${dim}`);
  }
  if (data.length !== rows * dim) {
    throw new TypeError(
      `${action}: ${what} is ${rows}x${dim} but holds ${data.length} values, not ${rows * dim}`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new RangeError(
        `${action}: ${what} row ${Math.floor(i / dim)} has a non-finite value ${data[i]}`,
      );
    }
  }
}

/**
 * Throws unless `labels` holds exactly `rows` integers.
 *
 * @param labels The labels to check.
 * @param rows How many there must be.
 * @param action What the caller was doing, for the message.
 * @param what Which argument it is (`"query labels"`).
 */
export function checkLabels(
  labels: ArrayLike<number>,
  rows: number,
  action: string,
  what: string,
): void {
  if (labels === null || typeof labels !== "object" || typeof labels.length !== "number") {
    throw new TypeError(`${action}: ${what} is not an array of labels`);
  }
  if (labels.length !== rows) {
    throw new TypeError(`${action}: ${what} has ${labels.length} entries for ${rows} rows`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i])) {
      throw new TypeError(`${action}: ${what}[${i}] is ${labels[i]}, not an integer`);
    }
  }
}

/**
 * Throws unless `k` is an integer in [1, available].
 *
 * @param k The number of neighbours asked for.
 * @param available How many reference rows can be neighbours.
 * @param selfExcluded Whether one row per query was left out (for the message).
 */
export function checkK(k: number, available: number, selfExcluded = false): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`Invalid k ${k}: expected an integer >= 1`);
  }
  if (k > available) {
    const extra = selfExcluded ? ` once each query is left out of its own neighbours` : "";
    throw new RangeError(
      `Invalid k ${k}: the training set has only ${available} samples${extra}`,
    );
  }
}

/** Copies a matrix's values to float64 (exact for float32 input). */
export function toFloat64(m: EmbeddingMatrix): Float64Array {
  return m.data instanceof Float64Array ? m.data : Float64Array.from(m.data);
}
