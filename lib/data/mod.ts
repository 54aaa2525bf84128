/**
 * Datasets: class folders, IDX files and the synthetic traffic signs; image decoding and
 * resizing; the per-class split; class-balanced batches; class hierarchies, with TT100K's
 * built in.
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
