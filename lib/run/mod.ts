/**
 * The run folder and its atomic writers.
 *
 * @module
 */
export * from "./run_folder.ts";
