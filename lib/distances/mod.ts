/**
 * Distances and similarities between embeddings (PML's `distances/`): {@linkcode lpDistance},
 * {@linkcode cosineSimilarity}, {@linkcode dotProductSimilarity}, each a `Distance` that
 * computes a matrix on tensors or on plain arrays, and {@linkcode distanceFromConfig} to
 * build one by name.
 *
 * ```ts
 * import { cosineSimilarity, lpDistance } from "./mod.ts";
 * const x = { data: new Float64Array([0, 0, 3, 4]), rows: 2, dim: 2 };
 * const d = lpDistance({ normalize: false }).matrixArray(x);
 * const s = cosineSimilarity().matrixArray({ data: new Float64Array([1, 0, 2, 0]), rows: 2, dim: 2 });
 * if (d[1] !== 5 || Math.abs(s[1] - 1) > 1e-9) throw new Error("wrong distances");
 * ```
 *
 * @module
 */
export { lpDistance, type LpDistanceOptions } from "./lp_distance.ts";
export { cosineSimilarity } from "./cosine_similarity.ts";
export { dotProductSimilarity } from "./dot_product_similarity.ts";
export { DISTANCE_NAMES, distanceFromConfig } from "./registry.ts";
