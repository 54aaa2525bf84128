/**
 * Experiments end to end: the configuration ({@linkcode resolveConfig},
 * {@linkcode lossConfig}, {@linkcode minerConfig}, {@linkcode runId}), data resolution
 * ({@linkcode loadData}), one run ({@linkcode runExperiment}), sweeps
 * ({@linkcode expandSweep}), and what is done with a finished run folder: evaluation,
 * class-structure analysis, loading its network, embedding new images, exporting.
 *
 * ```ts
 * import { lossConfig, minerConfig, resolveConfig, runId } from "./mod.ts";
 * const config = resolveConfig({
 *   data: "synthetic",
 *   loss: lossConfig("triplet", { margin: 0.1 }),
 *   miner: minerConfig("semihard"),
 *   dim: 16,
 * });
 * if (config.epochs !== 10 || runId(config) !== runId({ ...config })) throw new Error();
 * ```
 *
 * @module
 */
export * from "./config.ts";
export * from "./evaluate_run.ts";
export * from "./load_data.ts";
export * from "./run_experiment.ts";
export * from "./run_record.ts";
export * from "./sweep.ts";
export * from "./load_run_model.ts";
export * from "./embed_images.ts";
export * from "./export_run.ts";
export * from "./analyze_run.ts";
