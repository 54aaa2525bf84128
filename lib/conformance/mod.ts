/**
 * Conformance with pytorch-metric-learning: runs the reference vectors against
 * metriclab's distances, miners and losses.
 *
 * @module
 */
export { type ConformanceResult, runConformance } from "./run_conformance.ts";
export { checkAccuracy } from "./check_accuracy.ts";
export type { CheckCounts } from "./_counts.ts";
