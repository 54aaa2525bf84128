/**
 * Metric-learning losses (PML's `losses/`): {@linkcode contrastiveLoss},
 * {@linkcode tripletMarginLoss}, {@linkcode multiSimilarityLoss}, {@linkcode ntXentLoss},
 * and the losses with trainable weights, {@linkcode arcFaceLoss} and
 * {@linkcode proxyAnchorLoss}; {@linkcode crossBatchMemory} wraps a loss in a queue of
 * recent batches (XBM); {@linkcode lossFromConfig} builds one by name from
 * the list of descriptions {@linkcode LOSSES}. Each defines
 * its terms from a distance matrix, optionally on mined tuples, and hands them to a reducer.
 *
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { lpDistance } from "../distances/mod.ts";
 * import { tripletMarginLoss } from "./mod.ts";
 * const loss = tripletMarginLoss({ margin: 1, distance: lpDistance({ normalize: false }) });
 * const v = loss.compute(tf.tensor2d([[0], [1], [1.5]]), new Int32Array([0, 0, 1]));
 * if (Math.abs(v.dataSync()[0] - 1) > 1e-6) throw new Error(String(v.dataSync()));
 * ```
 *
 * @module
 */
export {
  CONTRASTIVE_LOSS,
  contrastiveLoss,
  type ContrastiveLossOptions,
} from "./contrastive_loss.ts";
export {
  TRIPLET_MARGIN_LOSS,
  tripletMarginLoss,
  type TripletMarginLossOptions,
} from "./triplet_margin_loss.ts";
export {
  MULTI_SIMILARITY_LOSS,
  multiSimilarityLoss,
  type MultiSimilarityLossOptions,
} from "./multi_similarity_loss.ts";
export { NT_XENT_LOSS, ntXentLoss, type NtXentLossOptions } from "./nt_xent_loss.ts";
export {
  ARC_FACE_LOSS,
  type ArcFaceLoss,
  arcFaceLoss,
  type ArcFaceLossOptions,
} from "./arc_face_loss.ts";
export {
  PROXY_ANCHOR_LOSS,
  type ProxyAnchorLoss,
  proxyAnchorLoss,
  type ProxyAnchorLossOptions,
} from "./proxy_anchor_loss.ts";
export {
  type CrossBatchMemory,
  crossBatchMemory,
  type CrossBatchMemoryOptions,
  type CrossBatchMemoryState,
  memorySupportsLoss,
} from "./cross_batch_memory.ts";
export { findLoss, LOSS_NAMES, LOSSES, lossFromConfig } from "./registry.ts";
