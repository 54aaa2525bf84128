/**
 * The multi-similarity loss, PML's `MultiSimilarityLoss`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type {
  ComponentConfig,
  Distance,
  IndicesTuple,
  LossDescription,
  LossReferences,
  MetricLoss,
} from "../types.ts";
import { cosineSimilarity } from "../distances/cosine_similarity.ts";
import { toPairs } from "../miners/tuples.ts";
import {
  checkIndices,
  checkInputs,
  checkNumber,
  checkParts,
  logOnePlusSumExp,
  nested,
  pairMask,
  resolveReferences,
  zeroLoss,
} from "./_common.ts";

/** Options of {@linkcode multiSimilarityLoss}. */
export interface MultiSimilarityLossOptions {
  /**
   * Weight of the positive part.
   * @default {2}
   */
  alpha?: number;
  /**
   * Weight of the negative part.
   * @default {50}
   */
  beta?: number;
  /**
   * The similarity offset.
   * @default {0.5}
   */
  base?: number;
  /**
   * How to measure closeness.
   * @default {cosineSimilarity()}
   */
  distance?: Distance;
}

/**
 * The multi-similarity loss (Wang et al. 2019), PML's `MultiSimilarityLoss`, averaged over
 * all N rows of the batch (rows without positives or negatives add 0 but still count):
 * `(1/a) log(1 + sum_p exp(-a (S_ip - base))) + (1/b) log(1 + sum_n exp(b (S_in - base)))`.
 * With a distance the signs flip (PML's `margin`). The pairs (a set: duplicates collapse)
 * come from `indices` or are all pairs; PML's quirk of 0 when each of the four index lists
 * has at most one entry is kept. With references (`compute`'s `ref`), row i's positives and
 * negatives are references.
 *
 * @param options alpha, beta, base and distance.
 * @returns The loss.
 * @throws {RangeError} For a non-positive alpha or beta or a non-finite base.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { multiSimilarityLoss } from "./multi_similarity_loss.ts";
 * const v = multiSimilarityLoss().compute(tf.tensor2d([[1, 0], [1, 0.1], [0, 1], [0.1, 1]]), new Int32Array([0, 0, 1, 1]));
 * if (!(v.dataSync()[0] > 0)) throw new Error(String(v.dataSync()));
 * ```
 */
export function multiSimilarityLoss(options: MultiSimilarityLossOptions = {}): MetricLoss {
  const alpha = options.alpha ?? 2;
  const beta = options.beta ?? 50;
  const base = options.base ?? 0.5;
  const distance = options.distance ?? cosineSimilarity();
  checkNumber("multiSimilarityLoss", "alpha", alpha, "positive");
  checkNumber("multiSimilarityLoss", "beta", beta, "positive");
  checkNumber("multiSimilarityLoss", "base", base, "any");
  checkParts("multiSimilarityLoss", distance);
  return {
    config(): ComponentConfig {
      return { name: "multi-similarity", alpha, beta, base, distance: nested(distance.config()) };
    },
    compute(
      embeddings: tf.Tensor2D,
      labels: Int32Array,
      indices?: IndicesTuple,
      ref?: LossReferences,
    ): tf.Scalar {
      checkInputs("multiSimilarityLoss", embeddings, labels);
      const r = resolveReferences("multiSimilarityLoss", embeddings, labels, ref);
      checkIndices("multiSimilarityLoss", indices, labels.length, r.labels && r.m);
      const pairs = toPairs(indices, labels, r.labels);
      const lists = [pairs.posAnchors, pairs.positives, pairs.negAnchors, pairs.negatives];
      if (lists.every((l) => l.length <= 1)) return zeroLoss(embeddings);
      const n = labels.length, m = r.m;
      return tf.tidy(() => {
        const mat = distance.matrix(embeddings, r.embeddings);
        const posMask = tf.tensor2d(pairMask(n, m, pairs.posAnchors, pairs.positives, true), [
          n,
          m,
        ]);
        const negMask = tf.tensor2d(pairMask(n, m, pairs.negAnchors, pairs.negatives, true), [
          n,
          m,
        ]);
        // PML: pos exponent margin(S, base), neg exponent margin(base, S).
        const posExp = distance.margin(mat, base);
        const negExp = distance.margin(base, mat);
        const pos = tf.div(
          logOnePlusSumExp(tf.mul(posExp, alpha) as tf.Tensor2D, posMask, 1),
          alpha,
        );
        const neg = tf.div(logOnePlusSumExp(tf.mul(negExp, beta) as tf.Tensor2D, negMask, 1), beta);
        return tf.mean(tf.add(pos, neg)) as tf.Scalar;
      });
    },
  };
}

/** The description of {@linkcode multiSimilarityLoss}: registry name, PML name, options. */
export const MULTI_SIMILARITY_LOSS: LossDescription = {
  name: "multi-similarity",
  pmlName: "MultiSimilarityLoss",
  options: {
    alpha: {
      kind: "number",
      doc: "weight of positive pairs",
      default: 2,
      min: 0,
      minExclusive: true,
      pml: "alpha",
    },
    beta: {
      kind: "number",
      doc: "weight of negative pairs",
      default: 50,
      min: 0,
      minExclusive: true,
      pml: "beta",
    },
    base: { kind: "number", doc: "similarity offset", default: 0.5, pml: "base" },
    distance: { kind: "distance", doc: "how to measure closeness", default: "cosine" },
  },
  pml: { reducers: ["MeanReducer"] },
  learnsClassWeights: false,
  create: multiSimilarityLoss,
};
