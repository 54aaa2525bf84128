/**
 * `deno task report --runs runs --out reports/site`: build the static report site.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { readHierarchy } from "../lib/data/hierarchy.ts";
import { buildReport } from "../lib/report/build_report.ts";
import { parseFlags, progress, runTask } from "./_cli.ts";

const HELP = `Usage: deno task report [--runs runs] [--out reports/site] [--compare id1,id2]

Builds a static, self-contained site from the finished runs under --runs: index.html (every run
in a sortable table, accuracy by loss x mining), compare.html and one page per run (loss curve,
accuracy per k and per class, confusion matrix, projections with an image explorer on hover and
click, nearest-neighbour gallery); each run's explorer data and sprite sheets go in runs/<id>/.
Unfinished or corrupt runs are skipped with a warning.

Options:
  --runs DIR         the folder of run folders (default: runs)
  --out DIR          where the site is written (default: reports/site)
  --compare LIST     run ids for compare.html, comma-separated (default: all runs of each dataset)
  --hierarchy FILE   a class hierarchy TSV (class, top, family, ...) for colouring projections
  --no-gallery       leave out the nearest-neighbour images and the explorer (no dataset is loaded)
  --quiet            print only the path of index.html
  -h, --help         this help

Exit codes: 0 done, 1 failed, 2 bad usage.`;

await runTask(async () => {
  const { values } = parseFlags({
    runs: { type: "string", default: "runs" },
    out: { type: "string", default: "reports/site" },
    compare: { type: "string" },
    hierarchy: { type: "string" },
    "no-gallery": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  const bar = progress("report", values.quiet);
  const started = performance.now();
  const result = await buildReport({
    runs: values.runs,
    out: values.out,
    compare: values.compare?.split(",").map((s) => s.trim()).filter(Boolean),
    hierarchy: values.hierarchy ? await readHierarchy(values.hierarchy) : null,
    gallery: !values["no-gallery"],
    onProgress: bar.update,
  });
  bar.done();
  if (!values.quiet) { for (const w of result.warnings) console.error(`warning: ${w}`); }
  const index = resolve(join(values.out, "index.html"));
  if (values.quiet) return void console.log(index);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${result.runs} run(s), ${result.pages.length} pages in ${seconds} s`);
  for (const q of result.findings.questions) console.log(`- ${q.question} ${q.answer}`);
  console.log(index);
  console.log(`findings: ${resolve(join(values.out, "findings.json"))}`);
  console.log(`serve it: deno task serve --dir ${values.out}`);
});
