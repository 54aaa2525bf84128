/**
 * Helpers shared by the miners.
 *
 * @module
 */
import type { Distance, EmbeddingMatrix, MinerReferences } from "../types.ts";

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

/** The distance matrix a miner works on: batch rows by reference columns. */
export interface MiningView {
  /** `n x m` values, row-major: row i is batch sample i, column j reference j. */
  mat: Float64Array;
  /** The label of each column. */
  cols: Int32Array;
  /** The number of columns. */
  m: number;
  /** True without references: column i is row i, so (i, i) is a self-comparison to skip. */
  self: boolean;
}

/**
 * Checks the batch and the references (one label per row, the same width) and measures
 * the batch against the references, or against itself without them.
 */
export function miningView(
  name: string,
  distance: Distance,
  embeddings: EmbeddingMatrix,
  labels: Int32Array,
  ref: MinerReferences | undefined,
): MiningView {
  checkBatch(name, embeddings, labels);
  if (ref === undefined) {
    return { mat: distance.matrixArray(embeddings), cols: labels, m: labels.length, self: true };
  }
  if (ref.labels.length !== ref.embeddings.rows) {
    throw new TypeError(
      `Cannot mine with ${name}: ${ref.labels.length} reference labels for ${ref.embeddings.rows} reference embeddings`,
    );
  }
  if (ref.embeddings.dim !== embeddings.dim) {
    throw new TypeError(
      `Cannot mine with ${name}: reference width ${ref.embeddings.dim} differs from the batch's ${embeddings.dim}`,
    );
  }
  return {
    mat: distance.matrixArray(embeddings, ref.embeddings),
    cols: ref.labels,
    m: ref.labels.length,
    self: false,
  };
}
