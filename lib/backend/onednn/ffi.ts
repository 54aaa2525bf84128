/**
 * oneDNN's C API as Deno FFI symbols (`libdnnl.so.2`), the enum values and struct sizes of
 * the oneDNN 2.6 headers they are called with, and the version check that keeps another
 * oneDNN from being called with them.
 *
 * @module
 */

/** The oneDNN `major.minor` whose headers gave the values below (Debian bookworm's 2.6). */
export const ONEDNN_VERSION = "2.6";

/**
 * Why a loaded oneDNN cannot be called with these bindings: one line, or null when its
 * version is {@linkcode ONEDNN_VERSION} (any patch release).
 *
 * @param version The library's `major.minor.patch`.
 * @returns The refusal, or null.
 *
 * @example
 * ```ts
 * import { oneDnnVersionProblem } from "./ffi.ts";
 * if (oneDnnVersionProblem("2.6.3") !== null) throw new Error("2.6.x is the one written for");
 * if (oneDnnVersionProblem("2.7.0") === null) throw new Error("another minor is refused");
 * ```
 */
export function oneDnnVersionProblem(version: string): string | null {
  const [major, minor] = version.split(".");
  if (`${major}.${minor}` === ONEDNN_VERSION) return null;
  return `found oneDNN ${version}; metriclab's bindings use the enum values and struct sizes ` +
    `of oneDNN ${ONEDNN_VERSION}`;
}

/** The C functions called, with their FFI signatures. */
export const SYMBOLS = {
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  dnnl_memory_desc_equal: { parameters: ["pointer", "pointer"], result: "i32" },
  // Memory descriptors go by pointer: the trunk chains descriptors queried from primitives.
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "pointer",
      "pointer",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "pointer",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "pointer",
      "pointer",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_stream_wait: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_attr_create: { parameters: ["buffer"], result: "i32" },
  dnnl_primitive_attr_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_post_ops_create: { parameters: ["buffer"], result: "i32" },
  dnnl_post_ops_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_post_ops_append_eltwise: {
    parameters: ["pointer", "f32", "i32", "f32", "f32"],
    result: "i32",
  },
  dnnl_memory_desc_get_size: { parameters: ["pointer"], result: "usize" },
  dnnl_primitive_desc_query: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  dnnl_pooling_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_pooling_backward_desc_init: {
    parameters: ["buffer", "i32", "pointer", "pointer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_eltwise_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "pointer", "f32", "f32"],
    result: "i32",
  },
  dnnl_eltwise_backward_desc_init: {
    parameters: ["buffer", "i32", "pointer", "pointer", "f32", "f32"],
    result: "i32",
  },
  // Row-major C = alpha op(A) op(B) + beta C on oneDNN's own (OpenMP) threads.
  dnnl_sgemm: {
    parameters: [
      "u8",
      "u8",
      "i64",
      "i64",
      "i64",
      "f32",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "f32",
      "buffer",
      "i64",
    ],
    result: "i32",
  },
} as const;

// Values of the oneDNN 2.x C API's enums and macros (dnnl_types.h).

export const F32 = 3, TAG_ANY = 1, TAG_X = 2, TAG_NHWC = 20, TAG_HWIO = 30;
export const FORWARD_TRAINING = 64, CONVOLUTION_DIRECT = 1, ELTWISE_RELU = 31, ENGINE_CPU = 1;
export const ARG_SRC = 1, ARG_DST = 17, ARG_WEIGHTS = 33, ARG_BIAS = 41;
export const ARG_DIFF_SRC = 129, ARG_DIFF_DST = 145, ARG_DIFF_WEIGHTS = 161, ARG_DIFF_BIAS = 169;
export const QUERY_WEIGHTS_MD = 131, QUERY_DIFF_WEIGHTS_MD = 132;
export const QUERY_SRC_MD = 129, QUERY_DST_MD = 133, QUERY_IMPL_INFO = 8;
export const QUERY_DIFF_DST_MD = 134;
export const POOLING_MAX = 0x1ff, POOLING_AVG = 0x3ff, RELU_USE_DST = 0x100;
export const TAG_NCHW = 5, TAG_NCHW8C = 93, FORWARD_INFERENCE = 96;
/** `DNNL_MEMORY_ALLOCATE`: the library allocates the buffer. */
export const ALLOCATE = 0xffff_ffff_ffff_ffffn;
/** Bytes reserved for a `dnnl_memory_desc_t` (696 in 2.6) and an op descriptor (5976). */
export const MD_BYTES = 1024, OP_DESC_BYTES = 8192;

/** The library files tried, in order, when `METRICLAB_DNNL` is not set. */
export const DNNL_CANDIDATES: readonly string[] = Deno.build.os === "darwin"
  ? ["libdnnl.2.dylib"]
  : Deno.build.os === "windows"
  ? ["dnnl.dll"]
  : [
    "libdnnl.so.2",
    "/usr/lib/x86_64-linux-gnu/libdnnl.so.2",
    "/usr/lib/aarch64-linux-gnu/libdnnl.so.2",
  ];

export type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
export type Handle = Deno.PointerValue;

/** `dnnl_status_t` names, by value. */
export const STATUS = [
  "success",
  "out_of_memory",
  "invalid_arguments",
  "unimplemented",
  "iterator_ends",
  "runtime_error",
  "not_required",
];

export function check(status: number, what: string): void {
  if (status !== 0) {
    throw new Error(`oneDNN ${what} failed (${STATUS[status] ?? `status ${status}`})`);
  }
}

export function handleOf(out: BigUint64Array): Handle {
  return Deno.UnsafePointer.create(out[0]);
}

export function dims(...values: number[]): BigInt64Array {
  const d = new BigInt64Array(12);
  values.forEach((v, i) => d[i] = BigInt(v));
  return d;
}

/** OpenMP's `omp_set_num_threads` (oneDNN's Debian build threads with OpenMP). */
export function loadOpenMp(): ((threads: number) => void) | undefined {
  for (const path of ["libgomp.so.1", "libomp.so", "libiomp5.so"]) {
    try {
      const lib = Deno.dlopen(path, {
        omp_set_num_threads: { parameters: ["i32"], result: "void" },
      });
      return (threads) => lib.symbols.omp_set_num_threads(threads);
    } catch {
      // try the next
    }
  }
  return undefined;
}
