/**
 * Embedding networks: creation, inference, saving and loading.
 *
 * @module
 */
export * from "./embed.ts";
export * from "./embedding_net.ts";
export * from "./serialize.ts";
