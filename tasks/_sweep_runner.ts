/**
 * Runs a list of experiment configs one after another (used by `sweep` and `demo`):
 * datasets loaded once, finished runs skipped, incomplete ones resumed from their last
 * checkpoint, progress and a comparison table.
 *
 * @module
 */
import type { BackendInfo } from "../lib/backend/select_backend.ts";
import { join } from "node:path";
import { type ExperimentConfig, runId } from "../lib/experiment/config.ts";
import { isFinishedRun } from "../lib/run/run_folder.ts";
import { datasetKey, loadData, type LoadDataOptions } from "../lib/experiment/load_data.ts";
import { runExperiment } from "../lib/experiment/run_experiment.ts";
import type { ImageDataset, Json } from "../lib/types.ts";
import { EXIT, Interrupted, progress } from "./_cli.ts";
import { printRecord } from "./_experiment_flags.ts";

/** A finished run: its folder and summary. */
export interface CellResult {
  dir: string;
  summary: Record<string, Json>;
  /** True when the run was already finished and was not trained now. */
  skipped?: boolean;
}

/** What `onCellDone` hears as each run of a sweep ends. */
export interface CellDone {
  /** The run's index in the whole sweep. */
  index: number;
  /** True when it was already finished. */
  skipped: boolean;
}

const RERUN = "rerun the same sweep command to continue";

function cellLabel(config: ExperimentConfig, index: number, total: number): string {
  return `[${index + 1}/${total}] ${config.loss.name} + ${
    config.miner.type ?? config.miner.name
  } d${config.dim} s${config.seed}`;
}

/**
 * Runs every config; returns the summaries in order.
 *
 * @param cells The configs.
 * @param out The runs folder.
 * @param backend The backend in use.
 * @param quiet No progress output.
 * @param signal Ctrl-C (see `interruptSignal`): the run in progress stops at its next safe
 * point, incomplete and resumable.
 * @param data How image folders are loaded (the decode cache, on by default).
 * @param numbering Where these cells sit in the whole sweep, for the progress labels.
 * @param onCellDone Called as each run ends (trained now, or found finished).
 * @returns Each run's summary and folder.
 * @throws {Interrupted} When `signal` aborts.
 */
export async function runCells(
  cells: ExperimentConfig[],
  out: string,
  backend: BackendInfo,
  quiet = false,
  signal?: AbortSignal,
  data: LoadDataOptions = {},
  numbering: { first: number; total: number } = { first: 0, total: cells.length },
  onCellDone?: (done: CellDone) => void,
): Promise<CellResult[]> {
  const datasets = new Map<string, ImageDataset>();
  const results: CellResult[] = [];
  const started = performance.now();
  for (const [i, config] of cells.entries()) {
    const key = datasetKey(config);
    const label = cellLabel(config, numbering.first + i, numbering.total);
    if (!datasets.has(key) && !(await isFinishedRun(join(out, runId(config))))) {
      datasets.set(key, await loadData(config, data));
    }
    if (signal?.aborted) {
      throw new Interrupted(
        `interrupted: the sweep stopped after ${i} of ${cells.length} runs; ${RERUN}`,
      );
    }
    const dir = join(out, runId(config));
    const bar = progress(label, quiet);
    const result = await runExperiment(config, {
      out,
      backend,
      dataset: datasets.get(key),
      signal,
      onStart: ({ epoch }) => {
        if (epoch > 0 && !quiet) console.error(`${label}: resuming ${dir} from epoch ${epoch}`);
      },
      onProgress: bar.update,
      onRecord: (r) => {
        if (!quiet && r.type === "final") printRecord(r);
      },
    }).catch((error) => {
      if (!signal?.aborted) throw error;
      throw new Interrupted(`interrupted: run ${dir} is incomplete; ${RERUN}`);
    }).finally(bar.done);
    if (!quiet) {
      const elapsed = (performance.now() - started) / 1000;
      const eta = (elapsed / (i + 1)) * (cells.length - i - 1);
      // A run of a --jobs sweep (numbered within the whole sweep) has no ETA of its own.
      const whole = numbering.total === cells.length;
      console.error(
        `${label}: ${result.skipped ? "already finished" : "done"} -> ${result.dir}${
          whole ? ` (sweep ETA ${eta.toFixed(0)}s)` : ""
        }`,
      );
      for (const w of result.warnings) console.error(`warning: ${w}`);
    }
    results.push({ dir: result.dir, summary: result.summary });
    onCellDone?.({ index: numbering.first + i, skipped: result.skipped });
  }
  return results;
}

/** Options of {@linkcode runCellsInProcesses}. */
export interface ProcessPoolOptions {
  /** Runs at a time. */
  jobs: number;
  /** The arguments of the child process that runs cell `index` (see {@linkcode childArgs}). */
  childArgs: (index: number) => string[];
  /** No progress output. */
  quiet?: boolean;
  /** Ctrl-C: no new run starts, and the runs in progress get SIGINT (they stop, resumable). */
  signal?: AbortSignal;
  /** The backend, only to return finished runs without starting a process. */
  backend: BackendInfo;
  /** How image folders are loaded (the decode cache, on by default). */
  data?: LoadDataOptions;
  /** Called as each run ends (trained now, or found finished). */
  onCellDone?: (done: CellDone) => void;
}

/**
 * Runs the configs `jobs` at a time, each in a child process of its own (a process has
 * one backend and its thread count: on a 2-core machine two 1-thread runs together train
 * more images per second than one 2-thread run). Each dataset is loaded here once first;
 * finished runs are read, not started.
 * Each child prints its result as one JSON line; its stderr lines are passed on.
 *
 * @param cells The configs.
 * @param out The runs folder.
 * @param options Jobs, the child command, progress and Ctrl-C.
 * @returns Each run's summary and folder, in the order of `cells`.
 * @throws {Interrupted} When a run was interrupted (Ctrl-C) before all finished.
 * @throws {Error} When a run fails (a child's own error line is printed before).
 */
export async function runCellsInProcesses(
  cells: ExperimentConfig[],
  out: string,
  options: ProcessPoolOptions,
): Promise<CellResult[]> {
  // Each dataset loaded once here first: bad data fails in one line before any process
  // starts, and an image folder is decoded once, into the cache the runs then read.
  const loaded = new Set<string>();
  for (const cell of cells) {
    const key = datasetKey(cell);
    if (loaded.has(key) || await isFinishedRun(join(out, runId(cell)))) continue;
    loaded.add(key);
    await loadData(cell, options.data);
  }
  const results: (CellResult | undefined)[] = new Array(cells.length);
  const failures: string[] = [];
  const running = new Set<Deno.ChildProcess>();
  const stop = () => running.forEach((child) => child.kill("SIGINT"));
  options.signal?.addEventListener("abort", stop);
  let next = 0;
  const runOne = async (index: number): Promise<CellResult | undefined> => {
    const config = cells[index];
    const dir = join(out, runId(config));
    if (await isFinishedRun(dir)) {
      const found = await runExperiment(config, { out, backend: options.backend });
      if (!options.quiet) {
        console.error(`${cellLabel(config, index, cells.length)}: already finished -> ${dir}`);
      }
      return { dir: found.dir, summary: found.summary, skipped: true };
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: options.childArgs(index),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    running.add(child);
    const [status, stdout] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
      passLines(child.stderr),
    ]).finally(() => running.delete(child));
    if (status.code === EXIT.interrupted || status.signal === "SIGINT") return undefined;
    if (status.code !== 0) throw new Error(`run ${index + 1} of ${cells.length} (${dir}) failed`);
    const result = JSON.parse(stdout.trim().split("\n").pop() || "null") as CellResult | null;
    // The child read the sweep file again: it must have run the same config.
    if (result?.dir !== dir) {
      throw new Error(`run ${index + 1} of ${cells.length} wrote ${result?.dir}, not ${dir}`);
    }
    return result;
  };
  const work = async () => {
    while (next < cells.length && !failures.length && !options.signal?.aborted) {
      const index = next++;
      try {
        results[index] = await runOne(index);
        if (results[index]) {
          options.onCellDone?.({ index, skipped: !!results[index]!.skipped });
        }
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
      if (results[index] === undefined && !failures.length) break; // interrupted
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.jobs, cells.length) }, work));
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
  if (failures.length) throw new Error(`The sweep stopped: ${failures.join("; ")}`);
  const done = results.filter((r) => r !== undefined);
  if (done.length < cells.length) {
    throw new Interrupted(
      `interrupted: the sweep stopped after ${done.length} of ${cells.length} runs; ${RERUN}`,
    );
  }
  return done;
}

/**
 * The command line of the child that runs cell `index` of a sweep: the sweep's own
 * arguments without `--jobs` and `--threads`, then the threads each run gets.
 *
 * @param script The sweep task's file.
 * @param args The sweep's arguments.
 * @param threads Threads per run.
 * @param index The cell.
 * @returns The arguments for `deno`.
 */
export function childArgs(
  script: string,
  args: string[],
  threads: number,
  index: number,
): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") continue;
    const name = args[i].split("=")[0];
    if (name !== "--jobs" && name !== "--threads") kept.push(args[i]);
    else if (!args[i].includes("=")) i++;
  }
  return ["run", "-A", script, ...kept, "--threads", String(threads), "--cell", String(index)];
}

/** Copies a stream's lines to stderr as they come (whole lines, so jobs do not mix). */
async function passLines(stream: ReadableStream<Uint8Array>): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const bytes of stream) {
    pending += decoder.decode(bytes, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) console.error(line);
  }
  pending += decoder.decode();
  if (pending) console.error(pending);
}
