/**
 * Datasets and batches: loading class folders ({@linkcode loadFolderDataset}, with a decode
 * cache), IDX files such as Fashion-MNIST ({@linkcode loadIdxDataset}) and the built-in
 * synthetic traffic signs ({@linkcode generateSynthetic}); image decoding, resizing and
 * augmentation; the per-class split ({@linkcode stratifiedSplit}); class-balanced and random
 * batch samplers; class hierarchies (TSV files, TT100K's and the synthetic set's built in).
 *
 * ```ts
 * import { generateSynthetic, stratifiedSplit } from "./mod.ts";
 * const data = generateSynthetic({ perClass: 5, size: 8, classes: ["pl50", "w57"] });
 * const { train, test } = stratifiedSplit(data.labels, { testFraction: 0.2, seed: 1 });
 * if (train.length !== 8 || test.length !== 2) throw new Error("wrong split");
 * ```
 *
 * @module
 */
export * from "./batch.ts";
export * from "./decode_cache.ts";
export * from "./folder_dataset.ts";
export * from "./hierarchy.ts";
export * from "./idx.ts";
export * from "./image_decode.ts";
export * from "./resize.ts";
export * from "./sampler.ts";
export * from "./split.ts";
export * from "./synthetic.ts";
export * from "./tt100k.ts";
export * from "./augment.ts";
