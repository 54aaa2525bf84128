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
      console.error(
        `${label}: ${result.skipped ? "already finished" : "done"} -> ${result.dir} (sweep ETA ${
          eta.toFixed(0)
        }s)`,
      );
      for (const w of result.warnings) console.error(`warning: ${w}`);
    }
    results.push({ dir: result.dir, summary: result.summary });
  }
  return results;
}

/** Options of {@linkcode runCellsInProcesses}. */
export interface ProcessPoolOptions {
  /** Runs at a time. */
  jobs: number;
  /** The arguments of the child process that runs cell `index` (see `sweep --cell`). */
  childArgs: (index: number) => string[];
  /** No progress output. */
  quiet?: boolean;
  /** Ctrl-C: no new run starts; the ones running stop at their next safe point. */
  signal?: AbortSignal;
  /** The backend, only to return finished runs without starting a process. */
  backend: BackendInfo;
}

/**
 * Runs the configs `jobs` at a time, each in a child process of its own (a process has
 * one backend and its thread count: on a 2-core machine two 1-thread runs together train
 * more images per second than one 2-thread run). Finished runs are read, not started.
 * Each child prints its result as one JSON line; its stderr lines are passed on.
 *
 * @param cells The configs.
 * @param out The runs folder.
 * @param options Jobs, the child command, progress and Ctrl-C.
 * @returns Each run's summary and folder, in the order of `cells`.
 * @throws {Interrupted} When `signal` aborts or a child was interrupted.
 * @throws {Error} When a child fails (its own error line is printed before).
 */
export async function runCellsInProcesses(
  cells: ExperimentConfig[],
  out: string,
  options: ProcessPoolOptions,
): Promise<CellResult[]> {
  const results: CellResult[] = new Array(cells.length);
  const failures: string[] = [];
  let next = 0, interrupted = false;
  const work = async () => {
    while (next < cells.length && !failures.length && !interrupted && !options.signal?.aborted) {
      const index = next++;
      const config = cells[index];
      const dir = join(out, runId(config));
      if (await isFinishedRun(dir)) {
        const found = await runExperiment(config, { out, backend: options.backend });
        results[index] = { dir: found.dir, summary: found.summary };
        if (!options.quiet) {
          console.error(`${cellLabel(config, index, cells.length)}: already finished -> ${dir}`);
        }
        continue;
      }
      const child = new Deno.Command(Deno.execPath(), {
        args: options.childArgs(index),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const [status, stdout] = await Promise.all([
        child.status,
        new Response(child.stdout).text(),
        passLines(child.stderr),
      ]);
      if (status.code === 0) {
        results[index] = JSON.parse(stdout.trim().split("\n").pop()!);
      } else if (status.code === EXIT.interrupted || status.signal === "SIGINT") {
        interrupted = true;
      } else {
        failures.push(`run ${index + 1} of ${cells.length} (${dir}) failed`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, cells.length) }, work));
  if (interrupted || options.signal?.aborted) {
    throw new Interrupted(`interrupted: the sweep stopped with runs unfinished; ${RERUN}`);
  }
  if (failures.length) throw new Error(`The sweep stopped: ${failures.join("; ")}`);
  return results;
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
  if (pending) console.error(pending);
}
