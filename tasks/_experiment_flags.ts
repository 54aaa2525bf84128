/**
 * The experiment flags shared by `train` and `demo`, and how records are printed.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import {
  type ExperimentConfig,
  lossConfig,
  minerConfig,
  resolveConfig,
  runId,
} from "../lib/experiment/config.ts";
import { RUN_FILES } from "../lib/run/run_folder.ts";
import type { Json } from "../lib/types.ts";
import { numberFlag, UsageError } from "./_cli.ts";

/** `parseArgs` specs of the experiment flags. */
export const EXPERIMENT_FLAGS = {
  data: { type: "string" },
  loss: { type: "string", default: "triplet" },
  miner: { type: "string", default: "none" },
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
  "loss-option": { type: "string", multiple: true },
  "miner-option": { type: "string", multiple: true },
} as const;

/** Help text of the experiment flags. */
export const EXPERIMENT_HELP = `Options:
  --data PATH|synthetic|fashion-mnist
                         class folders (root/<class>/*.png|jpg, or root/{train,test}/<class>/*),
                         a folder of IDX files, or a built-in dataset (required)
  --loss NAME            contrastive|triplet|multi-similarity|nt-xent|arcface|proxy-anchor (default triplet)
  --margin X             triplet margin (PML default 0.05)
  --pos-margin X         contrastive positive margin (default 0)
  --neg-margin X         contrastive negative margin (default 1)
  --temperature X        nt-xent temperature (default 0.07)
  --miner NAME           none|batch-hard|semihard|hard|easy|all|pair-margin|batch-easy-hard|
                         multi-similarity|distance-weighted (default none)
  --miner-margin X       triplet-margin miner margin (default 0.2)
  --miner-pos-margin X   pair-margin miner positive margin (default 0.2)
  --miner-neg-margin X   pair-margin miner negative margin (default 0.8)
  --epsilon X            multi-similarity miner epsilon (default 0.1)
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
                         class/top/family/value/meaning`;

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
  const out: Partial<ExperimentConfig> & { data: string } = {
    data: v.data,
    loss: lossConfig(v.loss ?? "triplet", {
      margin: num("margin"),
      posMargin: num("pos-margin"),
      negMargin: num("neg-margin"),
      temperature: num("temperature"),
      distance: v.distance === undefined ? undefined : { name: v.distance },
      ...keyValues("loss-option", v["loss-option"]),
    }),
    miner: minerConfig(v.miner ?? "none", {
      margin: num("miner-margin"),
      posMargin: num("miner-pos-margin"),
      negMargin: num("miner-neg-margin"),
      epsilon: num("epsilon"),
      distance:
        v.distance === undefined || ["none", "distance-weighted"].includes(v.miner ?? "none")
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
  ];
  for (const [flag, key] of numeric) {
    const n = num(flag);
    if (n !== undefined) (out as Record<string, unknown>)[key] = n;
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
