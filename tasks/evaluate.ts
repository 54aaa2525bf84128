/**
 * `deno task evaluate --run <dir>`: recompute a run's metrics from its saved embeddings.
 *
 * @module
 */
import { readHierarchy } from "../lib/data/hierarchy.ts";
import { analyzeRunFolder } from "../lib/experiment/analyze_run.ts";
import { evaluateRunFolder } from "../lib/experiment/evaluate_run.ts";
import { numberFlag, parseFlags, runTask, UsageError } from "./_cli.ts";

const HELP = `Usage: deno task evaluate --run <dir> [--k 1,5] [--json]

Recomputes k-NN accuracy (test against train, Euclidean) and retrieval metrics from the
run's saved embeddings; rewrites evaluation.json and the test figures of summary.json; and
writes analysis.json: silhouette, neighbour label share, centroid distances and their
average-linkage tree, and their correlation with the class hierarchy (Mantel test).

Options:
  --run DIR     the run folder (required)
  --k LIST      k values, comma-separated (default: the run's)
  --hierarchy F class hierarchy TSV (class, top, family, value, meaning) for the
                class-structure analysis (default: the run's own, if any)
  --permutations N  Mantel test permutations, seeded by the run's seed (default 999)
  --json        print the metrics as JSON
  -h, --help    this help

Exit codes: 0 done, 1 failed (missing or corrupt run files), 2 bad usage.`;

await runTask(async () => {
  const { values } = parseFlags({
    run: { type: "string" },
    k: { type: "string" },
    hierarchy: { type: "string" },
    permutations: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (!values.run) throw new UsageError("Missing --run: give a run folder");
  const ks = values.k?.split(",").map((s) => numberFlag("k", s, 0));
  const hierarchy = values.hierarchy ? await readHierarchy(values.hierarchy) : undefined;
  // Every flag is checked before evaluation.json and summary.json are rewritten.
  const permutations = numberFlag("permutations", values.permutations, 999);
  if (!Number.isInteger(permutations) || permutations < 1) {
    throw new RangeError(`Invalid --permutations ${permutations}: must be a positive integer`);
  }
  const result = await evaluateRunFolder(values.run, ks);
  const analysis = await analyzeRunFolder(values.run, { hierarchy, permutations });
  if (values.json) {
    return void console.log(JSON.stringify({ ...result.test, analysis }, null, 2));
  }
  for (const [k, acc] of Object.entries(result.test.knnAccuracy)) {
    console.log(`k-NN accuracy (k=${k}): ${(100 * acc).toFixed(2)}%`);
  }
  console.log(`precision@1: ${(100 * result.test.precisionAt1).toFixed(2)}%`);
  console.log(`R-precision: ${(100 * result.test.rPrecision).toFixed(2)}%`);
  console.log(`MAP@R: ${(100 * result.test.meanAveragePrecisionAtR).toFixed(2)}%`);
  const fmt = (v: number | null | undefined) => (v == null ? "-" : v.toFixed(3));
  console.log(`silhouette (test): ${fmt(analysis.test.silhouette?.overall)}`);
  const corr = analysis.test.hierarchyCorrelation;
  if (corr) {
    console.log(
      `centroid distance vs class-tree distance (test): Spearman ${
        fmt(corr.spearman)
      }, Mantel p = ${fmt(corr.mantelPValue)} (${corr.permutations} permutations)`,
    );
  }
});
