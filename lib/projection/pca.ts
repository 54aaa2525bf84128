/**
 * Principal component analysis to two dimensions: the quick, exact, deterministic view
 * of an embedding.
 *
 * @module
 */
import type { EmbeddingMatrix } from "../types.ts";

/** Two coordinates per point, as every projection returns them. */
export interface Projection2d {
  /** First coordinate of each point, in row order. */
  x: Float64Array;
  /** Second coordinate of each point, in row order. */
  y: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (exact up to
 * rounding, no randomness). Returns eigenvalues and eigenvectors as columns of `v`.
 */
function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; v: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i] * m[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // Columns p and q, then rows p and q: m <- J^T m J.
          const mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, v };
}

/** The train side of a PCA: the mean and the first two principal axes. */
export interface PcaBasis {
  /** The mean of the rows, `dim` values. */
  mean: Float64Array;
  /** Up to two unit axes of `dim` values each, largest variance first. */
  axes: Float64Array[];
}

/**
 * The mean and the first two principal axes of the rows of `m`: the two eigenvectors of
 * the covariance matrix with the largest eigenvalues (Jacobi eigen-decomposition, exact
 * and deterministic). Sign convention: on each axis, the loading with the largest
 * absolute value is positive, so the same data always gives the same picture. A matrix
 * of dimension 1 has one axis; one with no rows or no dims has none.
 *
 * @param m The embeddings (`rows` x `dim`); not modified.
 * @returns The mean and the axes, for {@linkcode projectOntoPca}.
 * @throws {RangeError} When `data` does not hold `rows * dim` values.
 *
 * @example
 * ```ts
 * import { pcaBasis } from "./pca.ts";
 * const { mean, axes } = pcaBasis({ data: new Float64Array([0, 0, 2, 0, 0, 1, 2, 1]), rows: 4, dim: 2 });
 * if (mean[0] !== 1 || mean[1] !== 0.5 || axes[0][0] !== 1) throw new Error("wrong");
 * ```
 */
export function pcaBasis(m: EmbeddingMatrix): PcaBasis {
  const { data, rows, dim } = m;
  if (data.length !== rows * dim) {
    throw new RangeError(
      `Cannot project with PCA: ${data.length} values is not ${rows} rows x ${dim} dims`,
    );
  }
  const mean = new Float64Array(dim);
  if (rows === 0 || dim === 0) return { mean, axes: [] };
  for (let i = 0; i < rows; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= rows;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < dim; j++) row[j] = data[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) cov[b * dim + a] = cov[a * dim + b] /= Math.max(rows - 1, 1);
  }
  const { values, v } = symmetricEigen(cov, dim);
  // Largest eigenvalue first; ties go to the lower index so the order is deterministic.
  const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);
  const axes = order.slice(0, 2).map((col) => {
    const axis = new Float64Array(dim);
    let big = 0;
    for (let k = 0; k < dim; k++) {
      axis[k] = v[k * dim + col];
      if (Math.abs(axis[k]) > Math.abs(big) + 1e-12) big = axis[k];
    }
    if (big < 0) { for (let k = 0; k < dim; k++) axis[k] = -axis[k]; }
    return axis;
  });
  return { mean, axes };
}

/**
 * The scores of the rows of `m` on a basis from {@linkcode pcaBasis}, often of other
 * rows: `x = (row - mean) . axes[0]`, `y = (row - mean) . axes[1]` (0 where the basis
 * has no such axis). Projecting test rows onto the train basis places them in the train
 * PCA map exactly.
 *
 * @param m The rows to project (`rows` x `dim`, the basis's `dim`); not modified.
 * @param basis The mean and axes.
 * @returns `x` and `y`, the scores on the first and second axis.
 * @throws {RangeError} When `data` does not hold `rows * dim` values or the dims differ.
 *
 * @example
 * ```ts
 * import { pcaBasis, projectOntoPca } from "./pca.ts";
 * const basis = pcaBasis({ data: new Float64Array([0, 0, 2, 0, 0, 1, 2, 1]), rows: 4, dim: 2 });
 * const { x, y } = projectOntoPca({ data: new Float64Array([4, 3]), rows: 1, dim: 2 }, basis);
 * if (x[0] !== 3 || y[0] !== 2.5) throw new Error("wrong");
 * ```
 */
export function projectOntoPca(m: EmbeddingMatrix, basis: PcaBasis): Projection2d {
  const { data, rows, dim } = m;
  if (data.length !== rows * dim) {
    throw new RangeError(
      `Cannot project with PCA: ${data.length} values is not ${rows} rows x ${dim} dims`,
    );
  }
  const { mean, axes } = basis;
  if (mean.length !== dim) {
    throw new RangeError(
      `Cannot project onto a PCA basis of ${mean.length} dims: the rows have ${dim}`,
    );
  }
  const x = new Float64Array(rows), y = new Float64Array(rows);
  if (axes.length === 0) return { x, y };
  for (let i = 0; i < rows; i++) {
    let sx = 0, sy = 0;
    for (let j = 0; j < dim; j++) {
      const c = data[i * dim + j] - mean[j];
      sx += c * axes[0][j];
      if (axes.length > 1) sy += c * axes[1][j];
    }
    x[i] = sx;
    y[i] = sy;
  }
  return { x, y };
}

/**
 * Projects the rows of `m` onto their first two principal axes ({@linkcode pcaBasis},
 * then {@linkcode projectOntoPca}): the two eigenvectors of the covariance matrix with
 * the largest eigenvalues (Jacobi eigen-decomposition, exact and deterministic). Sign
 * convention: on each axis, the loading with the largest absolute value is positive, so
 * the same data always gives the same picture. A matrix of dimension 1 gives `y = 0`.
 *
 * @param m The embeddings (`rows` x `dim`); not modified.
 * @returns `x` and `y`, the centred scores on the first and second axis.
 * @throws {RangeError} When `data` does not hold `rows * dim` values.
 *
 * @example
 * ```ts
 * import { projectPca } from "./pca.ts";
 * // Points on the line y = 2x in 2-D: all variance lies on the first axis.
 * const { x, y } = projectPca({ data: new Float64Array([0, 0, 1, 2, 2, 4, 3, 6]), rows: 4, dim: 2 });
 * if (Math.abs(x[3] - x[0]) < 6 || y.some((v) => Math.abs(v) > 1e-9)) throw new Error("wrong");
 * ```
 */
export function projectPca(m: EmbeddingMatrix): Projection2d {
  return projectOntoPca(m, pcaBasis(m));
}
