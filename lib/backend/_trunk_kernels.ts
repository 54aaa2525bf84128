/**
 * The fused `conv64` trunk's two kernels on the `onednn` backend: the forward chain
 * (`TRUNK_KERNEL`) and its filter and bias gradients (`TRUNK_GRAD_KERNEL`),
 * with the activation buffers a forward pass under a gradient tape keeps for its gradient
 * (from the wasm module's allocator, outside `tf.memory()`), kept until the gradient uses
 * them, their tape ends, or four newer passes wait.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { TrunkGeometry, TrunkPlan } from "./onednn.ts";
import { holdsData, wasmFree, wasmMalloc } from "./_engine.ts";
import { address, type Args, heapOf, isFloat, output, simdFor, state } from "./_kernel_common.ts";
import { simdMaxPoolGrad2x2 } from "./_wasm_kernels.ts";
import { type TrunkHead, TRUNKS } from "./_kernel_names.ts";

/** The trunk's geometry, or null when these shapes are not a chain of 3x3 convolutions. */
function trunkGeometry(
  xShape: readonly number[],
  filterShapes: number[][],
  head: TrunkHead,
): TrunkGeometry | null {
  if (xShape.length !== 4 || filterShapes.length !== TRUNKS[head].layers) return null;
  let channels = xShape[3];
  for (const shape of filterShapes) {
    if (shape.length !== 4 || shape[0] !== 3 || shape[1] !== 3 || shape[2] !== channels) {
      return null;
    }
    channels = shape[3];
  }
  return {
    batch: xShape[0],
    height: xShape[1],
    width: xShape[2],
    channels: xShape[3],
    filters: filterShapes.map((shape) => shape[3]),
    head,
  };
}

/**
 * Whether a fused trunk kernel runs for these shapes now: on the `onednn` backend, for a
 * geometry oneDNN builds with its optimised kernels.
 *
 * @param xShape The images' shape, NHWC.
 * @param filterShapes The convolutions' filter shapes, HWIO.
 * @param head What follows the last convolution (`TRUNKS` gives each its layer count).
 * @returns True when the fused kernel can run.
 *
 * @example
 * ```ts
 * import { oneDnnTrunkRuns } from "./blas_kernels.ts";
 * // False unless the onednn backend is installed and current.
 * console.log(oneDnnTrunkRuns([64, 64, 64, 3], [[3, 3, 3, 32], [3, 3, 32, 64], [3, 3, 64, 128]]));
 * ```
 */
export function oneDnnTrunkRuns(
  xShape: readonly number[],
  filterShapes: number[][],
  head: TrunkHead = "average",
): boolean {
  if (!state.dnnl || !state.replaced.size || tf.getBackend() !== "wasm") return false;
  if (!simdFor(tf.backend() as BackendWasm)) return false;
  const g = trunkGeometry(xShape, filterShapes, head);
  return g !== null && state.dnnl.trunk(g) !== null;
}

/**
 * Activations of trunk forward passes awaiting their gradient, by the features' data id.
 * The gradient finds them through the saved features, which share that data id only
 * because this module's `Identity` shares memory (tfjs-wasm's own copies it).
 */
const pendingTrunks = new Map<object, { plan: TrunkPlan; acts: number[]; backend: BackendWasm }>();
/** Forward passes whose activations are kept at most (the oldest are dropped). */
const MAX_PENDING_TRUNKS = 4;

/**
 * Buffers from the wasm heap's allocator, outside tfjs's tensor accounting (`tf.memory()`
 * does not count them).
 */
function malloc(backend: BackendWasm, bytes: number[]): number[] {
  const offsets: number[] = [];
  for (const n of bytes) {
    const at = wasmMalloc(backend, Math.max(n, 4));
    if (!at) {
      free(backend, offsets);
      throw new Error(`Out of wasm memory for the convolution trunk (${n} bytes)`);
    }
    offsets.push(at);
  }
  return offsets;
}

function free(backend: BackendWasm, offsets: number[]): void {
  for (const at of offsets) wasmFree(backend, at);
}

/**
 * Buffers of the last trunk plan used, kept from call to call: fresh tens of MiB on every
 * step cost more than the pooling that fills them.
 */
let spare:
  | { plan: TrunkPlan; backend: BackendWasm; acts: number[][]; scratch?: number[] }
  | undefined;

function spareFor(plan: TrunkPlan, backend: BackendWasm) {
  if (spare && (spare.plan !== plan || spare.backend !== backend || spare.plan.released)) {
    dropSpare();
  }
  return spare ??= { plan, backend, acts: [] };
}

function dropSpare(): void {
  if (!spare) return;
  for (const acts of spare.acts) free(spare.backend, acts);
  if (spare.scratch) free(spare.backend, spare.scratch);
  spare = undefined;
}

/** A set of activation buffers for `plan`: a spare one, or new. */
function takeActs(plan: TrunkPlan, backend: BackendWasm): number[] {
  return spareFor(plan, backend).acts.pop() ?? malloc(backend, [...plan.activationBytes]);
}

/** Returns activation buffers: one set is kept for the next call, others freed. */
function giveActs(plan: TrunkPlan, backend: BackendWasm, acts: number[]): void {
  if (plan.released) return free(backend, acts);
  const keep = spareFor(plan, backend);
  if (keep.acts.length) free(backend, acts);
  else keep.acts.push(acts);
}

/**
 * Frees the kept activations whose features are gone: their tape ended without asking
 * for the trunk's gradient (a frozen trunk, or an embedding inside another gradient).
 */
function dropFinishedTrunks(backend: BackendWasm): void {
  for (const [dataId, saved] of pendingTrunks) {
    if (saved.backend !== backend || !holdsData(backend, dataId)) {
      dropPending(dataId);
    }
  }
}

/** Frees a kept forward pass's activations. */
function dropPending(dataId: object): void {
  const saved = pendingTrunks.get(dataId);
  if (!saved) return;
  free(saved.backend, saved.acts);
  pendingTrunks.delete(dataId);
}

/** The inputs `<name>0`, `<name>1`, ... that are there. */
function trunkInputs(inputs: Record<string, tf.TensorInfo>, name: string): tf.TensorInfo[] {
  const found: tf.TensorInfo[] = [];
  while (inputs[`${name}${found.length}`]) found.push(inputs[`${name}${found.length}`]);
  return found;
}

function trunkPlan(x: tf.TensorInfo, filters: tf.TensorInfo[], head: TrunkHead): TrunkPlan {
  const g = trunkGeometry(x.shape, filters.map((f) => f.shape), head);
  const plan = g && state.dnnl?.trunk(g);
  if (!plan) {
    throw new Error(
      `The fused convolution trunk runs only on the onednn backend, for 3x3 convolution chains oneDNN builds (got ${x.shape})`,
    );
  }
  return plan;
}

/**
 * How many forward passes of the fused convolution trunk keep their activations now,
 * awaiting their gradient (a diagnostic: 0 once every tape has ended and a newer pass ran).
 *
 * @returns The count.
 *
 * @example
 * ```ts
 * import { trunkActivationsKept } from "./blas_kernels.ts";
 * if (trunkActivationsKept() !== 0) throw new Error("nothing ran yet");
 * ```
 */
export function trunkActivationsKept(): number {
  return pendingTrunks.size;
}

/**
 * The trunk's features (after the global average, or the last pooling: `head`); with
 * `save`, its activations kept for the gradient kernel.
 */
export function convTrunk(args: Args, head: TrunkHead): tf.TensorInfo {
  const { backend, inputs } = args;
  const x = inputs.x, filters = trunkInputs(inputs, "filter"), biases = trunkInputs(inputs, "bias");
  if (!isFloat(x, ...filters, ...biases)) {
    throw new Error("The convolution trunk takes float32 tensors");
  }
  biases.forEach((b, i) => {
    if (b.shape.length !== 1 || b.shape[0] !== filters[i].shape[3]) {
      throw new Error(
        `The convolution trunk's bias ${i} has shape ${b.shape}, not [${filters[i].shape[3]}]`,
      );
    }
  });
  const plan = trunkPlan(x, filters, head);
  if (args.attrs?.save) dropFinishedTrunks(backend);
  const acts = takeActs(plan, backend);
  let out: tf.TensorInfo | undefined;
  try {
    const channels = filters[filters.length - 1].shape[3], shrink = 2 ** filters.length;
    out = output(
      backend,
      head === "average"
        ? [x.shape[0], channels]
        : [x.shape[0], x.shape[1] / shrink, x.shape[2] / shrink, channels],
    );
    plan.forward(
      () => heapOf(backend),
      address(backend, x),
      filters.map((f) => address(backend, f)),
      biases.map((b) => address(backend, b)),
      address(backend, out),
      acts,
    );
  } catch (error) {
    giveActs(plan, backend, acts);
    if (out) backend.disposeData(out.dataId);
    throw error;
  }
  if (!args.attrs?.save) {
    giveActs(plan, backend, acts);
    return out;
  }
  pendingTrunks.set(out.dataId, { plan, acts, backend });
  if (pendingTrunks.size > MAX_PENDING_TRUNKS) dropPending(pendingTrunks.keys().next().value!);
  return out;
}

/** The trunk's filter and bias gradients, from the activations its forward pass kept. */
export function convTrunkGrad(args: Args): tf.TensorInfo[] {
  const { backend, inputs } = args;
  const { dy, features } = inputs;
  const filters = trunkInputs(inputs, "filter");
  const saved = pendingTrunks.get(features.dataId);
  if (!saved) {
    throw new Error(
      "The convolution trunk's activations are gone: its forward pass ran without a gradient tape, " +
        `the kernels were installed again since, or more than ${MAX_PENDING_TRUNKS} passes awaited their gradient`,
    );
  }
  pendingTrunks.delete(features.dataId);
  const grads: tf.TensorInfo[] = [];
  try {
    if (saved.plan.released) {
      throw new Error(
        "The convolution trunk's primitives were rebuilt (the thread count changed) between its forward pass and its gradient",
      );
    }
    if (dy.dtype !== "float32" || dy.shape.join() !== features.shape.join()) {
      throw new Error(
        `The convolution trunk's gradient has shape ${dy.shape}, not ${features.shape}`,
      );
    }
    const simd = simdFor(backend);
    if (!simd) throw new Error("The convolution trunk's gradient needs WebAssembly SIMD");
    for (const f of filters) grads.push(output(backend, f.shape), output(backend, [f.shape[3]]));
    const keep = spareFor(saved.plan, backend);
    keep.scratch ??= malloc(backend, [...saved.plan.scratchBytes]);
    saved.plan.backward(
      () => heapOf(backend),
      address(backend, dy),
      filters.map((f) => address(backend, f)),
      saved.acts,
      keep.scratch,
      grads.filter((_, i) => i % 2 === 0).map((t) => address(backend, t)),
      grads.filter((_, i) => i % 2 === 1).map((t) => address(backend, t)),
      (x, dyAt, dx, images, h, w, c) => simdMaxPoolGrad2x2(simd, x, dyAt, dx, images, h, w, c),
    );
    return grads;
  } catch (error) {
    for (const t of grads) backend.disposeData(t.dataId);
    throw error;
  } finally {
    giveActs(saved.plan, saved.backend, saved.acts);
  }
}

/** Frees every kept forward pass's activations and the spare buffers. */
export function dropAllTrunks(): void {
  for (const dataId of pendingTrunks.keys()) dropPending(dataId);
  dropSpare();
}
