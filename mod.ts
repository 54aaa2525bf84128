/**
 * metriclab: deep metric learning in Deno and TypeScript, on tfjs, with
 * pytorch-metric-learning's semantics for distances, reducers, miners and losses.
 *
 * Load a dataset, split each class 80/20, train an embedding with a metric loss (with or
 * without mining), classify the test split by k-nearest-neighbour against the training
 * split, and keep everything in a run folder.
 *
 * ```ts ignore
 * import { lossConfig, minerConfig, resolveConfig, runExperiment, selectBackend } from "./mod.ts";
 *
 * const backend = await selectBackend("auto");
 * const config = resolveConfig({
 *   data: "../shared/data/tt100k-mini",
 *   loss: lossConfig("triplet", { margin: 0.1 }),
 *   miner: minerConfig("semihard"),
 *   dim: 32,
 *   epochs: 10,
 * });
 * const { dir, summary } = await runExperiment(config, { out: "runs", backend });
 * console.log(dir, summary.test);
 * ```
 *
 * @module
 */
export * from "./lib/types.ts";
export * from "./lib/random.ts";
export * from "./lib/backend/mod.ts";
export * from "./lib/data/mod.ts";
export * from "./lib/distances/mod.ts";
export * from "./lib/reducers/mod.ts";
export * from "./lib/miners/mod.ts";
export * from "./lib/losses/mod.ts";
export * from "./lib/model/mod.ts";
export * from "./lib/train/mod.ts";
export * from "./lib/eval/mod.ts";
export * from "./lib/run/mod.ts";
export * from "./lib/experiment/mod.ts";
export * from "./lib/conformance/mod.ts";
export * from "./lib/bench/mod.ts";
export * from "./lib/report/mod.ts";
export * from "./lib/projection/mod.ts";
export * from "./lib/slides/mod.ts";
