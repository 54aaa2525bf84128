/**
 * The cosine similarity, PML's `CosineSimilarity`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { ComponentConfig, Distance, EmbeddingMatrix } from "../types.ts";
import { checkTensors, dotRows, l2NormalizeRows, similarityMargin } from "./_common.ts";

/**
 * The cosine similarity `a_i . b_j / (|a_i| |b_j|)` between rows, PML's `CosineSimilarity()`:
 * a similarity (`isInverted: true`, bigger means closer), always normalising with
 * `x / max(||x||, 1e-12)`.
 *
 * @returns The similarity.
 *
 * @example
 * ```ts
 * import { cosineSimilarity } from "./cosine_similarity.ts";
 * const m = cosineSimilarity().matrixArray({ data: new Float64Array([1, 0, 0, 2]), rows: 2, dim: 2 });
 * if (m[0] !== 1 || m[1] !== 0) throw new Error(String(m));
 * ```
 */
export function cosineSimilarity(): Distance {
  return {
    isInverted: true,
    normalize: true,
    config(): ComponentConfig {
      return { name: "cosine" };
    },
    matrix(a: tf.Tensor2D, b?: tf.Tensor2D): tf.Tensor2D {
      checkTensors("compute cosine similarity matrix", a, b ?? a);
      return tf.tidy(() => {
        const x = l2NormalizeRows(a);
        const y = b === undefined ? x : l2NormalizeRows(b);
        return tf.matMul(x, y, false, true);
      });
    },
    matrixArray(a: EmbeddingMatrix, b?: EmbeddingMatrix): Float64Array {
      return dotRows("compute cosine similarity matrix", a, b, true);
    },
    margin: similarityMargin,
  };
}
