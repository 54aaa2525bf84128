/**
 * `deno task export --run <dir> --format projector|npy|csv [--out DIR]`: export a run
 * for the TensorBoard Embedding Projector, NumPy or a spreadsheet.
 *
 * @module
 */
import { EXPORT_FORMATS, type ExportFormat, exportRun } from "../lib/experiment/export_run.ts";
import { parseFlags, runTask, UsageError } from "./_cli.ts";

const HELP = `Usage: deno task export --run <dir> --format projector|npy|csv [--out DIR]

Formats:
  projector   tensors.tsv, metadata.tsv, sprite.png, projector_config.json/.pbtxt
              (load them at https://projector.tensorflow.org or in TensorBoard)
  npy         train/test_embeddings.npy (<f4, n x dim), train/test_labels.npy (<i4)
  csv         metrics.csv (one row per epoch) and summary.csv (the test metrics)

Options:
  --run DIR       the run folder (required)
  --format NAME   projector|npy|csv (required)
  --out DIR       where to write (default <run>/export-<format>)
  -h, --help      this help

Exit codes: 0 done, 1 failed (missing run files), 2 bad usage.`;

await runTask(async () => {
  const { values } = parseFlags({
    run: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (!values.run) throw new UsageError("Missing --run: give a run folder");
  if (!values.format) throw new UsageError(`Missing --format: ${EXPORT_FORMATS.join("|")}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(values.format)) {
    throw new UsageError(
      `Unknown --format "${values.format}": expected one of ${EXPORT_FORMATS.join(", ")}`,
    );
  }
  const result = await exportRun(values.run, values.format as ExportFormat, { out: values.out });
  for (const w of result.warnings) console.error(`warning: ${w}`);
  for (const f of result.files) console.log(`${result.dir}/${f}`);
});
