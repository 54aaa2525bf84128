/**
 * Rebuilding a distance from its `config()`.
 *
 * @module
 */
import type { ComponentConfig, Distance } from "../types.ts";
import { unknownNameError } from "../_suggest.ts";
import { lpDistance } from "./lp_distance.ts";
import { cosineSimilarity } from "./cosine_similarity.ts";
import { dotProductSimilarity } from "./dot_product_similarity.ts";

/** The registry names of the distances. */
export const DISTANCE_NAMES = ["lp", "cosine", "dot-product"] as const;

/**
 * Builds the distance that `config()` described.
 *
 * @param config `{ name, ...options }` as returned by a distance's `config()`.
 * @returns A new distance with the same options.
 * @throws {RangeError} For an unknown name (with the closest valid one) or a bad option.
 *
 * @example
 * ```ts
 * import { distanceFromConfig } from "./registry.ts";
 * import { lpDistance } from "./lp_distance.ts";
 * const d = distanceFromConfig(lpDistance({ normalize: false }).config());
 * if (d.normalize) throw new Error("lost an option");
 * ```
 */
export function distanceFromConfig(config: ComponentConfig): Distance {
  switch (config.name) {
    case "lp":
      return lpDistance({
        normalize: config.normalize as boolean | undefined,
        p: config.p as number | undefined,
        power: config.power as number | undefined,
      });
    case "cosine":
      return cosineSimilarity();
    case "dot-product":
      return dotProductSimilarity();
    default:
      throw unknownNameError("distance", config.name, DISTANCE_NAMES);
  }
}
