/**
 * `deno task embed --run <dir> --images <folder or files...>`: embed new images with a
 * run's network and classify them by k-NN against the run's training embeddings.
 *
 * @module
 */
import { selectBackend } from "../lib/backend/select_backend.ts";
import { embedImages } from "../lib/experiment/embed_images.ts";
import { numberFlag, parseFlags, runTask, UsageError } from "./_cli.ts";

const HELP = `Usage: deno task embed --run <dir> --images <folder or file> [more files...] [--k 5]

Embeds image files (PNG/JPEG; a folder is searched recursively) with the run's saved
network and predicts each one's class by k-NN (Euclidean, majority vote, smallest label
on ties) against the run's training embeddings. Corrupt images are skipped with a warning.

Options:
  --run DIR        the run folder (required; needs model/ and embeddings/)
  --images PATH    an image file or folder (repeatable; further paths may follow)
  --k N            neighbours that vote (default 5)
  --backend NAME   auto|tensorflow|onednn|blas|wasm|webgpu|cpu (default auto)
  --json           print the rows as JSON
  -h, --help       this help

Exit codes: 0 done, 1 failed (missing run or image path), 2 bad usage.`;

await runTask(async () => {
  const { values, positionals } = parseFlags({
    run: { type: "string" },
    images: { type: "string", multiple: true },
    k: { type: "string" },
    backend: { type: "string", default: "auto" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (!values.run) throw new UsageError("Missing --run: give a run folder");
  const paths = [...(values.images ?? []), ...positionals];
  if (!paths.length) throw new UsageError("Missing --images: give image files or a folder");
  const k = numberFlag("k", values.k, 5);
  const backend = await selectBackend(values.backend);
  for (const w of backend.warnings) console.error(`warning: ${w}`);
  const { rows, warnings } = await embedImages(values.run, paths, { k });
  for (const w of warnings) console.error(`warning: ${w}`);
  if (values.json) return void console.log(JSON.stringify(rows, null, 2));
  const header = ["file", "predicted", "distance", "neighbours"];
  const cells = rows.map((r) => [
    r.file,
    r.predicted,
    r.distance.toFixed(4),
    r.neighbors.map((n) => n.className).join(","),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(widths[i])).join("  ").trimEnd();
  console.log([header, ...cells].map(line).join("\n"));
});
