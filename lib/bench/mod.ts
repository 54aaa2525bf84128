/**
 * Benchmarks (not tests): training and inference throughput of the reference networks per
 * backend and thread count ({@linkcode measureThroughput}, with {@linkcode BENCH_NETWORKS}
 * and the PyTorch anchor), k-NN and projection times, and decoding a folder of PNGs with
 * and without the decode cache ({@linkcode runDecodeBench}). `deno task bench` runs them.
 *
 * @module
 */
export * from "./decode_bench.ts";
export * from "./extras.ts";
export * from "./throughput.ts";
