/**
 * Runs a list of experiment configs one after another (used by `sweep` and `demo`):
 * datasets loaded once, finished runs skipped, incomplete ones resumed from their last
 * checkpoint, progress and a comparison table.
 *
 * Several sweeps may run on one runs folder at once (terminals, machines, a job array):
 * each run is claimed before it trains (see `claimRun`), a sweep passes over the runs that
 * other live processes hold, and when it has been through the grid it looks again at
 * those: finished ones join its table, ones whose holder died are taken over, and it
 * stops when every run is finished or held by a live process. It never waits for another.
 *
 * @module
 */
import { type BackendInfo, defaultThreads } from "../lib/backend/select_backend.ts";
import { resolveHierarchy } from "../lib/data/tt100k.ts";
import { expandSweep, parseSweepText } from "../lib/experiment/sweep.ts";
import { join } from "node:path";
import { type ExperimentConfig, runId } from "../lib/experiment/config.ts";
import {
  DiskWriteError,
  inspectRunFolder,
  isFinishedRun,
  RUN_FILES,
} from "../lib/run/run_folder.ts";
import {
  describeHolder,
  readRunClaim,
  type RunClaimHolder,
  RunHeldError,
} from "../lib/run/run_claim.ts";
import { datasetKey, loadData, type LoadDataOptions } from "../lib/experiment/load_data.ts";
import { runExperiment } from "../lib/experiment/run_experiment.ts";
import type { ImageDataset, Json } from "../lib/types.ts";
import { EXIT, Interrupted, messageOf, progress, UsageError } from "./_cli.ts";
import { printRecord } from "./_experiment_flags.ts";

/** A finished run: its folder and summary. */
export interface CellResult {
  dir: string;
  summary: Record<string, Json>;
  /** True when the run was already finished and was not trained now. */
  skipped?: boolean;
  /** Who trained it, when this sweep found another process holding it. */
  by?: RunClaimHolder;
}

/** A run that another live process still holds when this sweep stops. */
export interface CellHeld {
  /** The run's index in the whole sweep. */
  index: number;
  /** Its folder. */
  dir: string;
  /** Who holds it. */
  holder: RunClaimHolder;
}

/** How a sweep shares its runs with other processes. */
export interface CellClaimOptions {
  /** A claim from another host is stale after this many ms (`--stale-after`). */
  staleAfter?: number;
  /** Called for each run still held by another process when this sweep stops. */
  onHeld?: (held: CellHeld) => void;
}

/** Rounds over the runs held by others before a sweep stops (a bound, never reached in practice). */
const MAX_ROUNDS = 10;

/**
 * Looks again at the runs that other processes held: finished ones are read (as
 * `results`), those whose holder is gone or that are free again are returned to run.
 */
async function recheckHeld(
  cells: ExperimentConfig[],
  out: string,
  held: Map<number, RunClaimHolder>,
  claims: CellClaimOptions,
  onFinished: (index: number, result: CellResult) => void,
): Promise<number[]> {
  const again: number[] = [];
  for (const [index, holder] of [...held]) {
    const dir = join(out, runId(cells[index]));
    if (await isFinishedRun(dir)) {
      const summary = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.summary)));
      held.delete(index);
      onFinished(index, { dir, summary, skipped: true, by: holder });
      continue;
    }
    const state = await readRunClaim(dir, { staleAfter: claims.staleAfter });
    if (state.status === "live") held.set(index, state.holder);
    else again.push(index);
  }
  return again;
}

/** The message of a failed write, with what to do in a sweep. */
function diskHint(error: unknown): unknown {
  return error instanceof DiskWriteError
    ? new Error(`${error.message}; ${error.remedy}, then ${RERUN}`, { cause: error })
    : error;
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
 * @param claims `--stale-after`, and who hears of the runs other processes still hold.
 * @returns The summary and folder of each finished run, in order (runs that other live
 * processes hold are left out and passed to `claims.onHeld`).
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
  claims: CellClaimOptions = {},
): Promise<CellResult[]> {
  const datasets = new Map<string, ImageDataset>();
  const results: (CellResult | undefined)[] = new Array(cells.length);
  const held = new Map<number, RunClaimHolder>();
  const started = performance.now();
  let trained = 0;
  const finish = (i: number, result: CellResult) => {
    results[i] = result;
    onCellDone?.({ index: numbering.first + i, skipped: !!result.skipped });
  };
  let queue = cells.map((_, i) => i);
  for (let round = 0; queue.length > 0 && round < MAX_ROUNDS; round++) {
    for (const i of queue) {
      const config = cells[i];
      const key = datasetKey(config);
      const label = cellLabel(config, numbering.first + i, numbering.total);
      const dir = join(out, runId(config));
      if (!datasets.has(key) && !(await isFinishedRun(dir))) {
        datasets.set(key, await loadData(config, data));
      }
      if (signal?.aborted) {
        const done = results.filter(Boolean).length;
        throw new Interrupted(
          `interrupted: the sweep stopped after ${done} of ${cells.length} runs; ${RERUN}`,
        );
      }
      const bar = progress(label, quiet);
      const result = await runExperiment(config, {
        out,
        backend,
        dataset: datasets.get(key),
        signal,
        claim: { staleAfter: claims.staleAfter },
        onStart: ({ epoch }) => {
          if (epoch > 0 && !quiet) console.error(`${label}: resuming ${dir} from epoch ${epoch}`);
        },
        onProgress: bar.update,
        onRecord: (r) => {
          if (!quiet && r.type === "final") printRecord(r);
        },
      }).catch((error) => {
        if (error instanceof RunHeldError) return error;
        if (!signal?.aborted) throw diskHint(error);
        throw new Interrupted(`interrupted: run ${dir} is incomplete; ${RERUN}`);
      }).finally(bar.done);
      if (result instanceof RunHeldError) {
        // Another process trains it: on to the next run.
        held.set(i, result.holder);
        if (!quiet) {
          console.error(`${label}: held by ${describeHolder(result.holder)}; on to the next run`);
        }
        continue;
      }
      if (!result.skipped) trained++;
      if (!quiet) {
        const elapsed = (performance.now() - started) / 1000;
        const left = cells.length - results.filter(Boolean).length - 1;
        const eta = (elapsed / Math.max(trained, 1)) * left;
        // A run of a --jobs sweep (numbered within the whole sweep) has no ETA of its own.
        const whole = numbering.total === cells.length;
        console.error(
          `${label}: ${result.skipped ? "already finished" : "done"} -> ${result.dir}${
            whole ? ` (sweep ETA ${eta.toFixed(0)}s)` : ""
          }`,
        );
        for (const w of result.warnings) console.error(`warning: ${w}`);
      }
      const by = held.get(i);
      held.delete(i);
      finish(i, {
        dir: result.dir,
        summary: result.summary,
        ...(result.skipped ? { skipped: true } : {}),
        ...(by ? { by } : {}),
      });
    }
    queue = await recheckHeld(cells, out, held, claims, finish);
  }
  for (const [i, holder] of held) {
    claims.onHeld?.({ index: numbering.first + i, dir: join(out, runId(cells[i])), holder });
  }
  return results.filter((r) => r !== undefined);
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
  /** `--stale-after`, and who hears of the runs other processes still hold. */
  claims?: CellClaimOptions;
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
 * @returns The summary and folder of each finished run, in the order of `cells` (runs that
 * other live processes hold are left out and passed to `options.claims.onHeld`).
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
  const held = new Map<number, RunClaimHolder>();
  const claims = options.claims ?? {};
  const failures: string[] = [];
  const running = new Set<Deno.ChildProcess>();
  const stop = () => running.forEach((child) => child.kill("SIGINT"));
  options.signal?.addEventListener("abort", stop);
  let interrupted = false;
  // The parent claims nothing: each child claims the run it trains.
  const runOne = async (index: number): Promise<CellResult | "held" | undefined> => {
    const config = cells[index];
    const dir = join(out, runId(config));
    if (await isFinishedRun(dir)) {
      const found = await runExperiment(config, { out, backend: options.backend, claim: false });
      if (!options.quiet) {
        console.error(`${cellLabel(config, index, cells.length)}: already finished -> ${dir}`);
      }
      const by = held.get(index);
      return { dir: found.dir, summary: found.summary, skipped: true, ...(by ? { by } : {}) };
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
    const result = JSON.parse(stdout.trim().split("\n").pop() || "null") as
      | (CellResult & { held?: RunClaimHolder })
      | null;
    // The child read the sweep file again: it must have run the same config.
    if (result?.dir !== dir) {
      throw new Error(`run ${index + 1} of ${cells.length} wrote ${result?.dir}, not ${dir}`);
    }
    if (result.held) {
      held.set(index, result.held);
      return "held";
    }
    const by = held.get(index);
    held.delete(index);
    return by ? { ...result, by } : result;
  };
  const finish = (index: number, result: CellResult) => {
    results[index] = result;
    options.onCellDone?.({ index, skipped: !!result.skipped });
  };
  let queue = cells.map((_, i) => i);
  try {
    for (let round = 0; queue.length > 0 && round < MAX_ROUNDS; round++) {
      let next = 0;
      const work = async () => {
        while (
          next < queue.length && !failures.length && !interrupted && !options.signal?.aborted
        ) {
          const index = queue[next++];
          try {
            const result = await runOne(index);
            if (result === undefined) interrupted = true;
            else if (result !== "held") finish(index, result);
          } catch (error) {
            failures.push(messageOf(error));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.jobs, queue.length) }, work));
      if (failures.length || interrupted || options.signal?.aborted) break;
      queue = await recheckHeld(cells, out, held, claims, finish);
    }
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
  if (failures.length) throw new Error(`The sweep stopped: ${failures.join("; ")}`);
  const done = results.filter((r) => r !== undefined);
  if (done.length + held.size < cells.length) {
    throw new Interrupted(
      `interrupted: the sweep stopped after ${done.length} of ${cells.length} runs; ${RERUN}`,
    );
  }
  for (const [index, holder] of held) {
    claims.onHeld?.({ index, dir: join(out, runId(cells[index])), holder });
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

/** `2025-01-02 10:00:00Z` from an ISO time. */
const short = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z");

/** The epoch of a run folder's checkpoint.json (its JSON only), or undefined. */
async function checkpointEpoch(dir: string): Promise<number | undefined> {
  try {
    const epoch = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.checkpoint))).epoch;
    return typeof epoch === "number" ? epoch : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The state of every run of a sweep, one line each, read without writing anything:
 * `done`, `running` (holder, since when, epoch, heartbeat), `stale` (its holder is gone:
 * the next sweep takes it over), `failed` (the error of its last try), `stopped`
 * (interrupted, no holder: the next sweep resumes it), `pending`, or `other` (the folder
 * holds another run).
 *
 * @param cells The configs.
 * @param out The runs folder.
 * @param staleAfter `--stale-after`, in ms.
 * @returns The lines, then one line of counts.
 */
export async function sweepStatus(
  cells: ExperimentConfig[],
  out: string,
  staleAfter?: number,
): Promise<string[]> {
  const rows: [string, string, string][] = [];
  const counts = new Map<string, number>();
  for (const [i, config] of cells.entries()) {
    const id = runId(config);
    const dir = join(out, id);
    const label = cellLabel(config, i, cells.length);
    const found = await inspectRunFolder(dir, id);
    const claim = await readRunClaim(dir, { staleAfter });
    const epoch = await checkpointEpoch(dir);
    const at = `epoch ${epoch ?? 0}/${config.epochs}`;
    let state: string, detail: string;
    if (found.status === "finished") [state, detail] = ["done", dir];
    else if (found.status === "other") {
      [state, detail] = ["other", `${dir} holds another run (${found.id ?? "unreadable"})`];
    } else if (claim.status === "live") {
      const beat = Math.round((Date.now() - Date.parse(claim.holder.heartbeatAt)) / 1000);
      [state, detail] = [
        "running",
        `by ${describeHolder(claim.holder)}, ${at}, heartbeat ${beat} s ago`,
      ];
    } else if (claim.status === "stale") {
      [state, detail] = [
        "stale",
        `was ${
          describeHolder(claim.holder)
        } (${claim.reason}), ${at}: the next sweep takes it over`,
      ];
    } else if (found.status === "incomplete") {
      let failure: { error?: unknown; at?: unknown } | undefined;
      try {
        failure = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.failure)));
      } catch {
        failure = undefined;
      }
      [state, detail] = failure
        ? ["failed", `${at}, at ${short(String(failure.at))}: ${failure.error}`]
        : ["stopped", `${at}, no process holds it: the next sweep resumes it`];
    } else [state, detail] = ["pending", ""];
    counts.set(state, (counts.get(state) ?? 0) + 1);
    rows.push([label, state, detail]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(([label, state, detail]) =>
    `${label.padEnd(width)}  ${state.padEnd(7)}  ${detail}`.trimEnd()
  );
  const order = ["done", "running", "stale", "failed", "stopped", "pending", "other"];
  const total = order.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return [...lines, `${cells.length} runs: ${total.join(", ")}`];
}

/**
 * The comparison table with a last column that says who trained each run: `here`,
 * `before` (already finished when this sweep came to it) or the other process.
 *
 * @param table The table of `comparisonTable` for `results`, in the same order.
 * @param results The finished runs.
 * @returns The table with the column.
 */
export function withRunBy(table: string, results: CellResult[]): string {
  const lines = table.split("\n");
  const cells = results.map((r) =>
    r.by ? `${r.by.host} pid ${r.by.pid}` : r.skipped ? "before" : "here"
  );
  const width = Math.max("run by".length, ...cells.map((c) => c.length));
  return lines.map((line, i) =>
    `${line}  ${i === 0 ? "run by" : i === 1 ? "-".repeat(width) : cells[i - 2] ?? ""}`
  ).join("\n");
}

/**
 * Reads a grid (sweep) file and expands it with the command line's overrides.
 *
 * @param file The sweep JSON file.
 * @param overrides Keys that replace the file's (`data`, `epochs`, `hierarchy`).
 * @param what What the file is called in the message (`"sweep"`, `"grid"`).
 * @returns The file's content with the overrides, and its cells.
 * @throws {UsageError} When the file cannot be read.
 * @throws {SyntaxError} When it is not valid JSON (naming the line and column).
 */
export async function readGrid(
  file: string,
  overrides: Record<string, Json>,
  what = "sweep",
): Promise<{ sweep: Record<string, Json>; cells: ExperimentConfig[] }> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    throw new UsageError(`Cannot read ${what} "${file}": file not found`);
  }
  const sweep = { ...parseSweepText(text, file), ...overrides };
  return { sweep, cells: expandSweep(sweep) };
}

/**
 * Fails in one line, before any run starts, on a hierarchy file that cannot be read.
 *
 * @param cells The grid's cells.
 */
export async function checkHierarchies(cells: readonly ExperimentConfig[]): Promise<void> {
  for (const spec of new Set(cells.map((c) => c.hierarchy))) await resolveHierarchy(spec, []);
}

/**
 * Threads per run: `--threads` when given, else with several jobs the cores shared out
 * (undefined: the backend's own default, and wasm keeps 1).
 *
 * @param given `--threads`, if given.
 * @param jobs `--jobs`.
 * @returns The threads to ask the backend for.
 */
export function threadsPerJob(given: number | undefined, jobs: number): number | undefined {
  return given ?? (jobs > 1 ? Math.max(1, Math.floor(defaultThreads() / jobs)) : undefined);
}
