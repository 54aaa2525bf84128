/**
 * A run's saved embeddings matched to the samples of its dataset loaded again: shared by
 * the gallery and the explorer.
 *
 * @module
 */
import { join } from "node:path";
import { readRunEmbeddings } from "../experiment/evaluate_run.ts";
import { RUN_FILES, type RunEmbeddings } from "../run/run_folder.ts";
import type { ImageDataset } from "../types.ts";

/** A run's embeddings with the dataset sample of each train and test row. */
export interface RunSamples {
  /** The saved embeddings. */
  embeddings: RunEmbeddings;
  /** `split.json`: the dataset sample of each train and test row. */
  split: { train: number[]; test: number[] };
}

/**
 * Reads a run's embeddings and `split.json` and checks that the split matches them and the
 * dataset (every row's sample exists and has the row's class).
 *
 * @param dir The run folder.
 * @param dataset The run's dataset, loaded again.
 * @returns The samples, or a reason (a sentence without a final period) why not.
 */
export async function readRunSamples(
  dir: string,
  dataset: ImageDataset,
): Promise<RunSamples | { reason: string }> {
  let embeddings: RunEmbeddings;
  let split: { train: number[]; test: number[] };
  try {
    embeddings = await readRunEmbeddings(dir);
    split = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.split)));
  } catch (error) {
    return { reason: `${error instanceof Error ? error.message : error}` };
  }
  const e = embeddings;
  const nTrain = e.trainLabels.length, nTest = e.testLabels.length;
  if (
    !Array.isArray(split?.train) || !Array.isArray(split?.test) ||
    split.train.length !== nTrain || split.test.length !== nTest || nTrain === 0
  ) {
    return { reason: "split.json does not match the saved embeddings" };
  }
  const nameOf = (sample: number) => dataset.classNames[dataset.labels[sample]];
  const samples = dataset.labels.length;
  const matches = (rows: number[], labels: Int32Array) =>
    rows.every((s, i) =>
      Number.isInteger(s) && s >= 0 && s < samples && nameOf(s) === e.classNames[labels[i]]
    );
  if (!matches(split.train, e.trainLabels) || !matches(split.test, e.testLabels)) {
    return {
      reason: "the dataset loaded now does not match the run's split (other data or options)",
    };
  }
  return { embeddings, split };
}
