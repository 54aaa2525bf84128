/**
 * Miners: choosing informative pairs or triplets of a batch (PML's `miners/`). They work
 * on plain arrays and return typed arrays.
 *
 * @module
 */
export { batchHardMiner, type BatchHardMinerOptions } from "./batch_hard_miner.ts";
export { batchEasyHardMiner, type BatchEasyHardMinerOptions } from "./batch_easy_hard_miner.ts";
export {
  tripletMarginMiner,
  type TripletMarginMinerOptions,
  type TripletType,
} from "./triplet_margin_miner.ts";
export { pairMarginMiner, type PairMarginMinerOptions } from "./pair_margin_miner.ts";
export {
  multiSimilarityMiner,
  type MultiSimilarityMinerOptions,
} from "./multi_similarity_miner.ts";
export {
  distanceWeightedMiner,
  type DistanceWeightedMinerOptions,
} from "./distance_weighted_miner.ts";
export { allPairs, allTriplets, canonicalIndices, toPairs, toTriplets } from "./tuples.ts";
export { MINER_NAMES, minerFromConfig } from "./registry.ts";
