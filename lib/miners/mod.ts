/**
 * Miners: choosing informative pairs or triplets of a batch (PML's `miners/`):
 * {@linkcode tripletMarginMiner} (all, hard, semihard, easy), {@linkcode batchHardMiner},
 * {@linkcode batchEasyHardMiner}, {@linkcode pairMarginMiner},
 * {@linkcode multiSimilarityMiner}, {@linkcode distanceWeightedMiner}; helpers over index
 * tuples ({@linkcode allPairs}, {@linkcode allTriplets}, conversions); and
 * {@linkcode minerFromConfig} to build one by name
 * from the list of descriptions {@linkcode MINERS}. They work on plain arrays and return
 * typed arrays.
 *
 * ```ts
 * import { lpDistance } from "../distances/mod.ts";
 * import { tripletMarginMiner } from "./mod.ts";
 * const miner = tripletMarginMiner({ type: "hard", distance: lpDistance({ normalize: false }) });
 * const embeddings = { data: new Float64Array([0, 2, 1, 5]), rows: 4, dim: 1 };
 * const t = miner.mine(embeddings, new Int32Array([0, 0, 1, 1]));
 * if (t.kind !== "triplets" || t.anchors.length !== 5) throw new Error("triplets");
 * ```
 *
 * @module
 */
export {
  BATCH_HARD_MINER,
  batchHardMiner,
  type BatchHardMinerOptions,
} from "./batch_hard_miner.ts";
export {
  BATCH_EASY_HARD_MINER,
  batchEasyHardMiner,
  type BatchEasyHardMinerOptions,
} from "./batch_easy_hard_miner.ts";
export {
  TRIPLET_MARGIN_MINER,
  tripletMarginMiner,
  type TripletMarginMinerOptions,
  type TripletType,
} from "./triplet_margin_miner.ts";
export {
  PAIR_MARGIN_MINER,
  pairMarginMiner,
  type PairMarginMinerOptions,
} from "./pair_margin_miner.ts";
export {
  MULTI_SIMILARITY_MINER,
  multiSimilarityMiner,
  type MultiSimilarityMinerOptions,
} from "./multi_similarity_miner.ts";
export {
  DISTANCE_WEIGHTED_MINER,
  distanceWeightedMiner,
  type DistanceWeightedMinerOptions,
} from "./distance_weighted_miner.ts";
export { allPairs, allTriplets, canonicalIndices, toPairs, toTriplets } from "./tuples.ts";
export { findMiner, MINER_NAMES, minerFromConfig, MINERS } from "./registry.ts";
