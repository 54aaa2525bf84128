/**
 * The trained run's artefacts in its folder: the train and test embeddings with their
 * metadata, the model, and the loss's trainable weights (ArcFace's class weights,
 * ProxyAnchor's proxies) where it has some.
 *
 * @module
 */
import { join } from "node:path";
import type { ComponentConfig } from "../types.ts";
import { RUN_FILES, writeFloat32, writeJsonAtomic } from "./run_folder.ts";

/** What {@linkcode writeRunArtefacts} writes. */
export interface RunArtefacts {
  /** The embedding size. */
  dim: number;
  /** The class names, in label order. */
  classNames: string[];
  /** The dataset indices of the training split. */
  trainIndices: Int32Array | number[];
  /** The dataset indices of the test split. */
  testIndices: Int32Array | number[];
  /** The labels of the training split. */
  trainLabels: Int32Array;
  /** The labels of the test split. */
  testLabels: Int32Array;
  /** The training split's embeddings, row-major. */
  trainEmbeddings: Float32Array;
  /** The test split's embeddings, row-major. */
  testEmbeddings: Float32Array;
  /** The model's manifest and weights (from `serializeModel`). */
  model: { manifest: unknown; weights: Float32Array };
  /**
   * The loss's trainable weights, written when there are any: its config, and each
   * variable's shape and values.
   */
  lossWeights?: { loss: ComponentConfig; variables: { shape: number[]; values: Float32Array }[] };
}

/**
 * Writes the embeddings, their metadata, the model and the loss weights of a trained run,
 * in that order (an evaluation that fails afterwards loses no training).
 *
 * @param dir The run folder.
 * @param artefacts What to write.
 *
 * @example
 * ```ts
 * import { writeRunArtefacts } from "./artefacts.ts";
 * const dir = await Deno.makeTempDir();
 * await writeRunArtefacts(dir, {
 *   dim: 1, classNames: ["a"], trainIndices: [0], testIndices: [1],
 *   trainLabels: new Int32Array([0]), testLabels: new Int32Array([0]),
 *   trainEmbeddings: new Float32Array([1]), testEmbeddings: new Float32Array([2]),
 *   model: { manifest: {}, weights: new Float32Array(0) },
 * });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeRunArtefacts(dir: string, artefacts: RunArtefacts): Promise<void> {
  const { trainLabels, testLabels, model, lossWeights } = artefacts;
  await writeFloat32(join(dir, RUN_FILES.trainEmbeddings), artefacts.trainEmbeddings);
  await writeFloat32(join(dir, RUN_FILES.testEmbeddings), artefacts.testEmbeddings);
  await writeJsonAtomic(join(dir, RUN_FILES.embeddingsMeta), {
    dim: artefacts.dim,
    dtype: "float32-le",
    classNames: artefacts.classNames,
    trainIndices: Array.from(artefacts.trainIndices),
    trainLabels: Array.from(trainLabels),
    testIndices: Array.from(artefacts.testIndices),
    testLabels: Array.from(testLabels),
  });
  await writeJsonAtomic(join(dir, RUN_FILES.modelManifest), model.manifest);
  await writeFloat32(join(dir, RUN_FILES.modelWeights), model.weights);
  if (lossWeights && lossWeights.variables.length) {
    await writeJsonAtomic(join(dir, RUN_FILES.lossManifest), {
      loss: lossWeights.loss,
      weights: lossWeights.variables.map((v) => ({ shape: v.shape })),
    });
    const values = lossWeights.variables.map((v) => v.values);
    const all = new Float32Array(values.reduce((n, v) => n + v.length, 0));
    values.reduce((offset, v) => (all.set(v, offset), offset + v.length), 0);
    await writeFloat32(join(dir, RUN_FILES.lossWeights), all);
  }
}
