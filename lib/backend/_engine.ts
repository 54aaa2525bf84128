/**
 * The one module that reads tfjs's internals: the engine's gradient tape and tensor
 * wrapping (tfjs-core), and the wasm backend's heap, tensor table and allocator
 * (tfjs-backend-wasm). Every kernel of the `blas` and `onednn` backends, the fast
 * gradients and the fused convolution ops reach those internals through the functions
 * here, and only after {@linkcode engineVersionProblem} found the exact versions they were
 * written against.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
// The version module alone: the package's entry point would register the wasm backend
// (ahead of cpu) in every program that imports the model.
import { version as version_wasm } from "@tensorflow/tfjs-backend-wasm/dist/version.js";

/** The tfjs packages whose internals this module reads, at the versions it was written for. */
export const ENGINE_VERSIONS: Readonly<Record<"tfjs-core" | "tfjs-backend-wasm", string>> = {
  "tfjs-core": "4.22.0",
  "tfjs-backend-wasm": "4.22.0",
};

/** The versions found, by package (defaults: the packages loaded). */
export type EngineVersions = Readonly<Record<keyof typeof ENGINE_VERSIONS, string>>;

/** The versions of the tfjs packages loaded here. */
export function loadedEngineVersions(): EngineVersions {
  return { "tfjs-core": tf.version_core, "tfjs-backend-wasm": version_wasm };
}

/**
 * Why the internals read here cannot be trusted: one line naming the first package whose
 * version differs from {@linkcode ENGINE_VERSIONS}, or null when all match.
 *
 * @param found The versions to check (default: the packages loaded).
 * @returns The refusal, or null.
 *
 * @example
 * ```ts
 * import { engineVersionProblem } from "./_engine.ts";
 * if (engineVersionProblem() !== null) throw new Error("the pinned versions should match");
 * const other = { "tfjs-core": "4.22.0", "tfjs-backend-wasm": "4.23.0" };
 * if (!engineVersionProblem(other)?.includes("tfjs-backend-wasm 4.23.0")) throw new Error();
 * ```
 */
export function engineVersionProblem(
  found: EngineVersions = loadedEngineVersions(),
): string | null {
  for (const [name, want] of Object.entries(ENGINE_VERSIONS) as [keyof EngineVersions, string][]) {
    if (found[name] !== want) {
      return `metriclab's native kernels read the internals of ${name} ${want}, found ${name} ${
        found[name]
      }`;
    }
  }
  return null;
}

/**
 * Throws {@linkcode engineVersionProblem}'s line when the versions differ.
 *
 * @param found The versions to check (default: the packages loaded).
 * @throws {Error} On a version other than the one written for.
 */
export function assertEngineVersions(found?: EngineVersions): void {
  const problem = engineVersionProblem(found);
  if (problem !== null) throw new Error(problem);
}

/** Whether tfjs records operations for a gradient now (the engine's tape). */
export function isTaping(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/** A tensor for a kernel's bare `TensorInfo` (ops pass real tensors; those come back as is). */
export function tensorOf<T extends tf.Tensor>(info: tf.TensorInfo): T {
  if (info instanceof tf.Tensor) return info as T;
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}

type WasmModule = {
  HEAPU8: Uint8Array;
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
  _malloc(bytes: number): number;
  _free(offset: number): void;
};

function moduleOf(backend: BackendWasm): WasmModule {
  return backend.wasm as unknown as WasmModule;
}

/**
 * The wasm heap as bytes. Views die when the heap grows: take it again after every
 * allocation.
 */
export function wasmHeap(backend: BackendWasm): Uint8Array {
  return moduleOf(backend).HEAPU8;
}

/** The heap's `WebAssembly.Memory`, where the module exposes it (for the SIMD loops). */
export function wasmMemory(backend: BackendWasm): WebAssembly.Memory | undefined {
  const module = moduleOf(backend);
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** A tensor's byte address in the wasm heap (its entry in the backend's tensor table). */
export function tensorAddress(backend: BackendWasm, info: tf.TensorInfo): number {
  return (backend.dataIdMap.get(info.dataId) as unknown as { memoryOffset: number })
    .memoryOffset;
}

/** Whether the backend's tensor table still holds this data id. */
export function holdsData(backend: BackendWasm, dataId: object): boolean {
  return backend.dataIdMap.has(dataId as tf.DataId);
}

/**
 * Bytes from the wasm module's own allocator, outside tfjs's tensor accounting
 * (`tf.memory()` does not count them).
 *
 * @returns The byte offset, 0 when the heap is full.
 */
export function wasmMalloc(backend: BackendWasm, bytes: number): number {
  return moduleOf(backend)._malloc(bytes) >>> 0;
}

/** Frees what {@linkcode wasmMalloc} gave. */
export function wasmFree(backend: BackendWasm, offset: number): void {
  moduleOf(backend)._free(offset);
}

/** A new float32 output tensor of the wasm backend. */
export function wasmOutput(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, "float32");
}

/** The input itself as an output, its memory shared (a reference more, no copy). */
export function sharedOutput(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** A float32 view of a tensor in the wasm heap (made after the kernel's allocations). */
export function wasmValues(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  const size = info.shape.reduce((a, b) => a * b, 1);
  return new Float32Array(wasmHeap(backend).buffer, tensorAddress(backend, info), size);
}

/** Runs a kernel by name through the engine (recorded on the tape when one is on). */
export function runKernel(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown> = {},
): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as
    | tf.Tensor
    | tf.Tensor[];
}

/** The fields of tfjs 4.22's `AdamOptimizer` that its update reads and writes. */
export interface AdamFields {
  /** Hyperparameters, as the optimizer holds them. */
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** beta1^t and beta2^t, scalar variables. */
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  /** The moments by variable index, named `<variable>/m` and `<variable>/v`. */
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/** Adam's update state (the same objects: writes change the optimizer). */
export function adamFields(optimizer: tf.AdamOptimizer): AdamFields {
  return optimizer as unknown as AdamFields;
}

/** A variable by its tfjs name (the engine's registry, as the optimizers look it up). */
export function registeredVariable(name: string): tf.Variable {
  return tf.engine().registeredVariables[name];
}

/** Counts one more optimizer step (tfjs's `Optimizer.incrementIterations`). */
export function countIteration(optimizer: tf.Optimizer): void {
  (optimizer as unknown as { incrementIterations(): void }).incrementIterations();
}

/** What `Optimizer.applyGradients` takes: gradients by variable name, as a map or a list. */
export type NamedGradients = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];

/** `AdamOptimizer.applyGradients`'s signature. */
export type ApplyGradients = (
  this: tf.AdamOptimizer,
  gradients: NamedGradients,
) => void;

/**
 * Makes every `AdamOptimizer` (those of `tf.train.adam` included) update through `apply`,
 * which gets tfjs's own update to fall back on.
 *
 * @returns A function that puts tfjs's own update back.
 */
export function replaceAdamUpdate(
  apply: (
    optimizer: tf.AdamOptimizer,
    gradients: NamedGradients,
    own: ApplyGradients,
  ) => void,
): () => void {
  const prototype = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
  const own = prototype.applyGradients;
  prototype.applyGradients = function (gradients) {
    apply(this, gradients, own);
  };
  return () => {
    prototype.applyGradients = own;
  };
}
