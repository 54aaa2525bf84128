/**
 * Rebuilding a miner from its `config()`.
 *
 * @module
 */
import type { ComponentConfig, Distance, Miner } from "../types.ts";
import { unknownNameError } from "../_suggest.ts";
import { distanceFromConfig } from "../distances/registry.ts";
import { batchHardMiner } from "./batch_hard_miner.ts";
import { batchEasyHardMiner } from "./batch_easy_hard_miner.ts";
import { tripletMarginMiner, type TripletType } from "./triplet_margin_miner.ts";
import { pairMarginMiner } from "./pair_margin_miner.ts";
import { multiSimilarityMiner } from "./multi_similarity_miner.ts";
import { distanceWeightedMiner } from "./distance_weighted_miner.ts";

/** The registry names of the miners; `"none"` means no mining (all pairs or triplets). */
export const MINER_NAMES = [
  "none",
  "batch-hard",
  "batch-easy-hard",
  "triplet-margin",
  "pair-margin",
  "multi-similarity",
  "distance-weighted",
] as const;

function distanceOf(config: ComponentConfig): Distance | undefined {
  const d = config.distance;
  if (d === undefined || d === null) return undefined;
  if (typeof d !== "object" || Array.isArray(d) || typeof d.name !== "string") {
    throw new TypeError(`Cannot rebuild ${config.name}: distance must be a distance config`);
  }
  return distanceFromConfig(d as ComponentConfig);
}

/**
 * Builds the miner that `config()` described; `{ name: "none" }` gives `undefined` (no
 * miner: the loss uses all pairs or triplets).
 *
 * @param config `{ name, ...options }` as returned by a miner's `config()`.
 * @returns A new miner with the same options, or undefined for `"none"`.
 * @throws {RangeError} For an unknown name (with the closest valid one) or a bad option.
 *
 * @example
 * ```ts
 * import { minerFromConfig } from "./registry.ts";
 * const m = minerFromConfig({ name: "triplet-margin", margin: 0.1, type: "semihard" });
 * if (m?.config().type !== "semihard") throw new Error("lost an option");
 * ```
 */
export function minerFromConfig(config: ComponentConfig): Miner | undefined {
  const num = (k: string) => config[k] as number | undefined;
  switch (config.name) {
    case "none":
      return undefined;
    case "batch-hard":
      return batchHardMiner({ distance: distanceOf(config) });
    case "batch-easy-hard":
      return batchEasyHardMiner({ distance: distanceOf(config) });
    case "triplet-margin":
      return tripletMarginMiner({
        margin: num("margin"),
        type: config.type as TripletType | undefined,
        distance: distanceOf(config),
      });
    case "pair-margin":
      return pairMarginMiner({
        posMargin: num("posMargin"),
        negMargin: num("negMargin"),
        distance: distanceOf(config),
      });
    case "multi-similarity":
      return multiSimilarityMiner({ epsilon: num("epsilon"), distance: distanceOf(config) });
    case "distance-weighted":
      return distanceWeightedMiner({
        cutoff: num("cutoff"),
        nonzeroLossCutoff: num("nonzeroLossCutoff"),
        seed: num("seed"),
      });
    default:
      throw unknownNameError("miner", config.name, MINER_NAMES);
  }
}
