/**
 * metriclab: deep metric learning in Deno and TypeScript, on tfjs, with
 * pytorch-metric-learning's semantics for distances, reducers, miners and losses.
 *
 * Load a dataset, split each class 80/20, train an embedding with a metric loss (with or
 * without mining), classify the test split by k-nearest-neighbour against the training
 * split, and keep everything in a run folder:
 *
 * ```ts ignore
 * import { lossConfig, minerConfig, resolveConfig, runExperiment, selectBackend } from "./mod.ts";
 *
 * const backend = await selectBackend("auto");
 * const config = resolveConfig({
 *   data: "synthetic",
 *   loss: lossConfig("triplet", { margin: 0.1 }),
 *   miner: minerConfig("semihard"),
 *   dim: 32,
 *   epochs: 10,
 * });
 * const { dir, summary } = await runExperiment(config, { out: "runs", backend });
 * console.log(dir, summary.test);
 * ```
 *
 * This module re-exports every area; each is also a subpath of its own, to import only
 * the part needed (`@metriclab/metriclab/<area>`, the file `lib/<area>/mod.ts`):
 *
 * ```ts ignore
 * import { selectBackend } from "@metriclab/metriclab/backend"; // the tfjs backend
 * import { generateSynthetic } from "@metriclab/metriclab/data"; // datasets, split, samplers
 * import { lpDistance } from "@metriclab/metriclab/distances";
 * import { meanReducer } from "@metriclab/metriclab/reducers";
 * import { tripletMarginMiner } from "@metriclab/metriclab/miners";
 * import { tripletMarginLoss } from "@metriclab/metriclab/losses";
 * import { createEmbeddingNet } from "@metriclab/metriclab/model"; // networks, save/load
 * import { train } from "@metriclab/metriclab/train"; // the training loop
 * import { knnAccuracy } from "@metriclab/metriclab/eval"; // k-NN, retrieval, statistics
 * import { writeJsonAtomic } from "@metriclab/metriclab/run"; // the run folder
 * import { runExperiment } from "@metriclab/metriclab/experiment"; // config, runs, sweeps
 * import { runConformance } from "@metriclab/metriclab/conformance"; // against PML
 * import { measureThroughput } from "@metriclab/metriclab/bench";
 * import { buildReport } from "@metriclab/metriclab/report"; // the static site
 * import { projectUmap } from "@metriclab/metriclab/projection"; // PCA, UMAP, t-SNE
 * import { writeDeck } from "@metriclab/metriclab/slides"; // Marp decks, PDF
 * ```
 *
 * The shared contracts (`Distance`, `Reducer`, `Miner`, `MetricLoss`, `ImageDataset`, ...)
 * and the seeded random number generator are exported here only.
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
