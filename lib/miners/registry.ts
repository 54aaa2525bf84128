/**
 * The list of miner descriptions, and rebuilding a miner from its `config()`. Adding a
 * miner is its file (with its description) plus one line here; the registry, the config
 * validation, the CLI and the conformance check derive from this list.
 *
 * @module
 */
import type { ComponentConfig, Distance, Miner, MinerDescription } from "../types.ts";
import { unknownNameError } from "../_suggest.ts";
import { distanceFromConfig } from "../distances/registry.ts";
import { BATCH_HARD_MINER } from "./batch_hard_miner.ts";
import { BATCH_EASY_HARD_MINER } from "./batch_easy_hard_miner.ts";
import { TRIPLET_MARGIN_MINER } from "./triplet_margin_miner.ts";
import { PAIR_MARGIN_MINER } from "./pair_margin_miner.ts";
import { MULTI_SIMILARITY_MINER } from "./multi_similarity_miner.ts";
import { DISTANCE_WEIGHTED_MINER } from "./distance_weighted_miner.ts";

/** Every miner's description, in the order names are listed to users. */
export const MINERS: readonly MinerDescription[] = [
  BATCH_HARD_MINER,
  BATCH_EASY_HARD_MINER,
  TRIPLET_MARGIN_MINER,
  PAIR_MARGIN_MINER,
  MULTI_SIMILARITY_MINER,
  DISTANCE_WEIGHTED_MINER,
];

/** The registry names of the miners; `"none"` means no mining (all pairs or triplets). */
export const MINER_NAMES: readonly string[] = ["none", ...MINERS.map((d) => d.name)];

/**
 * The description of the miner with this registry name.
 *
 * @param name A registry name (`"batch-hard"`).
 * @returns Its description, or undefined for `"none"` or an unknown name.
 *
 * @example
 * ```ts
 * import { findMiner } from "./registry.ts";
 * if (findMiner("batch-hard")?.pmlName !== "BatchHardMiner") throw new Error("no batch-hard");
 * ```
 */
export function findMiner(name: unknown): MinerDescription | undefined {
  return MINERS.find((d) => d.name === name);
}

function distanceOf(config: ComponentConfig, key: string): Distance | undefined {
  const d = config[key];
  if (d === undefined || d === null) return undefined;
  if (typeof d !== "object" || Array.isArray(d) || typeof d.name !== "string") {
    throw new TypeError(`Cannot rebuild ${config.name}: ${key} must be a distance config`);
  }
  return distanceFromConfig(d as ComponentConfig);
}

/**
 * Builds the miner that `config()` described; `{ name: "none" }` gives `undefined` (no
 * miner: the loss uses all pairs or triplets).
 *
 * @param config `{ name, ...options }` as returned by a miner's `config()`.
 * @returns A new miner with the same options, or undefined for `"none"`.
 * @throws {RangeError} For an unknown name (with the closest valid one) or a bad option.
 *
 * @example
 * ```ts
 * import { minerFromConfig } from "./registry.ts";
 * const m = minerFromConfig({ name: "triplet-margin", margin: 0.1, type: "semihard" });
 * if (m?.config().type !== "semihard") throw new Error("lost an option");
 * ```
 */
export function minerFromConfig(config: ComponentConfig): Miner | undefined {
  if (config.name === "none") return undefined;
  const d = findMiner(config.name);
  if (d === undefined) throw unknownNameError("miner", config.name, MINER_NAMES);
  const options: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(d.options)) {
    options[key] = spec.kind === "distance" ? distanceOf(config, key) : config[key] ?? undefined;
  }
  return d.create(options);
}
