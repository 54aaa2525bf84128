/**
 * Choosing and preparing the tfjs backend: the only place in metriclab that calls
 * `tf.setBackend`.
 *
 * Order for `auto`: `tensorflow` (@tensorflow/tfjs-node, native libtensorflow) where it
 * loads; then `onednn` (`blas`, with the convolutions on oneDNN, see `onednn.ts`) where
 * oneDNN and a BLAS library load; then `blas` (the wasm backend with convolutions and
 * matrix products on the system's OpenBLAS, see {@linkcode installBlasKernels}) where a
 * BLAS library loads; then `wasm` (XNNPACK, with the fast gradient kernels of
 * {@linkcode installFastGradients}).
 * `webgpu` and `cpu` are chosen by name.
 *
 * @module
 */
import * as tf from "../tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { installFastGradients } from "./fast_gradients.ts";
import { installBlasKernels, uninstallBlasKernels } from "./blas_kernels.ts";
import { loadBlas } from "./blas.ts";
import { loadOneDnn } from "./onednn.ts";
import { initThreadedWasm } from "./wasm_threads.ts";
import { unknownNameError } from "../_suggest.ts";
import { invalidOption, OptionError } from "../_errors.ts";

// Kept to re-register a fresh wasm backend when the threaded start fails half-way.
const wasmFactory = tf.findBackendFactory("wasm")!;

/** The backend names the `--backend` flag accepts. */
export const BACKEND_NAMES = [
  "auto",
  "tensorflow",
  "onednn",
  "blas",
  "wasm",
  "webgpu",
  "cpu",
] as const;

/**
 * The thread count used when none is given: every core, up to 8 (the two reference
 * networks gain nothing from more).
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
}

/** A name from {@linkcode BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Options of {@linkcode selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Threads: OpenBLAS's and oneDNN's (OpenMP) for `onednn` and `blas` (default:
   * {@linkcode defaultThreads}), XNNPACK's
   * for `wasm` (default 1: multithreaded wasm depends on tfjs-wasm 4.22's loader, see
   * `wasm_threads.ts`, and once stalled at start-up on a loaded machine, so it is opt-in;
   * when it fails to start the backend runs on one thread and a warning says so).
   */
  threads?: number;
}

/** What {@linkcode selectBackend} set up. */
export interface BackendInfo {
  /** The backend asked for. */
  requested: BackendName;
  /** The backend that runs. */
  name: Exclude<BackendName, "auto">;
  /** One line saying which backend runs and why. */
  reason: string;
  /** Threads the backend computes on. */
  threads: number;
  /** Package versions, for the run's config. */
  versions: Record<string, string>;
  /** Things that did not go as asked, for the caller to print. */
  warnings: string[];
}

function hasTfjsNode(nodeModules: URL): boolean {
  try {
    return Deno.statSync(new URL("@tensorflow/tfjs-node/package.json", nodeModules)).isFile;
  } catch {
    return false; // absent, unreadable, or not a file: URL (metriclab imported remotely)
  }
}

/**
 * Why `auto` and `tensorflow` leave @tensorflow/tfjs-node alone, decided without loading
 * it; `null` where the user opted in: `deno task tfjs-node` installed it into the
 * project's node_modules folder and this process reads its npm packages from there
 * (`deno run -A --node-modules-dir=manual`), so that it registers its backend on
 * metriclab's own tfjs-core. Importing it from Deno's global cache instead would
 * download it there, print Deno's warning about its ignored install script, and still
 * find no libtensorflow.
 *
 * @param coreUrl Where this process resolves `@tensorflow/tfjs-core` (`import.meta.resolve`).
 * @param projectNodeModules The project's node_modules folder, for the hint.
 * @returns One line, or `null` to load tfjs-node.
 */
export function tfjsNodeSkipReason(coreUrl: string, projectNodeModules: URL): string | null {
  const at = coreUrl.indexOf("/node_modules/");
  if (coreUrl.startsWith("file:") && at >= 0) {
    const nodeModules = new URL(coreUrl.slice(0, at + "/node_modules/".length));
    if (hasTfjsNode(nodeModules)) return null;
    return `tfjs-node not installed in ${decodeURIComponent(nodeModules.pathname)} ` +
      "(opt in: deno task tfjs-node)";
  }
  if (hasTfjsNode(projectNodeModules)) {
    return "tfjs-node is in node_modules but unused (run with deno run -A --node-modules-dir=manual)";
  }
  return "tfjs-node not installed (opt in: deno task tfjs-node)";
}

async function tryTensorflow(): Promise<string | null> {
  const skip = tfjsNodeSkipReason(
    import.meta.resolve("@tensorflow/tfjs-core"),
    new URL("../../node_modules/", import.meta.url),
  );
  if (skip !== null) return skip;
  try {
    // A variable specifier keeps this import dynamic and tfjs-node out of deno.lock: a
    // static import of an absent package is a fatal error that cannot be caught.
    const specifier = "npm:@tensorflow/tfjs-node@4.22.0";
    await import(specifier);
    if (!(await tf.setBackend("tensorflow"))) return "tfjs-node loaded but did not initialise";
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    if (/native addon|tfjs_binding/.test(message)) {
      return "tfjs-node is installed without its native binding (its install script did not " +
        "download libtensorflow; rerun deno task tfjs-node)";
    }
    return `@tensorflow/tfjs-node is not usable here (${message.slice(0, 120)})`;
  }
}

/** A backend asked for by name that cannot start here: names the option, then why. */
function unusable(name: BackendName, failure: string): OptionError {
  return new OptionError("backend", (n) => `Cannot use ${n("backend")} ${name}: ${failure}`);
}

async function tryWebgpu(): Promise<string | null> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return "this Deno has no WebGPU (navigator.gpu is undefined)";
  try {
    if (!(await gpu.requestAdapter())) return "WebGPU found no GPU adapter";
    const specifier = "@tensorflow/tfjs-backend-webgpu";
    await import(specifier);
    if (!(await tf.setBackend("webgpu"))) return "the webgpu backend did not initialise";
    return null;
  } catch (error) {
    return `WebGPU failed: ${error instanceof Error ? error.message.split("\n")[0] : error}`;
  }
}

async function setWasm(threads: number, warnings: string[]): Promise<number> {
  uninstallBlasKernels();
  let used = 1;
  if (threads > 1) {
    try {
      await initThreadedWasm(threads);
      used = getThreadsCount();
    } catch (error) {
      const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
      warnings.push(
        `--threads ${threads}: multithreaded wasm failed to start (${why}); running on 1 thread`,
      );
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      tf.removeBackend("wasm");
      tf.registerBackend("wasm", wasmFactory, 2);
    }
  }
  if (tf.getBackend() !== "wasm") {
    if (!(await tf.setBackend("wasm"))) throw new Error("Cannot start the wasm backend");
    await tf.ready();
  }
  warnings.push(...installFastGradients("wasm").warnings);
  return used;
}

/**
 * The wasm backend on one thread, its GEMM-heavy kernels on BLAS with `threads`, and
 * with `oneDnn` its convolutions on oneDNN.
 */
async function trySetBlas(
  threads: number,
  warnings: string[],
  oneDnn: boolean,
): Promise<string | null> {
  try {
    // Fails before any backend starts when a library does not load.
    loadBlas();
    if (oneDnn) loadOneDnn();
    // The kernels write the wasm heap through FFI: one wasm thread keeps it unshared.
    await setWasm(1, warnings);
    installBlasKernels(threads, { oneDnn });
    return null;
  } catch (error) {
    uninstallBlasKernels();
    return error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
}

/**
 * Selects, initialises and prepares a tfjs backend.
 *
 * @param requested A name from {@linkcode BACKEND_NAMES}.
 * @param options Threads.
 * @returns What runs, why, and warnings.
 * @throws {RangeError} On an unknown name or thread count.
 * @throws {Error} When a backend asked for by name cannot start.
 *
 * @example
 * ```ts
 * import { selectBackend } from "./select_backend.ts";
 * const info = await selectBackend("cpu");
 * if (info.name !== "cpu") throw new Error(info.reason);
 * ```
 */
export async function selectBackend(
  requested: string = "auto",
  options: SelectBackendOptions = {},
): Promise<BackendInfo> {
  if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
    const error = unknownNameError("backend", requested, BACKEND_NAMES);
    throw new RangeError(`${error.message} (one of ${BACKEND_NAMES.join(", ")})`);
  }
  const given = options.threads;
  if (given !== undefined && (!Number.isInteger(given) || given < 1)) {
    throw invalidOption("threads", given, "must be a positive integer");
  }
  const warnings: string[] = [];
  const versions: Record<string, string> = {
    "tfjs-core": tf.version_core,
    deno: Deno.version.deno,
  };
  const name = requested as BackendName;
  const done = (
    used: BackendInfo["name"],
    reason: string,
    usedThreads = 1,
  ): BackendInfo => ({
    requested: name,
    name: used,
    reason,
    threads: usedThreads,
    versions,
    warnings,
  });

  if (name === "tensorflow" || name === "auto") {
    const failure = await tryTensorflow();
    if (failure === null) return done("tensorflow", "backend tensorflow: native libtensorflow");
    if (name === "tensorflow") throw unusable(name, failure);
    const threads = given ?? defaultThreads();
    const dnnlFailure = await trySetBlas(threads, warnings, true);
    if (dnnlFailure === null) {
      return done(
        "onednn",
        `backend onednn (auto: ${failure}; oneDNN and OpenBLAS found)`,
        threads,
      );
    }
    const blasFailure = await trySetBlas(threads, warnings, false);
    if (blasFailure === null) {
      return done(
        "blas",
        `backend blas (auto: ${failure}; ${dnnlFailure}; OpenBLAS found)`,
        threads,
      );
    }
    const used = await setWasm(given ?? 1, warnings);
    return done("wasm", `backend wasm (auto: ${failure}; ${blasFailure})`, used);
  }
  if (name === "onednn" || name === "blas") {
    const threads = given ?? defaultThreads();
    const failure = await trySetBlas(threads, warnings, name === "onednn");
    if (failure !== null) throw unusable(name, failure);
    return done(name, `backend ${name}: asked for by name`, threads);
  }
  if (name === "webgpu") {
    const failure = await tryWebgpu();
    if (failure !== null) throw unusable(name, failure);
    return done("webgpu", "backend webgpu: asked for by name");
  }
  if (name === "wasm") {
    const used = await setWasm(given ?? 1, warnings);
    return done("wasm", "backend wasm: asked for by name", used);
  }
  if (!(await tf.setBackend("cpu"))) throw new Error("Cannot start the cpu backend");
  warnings.push(...installFastGradients("cpu").warnings);
  return done("cpu", "backend cpu: asked for by name (the slow reference)");
}
