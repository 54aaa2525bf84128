/**
 * The additive angular margin loss, PML's `ArcFaceLoss`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type {
  ComponentConfig,
  FactoryOptions,
  IndicesTuple,
  LossDescription,
  LossReferences,
  MetricLoss,
  Variable,
} from "../types.ts";
import { l2NormalizeRows } from "../distances/_common.ts";
import {
  checkClassLabels,
  checkIndices,
  checkInputs,
  checkNumber,
  minerWeights,
  oneHot,
  refuseReferences,
} from "./_common.ts";
import { lossWeights } from "./_weights.ts";

/** Options of {@linkcode arcFaceLoss}. */
export interface ArcFaceLossOptions {
  /** The number of classes C (labels are 0..C-1). */
  numClasses: number;
  /** The embedding width D. */
  embeddingSize: number;
  /**
   * The angular margin, in degrees.
   * @default {28.6}
   */
  margin?: number;
  /**
   * The logit scale.
   * @default {64}
   */
  scale?: number;
  /**
   * Seed of the N(0, 1) initial class weights.
   * @default {0}
   */
  seed?: number;
  /**
   * Initial class weights, D x C row-major (`W[d * C + c]`); overrides the seed.
   * @default {undefined}
   */
  weights?: ArrayLike<number>;
}

/** A loss that owns class weights W (D x C). */
export interface ArcFaceLoss extends MetricLoss {
  /** `[W]`, the D x C class weights. */
  trainableVariables(): Variable[];
  /** Sets W from D*C row-major values (`W[d * C + c]`). */
  setWeights(values: ArrayLike<number>): void;
  /** Frees W. */
  dispose(): void;
}

/**
 * ArcFace (Deng et al. 2019), PML's `ArcFaceLoss`: logits are the cosines between the
 * normalised embeddings and the normalised columns of W (D x C); the target logit
 * cos(theta) becomes cos(theta + m) when theta <= pi - m, else cos(theta) - m sin(m); all
 * logits are multiplied by `scale`, then cross-entropy, averaged over the batch. `margin`
 * is in degrees (28.6 -> 0.49916 rad). With `indices`, each sample is weighted by how often
 * it appears in them, relative to the most frequent (PML's `convert_to_weights`).
 *
 * @param options Classes, width, margin, scale, and the seed or values of W.
 * @returns The loss; its W is a tf.Variable (dispose it with `dispose()`).
 * @throws {RangeError} For a bad class count, width, margin or scale.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { arcFaceLoss } from "./arc_face_loss.ts";
 * const loss = arcFaceLoss({ numClasses: 2, embeddingSize: 2, weights: [1, 0, 0, 1] });
 * const v = loss.compute(tf.tensor2d([[1, 0], [0, 1]]), new Int32Array([0, 1])).dataSync()[0];
 * // target cos(0 + m) = cos(m), other logit 0, times 64
 * const m = 28.6 * Math.PI / 180;
 * const want = Math.log(1 + Math.exp(-64 * Math.cos(m)));
 * if (Math.abs(v - want) > 1e-5) throw new Error(String(v));
 * loss.dispose();
 * ```
 */
export function arcFaceLoss(options: ArcFaceLossOptions): ArcFaceLoss {
  const { numClasses, embeddingSize } = options;
  const margin = options.margin ?? 28.6;
  const scale = options.scale ?? 64;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(
      `Cannot create arcFaceLoss: numClasses must be an integer >= 1, got ${numClasses}`,
    );
  }
  if (!Number.isInteger(embeddingSize) || embeddingSize < 1) {
    throw new RangeError(
      `Cannot create arcFaceLoss: embeddingSize must be an integer >= 1, got ${embeddingSize}`,
    );
  }
  checkNumber("arcFaceLoss", "margin", margin);
  if (margin >= 180) {
    throw new RangeError(`Cannot create arcFaceLoss: margin must be < 180 degrees, got ${margin}`);
  }
  checkNumber("arcFaceLoss", "scale", scale, "positive");
  if (!Number.isInteger(seed)) {
    throw new RangeError(`Cannot create arcFaceLoss: seed must be an integer, got ${seed}`);
  }
  const m = margin * Math.PI / 180;
  const w = lossWeights(
    "set arcFaceLoss weights",
    [embeddingSize, numClasses],
    seed,
    1,
    options.weights,
  );
  return {
    config(): ComponentConfig {
      return { name: "arcface", numClasses, embeddingSize, margin, scale, seed };
    },
    trainableVariables: () => [w.get()],
    setWeights: (values) => w.set(values),
    dispose: () => w.dispose(),
    compute(
      embeddings: tf.Tensor2D,
      labels: Int32Array,
      indices?: IndicesTuple,
      ref?: LossReferences,
    ): tf.Scalar {
      checkInputs("arcFaceLoss", embeddings, labels);
      refuseReferences("arcFaceLoss", ref);
      if (embeddings.shape[1] !== embeddingSize) {
        throw new TypeError(
          `Cannot compute arcFaceLoss: embeddings have width ${
            embeddings.shape[1]
          }, expected ${embeddingSize}`,
        );
      }
      checkClassLabels("arcFaceLoss", labels, numClasses);
      checkIndices("arcFaceLoss", indices, labels.length);
      const n = labels.length;
      const W = w.get();
      return tf.tidy(() => {
        const cos = tf.matMul(
          l2NormalizeRows(embeddings),
          l2NormalizeRows(tf.transpose(W)),
          false,
          true,
        );
        const mask = tf.tensor2d(oneHot(labels, numClasses), [n, numClasses]);
        const target = tf.sum(tf.mul(cos, mask), 1);
        const angle = tf.acos(tf.clipByValue(target, -1 + 1e-7, 1 - 1e-7));
        // theta <= pi - m  <=>  cos(theta) >= -cos(m); tf.step because comparisons have no gradient.
        const ok = tf.step(tf.add(target, Math.cos(m)));
        const modified = tf.add(
          tf.mul(ok, tf.cos(tf.add(angle, m))),
          tf.mul(tf.sub(1, ok), tf.sub(target, m * Math.sin(m))),
        );
        const logits = tf.mul(
          tf.add(cos, tf.mul(mask, tf.expandDims(tf.sub(modified, target), 1))),
          scale,
        );
        const ce = tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, mask), 1));
        const weights = tf.tensor1d(minerWeights(indices, n));
        return tf.mean(tf.mul(ce, weights)) as tf.Scalar;
      });
    },
  };
}

/** The description of {@linkcode arcFaceLoss}: registry name, PML name, options. */
export const ARC_FACE_LOSS: LossDescription = {
  name: "arcface",
  pmlName: "ArcFaceLoss",
  options: {
    margin: {
      kind: "number",
      doc: "angular margin in degrees",
      default: 28.6,
      min: 0,
      below: 180,
      pml: "margin_degrees",
    },
    scale: {
      kind: "number",
      doc: "logit scale",
      default: 64,
      min: 0,
      minExclusive: true,
      pml: "scale",
    },
    numClasses: { kind: "integer", doc: "number of classes", min: 1, pml: "num_classes" },
    embeddingSize: {
      kind: "integer",
      doc: "embedding width",
      min: 1,
      pml: "embedding_size",
    },
    seed: { kind: "integer", doc: "seed of the initial class weights", default: 0 },
  },
  pml: { distance: "cosine" },
  learnsClassWeights: true,
  create: (options: FactoryOptions) => arcFaceLoss(options as unknown as ArcFaceLossOptions),
};
