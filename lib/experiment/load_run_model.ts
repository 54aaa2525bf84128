/**
 * Reloading the network a run saved, to embed new images.
 *
 * @module
 */
import { join } from "node:path";
import type { EmbeddingNet } from "../model/embedding_net.ts";
import { deserializeModel, type ModelManifest } from "../model/serialize.ts";
import { readFloat32, RUN_FILES } from "../run/run_folder.ts";

/**
 * Loads the embedding network of a run folder (`model/model.json` and `model/weights.bin`).
 *
 * @param dir The run folder.
 * @returns The network with the trained weights; dispose it when done.
 * @throws {Error} When the model files are missing or do not match (one line naming the file).
 *
 * @example
 * ```ts
 * import { loadRunModel } from "./load_run_model.ts";
 * await loadRunModel("/nonexistent").then(() => { throw new Error("no error"); }, () => {});
 * ```
 */
export async function loadRunModel(dir: string): Promise<EmbeddingNet> {
  const manifestPath = join(dir, RUN_FILES.modelManifest);
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "not found" : "not valid JSON";
    throw new Error(`Cannot load the model of run "${dir}": ${manifestPath} ${why}`);
  }
  const weightsPath = join(dir, RUN_FILES.modelWeights);
  const weights = await readFloat32(weightsPath).catch(() => {
    throw new Error(`Cannot load the model of run "${dir}": ${weightsPath} not readable`);
  });
  return deserializeModel(manifest, weights);
}
