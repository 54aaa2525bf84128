/**
 * The contrastive loss, PML's `ContrastiveLoss`.
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
  Reducer,
} from "../types.ts";
import { lpDistance } from "../distances/lp_distance.ts";
import { avgNonZeroReducer } from "../reducers/avg_non_zero_reducer.ts";
import { toPairs } from "../miners/tuples.ts";
import {
  checkIndices,
  checkInputs,
  checkNumber,
  checkParts,
  gatherPairs,
  nested,
  resolveReferences,
  zeroLoss,
} from "./_common.ts";

/** Options of {@linkcode contrastiveLoss}. */
export interface ContrastiveLossOptions {
  /**
   * Positive pairs closer than this (similarity: more similar) give no loss.
   * @default {0}
   */
  posMargin?: number;
  /**
   * Negative pairs farther than this (similarity: less similar) give no loss.
   * @default {1}
   */
  negMargin?: number;
  /**
   * How to measure closeness.
   * @default {lpDistance()}
   */
  distance?: Distance;
  /**
   * Reduces each sub-loss (positive pairs, negative pairs) separately; the two are summed.
   * @default {avgNonZeroReducer()}
   */
  reducer?: Reducer;
}

/**
 * The contrastive loss (Hadsell et al. 2006, "Dimensionality Reduction by Learning an
 * Invariant Mapping"), PML's `ContrastiveLoss`:
 * `reduce(relu(d_ap - posMargin)) + reduce(relu(negMargin - d_an))` over the positive and
 * negative pairs, each sub-loss reduced separately (AvgNonZero by default), then summed.
 * With a similarity: `relu(posMargin - s_ap)` and `relu(s_an - negMargin)`.
 * Without `indices`, all ordered pairs; triplets (a, p, n) give pairs (a, p) and (a, n).
 * PML quirk kept: when each of the four index lists has at most one entry, the loss is 0.
 * With references (`compute`'s `ref`), the pairs go from the batch to the references.
 *
 * @param options Margins, distance and reducer.
 * @returns The loss.
 * @throws {RangeError} For a negative or non-finite margin.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { contrastiveLoss } from "./contrastive_loss.ts";
 * import { lpDistance } from "../distances/lp_distance.ts";
 * const loss = contrastiveLoss({ distance: lpDistance({ normalize: false }) });
 * const v = loss.compute(tf.tensor2d([[0], [0.5], [3], [3.25]]), new Int32Array([0, 0, 1, 1]));
 * // pos terms 0.5, 0.5, 0.25, 0.25 (mean 0.375); no negative pair is closer than 1
 * if (Math.abs(v.dataSync()[0] - 0.375) > 1e-6) throw new Error(String(v.dataSync()));
 * ```
 */
export function contrastiveLoss(options: ContrastiveLossOptions = {}): MetricLoss {
  const posMargin = options.posMargin ?? 0;
  const negMargin = options.negMargin ?? 1;
  const distance = options.distance ?? lpDistance();
  const reducer = options.reducer ?? avgNonZeroReducer();
  checkNumber("contrastiveLoss", "posMargin", posMargin);
  checkNumber("contrastiveLoss", "negMargin", negMargin);
  checkParts("contrastiveLoss", distance, reducer);
  return {
    config(): ComponentConfig {
      return {
        name: "contrastive",
        posMargin,
        negMargin,
        distance: nested(distance.config()),
        reducer: nested(reducer.config()),
      };
    },
    compute(
      embeddings: tf.Tensor2D,
      labels: Int32Array,
      indices?: IndicesTuple,
      ref?: LossReferences,
    ): tf.Scalar {
      checkInputs("contrastiveLoss", embeddings, labels);
      const r = resolveReferences("contrastiveLoss", embeddings, labels, ref);
      checkIndices("contrastiveLoss", indices, labels.length, r.labels && r.m);
      const pairs = toPairs(indices, labels, r.labels);
      const lists = [pairs.posAnchors, pairs.positives, pairs.negAnchors, pairs.negatives];
      if (lists.every((l) => l.length <= 1)) return zeroLoss(embeddings);
      return tf.tidy(() => {
        const mat = distance.matrix(embeddings, r.embeddings);
        let pos: tf.Scalar = zeroLoss(embeddings);
        let neg: tf.Scalar = zeroLoss(embeddings);
        if (pairs.posAnchors.length > 0) {
          const d = gatherPairs(mat, pairs.posAnchors, pairs.positives);
          pos = reducer.reduce({
            losses: tf.relu(distance.margin(d, posMargin)) as tf.Tensor1D,
            indices: [pairs.posAnchors, pairs.positives],
            kind: "pos_pair",
          });
        }
        if (pairs.negAnchors.length > 0) {
          const d = gatherPairs(mat, pairs.negAnchors, pairs.negatives);
          neg = reducer.reduce({
            losses: tf.relu(distance.margin(negMargin, d)) as tf.Tensor1D,
            indices: [pairs.negAnchors, pairs.negatives],
            kind: "neg_pair",
          });
        }
        return tf.add(pos, neg) as tf.Scalar;
      });
    },
  };
}

/** The description of {@linkcode contrastiveLoss}: registry name, PML name, options. */
export const CONTRASTIVE_LOSS: LossDescription = {
  name: "contrastive",
  pmlName: "ContrastiveLoss",
  options: {
    posMargin: {
      kind: "number",
      doc: "positive margin",
      default: 0,
      min: 0,
      pml: "pos_margin",
    },
    negMargin: {
      kind: "number",
      doc: "negative margin",
      default: 1,
      min: 0,
      pml: "neg_margin",
    },
    distance: { kind: "distance", doc: "how to measure closeness", default: "lp" },
    reducer: { kind: "reducer", doc: "reduces the pair terms", default: "avg-non-zero" },
  },
  pml: { reducers: ["AvgNonZeroReducer"] },
  learnsClassWeights: false,
  create: contrastiveLoss,
};
