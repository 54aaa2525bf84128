/**
 * The `accuracy` section of the reference vectors: k-NN neighbour order, AccuracyCalculator
 * metrics, sklearn k-NN classification and NMI/AMI, each checked through lib/eval.
 *
 * @module
 */
import type { CheckCounts } from "./_counts.ts";
import { checkAccuracySection } from "./_accuracy_checks.ts";

/**
 * Checks the `accuracy` section of one reference file.
 *
 * @param json The parsed reference file.
 * @param file The file name, for the lines.
 * @returns The counts and one line per failed check.
 *
 * @example
 * ```ts
 * import { checkAccuracy } from "./check_accuracy.ts";
 * const r = checkAccuracy({}, "x.json");
 * if (r.passed + r.failed + r.skipped !== 0) throw new Error("no section, no checks");
 * ```
 */
export function checkAccuracy(json: Record<string, unknown>, file: string): CheckCounts {
  const result: CheckCounts = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const acc = json.accuracy;
  if (acc === undefined || acc === null || typeof acc !== "object") return result;
  for (const check of checkAccuracySection(acc)) {
    if (check.ok) {
      result.passed++;
    } else {
      result.failed++;
      result.lines.push(
        `FAIL ${file}: accuracy.${check.name}${check.detail ? `: ${check.detail}` : ""}`,
      );
    }
  }
  return result;
}
