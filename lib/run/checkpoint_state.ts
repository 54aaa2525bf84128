/**
 * A training state as a run checkpoint and back: {@linkcode toCheckpoint} turns the
 * state of a training loop (counters, weights, Adam's moments) and the metrics records not
 * yet in `metrics.jsonl` into a {@linkcode RunCheckpoint}; {@linkcode fromCheckpoint}
 * reads them back.  The state's type, `TrainState`, is a shared contract (lib/types.ts).
 *
 * @module
 */
import type { Json, MemoryState, TrainState } from "../types.ts";
import type { RunCheckpoint } from "./run_folder.ts";

/** A metrics record, as `metrics.jsonl` holds it. */
export type CheckpointRecord = { type: string; [key: string]: Json };

/** The names and shapes of the trained variables, to label a checkpoint's arrays. */
export interface CheckpointLayout {
  /** The network's weight names, in its variables' order. */
  weightNames: string[];
  /** The shapes of the network's variables. */
  netShapes: number[][];
  /** The shapes of the loss's trainable variables. */
  lossShapes: number[][];
}

/**
 * A checkpoint's content: the training state and the records not yet in metrics.jsonl.
 *
 * @example
 * ```ts
 * import { fromCheckpoint, toCheckpoint } from "./checkpoint_state.ts";
 * const state = {
 *   epoch: 1, step: 4, trainSeconds: 0.5, images: 64, finalLoss: 0.25,
 *   weights: [new Float32Array([1, 2])], lossWeights: [],
 *   optimizer: { iterations: 4, beta1Power: 0.6, beta2Power: 0.99,
 *     firstMoments: [new Float32Array(2)], secondMoments: [new Float32Array(2)] },
 * };
 * const checkpoint = toCheckpoint(state, { weightNames: ["w"], netShapes: [[2]], lossShapes: [] }, []);
 * if (fromCheckpoint(checkpoint, "run").state.weights[0][1] !== 2) throw new Error("lost");
 * ```
 */
export function toCheckpoint(
  state: TrainState,
  layout: CheckpointLayout,
  records: CheckpointRecord[],
): RunCheckpoint {
  const { weightNames, netShapes } = layout;
  const shapes = [...netShapes, ...layout.lossShapes];
  const { optimizer: adam } = state;
  return {
    epoch: state.epoch,
    state: {
      step: state.step,
      trainSeconds: state.trainSeconds,
      images: state.images,
      finalLoss: state.finalLoss,
      ...(state.minerRandomState === undefined ? {} : { minerRandomState: state.minerRandomState }),
      ...(state.memory
        ? { memory: { queueIdx: state.memory.queueIdx, hasBeenFilled: state.memory.hasBeenFilled } }
        : {}),
      adam: {
        iterations: adam.iterations,
        beta1Power: adam.beta1Power,
        beta2Power: adam.beta2Power,
      },
      records,
    },
    arrays: [
      ...state.weights.map((values, i) => ({
        name: `net/${weightNames[i]}`,
        shape: shapes[i],
        values,
      })),
      ...state.lossWeights.map((values, i) => ({
        name: `loss/${i}`,
        shape: shapes[netShapes.length + i],
        values,
      })),
      ...adam.firstMoments.map((values, i) => ({ name: `adam/m/${i}`, shape: shapes[i], values })),
      ...adam.secondMoments.map((values, i) => ({ name: `adam/v/${i}`, shape: shapes[i], values })),
      ...(state.memory ? memoryArrays(state.memory) : []),
    ],
  };
}

/** A cross-batch memory's queue as checkpoint arrays (labels as float32: exact below 2^24). */
function memoryArrays(memory: MemoryState) {
  const slots = memory.labels.length;
  return [
    {
      name: "xbm/embeddings",
      shape: [slots, memory.embeddings.length / Math.max(slots, 1)],
      values: memory.embeddings,
    },
    { name: "xbm/labels", shape: [slots], values: Float32Array.from(memory.labels) },
  ];
}

/** The cross-batch memory of a checkpoint, if it has one. */
function memoryOf(checkpoint: RunCheckpoint): MemoryState | undefined {
  const queue = (checkpoint.state as Record<string, Json>).memory as
    | Record<string, Json>
    | undefined;
  const embeddings = checkpoint.arrays.find((a) => a.name === "xbm/embeddings");
  const labels = checkpoint.arrays.find((a) => a.name === "xbm/labels");
  if (!queue || !embeddings || !labels) return undefined;
  return {
    embeddings: embeddings.values,
    labels: Int32Array.from(labels.values),
    queueIdx: queue.queueIdx as number,
    hasBeenFilled: queue.hasBeenFilled === true,
  };
}

/**
 * The training state and pending records of a checkpoint read back.
 *
 * @param checkpoint A checkpoint, as `readRunCheckpoint` returns it.
 * @param dir The run folder, for the error message.
 * @throws {SyntaxError} When the state lacks its counters or records.
 */
export function fromCheckpoint(
  checkpoint: RunCheckpoint,
  dir: string,
): { state: TrainState; records: CheckpointRecord[] } {
  const s = checkpoint.state as Record<string, Json>;
  const adam = s.adam as Record<string, Json> | undefined;
  const numbers = [s.step, s.trainSeconds, s.images, s.finalLoss, adam?.iterations];
  if (
    !numbers.every((n) => typeof n === "number") || !adam ||
    typeof adam.beta1Power !== "number" || typeof adam.beta2Power !== "number" ||
    !Array.isArray(s.records)
  ) {
    throw new SyntaxError(`Cannot read checkpoint "${dir}": its state lacks counters or records`);
  }
  const part = (prefix: string) =>
    checkpoint.arrays.filter((a) => a.name.startsWith(prefix)).map((a) => a.values);
  const memory = memoryOf(checkpoint);
  return {
    state: {
      epoch: checkpoint.epoch,
      step: s.step as number,
      trainSeconds: s.trainSeconds as number,
      images: s.images as number,
      finalLoss: s.finalLoss as number,
      ...(typeof s.minerRandomState === "number" ? { minerRandomState: s.minerRandomState } : {}),
      ...(memory ? { memory } : {}),
      weights: part("net/"),
      lossWeights: part("loss/"),
      optimizer: {
        iterations: adam.iterations as number,
        beta1Power: adam.beta1Power,
        beta2Power: adam.beta2Power,
        firstMoments: part("adam/m/"),
        secondMoments: part("adam/v/"),
      },
    },
    records: s.records as CheckpointRecord[],
  };
}
