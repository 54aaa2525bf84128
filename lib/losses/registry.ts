/**
 * Rebuilding a loss from its `config()`.
 *
 * @module
 */
import type { ComponentConfig, Distance, MetricLoss, Reducer } from "../types.ts";
import { unknownNameError } from "../_suggest.ts";
import { distanceFromConfig } from "../distances/registry.ts";
import { reducerFromConfig } from "../reducers/registry.ts";
import { contrastiveLoss } from "./contrastive_loss.ts";
import { tripletMarginLoss } from "./triplet_margin_loss.ts";
import { multiSimilarityLoss } from "./multi_similarity_loss.ts";
import { ntXentLoss } from "./nt_xent_loss.ts";
import { arcFaceLoss } from "./arc_face_loss.ts";
import { proxyAnchorLoss } from "./proxy_anchor_loss.ts";

/** The registry names of the losses. */
export const LOSS_NAMES = [
  "contrastive",
  "triplet",
  "multi-similarity",
  "nt-xent",
  "arcface",
  "proxy-anchor",
] as const;

function part<T>(
  config: ComponentConfig,
  key: string,
  build: (c: ComponentConfig) => T,
): T | undefined {
  const c = config[key];
  if (c === undefined || c === null) return undefined;
  if (typeof c !== "object" || Array.isArray(c) || typeof c.name !== "string") {
    throw new TypeError(`Cannot rebuild loss "${config.name}": ${key} must be a component config`);
  }
  return build(c as ComponentConfig);
}

/**
 * Builds the loss that `config()` described (with its distance and reducer). ArcFace and
 * ProxyAnchor get fresh weights from their seed; trained weights are not part of a config.
 *
 * @param config `{ name, ...options }` as returned by a loss's `config()`.
 * @returns A new loss with the same options.
 * @throws {RangeError} For an unknown name (with the closest valid one) or a bad option.
 *
 * @example
 * ```ts
 * import { lossFromConfig } from "./registry.ts";
 * const loss = lossFromConfig({ name: "triplet", margin: 0.2 });
 * if (loss.config().margin !== 0.2) throw new Error("lost an option");
 * ```
 */
export function lossFromConfig(config: ComponentConfig): MetricLoss {
  const num = (k: string) => config[k] as number | undefined;
  const distance = () => part<Distance>(config, "distance", distanceFromConfig);
  const reducer = () => part<Reducer>(config, "reducer", reducerFromConfig);
  switch (config.name) {
    case "contrastive":
      return contrastiveLoss({
        posMargin: num("posMargin"),
        negMargin: num("negMargin"),
        distance: distance(),
        reducer: reducer(),
      });
    case "triplet":
      return tripletMarginLoss({ margin: num("margin"), distance: distance(), reducer: reducer() });
    case "multi-similarity":
      return multiSimilarityLoss({
        alpha: num("alpha"),
        beta: num("beta"),
        base: num("base"),
        distance: distance(),
      });
    case "nt-xent":
      return ntXentLoss({ temperature: num("temperature"), distance: distance() });
    case "arcface":
      return arcFaceLoss({
        numClasses: num("numClasses") as number,
        embeddingSize: num("embeddingSize") as number,
        margin: num("margin"),
        scale: num("scale"),
        seed: num("seed"),
      });
    case "proxy-anchor":
      return proxyAnchorLoss({
        numClasses: num("numClasses") as number,
        embeddingSize: num("embeddingSize") as number,
        margin: num("margin"),
        alpha: num("alpha"),
        seed: num("seed"),
      });
    default:
      throw unknownNameError("loss", config.name, LOSS_NAMES);
  }
}
