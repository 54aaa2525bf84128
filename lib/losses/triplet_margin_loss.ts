/**
 * The triplet margin loss, PML's `TripletMarginLoss`.
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
import { toTriplets } from "../miners/tuples.ts";
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

/** Options of {@linkcode tripletMarginLoss}. */
export interface TripletMarginLossOptions {
  /**
   * The required gap between the negative and the positive distance.
   * @default {0.05}
   */
  margin?: number;
  /**
   * How to measure closeness.
   * @default {lpDistance()}
   */
  distance?: Distance;
  /**
   * Reduces the per-triplet terms.
   * @default {avgNonZeroReducer()}
   */
  reducer?: Reducer;
}

/**
 * The triplet margin loss (Weinberger & Saul 2009; Schroff et al. 2015, "FaceNet"), PML's
 * `TripletMarginLoss(triplets_per_anchor="all")`: `reduce(relu(d_ap - d_an + margin))`
 * (similarity: `relu(s_an - s_ap + margin)`), AvgNonZero by default. Without `indices`,
 * every triplet of the batch; pairs (a1, p, a2, n) give every (a1[i], p[i], n[j]) with
 * a1[i] == a2[j]. No triplet gives 0 with an all-zero gradient. With references
 * (`compute`'s `ref`), positives and negatives are references.
 *
 * @param options Margin, distance and reducer.
 * @returns The loss.
 * @throws {RangeError} For a negative or non-finite margin.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { tripletMarginLoss } from "./triplet_margin_loss.ts";
 * import { lpDistance } from "../distances/lp_distance.ts";
 * const loss = tripletMarginLoss({ margin: 1, distance: lpDistance({ normalize: false }) });
 * const v = loss.compute(tf.tensor2d([[0], [1], [1.5]]), new Int32Array([0, 0, 1]));
 * // (0,1,2): 1 - 1.5 + 1 = 0.5; (1,0,2): 1 - 0.5 + 1 = 1.5; mean 1
 * if (Math.abs(v.dataSync()[0] - 1) > 1e-6) throw new Error(String(v.dataSync()));
 * ```
 */
export function tripletMarginLoss(options: TripletMarginLossOptions = {}): MetricLoss {
  const margin = options.margin ?? 0.05;
  const distance = options.distance ?? lpDistance();
  const reducer = options.reducer ?? avgNonZeroReducer();
  checkNumber("tripletMarginLoss", "margin", margin);
  checkParts("tripletMarginLoss", distance, reducer);
  return {
    config(): ComponentConfig {
      return {
        name: "triplet",
        margin,
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
      checkInputs("tripletMarginLoss", embeddings, labels);
      const r = resolveReferences("tripletMarginLoss", embeddings, labels, ref);
      checkIndices("tripletMarginLoss", indices, labels.length, r.labels && r.m);
      const t = toTriplets(indices, labels, r.labels);
      if (t.anchors.length === 0) return zeroLoss(embeddings);
      return tf.tidy(() => {
        const mat = distance.matrix(embeddings, r.embeddings);
        const ap = gatherPairs(mat, t.anchors, t.positives);
        const an = gatherPairs(mat, t.anchors, t.negatives);
        const gap = distance.margin(ap, an);
        return reducer.reduce({
          losses: tf.relu(tf.add(gap, margin)) as tf.Tensor1D,
          indices: [t.anchors, t.positives, t.negatives],
          kind: "triplet",
        });
      });
    },
  };
}

/** The description of {@linkcode tripletMarginLoss}: registry name, PML name, options. */
export const TRIPLET_MARGIN_LOSS: LossDescription = {
  name: "triplet",
  pmlName: "TripletMarginLoss",
  options: {
    margin: { kind: "number", doc: "margin", default: 0.05, min: 0, pml: "margin" },
    distance: { kind: "distance", doc: "how to measure closeness", default: "lp" },
    reducer: { kind: "reducer", doc: "reduces the triplet terms", default: "avg-non-zero" },
  },
  pml: {
    fixed: { swap: false, smooth_loss: false, triplets_per_anchor: "all" },
    reducers: ["AvgNonZeroReducer"],
  },
  learnsClassWeights: false,
  create: tripletMarginLoss,
};
