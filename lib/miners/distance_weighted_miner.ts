/**
 * Negatives sampled with weights that undo the density of distances on the sphere, PML's
 * `DistanceWeightedMiner`.
 *
 * @module
 */
import type {
  ComponentConfig,
  EmbeddingMatrix,
  Miner,
  MinerDescription,
  MinerReferences,
} from "../types.ts";
import { lpDistance } from "../distances/lp_distance.ts";
import { createRng } from "../random.ts";
import { checkNumber, miningView } from "./_common.ts";
import { tripletsFrom } from "./tuples.ts";

/** Options of {@linkcode distanceWeightedMiner}. */
export interface DistanceWeightedMinerOptions {
  /**
   * Distances below this are raised to it before weighting (limits the variance).
   * @default {0.5}
   */
  cutoff?: number;
  /**
   * Negatives at this distance or farther get weight 0 (they would give no loss).
   * @default {1.4}
   */
  nonzeroLossCutoff?: number;
  /**
   * Seed of the sampler; the same seed and the same sequence of batches give the same
   * triplets.
   * @default {0}
   */
  seed?: number;
}

/**
 * Distance-weighted sampling (Wu et al. 2017, "Sampling Matters in Deep Embedding
 * Learning"; PML's `DistanceWeightedMiner`), on L2-normalised embeddings with the
 * Euclidean distance. For every ordered positive pair (a, p), one negative n is drawn with
 * probability proportional to
 * `w(a, n) = d^(2 - D) * (1 - d^2 / 4)^((3 - D) / 2)`, `d = max(d_an, cutoff)`,
 * set to 0 when `d_an >= nonzeroLossCutoff` (D is the embedding width). Weights are computed
 * in log space. When all weights of an anchor are 0 (or not finite), the negative is drawn
 * uniformly, as PML does. Anchors without negatives give nothing. Returns triplets.
 *
 * @param options Cut-offs and seed.
 * @returns The miner (its random state advances with each call).
 * @throws {RangeError} For a negative cut-off or a non-integer seed.
 *
 * @example
 * ```ts
 * import { distanceWeightedMiner } from "./distance_weighted_miner.ts";
 * const m = distanceWeightedMiner({ seed: 1 });
 * const t = m.mine({ data: new Float64Array([1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9]), rows: 4, dim: 2 }, new Int32Array([0, 0, 1, 1]));
 * if (t.kind !== "triplets" || t.anchors.length !== 4) throw new Error();
 * ```
 */
export function distanceWeightedMiner(options: DistanceWeightedMinerOptions = {}): Miner {
  const cutoff = options.cutoff ?? 0.5;
  const nonzeroLossCutoff = options.nonzeroLossCutoff ?? 1.4;
  const seed = options.seed ?? 0;
  checkNumber("distanceWeightedMiner", "cutoff", cutoff);
  checkNumber("distanceWeightedMiner", "nonzeroLossCutoff", nonzeroLossCutoff);
  if (!Number.isInteger(seed)) {
    throw new RangeError(
      `Cannot create distanceWeightedMiner: seed must be an integer, got ${seed}`,
    );
  }
  let rng = createRng(seed);
  const distance = lpDistance();
  return {
    config(): ComponentConfig {
      return { name: "distance-weighted", cutoff, nonzeroLossCutoff, seed };
    },
    randomState: () => rng.state(),
    setRandomState(state: number) {
      rng = createRng(state);
    },
    mine(embeddings: EmbeddingMatrix, labels: Int32Array, ref?: MinerReferences) {
      const { mat, cols, m, self } = miningView(
        "distanceWeightedMiner",
        distance,
        embeddings,
        labels,
        ref,
      );
      const dim = embeddings.dim;
      const a: number[] = [], p: number[] = [], ng: number[] = [];
      const logW = new Float64Array(m);
      const w = new Float64Array(m);
      for (let i = 0; i < embeddings.rows; i++) {
        const negs: number[] = [];
        const poss: number[] = [];
        for (let j = 0; j < m; j++) {
          if (self && j === i) continue;
          (cols[j] === labels[i] ? poss : negs).push(j);
        }
        if (negs.length === 0 || poss.length === 0) continue;
        let maxLog = -Infinity;
        for (const j of negs) {
          const d = Math.max(mat[i * m + j], cutoff);
          logW[j] = (2 - dim) * Math.log(d) - ((dim - 3) / 2) * Math.log(1 - 0.25 * d * d);
          if (Number.isFinite(logW[j]) && mat[i * m + j] < nonzeroLossCutoff) {
            maxLog = Math.max(maxLog, logW[j]);
          }
        }
        let total = 0;
        for (const j of negs) {
          const ok = Number.isFinite(logW[j]) && mat[i * m + j] < nonzeroLossCutoff;
          w[j] = ok ? Math.exp(logW[j] - maxLog) : 0;
          total += w[j];
        }
        for (const pos of poss) {
          let pick = negs[negs.length - 1];
          if (total > 0 && Number.isFinite(total)) {
            let u = rng.next() * total;
            for (const j of negs) {
              u -= w[j];
              if (u < 0 && w[j] > 0) {
                pick = j;
                break;
              }
            }
            if (w[pick] === 0) pick = negs.findLast((j) => w[j] > 0) ?? pick;
          } else {
            pick = negs[rng.int(negs.length)];
          }
          a.push(i);
          p.push(pos);
          ng.push(pick);
        }
      }
      return tripletsFrom(a, p, ng);
    },
  };
}

/**
 * The description of {@linkcode distanceWeightedMiner}: registry name, PML name, options.
 * Its sampling is random, so PML's numbers are not compared.
 */
export const DISTANCE_WEIGHTED_MINER: MinerDescription = {
  name: "distance-weighted",
  pmlName: "DistanceWeightedMiner",
  options: {
    cutoff: { kind: "number", doc: "distance cut-off", default: 0.5, min: 0, pml: "cutoff" },
    nonzeroLossCutoff: {
      kind: "number",
      doc: "largest negative distance",
      default: 1.4,
      min: 0,
      pml: "nonzero_loss_cutoff",
    },
    seed: { kind: "integer", doc: "seed of the sampling", default: 0 },
  },
  pml: { comparable: false },
  create: distanceWeightedMiner,
};
