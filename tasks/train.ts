/**
 * `deno task train`: train one embedding, evaluate it by k-NN, write the run folder and
 * print its path; `--resume <dir>` continues an interrupted run from its last checkpoint.
 *
 * @module
 */
import { selectBackend } from "../lib/backend/select_backend.ts";
import { join } from "node:path";
import { resolveConfig, runId } from "../lib/experiment/config.ts";
import { loadData } from "../lib/experiment/load_data.ts";
import { DiskWriteError, isFinishedRun } from "../lib/run/run_folder.ts";
import { DEFAULT_STALE_AFTER, readRunClaim, RunHeldError } from "../lib/run/run_claim.ts";
import { runExperiment } from "../lib/experiment/run_experiment.ts";
import {
  configFromFlags,
  EXPERIMENT_FLAGS,
  EXPERIMENT_HELP,
  experimentFlagsGiven,
  printRecord,
  readRunToResume,
} from "./_experiment_flags.ts";
import {
  durationFlag,
  Interrupted,
  interruptSignal,
  numberFlag,
  parseFlags,
  progress,
  runTask,
  UsageError,
} from "./_cli.ts";

const HELP = `Usage: deno task train --data <path|synthetic|fashion-mnist> [options]
       deno task train --resume <run folder> [--backend NAME] [--quiet] [--json]

Trains an embedding network with a metric-learning loss, classifies the test split by
k-nearest-neighbour (Euclidean) against the training split, and writes the run folder
<out>/<id>/ (config.json, metrics.jsonl, embeddings, model, summary.json). Prints the
run folder on the last line of standard output. Each epoch ends with a checkpoint: after
Ctrl-C or a kill, --resume (or the same command again) continues from the last one, to
the same result as an uninterrupted run on the same backend.

${EXPERIMENT_HELP}
  --out DIR              runs folder (default runs)
  --resume DIR           continue the incomplete run in DIR with its own config.json
                         (an already finished run is reported and left as it is)
  --backend NAME         auto|tensorflow|onednn|blas|wasm|webgpu|cpu (default auto)
  --threads N            threads: onednn and blas (default: the cores, at most 8) or wasm (default 1)
  --no-cache             decode the image folder again instead of using the cache
  --eval-every N         k=1 test accuracy every N epochs (default 0: only at the end)
  --force                train from scratch even if the folder holds this run or another
  --stale-after T        take over a run folder claimed from another host whose heartbeat
                         is older than T (default 10m; on this host: once its process is gone)
  --quiet                no progress output
  --json                 print summary.json instead of the folder path
  -h, --help             this help

Exit codes: 0 done (or already finished), 1 failed (bad data, diverged, a folder holding
another run or held by another process, a full disk), 2 bad usage, 130 interrupted (the
run stays incomplete and resumable).`;

await runTask(async () => {
  const { values } = parseFlags({
    ...EXPERIMENT_FLAGS,
    out: { type: "string", default: "runs" },
    resume: { type: "string" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string" },
    "eval-every": { type: "string" },
    force: { type: "boolean", default: false },
    "stale-after": { type: "string" },
    "no-cache": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  const given = values.resume === undefined ? [] : experimentFlagsGiven(Deno.args);
  if (values.resume !== undefined && (given.length || values.force)) {
    const flag = given.length ? given[0] : "force";
    throw new UsageError(`Invalid --${flag} with --resume: the run keeps its own config`);
  }
  const target = values.resume === undefined ? undefined : await readRunToResume(values.resume);
  const config = target?.config ?? resolveConfig(configFromFlags(values));
  const out = target?.out ?? values.out!;
  const dir = join(out, runId(config));
  const threads = values.threads === undefined
    ? undefined
    : numberFlag("threads", values.threads, 1);
  const evalEvery = values["eval-every"] === undefined
    ? undefined
    : numberFlag("eval-every", values["eval-every"], 0);
  const staleAfter = durationFlag("stale-after", values["stale-after"], DEFAULT_STALE_AFTER);
  // A folder another process trains is refused before the data is read.
  const claim = await readRunClaim(dir, { staleAfter });
  if (claim.status === "live") throw new RunHeldError(dir, claim.holder);
  // Data first: bad data must fail before anything is printed or written.
  const finished = !values.force && await isFinishedRun(dir);
  let cacheLine = "";
  const dataset = finished ? undefined : await loadData(config, {
    cache: !values["no-cache"],
    onCache: (c) => {
      const seconds = c.seconds.list + c.seconds.read + c.seconds.decode + c.seconds.write;
      cacheLine = `decode cache: ${c.cache}${c.reason ? ` (${c.reason})` : ""}, ${
        seconds.toFixed(1)
      } s`;
    },
  });
  const backend = await selectBackend(values.backend, { threads });
  const quiet = values.quiet;
  // Printed once the run is known to start: bad input stays a single error line.
  const announce = () => {
    if (quiet) return;
    console.error(`${backend.reason}, ${backend.threads} thread(s)`);
    if (cacheLine) console.error(cacheLine);
    for (const w of backend.warnings) console.error(`warning: ${w}`);
  };
  const signal = interruptSignal();
  const bar = progress("train", quiet);
  const result = await runExperiment(config, {
    out,
    backend,
    force: values.force,
    dataset,
    evalEvery,
    signal,
    claim: { staleAfter },
    onStart: ({ epoch }) => {
      announce();
      if (epoch > 0 && !quiet) console.error(`resuming ${dir} from epoch ${epoch}`);
    },
    onProgress: bar.update,
    onRecord: (r) => {
      if (!quiet) printRecord(r);
    },
  }).catch((error) => {
    if (error instanceof DiskWriteError) {
      throw new Error(
        `${error.message}; ${error.remedy}, then resume with deno task train --resume ${dir}`,
      );
    }
    if (!signal.aborted) throw error;
    throw new Interrupted(
      `interrupted: run ${dir} is incomplete; resume with deno task train --resume ${dir}`,
    );
  }).finally(bar.done);
  for (const w of result.warnings) console.error(`warning: ${w}`);
  if (result.skipped && !quiet) {
    const hint = target ? "" : " (use --force to train again)";
    console.error(`already finished: ${result.dir}${hint}`);
  }
  console.log(values.json ? JSON.stringify(result.summary, null, 2) : result.dir);
});
