/**
 * `deno task demo`: the main job on the built-in default. Sweeps {contrastive, triplet} x
 * {no mining, semihard mining} on the synthetic traffic signs and prints a comparison.
 *
 * @module
 */
import { selectBackend } from "../lib/backend/select_backend.ts";
import { expandSweep } from "../lib/experiment/sweep.ts";
import { join, resolve } from "node:path";
import { projectRun, readProjections } from "../lib/projection/project_run.ts";
import { buildReport } from "../lib/report/build_report.ts";
import { numberFlag, parseFlags, progress, runTask } from "./_cli.ts";
import { runCells } from "./_sweep_runner.ts";
import { comparisonTable } from "./_table.ts";

/**
 * The demo grid. The signs are rendered at 32x32 (the exercise's crops are 64x64) so that
 * four runs fit in a few minutes on two cores; `deno task train --data synthetic` trains
 * on 64x64.
 */
export const DEMO_SWEEP = {
  data: "synthetic",
  losses: ["contrastive", "triplet"],
  miners: ["none", "semihard"],
  dims: [32],
  seeds: [0],
  imageSize: 32,
  syntheticPerClass: 40,
  epochs: 8,
};

/** t-SNE (Barnes-Hut) projects up to this many points per split: every demo point. */
export const DEMO_TSNE_MAX = 2000;

const HELP =
  `Usage: deno task demo [--out runs] [--site reports/site] [--epochs 8] [--backend auto] [--threads N] [--quiet]

Trains {contrastive, triplet} x {no mining, semihard mining} embeddings (d=32) on the
built-in synthetic traffic signs (37 classes in a 3-level hierarchy, rendered at 32x32),
classifies the test split by k-NN against the training split, prints a comparison table,
projects each run (PCA, UMAP and t-SNE of every point, up to ${DEMO_TSNE_MAX} per split) and builds the
static report. Finished runs and projections are reused, so a second demo is quick.

Options:
  --out DIR       runs folder (default runs)
  --site DIR      where the report goes (default reports/site)
  --epochs N      epochs per run (default ${DEMO_SWEEP.epochs})
  --backend NAME  auto|tensorflow|onednn|blas|wasm|webgpu|cpu (default auto)
  --threads N     threads: onednn and blas (default: the cores, at most 8) or wasm (default 1)
  --quiet         no progress output
  -h, --help      this help`;

await runTask(async () => {
  const { values } = parseFlags({
    out: { type: "string", default: "runs" },
    site: { type: "string", default: "reports/site" },
    epochs: { type: "string" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string" },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  const cells = expandSweep({
    ...DEMO_SWEEP,
    epochs: numberFlag("epochs", values.epochs, DEMO_SWEEP.epochs),
  });
  const backend = await selectBackend(values.backend, {
    threads: values.threads === undefined ? undefined : numberFlag("threads", values.threads, 1),
  });
  if (!values.quiet) console.error(`${backend.reason}, ${backend.threads} thread(s)`);
  for (const w of backend.warnings) console.error(`warning: ${w}`);
  const started = performance.now();
  const results = await runCells(cells, values.out!, backend, values.quiet);
  console.log(comparisonTable(results.map((r) => r.summary)));
  for (const [i, { dir }] of results.entries()) {
    if (await readProjections(dir)) continue;
    const bar = progress(`[${i + 1}/${results.length}] projections`, values.quiet);
    const { warnings } = await projectRun(dir, {
      tsneMax: DEMO_TSNE_MAX,
      onProgress: (p) => bar.update(p.done, p.total),
    });
    bar.done();
    if (!values.quiet) { for (const w of warnings) console.error(`note: ${w}`); }
  }
  const report = await buildReport({ runs: values.out!, out: values.site! });
  for (const w of report.warnings) console.error(`warning: ${w}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`\n${results.length} runs in ${values.out}/, report built (${seconds} s in all)`);
  console.log(`report: ${resolve(join(values.site!, "index.html"))}`);
  console.log(`serve it: deno task serve --dir ${values.site}`);
});
