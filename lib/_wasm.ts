/**
 * A few helpers to assemble small WebAssembly modules byte by byte (no toolchain is needed
 * at run time): opcodes of the core instruction set and of 128-bit SIMD, the binary format's
 * encodings (LEB128 integers, vectors, sections, names), counted loops, and a module's
 * header. The SIMD loops of the wasm backend and the near field of FFT t-SNE are built with
 * them.
 *
 * A function body is a flat `number[]` of bytes, written in the stack machine's order.
 *
 * @module
 */

/** Value types: i32, f32, f64 and v128. */
export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;

/** Control: block, loop, end, br_if, and the empty block type. */
export const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, BR_IF = 0x0d, VOID = 0x40;

/** local.get, local.set and local.tee (each followed by the local's index). */
export const GET = 0x20, SET = 0x21, TEE = 0x22;

/** i32.const (followed by a signed LEB128 value, {@link uleb} for 0..63) and i32 arithmetic. */
export const I32_CONST = 0x41,
  I32_EQZ = 0x45,
  I32_LT_U = 0x49,
  I32_GE_U = 0x4f,
  I32_ADD = 0x6a,
  I32_SUB = 0x6b,
  I32_AND = 0x71,
  I32_SHL = 0x74;

/** f64.const (followed by 8 little-endian bytes, see {@link f64Const}), f64.add. */
export const F64_CONST = 0x44, F64_ADD = 0xa0;

/** f64.store with 8-byte alignment, its static offset to follow (see {@link f64Store}). */
export const F64_STORE = [0x39, 0x03];

/** The prefix of the SIMD instructions. */
export const SIMD = 0xfd;

/** v128.load and v128.store, alignment hint 1 and offset 0 (any address works). */
export const LOAD = [SIMD, 0x00, 0x00, 0x00], STORE = [SIMD, 0x0b, 0x00, 0x00];

/** v128.load64_zero (one 64-bit value into lane 0, lane 1 zero), alignment hint 1, offset 0. */
export const LOAD64_ZERO = [SIMD, 0x5d, 0x00, 0x00];

/** v128.store64_lane of lane 0 (its low 64 bits only), alignment hint 1, offset 0. */
export const STORE64_LANE0 = [SIMD, 0x5b, 0x00, 0x00, 0x00];

/** v128.const with all bits 0. */
export const V_ZERO = [SIMD, 0x0c, ...new Array(16).fill(0)];

/** Bitwise v128: not, and, and-not (a & ~b), or. */
export const V_NOT = [SIMD, 0x4d],
  V_AND = [SIMD, 0x4e],
  V_ANDNOT = [SIMD, 0x4f],
  V_OR = [SIMD, 0x50];

/** f32x4 lanes: comparisons (all-ones or all-zero lanes), splat, arithmetic. */
export const F32X4_GT = [SIMD, 0x44],
  F32X4_GE = [SIMD, 0x46],
  F32X4_SPLAT = [SIMD, 0x13],
  F32X4_SQRT = [SIMD, 0xe3, 0x01],
  F32X4_ADD = [SIMD, 0xe4, 0x01],
  F32X4_MUL = [SIMD, 0xe6, 0x01],
  F32X4_DIV = [SIMD, 0xe7, 0x01];

/** f64x2 lanes: splat, extract_lane 0 and 1, lt (all-ones or all-zero lanes), arithmetic. */
export const F64X2_SPLAT = [SIMD, 0x14],
  F64X2_LANE0 = [SIMD, 0x21, 0x00],
  F64X2_LANE1 = [SIMD, 0x21, 0x01],
  F64X2_LT = [SIMD, 0x49],
  F64X2_ADD = [SIMD, 0xf0, 0x01],
  F64X2_SUB = [SIMD, 0xf1, 0x01],
  F64X2_MUL = [SIMD, 0xf2, 0x01],
  F64X2_DIV = [SIMD, 0xf3, 0x01];

/**
 * An unsigned LEB128 integer (sizes, counts, indices).
 *
 * @param n A non-negative integer below 2^32.
 * @returns Its bytes.
 */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/**
 * A vector of the binary format: its length, then its items.
 *
 * @param items The items, each already encoded.
 * @returns The bytes.
 */
export function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/**
 * A section: its id, its size, its body.
 *
 * @param id 1 types, 2 imports, 3 functions, 7 exports, 10 code (and so on).
 * @param body The section's contents.
 * @returns The bytes.
 */
export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/**
 * A name (of an import or an export): its UTF-8 length, then its bytes.
 *
 * @param text The name.
 * @returns The bytes.
 */
export function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/**
 * f64.const: the value as 8 little-endian bytes.
 *
 * @param value The constant.
 * @returns The instruction's bytes.
 */
export function f64Const(value: number): number[] {
  return [F64_CONST, ...new Uint8Array(new Float64Array([value]).buffer)];
}

/**
 * f64.store at the address on the stack plus a static byte offset (the value above it).
 *
 * @param offset The static offset in bytes.
 * @returns The instruction's bytes.
 */
export function f64Store(offset: number): number[] {
  return [...F64_STORE, ...uleb(offset)];
}

/**
 * `do body; i += step while (i < limit)` over local `i`, entered unless `skip` leaves a
 * non-zero i32.
 */
function counted(i: number, limit: number, step: number, skip: number[], body: number[]) {
  return [
    BLOCK,
    VOID,
    ...skip,
    BR_IF,
    0,
    LOOP,
    VOID,
    ...body,
    GET,
    i,
    I32_CONST,
    ...uleb(step),
    I32_ADD,
    TEE,
    i,
    GET,
    limit,
    I32_LT_U,
    BR_IF,
    0,
    END,
    END,
  ];
}

/**
 * `for (i = 0; i < limit; i += step) body` over i32 local `i`, skipped when limit is 0.
 *
 * @param i The counter's local index.
 * @param limit The local holding the (unsigned) limit.
 * @param step The increment, 0..63.
 * @param body The loop's body.
 * @returns The bytes.
 */
export function loop(i: number, limit: number, step: number, body: number[]): number[] {
  return [I32_CONST, 0, SET, i, ...counted(i, limit, step, [GET, limit, I32_EQZ], body)];
}

/**
 * `for (; i < limit; i += step) body` over i32 local `i` from its current value (unsigned
 * comparisons).
 *
 * @param i The counter's local index, already set.
 * @param limit The local holding the limit.
 * @param step The increment, 0..63.
 * @param body The loop's body.
 * @returns The bytes.
 */
export function loopFrom(i: number, limit: number, step: number, body: number[]): number[] {
  return counted(i, limit, step, [GET, i, GET, limit, I32_GE_U], body);
}

/**
 * A function type (the type section's entry).
 *
 * @param params The parameters' value types.
 * @param results The results' value types.
 * @returns The bytes.
 */
export function funcType(params: number[], results: number[] = []): number[] {
  return [0x60, ...vector(params.map((t) => [t])), ...vector(results.map((t) => [t]))];
}

/**
 * A function's entry in the code section: its size, its locals, its body.
 *
 * @param locals Runs of locals after the parameters, as [count, value type].
 * @param body The instructions, ending in {@link END}.
 * @returns The bytes.
 */
export function funcCode(locals: [number, number][], body: number[]): number[] {
  const code = [...vector(locals), ...body];
  return [...uleb(code.length), ...code];
}

/**
 * The import of a memory as `env.memory`: plain with at least `min` pages, or shared (then
 * any maximum up to 65,536 pages, 4 GiB, matches).
 *
 * @param min The fewest 64 KiB pages the module accepts.
 * @param shared Whether the memory is shared (its buffer a SharedArrayBuffer).
 * @returns The import's bytes.
 */
export function memoryImport(min: number, shared = false): number[] {
  const limits = shared ? [0x03, ...uleb(min), ...uleb(65536)] : [0x00, ...uleb(min)];
  return [...name("env"), ...name("memory"), 0x02, ...limits];
}

/**
 * A whole module: the magic number, version 1, then the sections in order.
 *
 * @param sections Sections made by {@link section}, in increasing id order.
 * @returns The module's bytes, ready for `new WebAssembly.Module`.
 *
 * @example
 * ```ts
 * import { END, funcCode, funcType, GET, I32, I32_ADD, name, section, vector, wasmModule } from "./_wasm.ts";
 * const bytes = wasmModule([
 *   section(1, vector([funcType([I32, I32], [I32])])),
 *   section(3, vector([[0]])),
 *   section(7, vector([[...name("add"), 0x00, 0]])),
 *   section(10, vector([funcCode([], [GET, 0, GET, 1, I32_ADD, END])])),
 * ]);
 * const add = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.add as (
 *   a: number,
 *   b: number,
 * ) => number;
 * if (add(2, 3) !== 5) throw new Error("add");
 * ```
 */
export function wasmModule(sections: number[][]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}
