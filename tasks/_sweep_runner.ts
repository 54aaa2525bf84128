/**
 * Runs a list of experiment configs one after another (used by `sweep` and `demo`):
 * datasets loaded once, finished runs skipped, incomplete ones resumed from their last
 * checkpoint, progress and a comparison table.
 *
 * @module
 */
import type { BackendInfo } from "../lib/backend/select_backend.ts";
import { join } from "node:path";
import { type ExperimentConfig, runId } from "../lib/experiment/config.ts";
import { isFinishedRun } from "../lib/run/run_folder.ts";
import { datasetKey, loadData, type LoadDataOptions } from "../lib/experiment/load_data.ts";
import { runExperiment } from "../lib/experiment/run_experiment.ts";
import type { ImageDataset, Json } from "../lib/types.ts";
import { Interrupted, progress } from "./_cli.ts";
import { printRecord } from "./_experiment_flags.ts";

/**
 * Runs every config; returns the summaries in order.
 *
 * @param cells The configs.
 * @param out The runs folder.
 * @param backend The backend in use.
 * @param quiet No progress output.
 * @param signal Ctrl-C (see `interruptSignal`): the run in progress stops at its next safe
 * point, incomplete and resumable.
 * @param data How image folders are loaded (the decode cache, on by default).
 * @returns Each run's summary and folder.
 * @throws {Interrupted} When `signal` aborts.
 */
export async function runCells(
  cells: ExperimentConfig[],
  out: string,
  backend: BackendInfo,
  quiet = false,
  signal?: AbortSignal,
  data: LoadDataOptions = {},
): Promise<{ dir: string; summary: Record<string, Json> }[]> {
  const rerun = "rerun the same sweep command to continue";
  const datasets = new Map<string, ImageDataset>();
  const results: { dir: string; summary: Record<string, Json> }[] = [];
  const started = performance.now();
  for (const [i, config] of cells.entries()) {
    const key = datasetKey(config);
    const label = `[${i + 1}/${cells.length}] ${config.loss.name} + ${
      config.miner.type ?? config.miner.name
    } d${config.dim} s${config.seed}`;
    if (!datasets.has(key) && !(await isFinishedRun(join(out, runId(config))))) {
      datasets.set(key, await loadData(config, data));
    }
    if (signal?.aborted) {
      throw new Interrupted(
        `interrupted: the sweep stopped after ${i} of ${cells.length} runs; ${rerun}`,
      );
    }
    const dir = join(out, runId(config));
    const bar = progress(label, quiet);
    const result = await runExperiment(config, {
      out,
      backend,
      dataset: datasets.get(key),
      signal,
      onStart: ({ epoch }) => {
        if (epoch > 0 && !quiet) console.error(`${label}: resuming ${dir} from epoch ${epoch}`);
      },
      onProgress: bar.update,
      onRecord: (r) => {
        if (!quiet && r.type === "final") printRecord(r);
      },
    }).catch((error) => {
      if (!signal?.aborted) throw error;
      throw new Interrupted(`interrupted: run ${dir} is incomplete; ${rerun}`);
    }).finally(bar.done);
    if (!quiet) {
      const elapsed = (performance.now() - started) / 1000;
      const eta = (elapsed / (i + 1)) * (cells.length - i - 1);
      console.error(
        `${label}: ${result.skipped ? "already finished" : "done"} -> ${result.dir} (sweep ETA ${
          eta.toFixed(0)
        }s)`,
      );
      for (const w of result.warnings) console.error(`warning: ${w}`);
    }
    results.push({ dir: result.dir, summary: result.summary });
  }
  return results;
}
