/**
 * Metric-learning losses (PML's `losses/`): each defines its terms from a distance matrix
 * and hands them to a reducer.
 *
 * @module
 */
export { contrastiveLoss, type ContrastiveLossOptions } from "./contrastive_loss.ts";
export { tripletMarginLoss, type TripletMarginLossOptions } from "./triplet_margin_loss.ts";
export { multiSimilarityLoss, type MultiSimilarityLossOptions } from "./multi_similarity_loss.ts";
export { ntXentLoss, type NtXentLossOptions } from "./nt_xent_loss.ts";
export { type ArcFaceLoss, arcFaceLoss, type ArcFaceLossOptions } from "./arc_face_loss.ts";
export {
  type ProxyAnchorLoss,
  proxyAnchorLoss,
  type ProxyAnchorLossOptions,
} from "./proxy_anchor_loss.ts";
export { LOSS_NAMES, lossFromConfig } from "./registry.ts";
