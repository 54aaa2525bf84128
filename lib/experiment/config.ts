/**
 * The configuration of one experiment (one run): what `deno task train` flags and each
 * cell of a sweep resolve to, validated at the edge, and the run id derived from it.
 *
 * @module
 */
import type { ComponentConfig, Json } from "../types.ts";
import { closestName } from "../_suggest.ts";
import { LOSS_NAMES, LOSSES } from "../losses/registry.ts";
import { memorySupportsLoss } from "../losses/cross_batch_memory.ts";
import { findMiner, MINER_NAMES, MINERS } from "../miners/registry.ts";
import type { MinerDescription } from "../types.ts";
import { TRIPLET_MARGIN_LOSS } from "../losses/triplet_margin_loss.ts";
import { invalidOption } from "../_errors.ts";

/** Loss names the `--loss` flag accepts: the loss registry's. */
export const LOSS_CHOICES: readonly string[] = LOSS_NAMES;

/** The values that name a miner of their own (the triplet-margin miner's types). */
function namingValues(d: MinerDescription): readonly string[] {
  return d.namedBy ? d.options[d.namedBy.option]?.choices ?? [] : [];
}

/**
 * Miner names the `--miner` flag accepts: the miner registry's, with the values of a
 * miner's naming option as names of their own in place of its name (the triplet-margin
 * types: `--miner semihard`).
 */
export const MINER_CHOICES: readonly string[] = [
  ...MINER_NAMES.filter((n) => !findMiner(n)?.namedBy),
  ...MINERS.flatMap(namingValues),
];

/** The miner a `--miner` choice names (undefined for `"none"` or an unknown choice). */
function minerOfChoice(choice: string): MinerDescription | undefined {
  return findMiner(choice) ?? MINERS.find((d) => namingValues(d).includes(choice));
}

/** The options each loss accepts (PML's hyper-parameters, camelCase): from its description. */
export const LOSS_OPTIONS: Record<string, readonly string[]> = Object.fromEntries(
  LOSSES.map((d) => [d.name, Object.keys(d.options)]),
);

/** The options each miner accepts: from its description (`none` takes none). */
export const MINER_OPTIONS: Record<string, readonly string[]> = Object.fromEntries([
  ["none", []],
  ...MINERS.map((d) => [d.name, Object.keys(d.options)]),
]);

/**
 * The options of the miner a `--miner` choice names (`semihard`: the triplet-margin
 * miner's); none for `"none"` or an unknown choice.
 *
 * @param choice A name from {@linkcode MINER_CHOICES}.
 * @returns The option names.
 *
 * @example
 * ```ts
 * import { minerChoiceOptions } from "./config.ts";
 * if (!minerChoiceOptions("semihard").includes("distance")) throw new Error("no distance");
 * ```
 */
export function minerChoiceOptions(choice: string): readonly string[] {
  const d = minerOfChoice(choice);
  return d ? Object.keys(d.options) : [];
}

function checkOptions(
  kind: string,
  c: ComponentConfig,
  allowed: readonly string[],
): ComponentConfig {
  for (const key of Object.keys(c)) {
    if (key === "name" || allowed.includes(key)) continue;
    throw new RangeError(
      `Unknown option "${key}" for ${kind} "${c.name}": expected ${
        allowed.length ? `one of ${allowed.join(", ")}` : "none"
      }`,
    );
  }
  return c;
}

/** A fully resolved experiment. Every field is written to the run's `config.json`. */
export interface ExperimentConfig {
  /** `synthetic`, `fashion-mnist`, or a path to a class-folder dataset or a folder of IDX files. */
  data: string;
  /** Images per class of the synthetic dataset. */
  syntheticPerClass: number;
  /**
   * Side of the square images the network sees: 0 keeps the dataset's own (64 for folders
   * and the synthetic signs, 28 for IDX files); folders are resized, the synthetic signs
   * rendered at that size.
   */
  imageSize: number;
  /** Classes with fewer images are dropped (with a warning). */
  minPerClass: number;
  /** Fail on the first corrupt image instead of skipping it with a warning. */
  strict: boolean;
  /** Take at most this many training / test samples of an IDX dataset (0: all). */
  limit: number;
  /** Fraction of each class held out for testing (ignored when the data comes split). */
  testFraction: number;
  /** Seed of the split, the batches and the initial weights. */
  seed: number;
  /** Embedding dimension. */
  dim: number;
  /** Network architecture (`auto` picks by input size). */
  architecture: "auto" | "conv64" | "conv28";
  /** The loss, as its registry name and options (see `lossConfig`). */
  loss: ComponentConfig;
  /** The miner, as its registry name and options (see `minerConfig`); `"none"` for no mining. */
  miner: ComponentConfig;
  /** Number of passes over the training split. */
  epochs: number;
  /** Samples per training batch. */
  batchSize: number;
  /** Samples drawn per class in each batch (m of the m-per-class sampler). */
  samplesPerClass: number;
  /** Adam learning rate. */
  learningRate: number;
  /** The k of the k-NN classifier (several at once). */
  ks: number[];
  /** Random shifts, brightness and contrast on training batches (no flips). */
  augment: boolean;
  /**
   * The class hierarchy of the analysis (`analysis.json`: correlation of embedding
   * distances with tree distances, tree distances of confused pairs): `"auto"` (the
   * dataset's own, else TT100K's built-in table for TT100K class codes, else none),
   * `"none"`, or a TSV file path (see `resolveHierarchy`). Absent means `"auto"`.
   *
   * It changes only the analysis, not what is trained, so {@linkcode runId} leaves it out:
   * the same run with another hierarchy is the same run folder.
   *
   * @default "auto"
   */
  hierarchy?: string;
  /**
   * Slots of the cross-batch memory (PML's `CrossBatchMemory`, Wang et al. 2020): the
   * embeddings of recent batches, against which each batch is mined and its loss taken.
   * 0 or absent: none. At least `batchSize`. A run with a memory has `xbm<size>` in its id;
   * one without has the id it had before the field existed.
   */
  xbm?: number;
  /** Epochs trained without the memory first (it starts empty after them). Absent: 0. */
  xbmWarmup?: number;
}

/** The defaults of every field but `data`. */
export const DEFAULT_CONFIG: Omit<ExperimentConfig, "data"> = {
  syntheticPerClass: 40,
  imageSize: 0,
  minPerClass: 1,
  strict: false,
  limit: 0,
  testFraction: 0.2,
  seed: 0,
  dim: 32,
  architecture: "auto",
  loss: { name: TRIPLET_MARGIN_LOSS.name },
  miner: { name: "none" },
  epochs: 10,
  batchSize: 64,
  samplesPerClass: 4,
  learningRate: 1e-3,
  ks: [1, 5],
  augment: false,
  hierarchy: "auto",
};

function check(
  ok: boolean,
  option: keyof ExperimentConfig,
  value: unknown,
  rule: Parameters<typeof invalidOption>[2],
): void {
  if (!ok) throw invalidOption(option, value, rule);
}

const isInt = (v: unknown): v is number => Number.isInteger(v);

/** Checks the cross-batch memory's fields; drops them when there is no memory. */
function checkMemory(c: ExperimentConfig): void {
  if (c.xbm === undefined || c.xbm === 0) {
    check(
      c.xbmWarmup === undefined || c.xbmWarmup === 0,
      "xbmWarmup",
      c.xbmWarmup,
      (n) => `needs a memory (${n("xbm")})`,
    );
    delete c.xbm;
    delete c.xbmWarmup;
    return;
  }
  check(isInt(c.xbm) && c.xbm > 0, "xbm", c.xbm, "must be a positive integer (0: no memory)");
  check(
    memorySupportsLoss(c.loss.name),
    "xbm",
    c.xbm,
    `PML's CrossBatchMemory does not take the ${c.loss.name} loss`,
  );
  check(
    c.xbm >= c.batchSize,
    "xbm",
    c.xbm,
    (n) => `must hold a whole batch (${n("batchSize")} ${c.batchSize})`,
  );
  c.xbmWarmup ??= 0;
  check(
    isInt(c.xbmWarmup) && c.xbmWarmup >= 0 && (c.xbmWarmup < c.epochs || c.epochs === 0),
    "xbmWarmup",
    c.xbmWarmup,
    (n) => `must be a non-negative integer below ${n("epochs")} ${c.epochs}`,
  );
}

/**
 * Turns a loss name and its hyper-parameters into a loss config.
 *
 * @param name A name from {@linkcode LOSS_CHOICES}.
 * @param params Hyper-parameters (margin, posMargin, negMargin, temperature, ...).
 * @returns The config for the loss registry.
 * @throws {RangeError} On an unknown name, suggesting the closest.
 *
 * @example
 * ```ts
 * import { lossConfig } from "./config.ts";
 * if (lossConfig("triplet", { margin: 0.1 }).margin !== 0.1) throw new Error("lost margin");
 * ```
 */
export function lossConfig(
  name: string,
  params: Record<string, Json | undefined> = {},
): ComponentConfig {
  if (!LOSS_CHOICES.includes(name)) {
    throw new RangeError(
      `Unknown loss "${name}": did you mean "${closestName(name, LOSS_CHOICES)}"? (one of ${
        LOSS_CHOICES.join(", ")
      })`,
    );
  }
  return checkOptions("loss", clean({ name, ...defined(params) }), LOSS_OPTIONS[name]);
}

/**
 * Turns a miner name and its hyper-parameters into a miner config.
 *
 * @param name A name from {@linkcode MINER_CHOICES}.
 * @param params Hyper-parameters (`margin` is the miner margin).
 * @returns The config for the miner registry (`{ name: "none" }` for no mining).
 * @throws {RangeError} On an unknown name, suggesting the closest.
 *
 * @example
 * ```ts
 * import { minerConfig } from "./config.ts";
 * if (minerConfig("semihard").type !== "semihard") throw new Error("not a triplet-margin miner");
 * ```
 */
export function minerConfig(
  name: string,
  params: Record<string, Json | undefined> = {},
): ComponentConfig {
  if (!MINER_CHOICES.includes(name)) {
    throw new RangeError(
      `Unknown miner "${name}": did you mean "${closestName(name, MINER_CHOICES)}"? (one of ${
        MINER_CHOICES.join(", ")
      })`,
    );
  }
  const d = minerOfChoice(name);
  if (d?.namedBy && d.name !== name) {
    const { option, preset } = d.namedBy;
    const c = clean({ name: d.name, [option]: name, ...preset, ...defined(params) });
    return checkOptions("miner", c, MINER_OPTIONS[d.name]);
  }
  return checkOptions("miner", clean({ name, ...defined(params) }), MINER_OPTIONS[name]);
}

/** Drops undefined entries, so that an absent flag never overrides a default. */
function defined(params: Record<string, Json | undefined>): Record<string, Json> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
    string,
    Json
  >;
}

function clean(c: Record<string, Json | undefined>): ComponentConfig {
  const out: ComponentConfig = { name: String(c.name) };
  for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Fills defaults and validates every field; the message names the flag and the value.
 *
 * @param partial At least `data`.
 * @returns The resolved config.
 * @throws {RangeError} On an out-of-range or missing value.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const c = resolveConfig({ data: "synthetic", dim: 16 });
 * if (c.epochs !== 10) throw new Error("no default");
 * ```
 */
export function resolveConfig(
  partial: Partial<ExperimentConfig> & { data: string },
): ExperimentConfig {
  const c: ExperimentConfig = { ...DEFAULT_CONFIG, ...partial };
  // Absent or undefined: auto (a config.json written before the field existed has none).
  c.hierarchy ??= DEFAULT_CONFIG.hierarchy;
  check(
    typeof c.data === "string" && c.data.length > 0,
    "data",
    c.data,
    "a dataset name or path is required",
  );
  check(isInt(c.dim) && c.dim >= 1, "dim", c.dim, "must be a positive integer");
  check(isInt(c.epochs) && c.epochs >= 0, "epochs", c.epochs, "must be a non-negative integer");
  check(isInt(c.seed), "seed", c.seed, "must be an integer");
  check(
    typeof c.testFraction === "number" && c.testFraction > 0 && c.testFraction < 1,
    "testFraction",
    c.testFraction,
    "must be between 0 and 1 (exclusive)",
  );
  check(
    isInt(c.batchSize) && c.batchSize >= 2,
    "batchSize",
    c.batchSize,
    "must be an integer >= 2",
  );
  check(
    isInt(c.samplesPerClass) && c.samplesPerClass >= 1 && c.batchSize % c.samplesPerClass === 0 &&
      c.batchSize >= 2 * c.samplesPerClass,
    "samplesPerClass",
    c.samplesPerClass,
    (name) => `must divide ${name("batchSize")} ${c.batchSize} at least twice`,
  );
  check(
    typeof c.learningRate === "number" && c.learningRate > 0 && Number.isFinite(c.learningRate),
    "learningRate",
    c.learningRate,
    "must be a positive number",
  );
  check(
    Array.isArray(c.ks) && c.ks.length > 0 && c.ks.every((k) => isInt(k) && k >= 1),
    "ks",
    c.ks,
    "must be positive integers",
  );
  check(
    isInt(c.minPerClass) && c.minPerClass >= 1,
    "minPerClass",
    c.minPerClass,
    "must be a positive integer",
  );
  check(
    isInt(c.syntheticPerClass) && c.syntheticPerClass >= 2,
    "syntheticPerClass",
    c.syntheticPerClass,
    "must be an integer >= 2",
  );
  check(
    isInt(c.imageSize) && (c.imageSize === 0 || c.imageSize >= 8),
    "imageSize",
    c.imageSize,
    "must be 0 (the data's own) or an integer >= 8",
  );
  check(isInt(c.limit) && c.limit >= 0, "limit", c.limit, "must be a non-negative integer");
  check(
    ["auto", "conv64", "conv28"].includes(c.architecture),
    "architecture",
    c.architecture,
    "must be auto, conv64 or conv28",
  );
  check(
    typeof c.hierarchy === "string" && c.hierarchy.length > 0,
    "hierarchy",
    c.hierarchy,
    "must be auto, none or a TSV file path",
  );
  checkMemory(c);
  return c;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A miner config's short name, as the CLI names it: the value of its naming option for a
 * miner named by one (`semihard` for the triplet-margin miner of that type), else its name.
 *
 * @param miner A miner config.
 * @returns The label used in run ids and summaries.
 *
 * @example
 * ```ts
 * import { minerConfig, minerLabel } from "./config.ts";
 * if (minerLabel(minerConfig("semihard")) !== "semihard") throw new Error("not by type");
 * ```
 */
export function minerLabel(miner: ComponentConfig): string {
  const namedBy = findMiner(miner.name)?.namedBy;
  return namedBy ? String(miner[namedBy.option]) : miner.name;
}

/** Config fields that change only the analysis, not what is trained: not part of the id. */
const NOT_IN_ID: readonly string[] = ["hierarchy"];

/**
 * A readable, deterministic run id: the main choices, then a hash of the whole config
 * but `hierarchy` (which changes only the analysis), so that the same config always maps
 * to the same folder (a sweep skips it when done).
 *
 * @param config A resolved config.
 * @returns For example `synthetic-triplet-semihard-d32-s0-1a2b3c4d`.
 *
 * @example
 * ```ts
 * import { resolveConfig, runId } from "./config.ts";
 * const c = resolveConfig({ data: "synthetic" });
 * if (runId(c) !== runId({ ...c })) throw new Error("not deterministic");
 * if (runId(c) !== runId({ ...c, hierarchy: "none" })) throw new Error("hierarchy in the id");
 * ```
 */
export function runId(config: ExperimentConfig): string {
  const dataName = config.data.replace(/\/+$/, "").split("/").pop()!.replace(
    /[^A-Za-z0-9._-]/g,
    "_",
  );
  const miner = minerLabel(config.miner);
  const trained = Object.fromEntries(
    Object.entries(config).filter(([key]) => !NOT_IN_ID.includes(key)),
  );
  const memory = config.xbm ? `-xbm${config.xbm}` : "";
  return `${dataName}-${config.loss.name}-${miner}${memory}-d${config.dim}-s${config.seed}-${
    fnv1a(canonical(trained))
  }`;
}
