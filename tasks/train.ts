/**
 * `deno task train`: train one embedding, evaluate it by k-NN, write the run folder and
 * print its path.
 *
 * @module
 */
import { selectBackend } from "../lib/backend/select_backend.ts";
import { join } from "node:path";
import { resolveConfig, runId } from "../lib/experiment/config.ts";
import { loadData } from "../lib/experiment/load_data.ts";
import { isFinishedRun } from "../lib/run/run_folder.ts";
import { runExperiment } from "../lib/experiment/run_experiment.ts";
import {
  configFromFlags,
  EXPERIMENT_FLAGS,
  EXPERIMENT_HELP,
  printRecord,
} from "./_experiment_flags.ts";
import { numberFlag, parseFlags, progress, runTask } from "./_cli.ts";

const HELP = `Usage: deno task train --data <path|synthetic|fashion-mnist> [options]

Trains an embedding network with a metric-learning loss, classifies the test split by
k-nearest-neighbour (Euclidean) against the training split, and writes the run folder
<out>/<id>/ (config.json, metrics.jsonl, embeddings, model, summary.json). Prints the
run folder on the last line of standard output.

${EXPERIMENT_HELP}
  --out DIR              runs folder (default runs)
  --backend NAME         auto|tensorflow|wasm|webgpu|cpu (default auto)
  --threads N            wasm threads (default 1)
  --eval-every N         k=1 test accuracy every N epochs (default 0: only at the end)
  --force                retrain even if a finished run with this config exists
  --quiet                no progress output
  --json                 print summary.json instead of the folder path
  -h, --help             this help

Exit codes: 0 done, 1 failed (bad data, diverged), 2 bad usage.`;

await runTask(async () => {
  const { values } = parseFlags({
    ...EXPERIMENT_FLAGS,
    out: { type: "string", default: "runs" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string" },
    "eval-every": { type: "string" },
    force: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const config = resolveConfig(configFromFlags(values));
  const threads = numberFlag("threads", values.threads, 1);
  const evalEvery = numberFlag("eval-every", values["eval-every"], 0);
  // Data first: bad data must fail before anything is printed or written.
  const finished = !values.force && await isFinishedRun(join(values.out!, runId(config)));
  const dataset = finished ? undefined : await loadData(config);
  const backend = await selectBackend(values.backend, { threads });
  const quiet = values.quiet;
  if (!quiet) console.error(backend.reason);
  for (const w of backend.warnings) console.error(`warning: ${w}`);
  const bar = progress("train", quiet);
  const result = await runExperiment(config, {
    out: values.out!,
    backend,
    force: values.force,
    dataset,
    evalEvery,
    onProgress: bar.update,
    onRecord: (r) => {
      if (!quiet) printRecord(r);
    },
  });
  bar.done();
  for (const w of result.warnings) console.error(`warning: ${w}`);
  if (result.skipped && !quiet) {
    console.error(`already finished: ${result.dir} (use --force to train again)`);
  }
  console.log(values.json ? JSON.stringify(result.summary, null, 2) : result.dir);
});
