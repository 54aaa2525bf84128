/**
 * `deno task sweep --config <file.json>`: run a grid of experiments one after another (or
 * `--jobs N` at a time), skipping finished runs, then print a comparison table.
 *
 * @module
 */
import { selectBackend } from "../lib/backend/select_backend.ts";
import type { Json } from "../lib/types.ts";
import { DEFAULT_STALE_AFTER, describeHolder } from "../lib/run/run_claim.ts";
import {
  durationFlag,
  interruptSignal,
  numberFlag,
  parseFlags,
  runTask,
  UsageError,
} from "./_cli.ts";
import {
  type CellHeld,
  checkHierarchies,
  childArgs,
  readGrid,
  runCells,
  runCellsInProcesses,
  sweepStatus,
  threadsPerJob,
  withRunBy,
} from "./_sweep_runner.ts";
import { comparisonTable } from "./_table.ts";

const HELP =
  `Usage: deno task sweep --config <file.json> [--data PATH] [--hierarchy FILE|none|auto] [--out runs]
       [--backend auto] [--jobs N] [--stale-after 10m]
       deno task sweep --config <file.json> [--out runs] --status

Runs every cell of the grid data x losses x miners x dims x seeds, one after another, or
--jobs N at a time (each in a process of its own).
A cell whose run folder already holds summary.json is skipped and an incomplete one
continues from its last checkpoint, so a stopped sweep (Ctrl-C, a kill) continues where
it stopped when the same command is run again. Prints a comparison table at the end.
Several sweeps may run on one runs folder at once (terminals, machines on a shared file
system): each run is claimed (run.lock) while it trains, a sweep passes over the runs
other live processes hold and takes over those whose process died, and it exits 0 once
every run is finished or held by a live process; its table says who ran each run.

Sweep file: {"data": "synthetic" | [..], "losses": ["contrastive", {"name": "triplet", "margin": 0.1}],
  "miners": ["none", "batch-hard"], "dims": [8, 16, 32], "seeds": [0, 1, 2], "epochs": 10,
  "out": "runs", ...any other train option in camelCase (batchSize, learningRate, ks,
  hierarchy, ...)}

Options:
  --config FILE    the sweep file (required)
  --data PATH      replaces the file's "data"
  --hierarchy X    replaces the file's "hierarchy": the class hierarchy of the analysis,
                   auto (default: the dataset's own, or TT100K's for TT100K class codes),
                   none, or a TSV file class/top/family/value/meaning
  --out DIR        runs folder (default: the file's "out", else runs)
  --epochs N       replaces the file's "epochs"
  --backend NAME   auto|tensorflow|onednn|blas|wasm|webgpu|cpu (default auto)
  --threads N      threads per run: onednn and blas (default: the cores, at most 8,
                   shared among the jobs) or wasm (default 1)
  --jobs N         runs at a time, each in its own process (default 1). On a 2-core
                   machine --jobs 2 (one thread each) trains about 1.5x the images per
                   second of one 2-thread run; memory grows with each job
  --stale-after T  a claim from another host whose heartbeat (each minute) is older
                   than T is taken over (default 10m; s, m or h). On the same host a
                   claim is taken over as soon as its process is gone
  --status         print the state of every run (done, running, stale, failed, stopped,
                   pending) and exit, touching nothing
  --no-cache       decode image folders again instead of using the cache
  --quiet          no progress output
  --json           print the summaries as JSON instead of the table
  -h, --help       this help

Exit codes: 0 done, 1 failed, 2 bad usage, 130 interrupted (rerun to continue).`;

await runTask(async () => {
  const { values } = parseFlags({
    config: { type: "string" },
    data: { type: "string" },
    hierarchy: { type: "string" },
    out: { type: "string" },
    epochs: { type: "string" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string" },
    jobs: { type: "string" },
    // Internal: run only this cell and print its result as a JSON line (--jobs children).
    cell: { type: "string" },
    "stale-after": { type: "string" },
    status: { type: "boolean", default: false },
    "no-cache": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (!values.config) throw new UsageError("Missing --config: give a sweep JSON file");
  const overrides: Record<string, Json> = {};
  if (values.data) overrides.data = values.data;
  if (values.hierarchy !== undefined) overrides.hierarchy = values.hierarchy;
  if (values.epochs) overrides.epochs = numberFlag("epochs", values.epochs, 0);
  const { sweep, cells } = await readGrid(values.config, overrides);
  const staleAfter = durationFlag("stale-after", values["stale-after"], DEFAULT_STALE_AFTER);
  const out = values.out ?? (typeof sweep.out === "string" ? sweep.out : "runs");
  if (values.status) {
    for (const line of await sweepStatus(cells, out, staleAfter)) console.log(line);
    return;
  }
  await checkHierarchies(cells);
  const jobs = values.jobs === undefined ? 1 : numberFlag("jobs", values.jobs, 1);
  const given = values.threads === undefined ? undefined : numberFlag("threads", values.threads, 1);
  const threads = threadsPerJob(given, jobs);
  const backend = await selectBackend(values.backend, { threads });
  const signal = interruptSignal();
  const data = { cache: !values["no-cache"] };
  if (values.cell !== undefined) {
    const index = numberFlag("cell", values.cell, 0);
    if (index >= cells.length) {
      throw new UsageError(`Invalid --cell ${index}: the sweep has ${cells.length} runs`);
    }
    for (const w of backend.warnings) console.error(`warning: ${w}`);
    let held: CellHeld | undefined;
    const [result] = await runCells(
      [cells[index]],
      out,
      backend,
      values.quiet,
      signal,
      data,
      { first: index, total: cells.length },
      undefined,
      { staleAfter, onHeld: (h) => held = h },
    );
    // Held by another process: the parent passes over it like a sweep of its own.
    return void console.log(JSON.stringify(result ?? { dir: held?.dir, held: held?.holder }));
  }
  if (!values.quiet) {
    const each = jobs > 1 ? `${jobs} at a time, ` : "";
    console.error(
      `${backend.reason}, ${backend.threads} thread(s); ${cells.length} runs (${each}into ${out}/)`,
    );
  }
  for (const w of backend.warnings) console.error(`warning: ${w}`);
  const script = import.meta.filename ?? new URL(import.meta.url).pathname;
  const held: CellHeld[] = [];
  const claims = { staleAfter, onHeld: (h: CellHeld) => held.push(h) };
  const results = jobs > 1
    ? await runCellsInProcesses(cells, out, {
      jobs,
      backend,
      quiet: values.quiet,
      signal,
      data,
      claims,
      childArgs: (index) => childArgs(script, Deno.args, backend.threads, index),
    })
    : await runCells(cells, out, backend, values.quiet, signal, data, undefined, undefined, claims);
  if (values.json) return void console.log(JSON.stringify(results.map((r) => r.summary), null, 2));
  console.log(withRunBy(comparisonTable(results.map((r) => r.summary)), results));
  // This worker is done; the runs still in progress elsewhere finish there.
  for (const h of held) {
    console.log(
      `still running: [${h.index + 1}/${cells.length}] ${h.dir} by ${describeHolder(h.holder)}`,
    );
  }
});
