/**
 * Positive pairs that are too far and negative pairs that are too close, PML's
 * `PairMarginMiner`.
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
import { checkDistance, checkNumber, miningView } from "./_common.ts";
import { pairsFrom } from "./tuples.ts";

/** Options of {@linkcode pairMarginMiner}. */
export interface PairMarginMinerOptions {
  /**
   * Keep positive pairs with d > posMargin (similarity: s < posMargin).
   * @default {0.2}
   */
  posMargin?: number;
  /**
   * Keep negative pairs with d < negMargin (similarity: s > negMargin).
   * @default {0.8}
   */
  negMargin?: number;
  /**
   * How to measure closeness.
   * @default {lpDistance()}
   */
  distance?: Distance;
}

/**
 * Keeps the ordered positive pairs farther than `posMargin` and the ordered negative pairs
 * closer than `negMargin` (both strict; reversed for a similarity), PML's
 * `PairMarginMiner`. With references, anchors come from the batch and the other ends of
 * the pairs from the references (PML's `ref_emb`), with no self-exclusion.
 *
 * @param options Margins and distance.
 * @returns The miner (pairs, row-major).
 * @throws {RangeError} For a negative or non-finite margin.
 *
 * @example
 * ```ts
 * import { pairMarginMiner } from "./pair_margin_miner.ts";
 * import { lpDistance } from "../distances/lp_distance.ts";
 * const m = pairMarginMiner({ posMargin: 0.5, negMargin: 2, distance: lpDistance({ normalize: false }) });
 * const t = m.mine({ data: new Float64Array([0, 1, 1.5]), rows: 3, dim: 1 }, new Int32Array([0, 0, 1]));
 * if (t.kind !== "pairs" || t.posAnchors.length !== 2 || t.negAnchors.length !== 4) throw new Error();
 * ```
 */
export function pairMarginMiner(options: PairMarginMinerOptions = {}): Miner {
  const posMargin = options.posMargin ?? 0.2;
  const negMargin = options.negMargin ?? 0.8;
  const distance = options.distance ?? lpDistance();
  checkNumber("pairMarginMiner", "posMargin", posMargin);
  checkNumber("pairMarginMiner", "negMargin", negMargin);
  checkDistance("pairMarginMiner", distance);
  return {
    config(): ComponentConfig {
      return { name: "pair-margin", posMargin, negMargin, distance: distance.config() as Json };
    },
    mine(embeddings: EmbeddingMatrix, labels: Int32Array, ref?: MinerReferences) {
      const { mat, cols, m, self } = miningView(
        "pairMarginMiner",
        distance,
        embeddings,
        labels,
        ref,
      );
      const inv = distance.isInverted;
      const pa: number[] = [], pp: number[] = [], na: number[] = [], nn: number[] = [];
      for (let i = 0; i < embeddings.rows; i++) {
        for (let j = 0; j < m; j++) {
          if (self && j === i) continue;
          const d = mat[i * m + j];
          if (cols[j] === labels[i]) {
            if (inv ? d < posMargin : d > posMargin) {
              pa.push(i);
              pp.push(j);
            }
          } else if (inv ? d > negMargin : d < negMargin) {
            na.push(i);
            nn.push(j);
          }
        }
      }
      return pairsFrom(pa, pp, na, nn);
    },
  };
}

/** The description of {@linkcode pairMarginMiner}: registry name, PML name, options. */
export const PAIR_MARGIN_MINER: MinerDescription = {
  name: "pair-margin",
  pmlName: "PairMarginMiner",
  options: {
    posMargin: {
      kind: "number",
      doc: "positive margin",
      default: 0.2,
      min: 0,
      pml: "pos_margin",
    },
    negMargin: {
      kind: "number",
      doc: "negative margin",
      default: 0.8,
      min: 0,
      pml: "neg_margin",
    },
    distance: { kind: "distance", doc: "how to measure closeness", default: "lp" },
  },
  create: pairMarginMiner,
};
