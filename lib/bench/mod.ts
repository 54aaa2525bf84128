/**
 * Benchmarks: network throughput, k-NN and decoding times.
 *
 * @module
 */
export * from "./extras.ts";
export * from "./throughput.ts";
