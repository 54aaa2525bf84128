/**
 * A native single-precision matrix multiply (`cblas_sgemm`) loaded through Deno's FFI
 * from the system's BLAS: OpenBLAS on Linux (Debian: `libopenblas0-pthread`), OpenBLAS
 * from Homebrew or Apple's Accelerate on macOS, or the library named by `METRICLAB_BLAS`.
 *
 * This is what makes the `blas` backend fast: convolutions and matrix products become
 * one GEMM each, which OpenBLAS runs near the CPU's peak on every core. Only this file and
 * `onednn.ts` call native code.
 *
 * @module
 */

/** Row-major C = alpha * op(A) * op(B) + beta * C, with op = transpose when asked. */
export interface Sgemm {
  (
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    beta?: number,
  ): void;
}

/** Row-major C = op(A) * op(B) + beta * C in double precision, as {@linkcode Sgemm}. */
export interface Dgemm {
  (
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float64Array,
    b: Float64Array,
    c: Float64Array,
    beta?: number,
  ): void;
}

/** A loaded BLAS. */
export interface Blas {
  /** The library file that was loaded. */
  path: string;
  /** The matrix multiply. */
  sgemm: Sgemm;
  /** The double-precision matrix multiply (exact neighbour searches of projections). */
  dgemm: Dgemm;
  /** Sets the library's thread count (a no-op where the library has no such call). */
  setThreads(threads: number): void;
}

/** `cblas_?gemm`'s parameters with `real` the scalar type of alpha and beta. */
function gemmSymbol<Real extends "f32" | "f64">(real: Real) {
  const int = "i32", buffer = "buffer";
  return {
    // order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc
    parameters: [int, int, int, int, int, int, real, buffer, int, buffer, int, real, buffer, int],
    result: "void",
  } as const;
}

const SYMBOLS = {
  cblas_sgemm: gemmSymbol("f32"),
  cblas_dgemm: gemmSymbol("f64"),
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
} as const;

/** The library files tried, in order, when `METRICLAB_BLAS` is not set. */
const BLAS_CANDIDATES: readonly string[] = Deno.build.os === "darwin"
  ? [
    "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib",
    "/System/Library/Frameworks/Accelerate.framework/Accelerate",
  ]
  : Deno.build.os === "windows"
  ? ["libopenblas.dll"]
  : [
    "libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "/usr/lib64/libopenblas.so.0",
    "libopenblas.so",
  ];

let loaded: Blas | undefined;
let failure: string | undefined;

/**
 * Whether a BLAS library loads here (see {@linkcode loadBlas}).
 *
 * @returns True when `loadBlas()` succeeds.
 *
 * @example
 * ```ts
 * import { blasAvailable } from "./blas.ts";
 * console.log(blasAvailable() ? "blas backend available" : "no BLAS: wasm it is");
 * ```
 */
export function blasAvailable(): boolean {
  try {
    loadBlas();
    return true;
  } catch {
    return false;
  }
}

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

/** A `cblas_?gemm` as Deno's FFI exposes it. */
type GemmCall = (
  ...args: [
    ...[order: number, transA: number, transB: number, m: number, n: number, k: number],
    ...[alpha: number, a: AllowSharedBufferSource, lda: number, b: AllowSharedBufferSource],
    ...[ldb: number, beta: number, c: AllowSharedBufferSource, ldc: number],
  ]
) => void;

/** Row-major C = op(A) op(B) + beta C through `call`, the library's s- or d-gemm. */
function gemmOf(call: GemmCall): Sgemm & Dgemm {
  return (transA, transB, m, n, k, a, b, c, beta = 0) => {
    if (m === 0 || n === 0) return;
    const ta = transA ? TRANS : NO_TRANS, tb = transB ? TRANS : NO_TRANS;
    call(ROW_MAJOR, ta, tb, m, n, k, 1, a, transA ? m : k, b, transB ? k : n, beta, c, n);
  };
}

/**
 * Loads the system BLAS once (later calls return the same one).
 *
 * @returns The BLAS.
 * @throws {Error} When no candidate library loads, naming the ones tried and the fix.
 *
 * @example
 * ```ts ignore
 * import { loadBlas } from "./blas.ts";
 * const blas = loadBlas();
 * const c = new Float32Array(1);
 * blas.sgemm(false, false, 1, 1, 2, new Float32Array([1, 2]), new Float32Array([3, 4]), c);
 * // c[0] === 11
 * ```
 */
export function loadBlas(): Blas {
  if (loaded) return loaded;
  if (failure) throw new Error(failure);
  const fromEnv = Deno.env.get("METRICLAB_BLAS");
  const candidates = fromEnv ? [fromEnv] : BLAS_CANDIDATES;
  const errors: string[] = [];
  for (const path of candidates) {
    try {
      const lib = Deno.dlopen(path, SYMBOLS);
      const s = lib.symbols;
      const sgemm: Sgemm = gemmOf(s.cblas_sgemm);
      const dgemm: Dgemm = gemmOf(s.cblas_dgemm);
      loaded = {
        path,
        sgemm,
        dgemm,
        setThreads: (t) => s.openblas_set_num_threads?.(t),
      };
      return loaded;
    } catch (error) {
      errors.push(`${path}: ${error instanceof Error ? error.message.split("\n")[0] : error}`);
    }
  }
  failure = `Cannot load a BLAS library (tried ${errors.join("; ")}); install OpenBLAS ` +
    `(Debian/Ubuntu: apt-get install libopenblas0-pthread) or set METRICLAB_BLAS to its path`;
  throw new Error(failure);
}
