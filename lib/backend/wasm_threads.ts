/**
 * Multithreaded tfjs-wasm under Deno.
 *
 * tfjs-wasm 4.22 turns threads off whenever it believes it runs in Node (Deno looks like
 * Node to npm packages), and its Emscripten loader would start each pthread worker from a
 * `blob:` URL, which Deno's `node:worker_threads` does not accept. This module, used only
 * while the backend initialises:
 *
 * 1. forces the `WASM_HAS_MULTITHREAD_SUPPORT` flag on and sets the thread count;
 * 2. records the text of the Blobs the loader creates (the worker script and the main
 *    script that each worker imports), and turns `URL.createObjectURL` of such a Blob
 *    into a temporary `.cjs` file, which `worker_threads` runs as CommonJS;
 * 3. reports at least twice `threads` cores to the loader, which caps its pool at half
 *    the cores;
 * 4. rewrites the `load` message sent to each worker so that the main script travels as
 *    that file's path instead of a Blob.
 *
 * Everything patched is restored when initialisation ends. This depends on tfjs-wasm
 * 4.22's loader (Emscripten 3.1 output): on another version it patches nothing and
 * refuses in one line (`_engine.ts`), and the caller falls back to one thread.
 *
 * @module
 */
import * as tf from "../tf.ts";
import workerThreads from "node:worker_threads";
import os from "node:os";
import { join } from "node:path";
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { assertEngineVersions } from "./_engine.ts";

const blobText = new WeakMap<Blob, string>();
/** What `Worker.postMessage` transfers (named without `TransferListItem`, which some @types/node lack). */
type TransferList = Parameters<InstanceType<typeof workerThreads.Worker>["postMessage"]>[1];
const BUNDLE_REQUIRES =
  'var require$$0 = require("fs"), require$$1 = require("path"), require$$3 = require("perf_hooks"), require$$4 = require("os");\n' +
  'var commonjsGlobal = globalThis, _scriptDir = undefined, __dirname = ".";\n';
const WORKER_PRELUDE =
  'Object.defineProperty(globalThis, "location", { value: undefined, writable: true, configurable: true });\n';

/**
 * Initialises the wasm backend with `threads` threads (pthreads in worker_threads).
 *
 * @param threads Thread count, at least 2.
 * @returns Nothing; throws when the backend cannot start so.
 * @throws {Error} When workers cannot be started, or tfjs-backend-wasm is not the version
 *   this was written for (the caller falls back to one thread).
 */
export async function initThreadedWasm(threads: number): Promise<void> {
  assertEngineVersions();
  const dir = await Deno.makeTempDir({ prefix: "metriclab-wasm-" });
  const OriginalBlob = globalThis.Blob;
  const originalCreate = URL.createObjectURL;
  const OriginalWorker = workerThreads.Worker;
  let fileCount = 0;
  const fileFor = (text: string): string => {
    const path = join(dir, `script-${fileCount++}.cjs`);
    // The worker script assigns `location`, a getter-only property of Deno's worker
    // global: an own, writable property shadows it.
    // The main script was cut out of a rollup bundle whose top-level variables
    // (`require$$N`, `commonjsGlobal`, `_scriptDir`) it still uses; each worker evaluates
    // it in its global scope, where `require` is a global.
    const prelude = text.startsWith("var WasmBackendModuleThreadedSimd")
      ? BUNDLE_REQUIRES
      : WORKER_PRELUDE;
    Deno.writeTextFileSync(path, prelude + text);
    return path;
  };

  class RecordingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts && parts.every((p) => typeof p === "string")) blobText.set(this, parts.join(""));
    }
  }
  class PatchedWorker extends OriginalWorker {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      super(filename, options);
      // Pool workers must not keep the process alive once the work is done.
      this.unref();
    }
    override postMessage(value: unknown, transferList?: TransferList) {
      const message = value as { cmd?: string; urlOrBlob?: unknown };
      if (message?.cmd === "load" && message.urlOrBlob instanceof OriginalBlob) {
        const text = blobText.get(message.urlOrBlob);
        if (text !== undefined) value = { ...message, urlOrBlob: fileFor(text) };
      }
      super.postMessage(value, transferList);
    }
  }

  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  setThreadsCount(threads);
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = (object: Blob | MediaSource) => {
    const text = object instanceof OriginalBlob ? blobText.get(object) : undefined;
    return text === undefined ? originalCreate(object) : fileFor(text);
  };
  (workerThreads as { Worker: unknown }).Worker = PatchedWorker;
  // The backend caps its pool at half the logical cores it is told of (one on a 2-core
  // machine); it asks os.cpus() while it starts.
  const originalCpus = os.cpus;
  os.cpus = () => {
    const real = originalCpus();
    return Array.from(
      { length: Math.max(real.length, 2 * threads) },
      (_, i) => real[i % real.length],
    );
  };
  try {
    if (!(await tf.setBackend("wasm"))) throw new Error("the threaded wasm backend did not start");
    await tf.ready();
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreate;
    (workerThreads as { Worker: unknown }).Worker = OriginalWorker;
    os.cpus = originalCpus;
    // The pool's workers have read their scripts by now (the backend waits for them).
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
