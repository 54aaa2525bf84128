/**
 * Embedding networks: {@linkcode createEmbeddingNet} (small convolutional networks, the
 * `conv64` and `conv28` architectures, with named variables and any embedding dimension),
 * {@linkcode embedDataset} (inference in batches to a flat `Float32Array`, read back
 * asynchronously), and saving and
 * loading with {@linkcode serializeModel} and {@linkcode deserializeModel}.
 *
 * ```ts
 * import { createEmbeddingNet, embedDataset } from "./mod.ts";
 * const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 3 });
 * const data = { source: "x", images: new Uint8Array(2 * 64), labels: new Int32Array(2),
 *   classNames: ["a"], height: 8, width: 8, channels: 1, warnings: [] };
 * if ((await embedDataset(net, data, new Int32Array([0, 1]))).length !== 6) throw new Error();
 * net.dispose();
 * ```
 *
 * @module
 */
export * from "./embed.ts";
export * from "./embedding_net.ts";
export * from "./serialize.ts";
