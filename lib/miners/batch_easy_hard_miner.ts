/**
 * The easiest positive and a semi-hard negative of every anchor, PML's
 * `BatchEasyHardMiner` with its defaults.
 *
 * @module
 */
import type {
  ComponentConfig,
  Distance,
  EmbeddingMatrix,
  Json,
  Miner,
  MinerDescription,
  MinerReferences,
} from "../types.ts";
import { lpDistance } from "../distances/lp_distance.ts";
import { checkDistance, closer, miningView } from "./_common.ts";
import { pairsFrom } from "./tuples.ts";

/** Options of {@linkcode batchEasyHardMiner}. */
export interface BatchEasyHardMinerOptions {
  /**
   * How to measure closeness.
   * @default {lpDistance()}
   */
  distance?: Distance;
}

/**
 * PML's `BatchEasyHardMiner(pos_strategy="easy", neg_strategy="semihard")` (Xuan et al.
 * 2020, "Improved Embeddings with Easy Positive Triplet Mining"): for every anchor, p = the
 * closest positive, and n = the closest negative that is strictly farther than p (no
 * margin). Anchors without such a pair are dropped. Returns pairs (a, p) and (a, n).
 *
 * @param options The distance.
 * @returns The miner.
 *
 * @example
 * ```ts
 * import { batchEasyHardMiner } from "./batch_easy_hard_miner.ts";
 * import { lpDistance } from "../distances/lp_distance.ts";
 * const m = batchEasyHardMiner({ distance: lpDistance({ normalize: false }) });
 * const t = m.mine({ data: new Float64Array([0, 1, 3, 0.5, 2]), rows: 5, dim: 1 }, new Int32Array([0, 0, 0, 1, 1]));
 * if (t.kind !== "pairs" || t.positives[0] !== 1 || t.negatives[0] !== 4) throw new Error();
 * ```
 */
export function batchEasyHardMiner(options: BatchEasyHardMinerOptions = {}): Miner {
  const distance = options.distance ?? lpDistance();
  checkDistance("batchEasyHardMiner", distance);
  return {
    config(): ComponentConfig {
      return { name: "batch-easy-hard", distance: distance.config() as Json };
    },
    mine(embeddings: EmbeddingMatrix, labels: Int32Array, ref?: MinerReferences) {
      const { mat, cols, m, self } = miningView(
        "batchEasyHardMiner",
        distance,
        embeddings,
        labels,
        ref,
      );
      const a: number[] = [], p: number[] = [], ng: number[] = [];
      for (let i = 0; i < embeddings.rows; i++) {
        let bestP = -1;
        for (let j = 0; j < m; j++) {
          if ((self && j === i) || cols[j] !== labels[i]) continue;
          if (bestP < 0 || closer(distance, mat[i * m + j], mat[i * m + bestP])) bestP = j;
        }
        if (bestP < 0) continue;
        const dp = mat[i * m + bestP];
        let bestN = -1;
        for (let j = 0; j < m; j++) {
          if (cols[j] === labels[i]) continue;
          const d = mat[i * m + j];
          if (!closer(distance, dp, d)) continue; // must be strictly farther than p
          if (bestN < 0 || closer(distance, d, mat[i * m + bestN])) bestN = j;
        }
        if (bestN < 0) continue;
        a.push(i);
        p.push(bestP);
        ng.push(bestN);
      }
      return pairsFrom(a, p, a, ng);
    },
  };
}

/** The description of {@linkcode batchEasyHardMiner}: registry name, PML name, options. */
export const BATCH_EASY_HARD_MINER: MinerDescription = {
  name: "batch-easy-hard",
  pmlName: "BatchEasyHardMiner",
  options: { distance: { kind: "distance", doc: "how to measure closeness", default: "lp" } },
  pml: {
    fixed: {
      pos_strategy: "easy",
      neg_strategy: "semihard",
      allowed_pos_range: null,
      allowed_neg_range: null,
    },
  },
  create: batchEasyHardMiner,
};
