/**
 * The normalised temperature-scaled cross-entropy loss, PML's `NTXentLoss`.
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
  gatherPairs,
  nested,
  pairMask,
  resolveReferences,
  zeroLoss,
} from "./_common.ts";

/** Options of {@linkcode ntXentLoss}. */
export interface NtXentLossOptions {
  /**
   * The temperature tau dividing the similarities.
   * @default {0.07}
   */
  temperature?: number;
  /**
   * How to measure closeness (a distance is negated).
   * @default {cosineSimilarity()}
   */
  distance?: Distance;
}

/**
 * NT-Xent / InfoNCE (Chen et al. 2020, "SimCLR"), PML's `NTXentLoss`: for every ordered
 * positive pair (a, p), `-log(e^{s_ap/t} / (e^{s_ap/t} + sum_{n in neg(a)} e^{s_an/t}))`,
 * averaged over the positive pairs. Other positives of `a` are not in the denominator; the
 * negatives of `a` are all negative pairs anchored at `a`, duplicates included; a positive
 * pair whose anchor has no negative contributes 0 but counts in the mean. No positive or no
 * negative pair gives 0, as does PML's quirk (each of the four index lists has at most one
 * entry). With a distance, `s = -d`.
 *
 * Memory is O(N^2): the negatives are summed per anchor with a count matrix. With references
 * (`compute`'s `ref`), the pairs go from the batch to the references.
 *
 * @param options Temperature and distance.
 * @returns The loss.
 * @throws {RangeError} For a non-positive temperature.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { ntXentLoss } from "./nt_xent_loss.ts";
 * const v = ntXentLoss({ temperature: 1 }).compute(tf.tensor2d([[1, 0], [1, 0], [0, 1], [0, 1]]), new Int32Array([0, 0, 1, 1]));
 * // each positive pair: -log(e / (e + 2)) = log(1 + 2/e)
 * if (Math.abs(v.dataSync()[0] - Math.log(1 + 2 / Math.E)) > 1e-5) throw new Error(String(v.dataSync()));
 * ```
 */
export function ntXentLoss(options: NtXentLossOptions = {}): MetricLoss {
  const temperature = options.temperature ?? 0.07;
  const distance = options.distance ?? cosineSimilarity();
  checkNumber("ntXentLoss", "temperature", temperature, "positive");
  checkParts("ntXentLoss", distance);
  return {
    config(): ComponentConfig {
      return { name: "nt-xent", temperature, distance: nested(distance.config()) };
    },
    compute(
      embeddings: tf.Tensor2D,
      labels: Int32Array,
      indices?: IndicesTuple,
      ref?: LossReferences,
    ): tf.Scalar {
      checkInputs("ntXentLoss", embeddings, labels);
      const r = resolveReferences("ntXentLoss", embeddings, labels, ref);
      checkIndices("ntXentLoss", indices, labels.length, r.labels && r.m);
      const pairs = toPairs(indices, labels, r.labels);
      const lists = [pairs.posAnchors, pairs.positives, pairs.negAnchors, pairs.negatives];
      if (lists.every((l) => l.length <= 1)) return zeroLoss(embeddings);
      if (pairs.posAnchors.length === 0 || pairs.negAnchors.length === 0) {
        return zeroLoss(embeddings);
      }
      const n = labels.length, m = r.m;
      return tf.tidy(() => {
        const mat = distance.matrix(embeddings, r.embeddings);
        const logits = tf.div(distance.isInverted ? mat : tf.neg(mat), temperature) as tf.Tensor2D;
        // counts[a, j]: how many times (a, j) is a negative pair.
        const counts = pairMask(n, m, pairs.negAnchors, pairs.negatives, false);
        const countT = tf.tensor2d(counts, [n, m]);
        const has = tf.tensor2d(Uint8Array.from(counts, (c) => c > 0 ? 1 : 0), [n, m], "bool");
        const masked = tf.where(has, logits, tf.fill([n, m], -1e30));
        const negMax = tf.max(masked, 1, true); // [n, 1]; -1e30 for an anchor without negatives
        const negSum = tf.sum(tf.mul(countT, tf.exp(tf.sub(masked, negMax))), 1); // [n]
        const a = tf.tensor1d(pairs.posAnchors, "int32");
        const sp = gatherPairs(logits, pairs.posAnchors, pairs.positives);
        const nm = tf.gather(tf.reshape(negMax, [-1]), a);
        const shift = tf.maximum(sp, nm);
        const den = tf.add(
          tf.mul(tf.gather(negSum, a), tf.exp(tf.sub(nm, shift))),
          tf.exp(tf.sub(sp, shift)),
        );
        // -log(num / den) = log(den) - log(num), both shifted by the same max.
        return tf.mean(tf.sub(tf.log(den), tf.sub(sp, shift))) as tf.Scalar;
      });
    },
  };
}

/** The description of {@linkcode ntXentLoss}: registry name, PML name, options. */
export const NT_XENT_LOSS: LossDescription = {
  name: "nt-xent",
  pmlName: "NTXentLoss",
  options: {
    temperature: {
      kind: "number",
      doc: "temperature",
      default: 0.07,
      min: 0,
      minExclusive: true,
      pml: "temperature",
    },
    distance: { kind: "distance", doc: "how to measure closeness", default: "cosine" },
  },
  pml: { reducers: ["MeanReducer"] },
  learnsClassWeights: false,
  create: ntXentLoss,
};
