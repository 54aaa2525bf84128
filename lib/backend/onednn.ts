/**
 * Convolutions on oneDNN (`libdnnl.so.2`, Debian: `libdnnl2`), loaded through Deno's FFI:
 * the library PyTorch itself runs its CPU convolutions on. Its JIT-compiled direct
 * convolutions read and write NHWC tensors in place (here: in the wasm heap), so a
 * convolution, its input gradient and its filter gradient each become one call with no
 * im2col; only the small filters are reordered into the blocked layout oneDNN computes
 * in. Written against the oneDNN 2.6 C API (`dnnl_*_desc_init`, Debian bookworm's 2.6):
 * another version is refused in one line.
 *
 * It also lends its GEMM (`dnnl_sgemm`) to the `onednn` backend's matrix products, so that
 * one OpenMP thread pool runs everything.
 *
 * Each distinct geometry gets its primitives built once and cached. A geometry oneDNN
 * cannot run (or any error building it) answers `false`, and the caller computes it
 * another way.
 *
 * The parts, in `onednn/`: `ffi.ts` (the C symbols, enum values and the version check),
 * `context.ts` (engine, stream, and the steps every primitive is built from),
 * `convolution.ts` (one convolution and its gradients), `trunk.ts` (the fused conv64
 * trunk) and `types.ts` (what callers see).
 *
 * @module
 */
import {
  check,
  DNNL_CANDIDATES,
  type Lib,
  loadOpenMp,
  oneDnnVersionProblem,
  SYMBOLS,
} from "./onednn/ffi.ts";
import { cached, DnnlContext, emptied, type Owned } from "./onednn/context.ts";
import { ConvolutionPrimitives } from "./onednn/convolution.ts";
import { buildTrunk } from "./onednn/trunk.ts";
import type { OneDnn, TrunkGeometry, TrunkPlan } from "./onednn/types.ts";

export type { ConvGeometry, OneDnn, PoolGrad, TrunkGeometry, TrunkPlan } from "./onednn/types.ts";
export { ONEDNN_VERSION, oneDnnVersionProblem } from "./onednn/ffi.ts";

/** Trunk geometries (batch sizes, mostly) whose primitives are kept. */
const TRUNK_CACHE_SIZE = 8;

let loaded: OneDnn | undefined;
let failure: string | undefined;

/**
 * Whether oneDNN loads here (see {@linkcode loadOneDnn}).
 *
 * @returns True when `loadOneDnn()` succeeds.
 *
 * @example
 * ```ts
 * import { oneDnnAvailable } from "./onednn.ts";
 * console.log(oneDnnAvailable() ? "convolutions on oneDNN" : "no oneDNN: GEMM convolutions");
 * ```
 */
export function oneDnnAvailable(): boolean {
  try {
    loadOneDnn();
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads oneDNN once (later calls return the same one). `METRICLAB_DNNL` names another
 * library file.
 *
 * @returns The library's convolutions.
 * @throws {Error} When no candidate loads, or it is not oneDNN 2.6, naming the fix.
 *
 * @example
 * ```ts ignore
 * import { loadOneDnn } from "./onednn.ts";
 * console.log(loadOneDnn().version);
 * ```
 */
export function loadOneDnn(): OneDnn {
  if (loaded) return loaded;
  if (failure) throw new Error(failure);
  const fromEnv = Deno.env.get("METRICLAB_DNNL");
  const errors: string[] = [];
  for (const path of fromEnv ? [fromEnv] : DNNL_CANDIDATES) {
    let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;
    try {
      lib = Deno.dlopen(path, SYMBOLS);
      loaded = create(path, lib.symbols);
      return loaded;
    } catch (error) {
      lib?.close();
      errors.push(`${path}: ${error instanceof Error ? error.message.split("\n")[0] : error}`);
    }
  }
  failure = `Cannot load oneDNN 2.6 (tried ${errors.join("; ")}); install it ` +
    `(Debian/Ubuntu: apt-get install libdnnl2) or set METRICLAB_DNNL to its path`;
  throw new Error(failure);
}

/** A loaded library's convolutions and trunks. */
function create(path: string, s: Lib): OneDnn {
  const versionView = new Deno.UnsafePointerView(s.dnnl_version()!);
  const version = [0, 4, 8].map((at) => versionView.getInt32(at)).join(".");
  const problem = oneDnnVersionProblem(version);
  if (problem !== null) throw new Error(problem);
  const ctx = new DnnlContext(s);
  const omp = loadOpenMp();
  const convolutions = new ConvolutionPrimitives(ctx);
  type Built = { plan: TrunkPlan; owned: Owned };
  const trunks = new Map<string, Built | null>();
  const releaseTrunk = (built: Built) => {
    (built.plan as { released: boolean }).released = true;
    ctx.destroy(built.owned);
  };
  let currentThreads = 0;
  const N = "N".charCodeAt(0), T = "T".charCodeAt(0);
  return {
    path,
    version,
    stats: ctx.stats,
    sgemm(transA, transB, m, n, k, a, b, c, beta = 0) {
      if (m === 0 || n === 0) return;
      const status = s.dnnl_sgemm(
        transA ? T : N,
        transB ? T : N,
        BigInt(m),
        BigInt(n),
        BigInt(k),
        1,
        a as Float32Array<ArrayBuffer>,
        BigInt(transA ? m : k),
        b as Float32Array<ArrayBuffer>,
        BigInt(transB ? k : n),
        beta,
        c as Float32Array<ArrayBuffer>,
        BigInt(n),
      );
      check(status, "sgemm");
    },
    setThreads(threads) {
      if (threads === currentThreads) return;
      // Some primitives fix their thread count when built: build them again.
      convolutions.clear();
      emptied(trunks, releaseTrunk);
      currentThreads = threads;
      omp?.(threads);
    },
    forward: (g, heap, x, w, bias, y, relu) => convolutions.forward(g, heap, x, w, bias, y, relu),
    backwardData: (g, heap, dy, w, dx) => convolutions.backwardData(g, heap, dy, w, dx),
    backwardWeights: (g, heap, x, dy, dw, db) =>
      convolutions.backwardWeights(g, heap, x, dy, dw, db),
    trunk: (g: TrunkGeometry): TrunkPlan | null =>
      cached(
        ctx,
        trunks,
        TRUNK_CACHE_SIZE,
        [g.batch, g.height, g.width, g.channels, g.filters.join("/"), g.head ?? "average"].join(
          ",",
        ),
        (owned) => ({ plan: buildTrunk(ctx, g, owned), owned }),
        releaseTrunk,
      )?.plan ?? null,
  };
}
