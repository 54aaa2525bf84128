/**
 * The hardest positive and the hardest negative of every anchor, PML's `BatchHardMiner`.
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
import { tripletsFrom } from "./tuples.ts";

/** Options of {@linkcode batchHardMiner}. */
export interface BatchHardMinerOptions {
  /**
   * How to measure closeness.
   * @default {lpDistance()}
   */
  distance?: Distance;
}

/**
 * For every anchor with at least one positive and one negative, the farthest positive and
 * the closest negative (PML's `BatchHardMiner`, Hermans et al. 2017, "In Defense of the
 * Triplet Loss"). Returns one triplet per kept anchor; anchors without a positive or a
 * negative are dropped. Ties go to the lowest index.
 *
 * @param options The distance.
 * @returns The miner.
 *
 * @example
 * ```ts
 * import { batchHardMiner } from "./batch_hard_miner.ts";
 * import { lpDistance } from "../distances/lp_distance.ts";
 * const m = batchHardMiner({ distance: lpDistance({ normalize: false }) });
 * const t = m.mine({ data: new Float64Array([0, 1, 3, 4, 10, 11]), rows: 6, dim: 1 }, new Int32Array([0, 0, 0, 1, 1, 1]));
 * if (t.kind !== "triplets" || t.positives[0] !== 2 || t.negatives[0] !== 3) throw new Error();
 * ```
 */
export function batchHardMiner(options: BatchHardMinerOptions = {}): Miner {
  const distance = options.distance ?? lpDistance();
  checkDistance("batchHardMiner", distance);
  return {
    config(): ComponentConfig {
      return { name: "batch-hard", distance: distance.config() as Json };
    },
    mine(embeddings: EmbeddingMatrix, labels: Int32Array, ref?: MinerReferences) {
      const { mat, cols, m, self } = miningView(
        "batchHardMiner",
        distance,
        embeddings,
        labels,
        ref,
      );
      const a: number[] = [], p: number[] = [], ng: number[] = [];
      for (let i = 0; i < embeddings.rows; i++) {
        let bestP = -1, bestN = -1;
        for (let j = 0; j < m; j++) {
          if ((self && j === i)) continue;
          const d = mat[i * m + j];
          if (cols[j] === labels[i]) {
            if (bestP < 0 || closer(distance, mat[i * m + bestP], d)) bestP = j;
          } else if (bestN < 0 || closer(distance, d, mat[i * m + bestN])) bestN = j;
        }
        if (bestP >= 0 && bestN >= 0) {
          a.push(i);
          p.push(bestP);
          ng.push(bestN);
        }
      }
      return tripletsFrom(a, p, ng);
    },
  };
}

/** The description of {@linkcode batchHardMiner}: registry name, PML name, options. */
export const BATCH_HARD_MINER: MinerDescription = {
  name: "batch-hard",
  pmlName: "BatchHardMiner",
  options: { distance: { kind: "distance", doc: "how to measure closeness", default: "lp" } },
  create: batchHardMiner,
};
