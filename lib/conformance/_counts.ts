/**
 * The tally type of the conformance checks.
 *
 * @module
 */

/** Counts of checks and one line per failed or skipped check. */
export interface CheckCounts {
  passed: number;
  failed: number;
  skipped: number;
  lines: string[];
}
