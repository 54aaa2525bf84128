/**
 * The `accuracy` section of the reference vectors: k-NN classification, retrieval metrics
 * and clustering scores.
 *
 * @module
 */
import type { CheckCounts } from "./_counts.ts";

/**
 * Checks the `accuracy` section of one reference file.
 *
 * NOT WIRED YET: lib/eval/ (k-NN classification, precision@1, R-precision, MAP@R, MAP, MRR,
 * NMI, AMI) is being written in parallel. Until it is connected here, every entry of the
 * section (each `calculator` configuration, each `knn_classification` k, `clustering`)
 * counts as one SKIPPED check with a line naming it; none counts as passed.
 *
 * @param json The parsed reference file.
 * @param file The file name, for the lines.
 * @returns The counts and one line per skipped entry.
 *
 * @example
 * ```ts
 * import { checkAccuracy } from "./check_accuracy.ts";
 * const r = checkAccuracy({ accuracy: { calculator: { "cosine__k_5": {} } } }, "x.json");
 * if (r.skipped !== 1 || r.passed !== 0) throw new Error();
 * ```
 */
export function checkAccuracy(json: Record<string, unknown>, file: string): CheckCounts {
  const result: CheckCounts = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const acc = json.accuracy as Record<string, unknown> | undefined;
  if (acc === undefined || acc === null || typeof acc !== "object") return result;
  const skip = (what: string) => {
    result.skipped++;
    result.lines.push(`SKIP ${file}: accuracy.${what}: accuracy checks are not wired to lib/eval yet`);
  };
  for (const section of ["calculator", "knn_classification"]) {
    const entries = acc[section];
    if (entries && typeof entries === "object") {
      for (const key of Object.keys(entries)) skip(`${section}.${key}`);
    }
  }
  if (acc.clustering !== undefined) skip("clustering");
  return result;
}
