/**
 * Sweeps: a grid of experiments (data x losses x miners x dims x seeds) from one JSON
 * object, run one after another (or several at a time by `deno task sweep --jobs`),
 * finished runs skipped.
 *
 * ```json
 * { "data": "synthetic", "losses": ["contrastive", {"name": "triplet", "margin": 0.1}],
 *   "miners": ["none", "batch-hard"], "dims": [32], "seeds": [0, 1, 2], "epochs": 10 }
 * ```
 *
 * @module
 */
import type { ComponentConfig, Json } from "../types.ts";
import { closestName } from "../_suggest.ts";
import {
  DEFAULT_CONFIG,
  type ExperimentConfig,
  lossConfig,
  minerConfig,
  resolveConfig,
} from "./config.ts";
import { OptionError } from "../_errors.ts";

/** The grid keys of a sweep file; every other allowed key is a fixed {@linkcode ExperimentConfig} field. */
export const SWEEP_GRID_KEYS = ["data", "losses", "miners", "dims", "seeds"] as const;

/** Keys a sweep file may have besides the grid: `out` and the fixed experiment fields. */
export const SWEEP_OTHER_KEYS: string[] = [
  "out",
  "description",
  ...Object.keys(DEFAULT_CONFIG).filter((k) => !["loss", "miner", "dim", "seed"].includes(k)),
  "xbm",
  "xbmWarmup",
];

function asList(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function component(
  value: Json,
  make: (name: string, params: Record<string, Json>) => ComponentConfig,
  what: string,
): ComponentConfig {
  if (typeof value === "string") return make(value, {});
  if (
    value && typeof value === "object" && !Array.isArray(value) && typeof value.name === "string"
  ) {
    const { name, ...params } = value;
    return make(name, params as Record<string, Json>);
  }
  throw new TypeError(
    `Invalid sweep: each of "${what}" must be a name or an object with a "name", got ${
      JSON.stringify(value)
    }`,
  );
}

/**
 * Expands a sweep object into resolved experiment configs, validating every key.
 *
 * @param sweep The parsed sweep file.
 * @param overrides Values that replace the file's (e.g. `{ data: "/path" }` from `--data`).
 * @returns One config per grid cell, in order data, loss, miner, dim, seed.
 * @throws {RangeError} On an unknown key (with the closest valid one) or an invalid value.
 *
 * @example
 * ```ts
 * import { expandSweep } from "./sweep.ts";
 * const cells = expandSweep({ data: "synthetic", losses: ["contrastive", "triplet"], miners: ["none", "batch-hard"] });
 * if (cells.length !== 4) throw new Error("wrong grid");
 * ```
 */
export function expandSweep(
  sweep: Record<string, Json>,
  overrides: Record<string, Json> = {},
): ExperimentConfig[] {
  if (!sweep || typeof sweep !== "object" || Array.isArray(sweep)) {
    throw new TypeError("Invalid sweep: the file must hold one JSON object");
  }
  const s: Record<string, Json> = { ...sweep, ...overrides };
  const allowed = [...SWEEP_GRID_KEYS, ...SWEEP_OTHER_KEYS];
  for (const key of Object.keys(s)) {
    if (!allowed.includes(key)) {
      throw new RangeError(
        `Unknown sweep key "${key}": did you mean "${closestName(key, allowed)}"?`,
      );
    }
  }
  const data = asList(s.data);
  if (data.length === 0) {
    throw new OptionError("data", (n) => `Invalid sweep: "data" is missing (or give ${n("data")})`);
  }
  const losses = asList(s.losses ?? DEFAULT_CONFIG.loss.name).map((v) =>
    component(v, lossConfig, "losses")
  );
  const miners = asList(s.miners ?? DEFAULT_CONFIG.miner.name).map((v) =>
    component(v, minerConfig, "miners")
  );
  const dims = asList(s.dims ?? DEFAULT_CONFIG.dim);
  const seeds = asList(s.seeds ?? DEFAULT_CONFIG.seed);
  const fixed: Record<string, Json> = {};
  for (const key of SWEEP_OTHER_KEYS) {
    if (key in s && !["out", "description", "xbm"].includes(key)) fixed[key] = s[key];
  }
  // "xbm": one memory size, or a list of them as one more axis of the grid (0: none).
  const memories = asList(s.xbm ?? 0);
  const cells: ExperimentConfig[] = [];
  for (const d of data) {
    if (typeof d !== "string") {
      throw new TypeError(
        `Invalid sweep: "data" entries must be strings, got ${JSON.stringify(d)}`,
      );
    }
    for (const loss of losses) {
      for (const miner of miners) {
        for (const dim of dims) {
          for (const seed of seeds) {
            for (const xbm of memories) {
              cells.push(
                resolveConfig({
                  ...(fixed as Partial<ExperimentConfig>),
                  ...(xbm ? { xbm: xbm as number } : { xbmWarmup: undefined }),
                  data: d,
                  loss,
                  miner,
                  dim: dim as number,
                  seed: seed as number,
                }),
              );
            }
          }
        }
      }
    }
  }
  return cells;
}

/**
 * Parses sweep-file text, reporting malformed JSON with its line and column.
 *
 * @param text The file contents.
 * @param name The file name, for messages.
 * @returns The parsed object.
 * @throws {SyntaxError} `Cannot read sweep "f.json": invalid JSON at line 3, column 5 (...)`.
 *
 * @example
 * ```ts
 * import { parseSweepText } from "./sweep.ts";
 * try { parseSweepText('{\n "a": }', "x.json"); throw new Error("parsed"); }
 * catch (e) { if (!(e instanceof SyntaxError) || !/line 2/.test(e.message)) throw e; }
 * ```
 */
export function parseSweepText(text: string, name: string): Record<string, Json> {
  try {
    return JSON.parse(text);
  } catch {
    const offset = jsonErrorOffset(text);
    const found = offset < text.length
      ? `unexpected ${JSON.stringify(text[offset])}`
      : "unexpected end of file";
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    throw new SyntaxError(
      `Cannot read sweep "${name}": invalid JSON at line ${line}, column ${column} (${found})`,
    );
  }
}

/**
 * The offset of the first character where `text` stops being valid JSON (V8's messages
 * give no position). A small recursive-descent scan; only called on text that failed.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) (i--, fail());
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail();
      } else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === "{") {
      i++;
      space();
      if (text[i] === "}") return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ":") fail();
        i++;
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    }
    if (ch === "[") {
      i++;
      space();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === "t") return literal("true");
    if (ch === "f") return literal("false");
    if (ch === "n") return literal("null");
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    space();
    return i < text.length ? i : text.length;
  } catch (at) {
    return typeof at === "number" ? at : 0;
  }
}
