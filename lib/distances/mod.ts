/**
 * Distances and similarities between embeddings (PML's `distances/`).
 *
 * @module
 */
export { lpDistance, type LpDistanceOptions } from "./lp_distance.ts";
export { cosineSimilarity } from "./cosine_similarity.ts";
export { dotProductSimilarity } from "./dot_product_similarity.ts";
export { DISTANCE_NAMES, distanceFromConfig } from "./registry.ts";
