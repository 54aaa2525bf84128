/**
 * The training loop.
 *
 * @module
 */
export * from "./train.ts";
