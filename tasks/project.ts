/**
 * `deno task project --run <dir>`: PCA, UMAP and t-SNE of a run's train and test
 * embeddings, written to `<dir>/projections.json`.
 *
 * @module
 */
import {
  PROJECTION_METHODS,
  type ProjectionMethod,
  projectRun,
} from "../lib/projection/project_run.ts";
import { numberFlag, parseFlags, progress, runTask, UsageError } from "./_cli.ts";

const HELP = `Usage: deno task project --run <dir> [--methods pca,umap,tsne] [--tsne-max 1000]

Projects the run's train and test embeddings (each on its own) to 2-D and writes
<dir>/projections.json. PCA uses every point; UMAP every point up to --umap-max; t-SNE
(exact, quadratic: about 12 minutes for 2,000 points on 2 cores) a stratified
subsample of at most --tsne-max points. Seeded: the same seed gives the same file.

Options:
  --run DIR          the run folder (required)
  --methods LIST     comma-separated, of pca, umap, tsne (default: pca,umap,tsne)
  --tsne-max N       most points per split for t-SNE (default: 1000)
  --umap-max N       most points per split for UMAP (default: 10000)
  --seed N           seed of subsamples, UMAP and t-SNE (default: 0)
  --quiet            no progress
  -h, --help         this help

Exit codes: 0 done, 1 failed (missing or corrupt run files), 2 bad usage.`;

await runTask(async () => {
  const { values } = parseFlags({
    run: { type: "string" },
    methods: { type: "string", default: PROJECTION_METHODS.join(",") },
    "tsne-max": { type: "string" },
    "umap-max": { type: "string" },
    seed: { type: "string" },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (!values.run) throw new UsageError("Missing --run: give a run folder");
  const methods = values.methods.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = methods.find((m) => !PROJECTION_METHODS.includes(m as ProjectionMethod));
  if (unknown !== undefined || methods.length === 0) {
    throw new UsageError(
      `Invalid --methods "${values.methods}": use ${PROJECTION_METHODS.join(", ")}`,
    );
  }
  const count = (flag: string, value: string | undefined, fallback: number) => {
    const n = numberFlag(flag, value, fallback);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(`Invalid --${flag} "${value}": give a positive integer`);
    }
    return n;
  };
  const tsneMax = count("tsne-max", values["tsne-max"], 1000);
  const umapMax = count("umap-max", values["umap-max"], 10000);
  const seed = numberFlag("seed", values.seed, 0);
  let bar: ReturnType<typeof progress> | undefined;
  let current = "";
  const { path, warnings } = await projectRun(values.run, {
    methods: methods as ProjectionMethod[],
    tsneMax,
    umapMax,
    seed,
    onProgress: ({ split, method, done, total }) => {
      if (`${split} ${method}` !== current) {
        bar?.done();
        current = `${split} ${method}`;
        bar = progress(current, values.quiet);
      }
      bar!.update(done, total);
    },
  });
  bar?.done();
  for (const warning of warnings) console.error(`warning: ${warning}`);
  console.log(path);
});
