/**
 * Informative pairs relative to each anchor's hardest opposite pair, PML's
 * `MultiSimilarityMiner`.
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
import { cosineSimilarity } from "../distances/cosine_similarity.ts";
import { checkDistance, checkNumber, miningView } from "./_common.ts";
import { pairsFrom } from "./tuples.ts";

/** Options of {@linkcode multiSimilarityMiner}. */
export interface MultiSimilarityMinerOptions {
  /**
   * The slack in both comparisons.
   * @default {0.1}
   */
  epsilon?: number;
  /**
   * How to measure closeness.
   * @default {cosineSimilarity()}
   */
  distance?: Distance;
}

/**
 * The pair mining of Wang et al. 2019, "Multi-Similarity Loss" (PML's
 * `MultiSimilarityMiner`). With a similarity: keep (a, p) if `s_ap - eps < max_n s_an` and
 * (a, n) if `s_an + eps > min_p s_ap`; with a distance: keep (a, p) if
 * `d_ap + eps > min_n d_an` and (a, n) if `d_an - eps < max_p d_ap`. All strict. An anchor
 * without positives or without negatives yields nothing on either side.
 *
 * @param options Epsilon and distance.
 * @returns The miner (pairs, row-major).
 * @throws {RangeError} For a negative or non-finite epsilon.
 *
 * @example
 * ```ts
 * import { multiSimilarityMiner } from "./multi_similarity_miner.ts";
 * const t = multiSimilarityMiner().mine({ data: new Float64Array([1, 0, 1, 0.1, 0, 1]), rows: 3, dim: 2 }, new Int32Array([0, 0, 0]));
 * if (t.kind !== "pairs" || t.posAnchors.length !== 0) throw new Error();
 * ```
 */
export function multiSimilarityMiner(options: MultiSimilarityMinerOptions = {}): Miner {
  const epsilon = options.epsilon ?? 0.1;
  const distance = options.distance ?? cosineSimilarity();
  checkNumber("multiSimilarityMiner", "epsilon", epsilon);
  checkDistance("multiSimilarityMiner", distance);
  return {
    config(): ComponentConfig {
      return { name: "multi-similarity", epsilon, distance: distance.config() as Json };
    },
    mine(embeddings: EmbeddingMatrix, labels: Int32Array, ref?: MinerReferences) {
      const { mat, cols, m, self } = miningView(
        "multiSimilarityMiner",
        distance,
        embeddings,
        labels,
        ref,
      );
      const inv = distance.isInverted;
      const pa: number[] = [], pp: number[] = [], na: number[] = [], nn: number[] = [];
      for (let i = 0; i < embeddings.rows; i++) {
        // The hardest negative and the hardest positive of the anchor.
        let hardNeg = inv ? -Infinity : Infinity;
        let hardPos = inv ? Infinity : -Infinity;
        let hasPos = false, hasNeg = false;
        for (let j = 0; j < m; j++) {
          if ((self && j === i)) continue;
          const d = mat[i * m + j];
          if (cols[j] === labels[i]) {
            hasPos = true;
            hardPos = inv ? Math.min(hardPos, d) : Math.max(hardPos, d);
          } else {
            hasNeg = true;
            hardNeg = inv ? Math.max(hardNeg, d) : Math.min(hardNeg, d);
          }
        }
        if (!hasPos || !hasNeg) continue;
        for (let j = 0; j < m; j++) {
          if ((self && j === i)) continue;
          const d = mat[i * m + j];
          if (cols[j] === labels[i]) {
            if (inv ? d - epsilon < hardNeg : d + epsilon > hardNeg) {
              pa.push(i);
              pp.push(j);
            }
          } else if (inv ? d + epsilon > hardPos : d - epsilon < hardPos) {
            na.push(i);
            nn.push(j);
          }
        }
      }
      return pairsFrom(pa, pp, na, nn);
    },
  };
}

/** The description of {@linkcode multiSimilarityMiner}: registry name, PML name, options. */
export const MULTI_SIMILARITY_MINER: MinerDescription = {
  name: "multi-similarity",
  pmlName: "MultiSimilarityMiner",
  options: {
    epsilon: { kind: "number", doc: "epsilon", default: 0.1, min: 0, pml: "epsilon" },
    distance: { kind: "distance", doc: "how to measure closeness", default: "cosine" },
  },
  create: multiSimilarityMiner,
};
