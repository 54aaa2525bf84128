/**
 * The training loop: {@linkcode train} runs epochs of class-balanced batches through a
 * network, a loss and an optional miner, with Adam; it emits {@linkcode TrainRecord}s through the
 * `onRecord` callback, hands out checkpoints and resumes from a {@linkcode TrainState},
 * and does no I/O. See the quick start in the README for a complete run.
 *
 * @module
 */
export * from "./train.ts";
