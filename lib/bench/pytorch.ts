/**
 * The PyTorch side of the benchmark: runs `pytorch_bench.py` (the same two networks in
 * PyTorch) in a child process, reads its JSON line, and picks the better of its two memory
 * layouts; where python or torch is missing, says so and points at the stored figures.
 *
 * @module
 */
import type { Architecture } from "../model/embedding_net.ts";
import { PYTORCH_ANCHOR, type Throughput } from "./throughput.ts";

/** PyTorch's two memory layouts for images: NCHW (its default) and channels-last (NHWC). */
export const PYTORCH_LAYOUTS = ["nchw", "channels-last"] as const;

/** One of {@linkcode PYTORCH_LAYOUTS}. */
export type PytorchLayout = typeof PYTORCH_LAYOUTS[number];

/** The Python script that times the networks in PyTorch (committed beside this module). */
export const PYTORCH_BENCH_SCRIPT: string = new URL("./pytorch_bench.py", import.meta.url).pathname;

/** The environment variable that names the python to run (before the defaults). */
export const PYTHON_ENV = "METRICLAB_PYTHON";

/** The pythons tried in turn when none is named: the first with torch is used. */
export const DEFAULT_PYTHONS: readonly string[] = ["python3", "/usr/bin/python3"];

/** Where and when {@linkcode PYTORCH_ANCHOR} was measured. */
export const PYTORCH_ANCHOR_SOURCE = {
  torch: "1.13.1 (Debian)",
  threads: 2,
  measured: "2026-11-30",
  commit: "eca4ffc",
} as const;

/** One PyTorch measurement, as `pytorch_bench.py` prints it. */
export interface PytorchFigure extends Throughput {
  /** `torch.__version__`, without a local suffix. */
  torch: string;
  /** The network measured. */
  architecture: Architecture;
  /** The memory layout of the images and weights. */
  layout: PytorchLayout;
  /** `torch.get_num_threads()` during the run. */
  threads: number;
}

/** What {@linkcode probePytorch} found. */
export type PytorchProbe =
  | { available: true; python: string; torch: string }
  | { available: false; reason: string };

function positive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/**
 * Reads the JSON line that `pytorch_bench.py` prints (the last non-empty line of its
 * stdout) and checks every field.
 *
 * @param text The script's stdout.
 * @returns The measurement.
 * @throws {SyntaxError} When the last line is not JSON or a field is missing or wrong.
 *
 * @example
 * ```ts
 * import { parsePytorchOutput } from "./pytorch.ts";
 * const f = parsePytorchOutput(
 *   '{"torch":"1.13.1","architecture":"conv28","layout":"nchw","threads":2,' +
 *     '"trainImagesPerSecond":2400,"inferImagesPerSecond":5900}\n',
 * );
 * if (f.layout !== "nchw" || f.trainImagesPerSecond !== 2400) throw new Error("wrong");
 * ```
 */
export function parsePytorchOutput(text: string): PytorchFigure {
  const line = text.trim().split("\n").pop()?.trim() ?? "";
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line);
  } catch {
    throw new SyntaxError(
      `Cannot read the PyTorch bench's output: not a JSON line: "${line.slice(0, 80)}"`,
    );
  }
  const bad = (field: string) =>
    new SyntaxError(
      `Cannot read the PyTorch bench's output: ${field} is ${
        JSON.stringify(value?.[field]) ?? "missing"
      }`,
    );
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError(`Cannot read the PyTorch bench's output: not an object: ${line}`);
  }
  if (typeof value.torch !== "string") throw bad("torch");
  if (value.architecture !== "conv64" && value.architecture !== "conv28") {
    throw bad("architecture");
  }
  if (!(PYTORCH_LAYOUTS as readonly unknown[]).includes(value.layout)) throw bad("layout");
  if (!positive(value.threads) || !Number.isInteger(value.threads)) throw bad("threads");
  if (!positive(value.trainImagesPerSecond)) throw bad("trainImagesPerSecond");
  if (!positive(value.inferImagesPerSecond)) throw bad("inferImagesPerSecond");
  return {
    torch: value.torch,
    architecture: value.architecture,
    layout: value.layout as PytorchLayout,
    threads: value.threads,
    trainImagesPerSecond: value.trainImagesPerSecond,
    inferImagesPerSecond: value.inferImagesPerSecond,
  };
}

/** The last non-empty line of a child's stderr: the script's one-line reason. */
function lastLine(bytes: Uint8Array): string {
  const lines = new TextDecoder().decode(bytes).trim().split("\n");
  return lines[lines.length - 1].trim();
}

async function runScript(
  python: string,
  args: string[],
): Promise<{ ok: true; stdout: string } | { ok: false; reason: string }> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(python, {
      args: [PYTORCH_BENCH_SCRIPT, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "not found"
      : (error instanceof Error ? error.message : String(error));
    return { ok: false, reason: `${python}: ${why}` };
  }
  if (!out.success) {
    return { ok: false, reason: lastLine(out.stderr) || `${python} exited with ${out.code}` };
  }
  return { ok: true, stdout: new TextDecoder().decode(out.stdout) };
}

/**
 * Finds a python with torch: `pythons` in turn (by default the one named by
 * `METRICLAB_PYTHON`, else `python3`, then `/usr/bin/python3`), each asked for its torch
 * version by `pytorch_bench.py --probe`.
 *
 * @param pythons The interpreters to try, in order.
 * @returns The first that has torch, or why none could be used (the last one's reason).
 *
 * @example
 * ```ts
 * import { probePytorch } from "./pytorch.ts";
 * const probe = await probePytorch(["/nonexistent/python3"]);
 * if (probe.available) throw new Error("a missing python cannot have torch");
 * ```
 */
export async function probePytorch(pythons?: readonly string[]): Promise<PytorchProbe> {
  const named = Deno.env.get(PYTHON_ENV);
  const list = pythons ?? (named ? [named] : DEFAULT_PYTHONS);
  let reason = "no python to try";
  for (const python of list) {
    const run = await runScript(python, ["--probe"]);
    if (!run.ok) {
      reason = run.reason;
      continue;
    }
    try {
      const { torch } = JSON.parse(run.stdout.trim().split("\n").pop()!);
      if (typeof torch === "string") return { available: true, python, torch };
      reason = `${python}: the probe printed no torch version`;
    } catch {
      reason = `${python}: the probe printed "${run.stdout.trim().slice(0, 80)}"`;
    }
  }
  return { available: false, reason };
}

/** Options of {@linkcode measurePytorch}. */
export interface PytorchMeasureOptions {
  /** Untimed steps first. @default 3 */
  warmup?: number;
  /** Timed steps; the median counts. @default 10 */
  steps?: number;
}

/**
 * Times one network in PyTorch, in a fresh python process (`torch.set_num_threads`).
 *
 * @param python The interpreter (one {@linkcode probePytorch} found).
 * @param architecture `conv64` or `conv28`.
 * @param threads PyTorch's intra-op thread count.
 * @param layout `nchw` or `channels-last`.
 * @param options Warm-up and timed steps.
 * @returns The measurement.
 * @throws {Error} With the script's one-line reason when it fails.
 *
 * @example
 * ```ts ignore
 * import { measurePytorch } from "./pytorch.ts";
 * const f = await measurePytorch("/usr/bin/python3", "conv28", 2, "channels-last");
 * ```
 */
export async function measurePytorch(
  python: string,
  architecture: Architecture,
  threads: number,
  layout: PytorchLayout,
  options: PytorchMeasureOptions = {},
): Promise<PytorchFigure> {
  const run = await runScript(python, [
    architecture,
    String(threads),
    layout,
    `--warmup=${options.warmup ?? 3}`,
    `--steps=${options.steps ?? 10}`,
  ]);
  if (!run.ok) throw new Error(run.reason);
  return parsePytorchOutput(run.stdout);
}

/** A PyTorch figure to divide by, and which measurement it is. */
export interface Reference {
  /** Images per second. */
  imagesPerSecond: number;
  /** The measurement's key: `<layout>-<threads>t`, or `stored-2t` for the anchor. */
  key: string;
}

/** What ours is divided by: PyTorch's training and inference figures. */
export interface PytorchReference {
  /** The better training figure. */
  train: Reference;
  /** The better inference figure. */
  infer: Reference;
}

/**
 * The better of PyTorch's layouts, for training and inference separately (so each ratio
 * is against PyTorch at its fastest).
 *
 * @param byKey PyTorch figures by key (`nchw-2t`, `channels-last-2t`, ...).
 * @returns The best training and inference figures and their keys, or null when empty.
 *
 * @example
 * ```ts
 * import { betterLayout } from "./pytorch.ts";
 * const best = betterLayout({
 *   "nchw-2t": { trainImagesPerSecond: 300, inferImagesPerSecond: 700 },
 *   "channels-last-2t": { trainImagesPerSecond: 320, inferImagesPerSecond: 650 },
 * })!;
 * if (best.train.key !== "channels-last-2t" || best.infer.key !== "nchw-2t") throw new Error();
 * ```
 */
export function betterLayout(byKey: Record<string, Throughput>): PytorchReference | null {
  let train: Reference | null = null, infer: Reference | null = null;
  for (const [key, t] of Object.entries(byKey)) {
    if (!train || t.trainImagesPerSecond > train.imagesPerSecond) {
      train = { imagesPerSecond: t.trainImagesPerSecond, key };
    }
    if (!infer || t.inferImagesPerSecond > infer.imagesPerSecond) {
      infer = { imagesPerSecond: t.inferImagesPerSecond, key };
    }
  }
  return train && infer ? { train, infer } : null;
}

/**
 * The stored anchor as a reference (for a network PyTorch was not measured on live).
 *
 * @param architecture `conv64` or `conv28`.
 * @returns {@linkcode PYTORCH_ANCHOR}'s figures, keyed `stored-2t`.
 */
export function storedReference(architecture: Architecture): PytorchReference {
  const a = PYTORCH_ANCHOR[architecture];
  const key = `stored-${PYTORCH_ANCHOR_SOURCE.threads}t`;
  return {
    train: { imagesPerSecond: a.trainImagesPerSecond, key },
    infer: { imagesPerSecond: a.inferImagesPerSecond, key },
  };
}

/**
 * The one line the bench prints when PyTorch cannot be run here.
 *
 * @param reason Why (from {@linkcode probePytorch}).
 * @returns The message, naming the stored figures' date and commit.
 *
 * @example
 * ```ts
 * import { storedFiguresMessage } from "./pytorch.ts";
 * const line = storedFiguresMessage("/nonexistent/python3: not found");
 * if (!line.includes("2026-11-30")) throw new Error(line);
 * ```
 */
export function storedFiguresMessage(reason: string): string {
  const s = PYTORCH_ANCHOR_SOURCE;
  return `PyTorch not run here (${reason}): the x PyTorch ratios are against stored figures ` +
    `(PyTorch ${s.torch}, ${s.threads} threads, measured ${s.measured} at commit ${s.commit}), ` +
    `not a measurement of today; set ${PYTHON_ENV} or --python to a python with torch`;
}
