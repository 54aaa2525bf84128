/**
 * Experiments end to end: configuration, data resolution, one run, sweeps, evaluation
 * of a run folder.
 *
 * @module
 */
export * from "./config.ts";
export * from "./evaluate_run.ts";
export * from "./load_data.ts";
export * from "./run_experiment.ts";
export * from "./sweep.ts";
export * from "./load_run_model.ts";
export * from "./embed_images.ts";
export * from "./export_run.ts";
export * from "./analyze_run.ts";
