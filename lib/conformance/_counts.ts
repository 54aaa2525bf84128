/**
 * The tally type of the conformance checks.
 *
 * @module
 */

/** Counts of checks and one line per failed or skipped check. */
export interface CheckCounts {
  /** Number of checks that passed. */
  passed: number;
  /** Number of checks that failed. */
  failed: number;
  /** Number of checks skipped. */
  skipped: number;
  /** One line per failed or skipped check. */
  lines: string[];
}
