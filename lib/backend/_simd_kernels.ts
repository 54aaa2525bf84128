/**
 * Element-wise loops in 128-bit WebAssembly SIMD, run directly on the tfjs wasm heap: the
 * ReLU gradient, the 2x2 max-pool gradient, bias plus ReLU after a convolution, and one
 * Adam step. In
 * JavaScript each costs 2-3 ns an element (V8 does not vectorise), a fifth of a small
 * network's training step.
 *
 * The module is assembled here, byte by byte with the helpers of lib/_wasm.ts (no toolchain
 * is needed at run time), and imports the wasm backend's own memory, so the loops read and
 * write tensors in place.
 *
 * @module
 */

import {
  END,
  F32,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_GE,
  F32X4_GT,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  funcCode,
  funcType,
  GET,
  I32,
  I32_ADD,
  I32_CONST,
  I32_SHL,
  LOAD,
  loop,
  memoryImport,
  name,
  section,
  SET,
  STORE,
  TEE,
  V128,
  V_AND,
  V_ANDNOT,
  V_NOT,
  V_OR,
  V_ZERO,
  vector,
  wasmModule,
} from "../_wasm.ts";

/** The SIMD loops, on byte addresses of the imported memory. */
export interface SimdKernels {
  /** out[i] = x[i] > 0 ? dy[i] : 0 for `count` floats, `count` a multiple of 4. */
  reluGrad(x: number, dy: number, out: number, count: number): void;
  /**
   * One output row of a 2x2, stride 2 max-pool gradient: the two input rows starting at
   * `x0` and `x1`, the output gradient row at `dy`, the two gradient rows at `d0`, `d1`;
   * `pixels` output pixels of `channels` floats each (a multiple of 4). All four window
   * positions are written: dy at the first maximum (row-major order), 0 elsewhere.
   */
  maxPoolGrad2x2Row(
    x0: number,
    x1: number,
    dy: number,
    d0: number,
    d1: number,
    pixels: number,
    channels: number,
  ): void;
  /**
   * In place, row by row: out[r, k] = max(out[r, k] + bias[k], 0) over `rows` rows of
   * `channels` floats (a multiple of 4); a NaN sum gives 0.
   */
  biasRelu(out: number, rows: number, channels: number, bias: number): void;
  /**
   * One Adam step over `count` floats (a multiple of 4), tfjs's operations in tfjs's order
   * (each rounded to float32): m1 = m b1 + g c1, v1 = v b2 + g^2 c2,
   * x1 = (m1 / d1) / (sqrt(v1 / d2) + eps) * step + x, with c = 1 - b, d = 1 - b^t and
   * step = -lr.
   */
  adam(
    x: number,
    m: number,
    v: number,
    g: number,
    x1: number,
    m1: number,
    v1: number,
    count: number,
    b1: number,
    b2: number,
    c1: number,
    c2: number,
    d1: number,
    d2: number,
    eps: number,
    step: number,
  ): void;
}

// deno-fmt-ignore
function reluGradBody(): number[] {
  // params: x 0, dy 1, out 2, count 3; locals: i 4 (byte offset), bytes 5
  const [x, dy, out, count, i, bytes] = [0, 1, 2, 3, 4, 5];
  return [
    GET, count, I32_CONST, 2, I32_SHL, SET, bytes,
    ...loop(i, bytes, 16, [
      GET, out, GET, i, I32_ADD,
      GET, dy, GET, i, I32_ADD, ...LOAD,
      GET, x, GET, i, I32_ADD, ...LOAD, ...V_ZERO, ...F32X4_GT,
      ...V_AND, ...STORE,
    ]),
    END,
  ];
}

// deno-fmt-ignore
function maxPoolGradBody(): number[] {
  // params: x0 0, x1 1, dy 2, d0 3, d1 4, pixels 5, channels 6
  // i32 locals: cb 7 (channel bytes), k 8, j 9, px 10 (2 * cb * j), gy 11 (cb * j)
  // v128 locals: a 12, b 13, e 14, f 15, g 16, ab 17, ae 18, be 19, s0 20, s1 21, s2 22
  const [x0, x1, dy, d0, d1, pixels, channels] = [0, 1, 2, 3, 4, 5, 6];
  const [cb, k, j, px, gy] = [7, 8, 9, 10, 11];
  const [a, b, e, f, g, ab, ae, be, s0, s1, s2] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const at = (base: number, second: boolean) => [
    GET, base, GET, px, I32_ADD, GET, k, I32_ADD, ...(second ? [GET, cb, I32_ADD] : []),
  ];
  const load = (base: number, second: boolean, into: number) => [
    ...at(base, second), ...LOAD, SET, into,
  ];
  const store = (base: number, second: boolean, mask: number[]) => [
    ...at(base, second), GET, g, ...mask, ...V_AND, ...STORE,
  ];
  const ge = (p: number, q: number) => [GET, p, GET, q, ...F32X4_GE];
  return [
    GET, channels, I32_CONST, 2, I32_SHL, SET, cb,
    I32_CONST, 0, SET, px,
    I32_CONST, 0, SET, gy,
    ...loop(j, pixels, 1, [
      ...loop(k, cb, 16, [
        ...load(x0, false, a), ...load(x0, true, b),
        ...load(x1, false, e), ...load(x1, true, f),
        GET, dy, GET, gy, I32_ADD, GET, k, I32_ADD, ...LOAD, SET, g,
        ...ge(a, b), SET, ab, ...ge(a, e), SET, ae, ...ge(b, e), SET, be,
        // s0 = a >= b, e, f: a is the first maximum.
        GET, ab, GET, ae, ...V_AND, ...ge(a, f), ...V_AND, SET, s0,
        // s1 = b > a and b >= e, f.
        GET, be, ...ge(b, f), ...V_AND, GET, ab, ...V_ANDNOT, SET, s1,
        // s2 = e > a, e > b, e >= f.
        ...ge(e, f), GET, ae, ...V_ANDNOT, GET, be, ...V_ANDNOT, SET, s2,
        ...store(d0, false, [GET, s0]),
        ...store(d0, true, [GET, s1]),
        ...store(d1, false, [GET, s2]),
        ...store(d1, true, [GET, s0, GET, s1, ...V_OR, GET, s2, ...V_OR, ...V_NOT]),
      ]),
      GET, px, GET, cb, I32_ADD, GET, cb, I32_ADD, SET, px,
      GET, gy, GET, cb, I32_ADD, SET, gy,
    ]),
    END,
  ];
}

// deno-fmt-ignore
function biasReluBody(): number[] {
  // params: out 0, rows 1, channels 2, bias 3; i32 locals: cb 4, r 5, k 6, p 7; v128: v 8
  const [out, rows, channels, bias, cb, r, k, p, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  return [
    GET, channels, I32_CONST, 2, I32_SHL, SET, cb,
    GET, out, SET, p,
    ...loop(r, rows, 1, [
      ...loop(k, cb, 16, [
        GET, p, GET, k, I32_ADD,
        GET, p, GET, k, I32_ADD, ...LOAD, GET, bias, GET, k, I32_ADD, ...LOAD, ...F32X4_ADD,
        TEE, v, GET, v, ...V_ZERO, ...F32X4_GT, ...V_AND, ...STORE,
      ]),
      GET, p, GET, cb, I32_ADD, SET, p,
    ]),
    END,
  ];
}

// deno-fmt-ignore
function adamBody(): number[] {
  // params: x 0, m 1, v 2, g 3, x1 4, m1 5, v1 6, count 7 (i32); b1 8 .. step 15 (f32)
  // i32 locals: i 16, bytes 17; v128 locals: the eight splats 18..25, gv 26, mv 27, vv 28
  const [x, m, v, g, x1, m1, v1, count, i, bytes] = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17];
  const [b1, b2, c1, c2, d1, d2, eps, step] = [18, 19, 20, 21, 22, 23, 24, 25];
  const [gv, mv, vv] = [26, 27, 28];
  const at = (base: number) => [GET, base, GET, i, I32_ADD];
  const splats = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((k) => [GET, 8 + k, ...F32X4_SPLAT, SET, 18 + k]);
  return [
    ...splats,
    GET, count, I32_CONST, 2, I32_SHL, SET, bytes,
    ...loop(i, bytes, 16, [
      ...at(g), ...LOAD, SET, gv,
      ...at(m1),
      ...at(m), ...LOAD, GET, b1, ...F32X4_MUL, GET, gv, GET, c1, ...F32X4_MUL, ...F32X4_ADD,
      TEE, mv, ...STORE,
      ...at(v1),
      ...at(v), ...LOAD, GET, b2, ...F32X4_MUL,
      GET, gv, GET, gv, ...F32X4_MUL, GET, c2, ...F32X4_MUL, ...F32X4_ADD,
      TEE, vv, ...STORE,
      ...at(x1),
      GET, mv, GET, d1, ...F32X4_DIV,
      GET, vv, GET, d2, ...F32X4_DIV, ...F32X4_SQRT, GET, eps, ...F32X4_ADD,
      ...F32X4_DIV, GET, step, ...F32X4_MUL, ...at(x), ...LOAD, ...F32X4_ADD, ...STORE,
    ]),
    END,
  ];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const types = vector([
    funcType([I32, I32, I32, I32]),
    funcType([I32, I32, I32, I32, I32, I32, I32]),
    funcType([...new Array(8).fill(I32), ...new Array(8).fill(F32)]),
  ]);
  // biasRelu has the same four-i32 signature as reluGrad (type 0).
  const imports = vector([memoryImport(1)]);
  const functions = vector([[0], [1], [0], [2]]);
  const exports = vector([
    [...name("reluGrad"), 0x00, 0],
    [...name("maxPoolGrad2x2Row"), 0x00, 1],
    [...name("biasRelu"), 0x00, 2],
    [...name("adam"), 0x00, 3],
  ]);
  const code = vector([
    funcCode([[2, I32]], reluGradBody()),
    funcCode([[5, I32], [11, V128]], maxPoolGradBody()),
    funcCode([[4, I32], [1, V128]], biasReluBody()),
    funcCode([[2, I32], [11, V128]], adamBody()),
  ]);
  return wasmModule([
    section(1, types),
    section(2, imports),
    section(3, functions),
    section(7, exports),
    section(10, code),
  ]);
}

/**
 * Instantiates the SIMD loops on a memory, or returns why they cannot run here (no
 * WebAssembly SIMD, or a shared memory this module does not declare).
 *
 * @param memory The wasm backend's memory.
 * @returns The loops, or the reason as a string.
 *
 * @example
 * ```ts
 * import { createSimdKernels } from "./_simd_kernels.ts";
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const simd = createSimdKernels(memory);
 * if (typeof simd === "string") throw new Error(simd);
 * const f = new Float32Array(memory.buffer);
 * f.set([-1, 2, 0, 3], 0); // x
 * f.set([5, 6, 7, 8], 4); // dy
 * simd.reluGrad(0, 16, 32, 4);
 * if (f.slice(8, 12).join() !== "0,6,0,8") throw new Error(f.slice(8, 12).join());
 * f.set([1, -2, 3, -4, 5, -6, 7, -8], 12); // two rows of 4 channels
 * f.set([0.5, 0.5, -10, 10], 20); // bias
 * simd.biasRelu(48, 2, 4, 80);
 * if (f.slice(12, 20).join() !== "1.5,0,0,6,5.5,0,0,2") throw new Error(f.slice(12, 20).join());
 * ```
 */
export function createSimdKernels(memory: WebAssembly.Memory): SimdKernels | string {
  try {
    const module = new WebAssembly.Module(moduleBytes());
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return instance.exports as unknown as SimdKernels;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
