/**
 * Benchmarks (not tests): training and inference throughput of the reference networks per
 * backend and thread count ({@linkcode measureThroughput}, with {@linkcode BENCH_NETWORKS}
 * ), the same networks in PyTorch run in turn with ours ({@linkcode compareThroughput},
 * {@linkcode measurePytorch}; the stored {@linkcode PYTORCH_ANCHOR} where torch is
 * absent), k-NN and projection times, and decoding a folder of PNGs with
 * and without the decode cache ({@linkcode runDecodeBench}). `deno task bench` runs them.
 *
 * @module
 */
export * from "./compare.ts";
export * from "./decode_bench.ts";
export * from "./extras.ts";
export * from "./pytorch.ts";
export * from "./throughput.ts";
