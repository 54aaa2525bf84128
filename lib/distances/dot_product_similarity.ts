/**
 * The dot-product similarity, PML's `DotProductSimilarity`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { ComponentConfig, Distance, EmbeddingMatrix } from "../types.ts";
import { checkTensors, dotRows, similarityMargin } from "./_common.ts";

/**
 * The dot product `a_i . b_j` between rows, without normalisation, PML's
 * `DotProductSimilarity(normalize_embeddings=False)`: a similarity (`isInverted: true`).
 *
 * @returns The similarity.
 *
 * @example
 * ```ts
 * import { dotProductSimilarity } from "./dot_product_similarity.ts";
 * const m = dotProductSimilarity().matrixArray({ data: new Float64Array([1, 2, 3, 4]), rows: 2, dim: 2 });
 * if (m[1] !== 11) throw new Error(String(m));
 * ```
 */
export function dotProductSimilarity(): Distance {
  return {
    isInverted: true,
    normalize: false,
    config(): ComponentConfig {
      return { name: "dot-product" };
    },
    matrix(a: tf.Tensor2D, b?: tf.Tensor2D): tf.Tensor2D {
      checkTensors("compute dot-product similarity matrix", a, b ?? a);
      return tf.matMul(a, b ?? a, false, true);
    },
    matrixArray(a: EmbeddingMatrix, b?: EmbeddingMatrix): Float64Array {
      return dotRows("compute dot-product similarity matrix", a, b, false);
    },
    margin: similarityMargin,
  };
}
