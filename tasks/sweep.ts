/**
 * `deno task sweep --config <file.json>`: run a grid of experiments one after another,
 * skipping finished runs, then print a comparison table.
 *
 * @module
 */
import { selectBackend } from "../lib/backend/select_backend.ts";
import { expandSweep, parseSweepText } from "../lib/experiment/sweep.ts";
import type { Json } from "../lib/types.ts";
import { interruptSignal, numberFlag, parseFlags, runTask, UsageError } from "./_cli.ts";
import { runCells } from "./_sweep_runner.ts";
import { comparisonTable } from "./_table.ts";

const HELP =
  `Usage: deno task sweep --config <file.json> [--data PATH] [--out runs] [--backend auto]

Runs every cell of the grid data x losses x miners x dims x seeds, one after another.
A cell whose run folder already holds summary.json is skipped and an incomplete one
continues from its last checkpoint, so a stopped sweep (Ctrl-C, a kill) continues where
it stopped when the same command is run again. Prints a comparison table at the end.

Sweep file: {"data": "synthetic" | [..], "losses": ["contrastive", {"name": "triplet", "margin": 0.1}],
  "miners": ["none", "batch-hard"], "dims": [8, 16, 32], "seeds": [0, 1, 2], "epochs": 10,
  "out": "runs", ...any other train option in camelCase (batchSize, learningRate, ks, ...)}

Options:
  --config FILE    the sweep file (required)
  --data PATH      replaces the file's "data"
  --out DIR        runs folder (default: the file's "out", else runs)
  --epochs N       replaces the file's "epochs"
  --backend NAME   auto|tensorflow|onednn|blas|wasm|webgpu|cpu (default auto)
  --threads N      threads: BLAS (default: the cores, at most 8) or wasm (default 1)
  --no-cache       decode image folders again instead of using the cache
  --quiet          no progress output
  --json           print the summaries as JSON instead of the table
  -h, --help       this help

Exit codes: 0 done, 1 failed, 2 bad usage, 130 interrupted (rerun to continue).`;

await runTask(async () => {
  const { values } = parseFlags({
    config: { type: "string" },
    data: { type: "string" },
    out: { type: "string" },
    epochs: { type: "string" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string" },
    "no-cache": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (!values.config) throw new UsageError("Missing --config: give a sweep JSON file");
  let text: string;
  try {
    text = await Deno.readTextFile(values.config);
  } catch {
    throw new UsageError(`Cannot read sweep "${values.config}": file not found`);
  }
  const sweep = parseSweepText(text, values.config);
  const overrides: Record<string, Json> = {};
  if (values.data) overrides.data = values.data;
  if (values.epochs) overrides.epochs = numberFlag("epochs", values.epochs, 0);
  const cells = expandSweep(sweep, overrides);
  const out = values.out ?? (typeof sweep.out === "string" ? sweep.out : "runs");
  const backend = await selectBackend(values.backend, {
    threads: values.threads === undefined ? undefined : numberFlag("threads", values.threads, 1),
  });
  if (!values.quiet) {
    console.error(
      `${backend.reason}, ${backend.threads} thread(s); ${cells.length} runs into ${out}/`,
    );
  }
  for (const w of backend.warnings) console.error(`warning: ${w}`);
  const results = await runCells(cells, out, backend, values.quiet, interruptSignal(), {
    cache: !values["no-cache"],
  });
  console.log(
    values.json
      ? JSON.stringify(results.map((r) => r.summary), null, 2)
      : comparisonTable(results.map((r) => r.summary)),
  );
});
