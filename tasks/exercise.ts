/**
 * `deno task exercise`: the whole exercise from one command. Runs the grid (resumable as a
 * sweep), projects the best run of each loss and miner, builds the report with
 * `findings.json` and the slide deck, and prints where they are.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { selectBackend } from "../lib/backend/select_backend.ts";
import { datasetKey, loadData } from "../lib/experiment/load_data.ts";
import { projectRun, readProjections } from "../lib/projection/project_run.ts";
import { buildReport } from "../lib/report/build_report.ts";
import { buildSlides } from "../lib/report/build_slides.ts";
import { writeJsonAtomic } from "../lib/run/run_folder.ts";
import type { Json } from "../lib/types.ts";
import {
  formatSeconds,
  Interrupted,
  interruptSignal,
  numberFlag,
  parseFlags,
  runTask,
} from "./_cli.ts";
import {
  type CellDone,
  type CellHeld,
  checkHierarchies,
  readGrid,
  runCells,
  runCellsInProcesses,
  threadsPerJob,
} from "./_sweep_runner.ts";
import { describeHolder } from "../lib/run/run_claim.ts";
import { comparisonTable } from "./_table.ts";

// A path, not a URL's pathname: a checkout in a folder with a space in its name still works.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The full grid, for a folder of class folders or fashion-mnist. */
export const EXERCISE_CONFIG = join(ROOT, "experiments/exercise.json");
/** The reduced grid for the built-in synthetic signs (fits in minutes on 2 cores). */
export const EXERCISE_SYNTHETIC_CONFIG = join(ROOT, "experiments/exercise-synthetic.json");

const HELP =
  `Usage: deno task exercise [--data DIR|synthetic|fashion-mnist] [--config FILE] [--out DIR] [--jobs N]

The whole exercise: trains the grid (contrastive and triplet x no mining and semihard
mining x d = 8, 16, 32 x seeds), classifies each test split by k-NN against its training
split, projects the best run of each loss and miner (t-SNE, UMAP, PCA; train and test
apart), answers the exercise's questions with intervals and verdicts (findings.json), and
writes the report and the slides:
  <out>/runs     the run folders          <out>/site     the report (findings.html, findings.json)
  <out>/slides   slides.md (Marp), figures/, slides.html, slides.pdf
Run the same command again after Ctrl-C or a crash: finished runs are kept, an unfinished
one resumes from its checkpoint.

Options:
  --data D         a folder of class folders, synthetic (default) or fashion-mnist
  --config FILE    the grid (default experiments/exercise.json: 2 losses x 2 miners x
                   3 dims x 3 seeds, 10 epochs; for synthetic data without --config,
                   experiments/exercise-synthetic.json: 1 seed, 8 epochs, 32x32 images)
  --out DIR        where runs/, site/ and slides/ go (default exercise)
  --epochs N       replaces the grid's epochs
  --hierarchy H    auto (default), none, or a class-hierarchy TSV file
  --jobs N         runs at a time, each in its own process (default 1)
  --backend NAME   auto|tensorflow|onednn|blas|wasm|webgpu|cpu (default auto)
  --threads N      threads per run
  --no-pdf         do not print slides.pdf
  --quiet          no progress output
  -h, --help       this help

Exit codes: 0 done, 1 failed, 2 bad usage, 130 interrupted (rerun to continue).`;

await runTask(async () => {
  const { values } = parseFlags({
    data: { type: "string" },
    config: { type: "string" },
    out: { type: "string", default: "exercise" },
    epochs: { type: "string" },
    hierarchy: { type: "string" },
    jobs: { type: "string" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string" },
    "no-pdf": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  const data = values.data ?? "synthetic";
  const file = values.config ??
    (data === "synthetic" ? EXERCISE_SYNTHETIC_CONFIG : EXERCISE_CONFIG);
  const overrides: Record<string, Json> = { data };
  if (values.epochs) overrides.epochs = numberFlag("epochs", values.epochs, 0);
  if (values.hierarchy) overrides.hierarchy = values.hierarchy;
  const { sweep, cells } = await readGrid(file, overrides, "grid");
  // Bad input fails here, in one line, before anything is written: a hierarchy file that
  // cannot be read, data that cannot be loaded (a folder is decoded once, into the cache).
  await checkHierarchies(cells);
  const loaded = new Set<string>();
  for (const cell of cells) {
    if (loaded.has(datasetKey(cell))) continue;
    loaded.add(datasetKey(cell));
    await loadData(cell);
  }
  const out = values.out!, runs = join(out, "runs");
  const jobs = values.jobs === undefined ? 1 : numberFlag("jobs", values.jobs, 1);
  const given = values.threads === undefined ? undefined : numberFlag("threads", values.threads, 1);
  const threads = threadsPerJob(given, jobs);
  const backend = await selectBackend(values.backend, { threads });
  const quiet = values.quiet;
  const say = (line: string) => quiet || console.error(line);
  say(`${backend.reason}, ${backend.threads} thread(s); ${cells.length} runs into ${runs}/`);
  for (const w of backend.warnings) say(`warning: ${w}`);
  // The resolved grid is kept beside the runs: --jobs children read it, and it records
  // what the exercise ran.
  await Deno.mkdir(runs, { recursive: true });
  const gridFile = join(out, "exercise.json");
  await writeJsonAtomic(gridFile, { ...sweep, out: runs });
  const started = performance.now();
  let done = 0, trained = 0;
  const onCellDone = ({ skipped }: CellDone) => {
    done++;
    if (!skipped) trained++;
    const perRun = (performance.now() - started) / 1000 / Math.max(trained, 1);
    const eta = trained ? formatSeconds(perRun * (cells.length - done)) : "?";
    say(
      `exercise: ${done}/${cells.length} runs done, grid ETA ${eta}; then projections, report and slides`,
    );
  };
  // Runs another live process holds (a second exercise or sweep on the same folder) are
  // left to it; the findings use the finished ones.
  const held: string[] = [];
  const claims = {
    onHeld: (h: CellHeld) => held.push(`${h.dir} (${describeHolder(h.holder)})`),
  };
  const signal = interruptSignal();
  const script = join(ROOT, "tasks/sweep.ts");
  const results = jobs > 1
    ? await runCellsInProcesses(cells, runs, {
      jobs,
      backend,
      quiet,
      signal,
      onCellDone,
      claims,
      childArgs: (index) => [
        "run",
        "-A",
        script,
        "--config",
        gridFile,
        "--out",
        runs,
        "--backend",
        values.backend!,
        "--threads",
        String(backend.threads),
        "--cell",
        String(index),
        ...(quiet ? ["--quiet"] : []),
      ],
    })
    : await runCells(cells, runs, backend, quiet, signal, {}, undefined, onCellDone, claims);
  for (const h of held) say(`note: ${h} is still training elsewhere; rerun to include it`);
  if (!quiet) console.log(comparisonTable(results.map((r) => r.summary)));
  // The best run (k=1 accuracy) of each loss and miner is projected for the pages and slides.
  const best = new Map<string, (typeof results)[number]>();
  const acc = (r: (typeof results)[number]) =>
    Number(
      ((r.summary.test as Record<string, Json>)?.knnAccuracy as Record<string, Json>)?.["1"] ?? -1,
    );
  for (const r of results) {
    const key = `${r.summary.loss}/${r.summary.miner}`;
    if (!best.has(key) || acc(r) > acc(best.get(key)!)) best.set(key, r);
  }
  const toProject = [...best.values()];
  for (const [i, r] of toProject.entries()) {
    if (await readProjections(r.dir)) continue;
    say(
      `exercise: projections ${i + 1}/${toProject.length} (${r.summary.loss} + ${r.summary.miner})`,
    );
    const { warnings } = await projectRun(r.dir);
    for (const w of warnings) say(`note: ${w}`);
    if (signal.aborted) {
      throw new Interrupted(
        "interrupted: the exercise stopped; rerun the same command to continue",
      );
    }
  }
  say("exercise: report and findings");
  const site = join(out, "site");
  const report = await buildReport({ runs, out: site });
  for (const w of report.warnings) say(`warning: ${w}`);
  say("exercise: slides");
  const slides = await buildSlides({
    runs,
    out: join(out, "slides"),
    findings: report.findings,
    pdf: !values["no-pdf"],
  });
  for (const w of slides.warnings) say(`note: ${w}`);
  const seconds = formatSeconds((performance.now() - started) / 1000);
  console.log(`\nThe exercise's answers (${seconds}):`);
  for (const q of report.findings.questions) console.log(`- ${q.question} ${q.answer}`);
  for (const n of report.findings.notes) console.log(`  note: ${n}`);
  console.log(`\nruns:     ${resolve(runs)}`);
  console.log(`report:   ${resolve(site, "findings.html")} (deno task serve --dir ${site})`);
  console.log(`findings: ${resolve(site, "findings.json")}`);
  console.log(
    `slides:   ${
      resolve(out, "slides", "slides.html")
    } (${slides.slides} slides; slides.md, slides.pdf, figures/)`,
  );
});
