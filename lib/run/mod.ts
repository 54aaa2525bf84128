/**
 * The run folder and its atomic writers, and the claim that keeps two processes from
 * training one run at once.
 *
 * @module
 */
export * from "./run_folder.ts";
export * from "./run_claim.ts";
