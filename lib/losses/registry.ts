/**
 * The list of loss descriptions, and rebuilding a loss from its `config()`. Adding a loss
 * is its file (with its description) plus one line here; the registry, the config
 * validation, the CLI and the conformance check derive from this list.
 *
 * @module
 */
import type { ComponentConfig, LossDescription, MetricLoss } from "../types.ts";
import { unknownNameError } from "../_suggest.ts";
import { distanceFromConfig } from "../distances/registry.ts";
import { reducerFromConfig } from "../reducers/registry.ts";
import { CONTRASTIVE_LOSS } from "./contrastive_loss.ts";
import { TRIPLET_MARGIN_LOSS } from "./triplet_margin_loss.ts";
import { MULTI_SIMILARITY_LOSS } from "./multi_similarity_loss.ts";
import { NT_XENT_LOSS } from "./nt_xent_loss.ts";
import { ARC_FACE_LOSS } from "./arc_face_loss.ts";
import { PROXY_ANCHOR_LOSS } from "./proxy_anchor_loss.ts";

/** Every loss's description, in the order names are listed to users. */
export const LOSSES: readonly LossDescription[] = [
  CONTRASTIVE_LOSS,
  TRIPLET_MARGIN_LOSS,
  MULTI_SIMILARITY_LOSS,
  NT_XENT_LOSS,
  ARC_FACE_LOSS,
  PROXY_ANCHOR_LOSS,
];

/** The registry names of the losses. */
export const LOSS_NAMES: readonly string[] = LOSSES.map((d) => d.name);

/**
 * The description of the loss with this registry name.
 *
 * @param name A registry name (`"triplet"`).
 * @returns Its description, or undefined for an unknown name.
 *
 * @example
 * ```ts
 * import { findLoss } from "./registry.ts";
 * if (findLoss("triplet")?.pmlName !== "TripletMarginLoss") throw new Error("no triplet");
 * ```
 */
export function findLoss(name: unknown): LossDescription | undefined {
  return LOSSES.find((d) => d.name === name);
}

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
  const d = findLoss(config.name);
  if (d === undefined) throw unknownNameError("loss", config.name, LOSS_NAMES);
  const options: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(d.options)) {
    options[key] = spec.kind === "distance"
      ? part(config, key, distanceFromConfig)
      : spec.kind === "reducer"
      ? part(config, key, reducerFromConfig)
      : config[key] ?? undefined;
  }
  return d.create(options);
}
