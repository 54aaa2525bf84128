/**
 * Conformance with pytorch-metric-learning 2.8.1: {@linkcode runConformance} checks
 * metriclab's distances, miners and losses (values and gradients) against the reference
 * vectors, {@linkcode checkAccuracy} its accuracy metrics, {@linkcode runXbmConformance}
 * its cross-batch memory against PML's `CrossBatchMemory` sequences; all return counts of
 * checks passed and failed.
 *
 * @module
 */
export { type ConformanceResult, runConformance } from "./run_conformance.ts";
export { checkAccuracy } from "./check_accuracy.ts";
export {
  hasXbmCases,
  runXbmConformance,
  XBM_CASES_FILE,
  type XbmConformanceResult,
} from "./xbm.ts";
export type { CheckCounts } from "./_counts.ts";
