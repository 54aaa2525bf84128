/**
 * The inner loop of FFT t-SNE's near field in 128-bit WebAssembly SIMD, two candidates at a
 * time in f64x2 lanes: for one point and a run of candidates, the kernels less their smooth
 * far parts (0 beyond the cutoff), summed into the point's force and its share of Z, and
 * subtracted from the candidates' forces (Newton's third law).
 *
 * The module is assembled here, byte by byte with the helpers of lib/_wasm.ts (no toolchain
 * is needed at run time), and imports the memory that holds the coordinates and the forces,
 * plain or shared (so that workers can each run one on the same buffer).
 *
 * Lanes are not branched on: a lane beyond the cutoff is computed like the others and its
 * contributions are masked to +0 afterwards, so that whatever it computed (an infinity, a
 * NaN far away) cannot leak. Each pair's terms are those of the scalar formula, operation
 * for operation; only the order of the three sums differs (two lanes, added at the end), and
 * it is fixed: the same inputs give the same bits.
 *
 * @module
 */

import {
  BLOCK,
  BR_IF,
  END,
  F64,
  F64_ADD,
  f64Const,
  f64Store,
  F64X2_ADD,
  F64X2_DIV,
  F64X2_LANE0,
  F64X2_LANE1,
  F64X2_LT,
  F64X2_MUL,
  F64X2_SPLAT,
  F64X2_SUB,
  funcCode,
  funcType,
  GET,
  I32,
  I32_ADD,
  I32_AND,
  I32_CONST,
  I32_GE_U,
  I32_SHL,
  I32_SUB,
  LOAD,
  LOAD64_ZERO,
  loopFrom,
  memoryImport,
  name,
  section,
  SET,
  SIMD,
  STORE,
  STORE64_LANE0,
  TEE,
  V128,
  V_AND,
  vector,
  VOID,
  wasmModule,
} from "../_wasm.ts";

/** The near-field kernel on one shared or plain WebAssembly.Memory. */
export interface NearKernel {
  /**
   * For one point (xe, ye) and the points f in [first, end) whose coordinates are the float64
   * arrays at byte offsets xs and ys of the memory: for each f with
   * d2 = (xe-xs[f])^2 + (ye-ys[f])^2 < cutoff2,
   *   t = d2 - cutoff2, k1 = 1 / (1 + d2),
   *   z  += k1 - (k - k2*t + k3*t*t)
   *   w   = k1*k1 - (k2 - 2*k3*t + 3*k4*t*t)
   *   fx += w*dx; fy += w*dy; accX[f] -= w*dx; accY[f] -= w*dy  (dx = xe - xs[f], dy = ye - ys[f])
   * with k = 1/(1+cutoff2), k2 = k^2, k3 = k^3, k4 = k^4 (computed inside, once a call, as
   * k2 = k*k, k3 = k2*k, k4 = k2*k2); accX, accY float64 arrays at byte offsets of the memory.
   * Returns nothing; the sums fx, fy, z of this call are written as three float64 at byte
   * offset `out`. Pairs at or beyond the cutoff add exactly +0 everywhere; nothing outside
   * [first, end) of the four arrays is read or written. Offsets need no alignment; nothing
   * is done when end <= first.
   */
  run(
    xe: number,
    ye: number,
    xs: number,
    ys: number,
    accX: number,
    accY: number,
    first: number,
    end: number,
    cutoff2: number,
    out: number,
  ): void;
}

// Parameters: xe 0, ye 1 (f64), xs 2, ys 3, accX 4, accY 5, first 6, end 7 (i32), cutoff2 8
// (f64), out 9 (i32). Locals: i 10 (byte index), pairs 11, stop 12 (i32); the v128 below.
const [XE_, YE_, XS, YS, ACC_X, ACC_Y, FIRST, END_, CUTOFF2, OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [I, PAIRS, STOP] = [10, 11, 12];
// v128: the splats and the sums, then one step's values.
const [XE, YE, C2, ONE, K, K2, K3, K3X2, K4X3] = [13, 14, 15, 16, 17, 18, 19, 20, 21];
const [FX, FY, Z] = [22, 23, 24];
const [DX, DY, D2, T, K1, M, W, WX, WY] = [25, 26, 27, 28, 29, 30, 31, 32, 33];
const V128_LOCALS = 21;

/** A mask keeping lane 0 only (the odd last candidate). */
const LANE0_ONLY = [SIMD, 0x0c, ...new Array(8).fill(0xff), ...new Array(8).fill(0)];

/**
 * One step over the candidates at byte index i: two of them with v128 load/store, or the
 * last one with load64_zero/store64_lane and `laneMask` ANDed into the cutoff mask.
 */
// deno-fmt-ignore
function step(load: number[], store: number[], laneMask: number[]): number[] {
  const at = (base: number) => [GET, base, GET, I, I32_ADD];
  const vmul = (a: number, b: number) => [GET, a, GET, b, ...F64X2_MUL];
  const accumulate = (sum: number, term: number) => [
    GET, sum, GET, term, ...F64X2_ADD, SET, sum,
  ];
  const subtract = (acc: number, term: number) => [
    ...at(acc), ...at(acc), ...load, GET, term, ...F64X2_SUB, ...store,
  ];
  return [
    GET, XE, ...at(XS), ...load, ...F64X2_SUB, SET, DX,
    GET, YE, ...at(YS), ...load, ...F64X2_SUB, SET, DY,
    ...vmul(DX, DX), ...vmul(DY, DY), ...F64X2_ADD, TEE, D2,
    GET, C2, ...F64X2_LT, ...laneMask, SET, M,
    GET, D2, GET, C2, ...F64X2_SUB, SET, T,
    GET, ONE, GET, ONE, GET, D2, ...F64X2_ADD, ...F64X2_DIV, SET, K1,
    // z += (k1 - ((k - k2 t) + (k3 t) t)) & m
    GET, Z,
    GET, K1, GET, K, ...vmul(K2, T), ...F64X2_SUB, ...vmul(K3, T), GET, T, ...F64X2_MUL,
    ...F64X2_ADD, ...F64X2_SUB, GET, M, ...V_AND, ...F64X2_ADD, SET, Z,
    // w = k1 k1 - ((k2 - (2 k3) t) + ((3 k4) t) t)
    ...vmul(K1, K1), GET, K2, ...vmul(K3X2, T), ...F64X2_SUB, ...vmul(K4X3, T), GET, T,
    ...F64X2_MUL, ...F64X2_ADD, ...F64X2_SUB, SET, W,
    // (w dx) & m, (w dy) & m: masked after the product, so an infinite dx cannot leak
    ...vmul(W, DX), GET, M, ...V_AND, SET, WX,
    ...vmul(W, DY), GET, M, ...V_AND, SET, WY,
    ...accumulate(FX, WX), ...accumulate(FY, WY),
    ...subtract(ACC_X, WX), ...subtract(ACC_Y, WY),
  ];
}

// deno-fmt-ignore
function runBody(): number[] {
  const splat = (from: number[], to: number) => [...from, ...F64X2_SPLAT, SET, to];
  const vop = (a: number, b: number, op: number[], to: number) => [GET, a, GET, b, ...op, SET, to];
  const horizontal = (sum: number, offset: number) => [
    GET, OUT, GET, sum, ...F64X2_LANE0, GET, sum, ...F64X2_LANE1, F64_ADD, ...f64Store(offset),
  ];
  return [
    ...splat([GET, XE_], XE), ...splat([GET, YE_], YE), ...splat([GET, CUTOFF2], C2),
    ...splat(f64Const(1), ONE),
    GET, ONE, GET, ONE, GET, C2, ...F64X2_ADD, ...F64X2_DIV, SET, K,
    ...vop(K, K, F64X2_MUL, K2), ...vop(K2, K, F64X2_MUL, K3), ...vop(K3, K3, F64X2_ADD, K3X2),
    ...f64Const(3), ...F64X2_SPLAT, ...vop(K2, K2, F64X2_MUL, K4X3), GET, K4X3, ...F64X2_MUL,
    SET, K4X3,
    // i = first * 8, stop = end * 8, pairs = i + ((stop - i) & -16)
    GET, FIRST, I32_CONST, 3, I32_SHL, SET, I,
    GET, END_, I32_CONST, 3, I32_SHL, SET, STOP,
    GET, I, GET, STOP, GET, I, I32_SUB, I32_CONST, 0x70, I32_AND, I32_ADD, SET, PAIRS,
    ...loopFrom(I, PAIRS, 16, step(LOAD, STORE, [])),
    BLOCK, VOID, GET, I, GET, STOP, I32_GE_U, BR_IF, 0,
    ...step(LOAD64_ZERO, STORE64_LANE0, [...LANE0_ONLY, ...V_AND]),
    END,
    ...horizontal(FX, 0), ...horizontal(FY, 8), ...horizontal(Z, 16),
    END,
  ];
}

function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const params = [F64, F64, I32, I32, I32, I32, I32, I32, F64, I32];
  return wasmModule([
    section(1, vector([funcType(params)])),
    section(2, vector([memoryImport(0, shared)])),
    section(3, vector([[0]])),
    section(7, vector([[...name("run"), 0x00, 0]])),
    section(10, vector([funcCode([[3, I32], [V128_LOCALS, V128]], runBody())])),
  ]);
}

/** The compiled modules, importing a plain memory [0] or a shared one [1]. */
const modules: (WebAssembly.Module | undefined)[] = [undefined, undefined];

/**
 * Instantiates the near-field kernel on a memory, plain or shared.
 *
 * @param memory The memory holding the coordinates, the forces and the three sums.
 * @returns The kernel, called on byte offsets of the memory.
 * @throws Where WebAssembly SIMD is not supported.
 *
 * @example
 * ```ts
 * import { nearKernel } from "./_near_wasm.ts";
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const f = new Float64Array(memory.buffer);
 * f.set([1, 0, 9], 0); // xs: two within the cutoff of (0, 0), one beyond it
 * f.set([0, 0, 0], 3); // ys
 * nearKernel(memory).run(0, 0, 0, 24, 48, 72, 0, 3, 4, 96); // accX at 48, accY at 72
 * const [fx, fy, z] = f.slice(12, 15);
 * if (!(fx < 0) || fy !== 0 || !(z > 0) || f[8] !== 0) throw new Error(`${fx} ${fy} ${z}`);
 * if (f[6] !== -fx - f[7]) throw new Error("third law");
 * ```
 */
export function nearKernel(memory: WebAssembly.Memory): NearKernel {
  const shared = typeof SharedArrayBuffer !== "undefined" &&
    memory.buffer instanceof SharedArrayBuffer;
  const index = shared ? 1 : 0;
  const module = modules[index] ??= new WebAssembly.Module(moduleBytes(shared));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return { run: instance.exports.run as NearKernel["run"] };
}
