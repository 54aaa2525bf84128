/**
 * Two-dimensional views of an embedding: PCA (exact), UMAP (umap-js's algorithm on exact
 * neighbours and typed arrays) and t-SNE (exact with tsne-js for small sets, FFT-accelerated
 * or Barnes-Hut for large ones), all seeded, and the projections of a run folder
 * (`projections.json`). FFT t-SNE shares each iteration's work with worker threads (the
 * same layout on any number of them); the exact neighbour searches use the system BLAS
 * where it loads.
 *
 * ```ts
 * import { projectPca, stratifiedSubsample } from "./mod.ts";
 * const { x } = projectPca({ data: new Float64Array([0, 0, 1, 1, 2, 2]), rows: 3, dim: 2 });
 * const rows = stratifiedSubsample(new Int32Array([0, 0, 1, 1]), 2, 0);
 * if (x.length !== 3 || rows.length !== 2) throw new Error("wrong");
 * ```
 *
 * @module
 */
export * from "./pca.ts";
export * from "./umap.ts";
export * from "./tsne.ts";
export * from "./tsne_bh.ts";
export * from "./tsne_fft.ts";
export * from "./tsne_transform.ts";
export * from "./subsample.ts";
export * from "./project_run.ts";
