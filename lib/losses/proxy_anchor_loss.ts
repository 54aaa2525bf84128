/**
 * The proxy-anchor loss, PML's `ProxyAnchorLoss`.
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
  logOnePlusSumExp,
  minerWeights,
  oneHot,
  refuseReferences,
} from "./_common.ts";
import { lossWeights } from "./_weights.ts";

/** Options of {@linkcode proxyAnchorLoss}. */
export interface ProxyAnchorLossOptions {
  /** The number of classes C (labels are 0..C-1). */
  numClasses: number;
  /** The embedding width D. */
  embeddingSize: number;
  /**
   * The cosine margin delta.
   * @default {0.1}
   */
  margin?: number;
  /**
   * The scale alpha.
   * @default {32}
   */
  alpha?: number;
  /**
   * Seed of the initial proxies (Kaiming normal, std sqrt(2 / C), as PML).
   * @default {0}
   */
  seed?: number;
  /**
   * Initial proxies, C x D row-major (`P[c * D + d]`); overrides the seed.
   * @default {undefined}
   */
  weights?: ArrayLike<number>;
}

/** A loss that owns class proxies (C x D). */
export interface ProxyAnchorLoss extends MetricLoss {
  /** `[proxies]`, C x D. */
  trainableVariables(): Variable[];
  /** Sets the proxies from C*D row-major values (`P[c * D + d]`). */
  setWeights(values: ArrayLike<number>): void;
  /** Frees the proxies. */
  dispose(): void;
}

/**
 * Proxy-Anchor (Kim et al. 2020), PML's `ProxyAnchorLoss`, with cosine similarity:
 * `pos = sum_c log(1 + sum_{i: y_i = c} e^{-alpha (cos_ic - delta)}) / #classes in the batch`,
 * `neg = sum_c log(1 + sum_{i: y_i != c} e^{alpha (cos_ic + delta)}) / numClasses`;
 * the loss is pos + neg. With `indices`, PML's miner weights minus 1 are added to the
 * exponents.
 *
 * @param options Classes, width, margin, alpha, and the seed or values of the proxies.
 * @returns The loss; its proxies are a tf.Variable (dispose them with `dispose()`).
 * @throws {RangeError} For a bad class count, width, margin or alpha.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { proxyAnchorLoss } from "./proxy_anchor_loss.ts";
 * const loss = proxyAnchorLoss({ numClasses: 2, embeddingSize: 2, weights: [1, 0, 0, 1] });
 * const v = loss.compute(tf.tensor2d([[1, 0]]), new Int32Array([0])).dataSync()[0];
 * // pos: log(1 + e^{-32 * 0.9}) / 1; neg: log(1 + e^{32 * 0.1}) / 2
 * const want = Math.log1p(Math.exp(-28.8)) + Math.log1p(Math.exp(3.2)) / 2;
 * if (Math.abs(v - want) > 1e-5) throw new Error(String(v));
 * loss.dispose();
 * ```
 */
export function proxyAnchorLoss(options: ProxyAnchorLossOptions): ProxyAnchorLoss {
  const { numClasses, embeddingSize } = options;
  const margin = options.margin ?? 0.1;
  const alpha = options.alpha ?? 32;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(
      `Cannot create proxyAnchorLoss: numClasses must be an integer >= 1, got ${numClasses}`,
    );
  }
  if (!Number.isInteger(embeddingSize) || embeddingSize < 1) {
    throw new RangeError(
      `Cannot create proxyAnchorLoss: embeddingSize must be an integer >= 1, got ${embeddingSize}`,
    );
  }
  checkNumber("proxyAnchorLoss", "margin", margin);
  checkNumber("proxyAnchorLoss", "alpha", alpha, "positive");
  if (!Number.isInteger(seed)) {
    throw new RangeError(`Cannot create proxyAnchorLoss: seed must be an integer, got ${seed}`);
  }
  const p = lossWeights(
    "set proxyAnchorLoss proxies",
    [numClasses, embeddingSize],
    seed,
    Math.sqrt(2 / numClasses),
    options.weights,
  );
  return {
    config(): ComponentConfig {
      return { name: "proxy-anchor", numClasses, embeddingSize, margin, alpha, seed };
    },
    trainableVariables: () => [p.get()],
    setWeights: (values) => p.set(values),
    dispose: () => p.dispose(),
    compute(
      embeddings: tf.Tensor2D,
      labels: Int32Array,
      indices?: IndicesTuple,
      ref?: LossReferences,
    ): tf.Scalar {
      checkInputs("proxyAnchorLoss", embeddings, labels);
      refuseReferences("proxyAnchorLoss", ref);
      if (embeddings.shape[1] !== embeddingSize) {
        throw new TypeError(
          `Cannot compute proxyAnchorLoss: embeddings have width ${
            embeddings.shape[1]
          }, expected ${embeddingSize}`,
        );
      }
      checkClassLabels("proxyAnchorLoss", labels, numClasses);
      checkIndices("proxyAnchorLoss", indices, labels.length);
      const n = labels.length;
      const P = p.get();
      const present = new Set(labels).size;
      return tf.tidy(() => {
        const cos = tf.matMul(l2NormalizeRows(embeddings), l2NormalizeRows(P), false, true);
        const posMask = tf.tensor2d(oneHot(labels, numClasses), [n, numClasses]);
        const negMask = tf.sub(1, posMask) as tf.Tensor2D;
        const shift = tf.tensor2d(minerWeights(indices, n).map((v) => v - 1), [n, 1]);
        const posExp = tf.add(tf.mul(tf.sub(margin, cos), alpha), shift) as tf.Tensor2D;
        const negExp = tf.add(tf.mul(tf.add(cos, margin), alpha), shift) as tf.Tensor2D;
        const pos = tf.div(tf.sum(logOnePlusSumExp(posExp, posMask, 0)), present);
        const neg = tf.div(tf.sum(logOnePlusSumExp(negExp, negMask, 0)), numClasses);
        return tf.add(pos, neg) as tf.Scalar;
      });
    },
  };
}

/** The description of {@linkcode proxyAnchorLoss}: registry name, PML name, options. */
export const PROXY_ANCHOR_LOSS: LossDescription = {
  name: "proxy-anchor",
  pmlName: "ProxyAnchorLoss",
  options: {
    margin: { kind: "number", doc: "margin", default: 0.1, min: 0, pml: "margin" },
    alpha: {
      kind: "number",
      doc: "scale",
      default: 32,
      min: 0,
      minExclusive: true,
      pml: "alpha",
    },
    numClasses: { kind: "integer", doc: "number of classes", min: 1, pml: "num_classes" },
    embeddingSize: {
      kind: "integer",
      doc: "embedding width",
      min: 1,
      pml: "embedding_size",
    },
    seed: { kind: "integer", doc: "seed of the initial proxies", default: 0 },
  },
  pml: { distance: "cosine" },
  learnsClassWeights: true,
  create: (options: FactoryOptions) =>
    proxyAnchorLoss(options as unknown as ProxyAnchorLossOptions),
};
