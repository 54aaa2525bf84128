/**
 * Helpers shared by the miners.
 *
 * @module
 */
import type { Distance, EmbeddingMatrix } from "../types.ts";

/** Throws a TypeError unless there is one label per embedding row. */
export function checkBatch(name: string, embeddings: EmbeddingMatrix, labels: Int32Array): void {
  if (labels.length !== embeddings.rows) {
    throw new TypeError(
      `Cannot mine with ${name}: ${labels.length} labels for ${embeddings.rows} embeddings`,
    );
  }
}

/** Throws a RangeError unless `value` is a finite number (and >= 0 when `nonNegative`). */
export function checkNumber(
  factory: string,
  key: string,
  value: number,
  nonNegative = true,
): void {
  if (typeof value !== "number" || !Number.isFinite(value) || (nonNegative && value < 0)) {
    throw new RangeError(
      `Cannot create ${factory}: ${key} must be a ${
        nonNegative ? "non-negative " : ""
      }finite number, got ${value}`,
    );
  }
}

/** Throws a TypeError unless `distance` looks like a Distance. */
export function checkDistance(factory: string, distance: Distance): void {
  if (typeof distance?.matrixArray !== "function" || typeof distance.config !== "function") {
    throw new TypeError(`Cannot create ${factory}: distance is not a Distance`);
  }
}

/** `a` is closer than `b` under `distance` (smaller distance, or bigger similarity). */
export function closer(distance: Distance, a: number, b: number): boolean {
  return distance.isInverted ? a > b : a < b;
}
