/**
 * `deno task slides --runs DIR --out DIR`: the exercise's slide deck from finished runs
 * (Marp markdown, one SVG and PNG per figure, a self-contained HTML deck and a PDF).
 *
 * @module
 */
import { resolve } from "node:path";
import { readHierarchy } from "../lib/data/hierarchy.ts";
import { buildSlides } from "../lib/report/build_slides.ts";
import { parseFlags, runTask, UsageError } from "./_cli.ts";

const HELP =
  `Usage: deno task slides --runs DIR [--out slides] [--data NAME] [--hierarchy FILE] [--no-pdf]

Writes the exercise's presentation from the finished runs in DIR: slides.md (Marp
markdown with speaker notes), figures/*.svg and *.png, slides.html (one offline page)
and slides.pdf (printed with headless Chromium, one page per slide; skipped with a note
where Chromium is missing). The numbers come from the same findings as the report.

Options:
  --runs DIR        the runs folder (required)
  --out DIR         where the deck goes (default slides)
  --data NAME       the dataset to present when DIR holds runs of several
  --hierarchy FILE  a class-hierarchy TSV overriding the runs' own
  --no-pdf          do not print slides.pdf
  --no-images       do not load the data again for the classes' sample images
  -h, --help        this help`;

await runTask(async () => {
  const { values } = parseFlags({
    runs: { type: "string" },
    out: { type: "string", default: "slides" },
    data: { type: "string" },
    hierarchy: { type: "string" },
    "no-pdf": { type: "boolean", default: false },
    "no-images": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (!values.runs) throw new UsageError("Missing --runs: give the folder that holds the runs");
  try {
    await Deno.stat(values.runs);
  } catch {
    throw new Deno.errors.NotFound(`Cannot read runs "${values.runs}": folder not found`);
  }
  const hierarchy = values.hierarchy ? await readHierarchy(values.hierarchy) : undefined;
  const result = await buildSlides({
    runs: values.runs,
    out: values.out!,
    data: values.data,
    hierarchy,
    pdf: !values["no-pdf"],
    images: !values["no-images"],
  });
  for (const w of result.warnings) console.error(`note: ${w}`);
  console.log(`${result.slides} slides: ${resolve(values.out!, "slides.html")}`);
  for (const f of result.files) console.log(`  ${f}`);
});
