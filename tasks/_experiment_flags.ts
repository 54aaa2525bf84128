/**
 * The experiment flags shared by `train` and `demo`, and how records are printed.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import {
  DEFAULT_CONFIG,
  type ExperimentConfig,
  LOSS_CHOICES,
  lossConfig,
  MINER_CHOICES,
  minerChoiceOptions,
  minerConfig,
  resolveConfig,
  runId,
} from "../lib/experiment/config.ts";
import { LOSSES } from "../lib/losses/registry.ts";
import { MINERS } from "../lib/miners/registry.ts";
import type { ComponentDescription } from "../lib/types.ts";
import { RUN_FILES } from "../lib/run/run_folder.ts";
import type { Json } from "../lib/types.ts";
import { numberFlag, UsageError } from "./_cli.ts";

/** `parseArgs` specs of the experiment flags. */
export const EXPERIMENT_FLAGS = {
  data: { type: "string" },
  loss: { type: "string", default: DEFAULT_CONFIG.loss.name },
  miner: { type: "string", default: DEFAULT_CONFIG.miner.name },
  dim: { type: "string" },
  epochs: { type: "string" },
  seed: { type: "string" },
  "test-fraction": { type: "string" },
  "batch-size": { type: "string" },
  m: { type: "string" },
  lr: { type: "string" },
  k: { type: "string" },
  margin: { type: "string" },
  "pos-margin": { type: "string" },
  "neg-margin": { type: "string" },
  temperature: { type: "string" },
  "miner-margin": { type: "string" },
  "miner-pos-margin": { type: "string" },
  "miner-neg-margin": { type: "string" },
  epsilon: { type: "string" },
  "min-per-class": { type: "string" },
  "per-class": { type: "string" },
  "image-size": { type: "string" },
  limit: { type: "string" },
  architecture: { type: "string" },
  strict: { type: "boolean" },
  augment: { type: "boolean" },
  distance: { type: "string" },
  hierarchy: { type: "string" },
  xbm: { type: "string" },
  "xbm-warmup": { type: "string" },
  "loss-option": { type: "string", multiple: true },
  "miner-option": { type: "string", multiple: true },
} as const;

/** Flags that set one loss option, by option name. */
const LOSS_FLAGS = {
  margin: "margin",
  "pos-margin": "posMargin",
  "neg-margin": "negMargin",
  temperature: "temperature",
} as const;

/** Flags that set one miner option, by option name. */
const MINER_FLAGS = {
  "miner-margin": "margin",
  "miner-pos-margin": "posMargin",
  "miner-neg-margin": "negMargin",
  epsilon: "epsilon",
} as const;

/** `--flag X  doc (default: name value, ...)`, from the descriptions that have the option. */
function optionHelp<T>(
  flags: Record<string, string>,
  descriptions: readonly ComponentDescription<T>[],
): string[] {
  return Object.entries(flags).map(([flag, key]) => {
    const having = descriptions.filter((d) => d.options[key] !== undefined);
    const defaults = having.map((d) => `${d.name} ${d.options[key].default}`).join(", ");
    return `  --${flag} X`.padEnd(25) + `${having[0]?.options[key].doc} (default: ${defaults})`;
  });
}

/** `|`-joined choices, wrapped to the help's right column. */
function choiceHelp(choices: readonly string[], last: string): string {
  const lines: string[] = [];
  let line = "";
  for (const [i, c] of choices.entries()) {
    const word = c + (i < choices.length - 1 ? "|" : ` ${last}`);
    if (line.length > 0 && line.length + word.length > 72) {
      lines.push(line);
      line = "";
    }
    line += word;
  }
  return [...lines, line].join(`\n${" ".repeat(25)}`);
}

/** Help lines for the miners whose option values name them on the CLI. */
function namedByHelp(): string {
  return MINERS.filter((d) => d.namedBy).map((d) => {
    const option = d.namedBy!.option;
    const values = d.options[option].choices?.join("|");
    return " ".repeat(25) + `(${values}: the ${d.name} miner of that ${option})`;
  }).join("\n");
}

/** Help text of the experiment flags; names, defaults and choices come from the descriptions. */
export const EXPERIMENT_HELP = `Options:
  --data PATH|synthetic|fashion-mnist
                         class folders (root/<class>/*.png|jpg, or root/{train,test}/<class>/*),
                         a folder of IDX files, or a built-in dataset (required)
  --loss NAME            ${choiceHelp(LOSS_CHOICES, `(default ${DEFAULT_CONFIG.loss.name})`)}
${optionHelp(LOSS_FLAGS, LOSSES).join("\n")}
  --miner NAME           ${choiceHelp(MINER_CHOICES, `(default ${DEFAULT_CONFIG.miner.name})`)}
${namedByHelp()}
${optionHelp(MINER_FLAGS, MINERS).join("\n")}
  --distance NAME        lp|cosine|dot-product for the loss and the miner (default: each one's
                         PML default; lp normalises embeddings first)
  --loss-option K=V      any loss hyper-parameter, repeatable (alpha=2, scale=64,
                         distance={"name":"lp","normalize":false}); values are JSON or text
  --miner-option K=V     any miner hyper-parameter, repeatable (cutoff=0.5, ...)
  --dim N                embedding dimension (default 32)
  --epochs N             epochs (default 10)
  --seed N               seed of split, batches and weights (default 0)
  --test-fraction X      held-out fraction per class (default 0.2)
  --batch-size N         images per batch (default 64)
  --m N                  samples per class in a batch (default 4)
  --lr X                 Adam learning rate (default 0.001)
  --k LIST               k of the k-NN classifier, comma-separated (default 1,5)
  --min-per-class N      drop classes with fewer images (default 1; the course uses 20)
  --per-class N          images per class of the synthetic dataset (default 40)
  --image-size N         side of the square network input (default 0: 64 for folders and
                         synthetic, 28 for IDX)
  --limit N              first N train and N test samples of an IDX dataset (default all)
  --architecture NAME    auto|conv64|conv28 (default auto: by input size)
  --strict               stop at the first corrupt image (default: skip it with a warning)
  --augment              random shifts, brightness and contrast on training batches (no flips)
  --hierarchy FILE|none|auto
                         class hierarchy for the analysis: auto (default: the dataset's own, or
                         TT100K's for TT100K class codes), none, or a TSV file
                         class/top/family/value/meaning
  --xbm N                cross-batch memory of N embeddings (PML's CrossBatchMemory): each batch
                         is mined and its loss taken against the recent batches too (default 0:
                         none; at least --batch-size)
  --xbm-warmup N         epochs trained without the memory first (default 0)`;

type BooleanFlag = "strict" | "augment" | "loss-option" | "miner-option";
type FlagValues = { [K in Exclude<keyof typeof EXPERIMENT_FLAGS, BooleanFlag>]?: string } & {
  strict?: boolean;
  augment?: boolean;
  "loss-option"?: string[];
  "miner-option"?: string[];
};

/** `key=value` pairs; a value that parses as JSON is taken as JSON, else as a string. */
function keyValues(flag: string, pairs: string[] = []): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`Invalid --${flag} "${pair}": expected name=value`);
    const raw = pair.slice(eq + 1);
    try {
      out[pair.slice(0, eq)] = JSON.parse(raw);
    } catch {
      out[pair.slice(0, eq)] = raw;
    }
  }
  return out;
}

/**
 * Builds a partial experiment config from parsed flags.
 *
 * @param v Parsed flag values.
 * @returns A partial config for `resolveConfig`.
 * @throws {UsageError} When `--data` is missing or a number is not a number.
 */
export function configFromFlags(v: FlagValues): Partial<ExperimentConfig> & { data: string } {
  if (!v.data) {
    throw new UsageError("Missing --data: give a folder path, synthetic or fashion-mnist");
  }
  const num = (flag: Exclude<keyof FlagValues, BooleanFlag>) => {
    const raw = v[flag];
    return raw === undefined ? undefined : numberFlag(flag, raw, 0);
  };
  const optionFlags = (flags: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(flags).map(([flag, key]) => [
        key,
        num(flag as Exclude<keyof FlagValues, BooleanFlag>),
      ]),
    );
  const out: Partial<ExperimentConfig> & { data: string } = {
    data: v.data,
    loss: lossConfig(v.loss ?? DEFAULT_CONFIG.loss.name, {
      ...optionFlags(LOSS_FLAGS),
      distance: v.distance === undefined ? undefined : { name: v.distance },
      ...keyValues("loss-option", v["loss-option"]),
    }),
    miner: minerConfig(v.miner ?? DEFAULT_CONFIG.miner.name, {
      ...optionFlags(MINER_FLAGS),
      distance: v.distance === undefined ||
          !minerChoiceOptions(v.miner ?? DEFAULT_CONFIG.miner.name).includes("distance")
        ? undefined
        : { name: v.distance },
      ...keyValues("miner-option", v["miner-option"]),
    }),
  };
  const numeric: [Exclude<keyof FlagValues, BooleanFlag>, keyof ExperimentConfig][] = [
    ["dim", "dim"],
    ["epochs", "epochs"],
    ["seed", "seed"],
    ["test-fraction", "testFraction"],
    ["batch-size", "batchSize"],
    ["m", "samplesPerClass"],
    ["lr", "learningRate"],
    ["min-per-class", "minPerClass"],
    ["per-class", "syntheticPerClass"],
    ["image-size", "imageSize"],
    ["limit", "limit"],
    ["xbm", "xbm"],
    ["xbm-warmup", "xbmWarmup"],
  ];
  for (const [flag, key] of numeric) {
    const n = num(flag);
    if (n !== undefined) (out as Record<string, unknown>)[key] = n;
  }
  if (out.xbm === 0) {
    throw new UsageError(
      "Invalid --xbm 0: give the memory's size in embeddings (leave --xbm out for none)",
    );
  }
  if (v.k !== undefined) out.ks = v.k.split(",").map((s) => numberFlag("k", s, 0));
  if (v.strict) out.strict = true;
  if (v.augment) out.augment = true;
  if (v.hierarchy !== undefined) out.hierarchy = v.hierarchy;
  if (v.architecture !== undefined) {
    out.architecture = v.architecture as ExperimentConfig["architecture"];
  }
  return out;
}

function fmt(v: Json): string {
  return typeof v === "number"
    ? (Number.isInteger(v) ? String(v) : v.toPrecision(4))
    : JSON.stringify(v);
}

/**
 * Prints a metrics record as one line on standard error.
 *
 * @param record A record from the training loop.
 */
export function printRecord(record: Record<string, Json>): void {
  const { type, ...rest } = record;
  const parts = Object.entries(rest).map(([k, v]) => `${k}=${fmt(v)}`);
  console.error(`\r${type}: ${parts.join(" ")}`);
}

/**
 * The experiment flags present in `args` (for `--resume`, which takes none of them).
 *
 * @param args The raw arguments.
 * @returns The flag names given, without dashes.
 */
export function experimentFlagsGiven(args: string[]): string[] {
  return Object.keys(EXPERIMENT_FLAGS).filter((f) =>
    args.some((a) => a === `--${f}` || a.startsWith(`--${f}=`))
  );
}

/**
 * Reads what `train --resume <dir>` needs from a run folder: the config its id was made
 * from, and where the folder lies.
 *
 * @param dir The run folder.
 * @returns The config and the runs folder (`dir`'s parent).
 * @throws {Error} `Cannot resume "<dir>": ...` when the folder or its config.json is
 * missing, unreadable, or does not give the folder's id.
 */
export async function readRunToResume(
  dir: string,
): Promise<{ config: ExperimentConfig; out: string }> {
  const fail = (why: string) => new Error(`Cannot resume "${dir}": ${why}`);
  try {
    if (!(await Deno.stat(dir)).isDirectory) throw fail("not a folder");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw fail("folder not found");
    throw error;
  }
  let saved: { id?: unknown; experiment?: unknown };
  try {
    saved = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.config)));
  } catch (error) {
    throw fail(
      error instanceof Deno.errors.NotFound
        ? `no ${RUN_FILES.config} (not a run folder)`
        : `${RUN_FILES.config} is not valid JSON`,
    );
  }
  const experiment = saved?.experiment;
  if (!experiment || typeof experiment !== "object") {
    throw fail(`its ${RUN_FILES.config} has no "experiment" (written before runs could resume)`);
  }
  const config = resolveConfig(experiment as ExperimentConfig);
  const id = runId(config);
  const folder = basename(dir);
  if (id !== saved.id || id !== folder) {
    throw fail(
      `its ${RUN_FILES.config} gives the id ${id}, not "${folder}" (edited, or the folder renamed?)`,
    );
  }
  return { config, out: dirname(dir) };
}
