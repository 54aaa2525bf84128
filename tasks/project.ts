/**
 * `deno task project --run <dir>`: PCA, UMAP and t-SNE of a run's train and test
 * embeddings, and the test embeddings placed into each train map, written to
 * `<dir>/projections.json`.
 *
 * @module
 */
import {
  PROJECTION_METHODS,
  type ProjectionMethod,
  projectRun,
  TSNE_MAX_DEFAULT,
  UMAP_MAX_DEFAULT,
} from "../lib/projection/project_run.ts";
import { TSNE_METHODS, type TsneMethod } from "../lib/projection/tsne.ts";
import { numberFlag, parseFlags, progress, runTask, UsageError } from "./_cli.ts";

const HELP = `Usage: deno task project --run <dir> [--methods pca,umap,tsne] [--tsne-max N]

Projects the run's train and test embeddings (each on its own) to 2-D, places the test
points also into each train map (PCA: the train mean and axes; UMAP: umap-js transform;
t-SNE: optimised against the fixed train map), and writes <dir>/projections.json
(version 2; a 2-D embedding is also kept as is). PCA uses every point; UMAP every point
up to --umap-max; t-SNE every point up to --tsne-max (above it, a stratified subsample,
for the test points placed into the train map too): FFT-accelerated t-SNE (FIt-SNE),
about 8 s for 5,000 points and 40-55 s for 20,000, or exact t-SNE (tsne-js, quadratic:
about 3 minutes for 1,000 points) up to 200 points; Barnes-Hut (about 17 s for 5,000
points, 2 minutes for 20,000) on request. Seeded: the same seed gives the same file.

Options:
  --run DIR          the run folder (required)
  --methods LIST     comma-separated, of pca, umap, tsne (default: pca,umap,tsne)
  --tsne-max N       most points per split for t-SNE (default: ${TSNE_MAX_DEFAULT})
  --tsne-method M    exact, barnes-hut, fft or auto (exact up to 200 points, fft above;
                     default: auto)
  --umap-max N       most points per split for UMAP (default: ${UMAP_MAX_DEFAULT})
  --seed N           seed of subsamples, UMAP and t-SNE (default: 0)
  --quiet            no progress
  -h, --help         this help

Exit codes: 0 done, 1 failed (missing or corrupt run files), 2 bad usage.`;

await runTask(async () => {
  const { values } = parseFlags({
    run: { type: "string" },
    methods: { type: "string", default: PROJECTION_METHODS.join(",") },
    "tsne-max": { type: "string" },
    "tsne-method": { type: "string", default: "auto" },
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
  const tsneMax = count("tsne-max", values["tsne-max"], TSNE_MAX_DEFAULT);
  const tsneMethod = values["tsne-method"] as TsneMethod;
  if (!TSNE_METHODS.includes(tsneMethod)) {
    throw new UsageError(
      `Invalid --tsne-method "${tsneMethod}": use exact, barnes-hut, fft or auto`,
    );
  }
  const umapMax = count("umap-max", values["umap-max"], UMAP_MAX_DEFAULT);
  const seed = numberFlag("seed", values.seed, 0);
  let bar: ReturnType<typeof progress> | undefined;
  let current = "";
  const { path, warnings } = await projectRun(values.run, {
    methods: methods as ProjectionMethod[],
    tsneMax,
    tsneMethod,
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
