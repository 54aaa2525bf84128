/**
 * Triplets selected by how far they are from a margin, PML's `TripletMarginMiner`.
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
import { tripletsFrom } from "./tuples.ts";

/** The kinds of triplet {@linkcode tripletMarginMiner} keeps. */
export type TripletType = "all" | "hard" | "semihard" | "easy";

/** The valid values of `type`. */
const TYPES: readonly TripletType[] = ["all", "hard", "semihard", "easy"];

/** Options of {@linkcode tripletMarginMiner}. */
export interface TripletMarginMinerOptions {
  /**
   * The margin against which `tm = d_an - d_ap` (similarity: `s_ap - s_an`) is compared.
   * @default {0.2}
   */
  margin?: number;
  /**
   * `"all"`: tm <= margin; `"hard"`: tm <= margin and tm <= 0; `"semihard"`:
   * 0 < tm <= margin; `"easy"`: tm > margin.
   * @default {"all"}
   */
  type?: TripletType;
  /**
   * How to measure closeness.
   * @default {lpDistance()}
   */
  distance?: Distance;
}

/**
 * Keeps the triplets (a, p, n) of the batch whose margin `tm = d_an - d_ap` (for a
 * similarity `s_ap - s_an`) falls in the chosen band (PML's `TripletMarginMiner`, as in
 * Schroff et al. 2015, "FaceNet"). With references, anchors come from the batch and
 * positives and negatives from the references (PML's `ref_emb`), with no self-exclusion.
 *
 * @param options Margin, type and distance.
 * @returns The miner (triplets, in lexicographic order).
 * @throws {RangeError} For a negative margin or an unknown type.
 *
 * @example
 * ```ts
 * import { tripletMarginMiner } from "./triplet_margin_miner.ts";
 * import { lpDistance } from "../distances/lp_distance.ts";
 * const m = tripletMarginMiner({ type: "hard", distance: lpDistance({ normalize: false }) });
 * const t = m.mine({ data: new Float64Array([0, 2, 1, 5]), rows: 4, dim: 1 }, new Int32Array([0, 0, 1, 1]));
 * if (t.kind !== "triplets" || t.anchors.length !== 5) throw new Error("triplets");
 * ```
 */
export function tripletMarginMiner(options: TripletMarginMinerOptions = {}): Miner {
  const margin = options.margin ?? 0.2;
  const type = options.type ?? "all";
  const distance = options.distance ?? lpDistance();
  checkNumber("tripletMarginMiner", "margin", margin);
  if (!TYPES.includes(type)) {
    throw new RangeError(
      `Cannot create tripletMarginMiner: type must be one of ${TYPES.join(", ")}, got "${type}"`,
    );
  }
  checkDistance("tripletMarginMiner", distance);
  const keep = (tm: number): boolean => {
    switch (type) {
      case "easy":
        return tm > margin;
      case "hard":
        return tm <= margin && tm <= 0;
      case "semihard":
        return tm <= margin && tm > 0;
      default:
        return tm <= margin;
    }
  };
  return {
    config(): ComponentConfig {
      return { name: "triplet-margin", margin, type, distance: distance.config() as Json };
    },
    mine(embeddings: EmbeddingMatrix, labels: Int32Array, ref?: MinerReferences) {
      const { mat, cols, m, self } = miningView(
        "tripletMarginMiner",
        distance,
        embeddings,
        labels,
        ref,
      );
      const a: number[] = [], p: number[] = [], ng: number[] = [];
      for (let i = 0; i < embeddings.rows; i++) {
        for (let j = 0; j < m; j++) {
          if ((self && j === i) || cols[j] !== labels[i]) continue;
          const ap = mat[i * m + j];
          for (let k = 0; k < m; k++) {
            if (cols[k] === labels[i]) continue;
            const an = mat[i * m + k];
            const tm = distance.margin(an, ap);
            if (!keep(tm)) continue;
            a.push(i);
            p.push(j);
            ng.push(k);
          }
        }
      }
      return tripletsFrom(a, p, ng);
    },
  };
}

/**
 * The description of {@linkcode tripletMarginMiner}: registry name, PML name, options; on
 * the CLI its types are miner names of their own (`--miner semihard`, margin 0.2).
 */
export const TRIPLET_MARGIN_MINER: MinerDescription = {
  name: "triplet-margin",
  pmlName: "TripletMarginMiner",
  options: {
    margin: { kind: "number", doc: "margin", default: 0.2, min: 0, pml: "margin" },
    type: {
      kind: "choice",
      doc: "which triplets",
      default: "all",
      choices: ["semihard", "hard", "easy", "all"],
      pml: "type_of_triplets",
    },
    distance: { kind: "distance", doc: "how to measure closeness", default: "lp" },
  },
  namedBy: { option: "type", preset: { margin: 0.2 } },
  create: tripletMarginMiner,
};
