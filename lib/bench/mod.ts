/**
 * Benchmarks: network throughput, k-NN and decoding times.
 *
 * @module
 */
export * from "./decode_bench.ts";
export * from "./extras.ts";
export * from "./throughput.ts";
