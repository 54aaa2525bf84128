/**
 * Convolutions on oneDNN (`libdnnl.so.2`, Debian: `libdnnl2`), loaded through Deno's FFI:
 * the library PyTorch itself runs its CPU convolutions on. Its JIT-compiled direct
 * convolutions read and write NHWC tensors in place (here: in the wasm heap), so a
 * convolution, its input gradient and its filter gradient each become one call with no
 * im2col; only the small filters are reordered into the blocked layout oneDNN computes
 * in. Written against the oneDNN 2.x C API (`dnnl_*_desc_init`, Debian bookworm's 2.6).
 *
 * Each distinct geometry gets its primitives built once and cached. A geometry oneDNN
 * cannot run (or any error building it) answers `false`, and the caller computes it
 * another way.
 *
 * @module
 */

/**
 * The geometry of one NHWC convolution with an `[kh, kw, ci, co]` filter (the fields of
 * tfjs's `Conv2DInfo` of the same names).
 */
export interface ConvGeometry {
  /** Images. */
  batch: number;
  /** Input rows. */
  inHeight: number;
  /** Input columns. */
  inWidth: number;
  /** Input channels. */
  inChannels: number;
  /** Output rows. */
  outHeight: number;
  /** Output columns. */
  outWidth: number;
  /** Output channels. */
  outChannels: number;
  /** Filter rows. */
  filterHeight: number;
  /** Filter columns. */
  filterWidth: number;
  /** Vertical stride. */
  strideHeight: number;
  /** Horizontal stride. */
  strideWidth: number;
  /** Vertical dilation (1: none). */
  dilationHeight: number;
  /** Horizontal dilation (1: none). */
  dilationWidth: number;
  /** Zero rows above the input. */
  padTop: number;
  /** Zero columns left of the input. */
  padLeft: number;
}

/**
 * A stack of 3x3 "same" convolutions with bias and ReLU, a 2x2 max pooling after each but
 * the last and a global average after the last (the `conv64` network's convolutional part),
 * on NHWC images with HWIO filters.
 */
export interface TrunkGeometry {
  /** Images. */
  batch: number;
  /** Image rows (divisible by 2 for each pooling). */
  height: number;
  /** Image columns (likewise). */
  width: number;
  /** Image channels. */
  channels: number;
  /** Output channels of each convolution. */
  filters: readonly number[];
}

/**
 * The trunk built as one chain of oneDNN primitives that pass activations in oneDNN's
 * blocked layout from layer to layer (no NHWC round trips). Buffers are byte offsets into
 * `heap()`, read once per call (the wasm heap may have moved since the last one): the
 * caller allocates every buffer first.
 */
export interface TrunkPlan {
  /**
   * True once the plan's primitives are destroyed (the thread count changed, or the cache
   * dropped it): it runs no more, and its buffers should be freed.
   */
  readonly released: boolean;
  /** Bytes of each buffer the forward pass fills and the backward pass reads. */
  activationBytes: readonly number[];
  /** Bytes of each scratch buffer of the backward pass. */
  scratchBytes: readonly number[];
  /**
   * Features `[batch, filters.at(-1)]` of `x` into `out`, the activations into `acts`.
   */
  forward(
    heap: () => Uint8Array,
    x: number,
    filters: readonly number[],
    biases: readonly number[],
    out: number,
    acts: readonly number[],
  ): void;
  /**
   * The filter (HWIO) and bias gradients of every layer, from the features' gradient
   * `dOut` and the activations of the forward pass that made them. The max pooling's
   * gradient is the caller's `poolGrad`: its tensors are in oneDNN's nChw8c layout, which
   * is NHWC with `images` = batch x channels / 8 and 8 channels.
   */
  backward(
    heap: () => Uint8Array,
    dOut: number,
    filters: readonly number[],
    acts: readonly number[],
    scratch: readonly number[],
    dFilters: readonly number[],
    dBiases: readonly number[],
    poolGrad: PoolGrad,
  ): void;
}

/**
 * dx of a 2x2, stride 2 max pooling of the NHWC tensor x, each window's dy going to its
 * first maximum; byte offsets into the heap.
 */
export type PoolGrad = (
  x: number,
  dy: number,
  dx: number,
  images: number,
  height: number,
  width: number,
  channels: number,
) => void;

/** A loaded oneDNN. */
export interface OneDnn {
  /** The library file that was loaded. */
  path: string;
  /** The library's version, `major.minor.patch`. */
  version: string;
  /**
   * Convolution calls run on oneDNN and calls it declined (their geometry cannot run
   * there); trunk passes (forward or backward) run.
   */
  stats: { ran: number; declined: number; trunks: number };
  /** Sets the thread count of later calls (OpenMP's, on the calling thread). */
  setThreads(threads: number): void;
  /**
   * y = conv(x, w) (+ bias) (then ReLU). Offsets are byte offsets into `heap`; `bias`
   * is -1 when there is none.
   *
   * @returns False when oneDNN cannot run this geometry (nothing was written).
   */
  forward(
    g: ConvGeometry,
    heap: Uint8Array,
    x: number,
    w: number,
    bias: number,
    y: number,
    relu: boolean,
  ): boolean;
  /** dx = the input gradient of the convolution, from dy and w. */
  backwardData(g: ConvGeometry, heap: Uint8Array, dy: number, w: number, dx: number): boolean;
  /**
   * dw = the filter gradient of the convolution, from x and dy; with `db` (not -1) also
   * the bias gradient (dy summed over all but the channels), in the same pass.
   */
  backwardWeights(
    g: ConvGeometry,
    heap: Uint8Array,
    x: number,
    dy: number,
    dw: number,
    db?: number,
  ): boolean;
  /**
   * The trunk's primitives for this geometry, built once (null: oneDNN cannot run it with
   * its optimised kernels; nothing was built).
   */
  trunk(g: TrunkGeometry): TrunkPlan | null;
}

const SYMBOLS = {
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
} as const;

// Values of the oneDNN 2.x C API's enums and macros (dnnl_types.h).
const F32 = 3, TAG_ANY = 1, TAG_X = 2, TAG_NHWC = 20, TAG_HWIO = 30;
const FORWARD_TRAINING = 64, CONVOLUTION_DIRECT = 1, ELTWISE_RELU = 31, ENGINE_CPU = 1;
const ARG_SRC = 1, ARG_DST = 17, ARG_WEIGHTS = 33, ARG_BIAS = 41;
const ARG_DIFF_SRC = 129, ARG_DIFF_DST = 145, ARG_DIFF_WEIGHTS = 161, ARG_DIFF_BIAS = 169;
const QUERY_WEIGHTS_MD = 131, QUERY_DIFF_WEIGHTS_MD = 132;
const QUERY_SRC_MD = 129, QUERY_DST_MD = 133, QUERY_IMPL_INFO = 8;
const POOLING_MAX = 0x1ff, POOLING_AVG = 0x3ff, RELU_USE_DST = 0x100;
const TAG_NCHW = 5, TAG_NCHW8C = 93, FORWARD_INFERENCE = 96;
/** `DNNL_MEMORY_ALLOCATE`: the library allocates the buffer. */
const ALLOCATE = 0xffff_ffff_ffff_ffffn;
/** Bytes reserved for a `dnnl_memory_desc_t` (696 in 2.6) and an op descriptor (5976). */
const MD_BYTES = 1024, OP_DESC_BYTES = 8192;
/** Geometries whose primitives are kept; the oldest go first. */
const CACHE_SIZE = 48;
/** Trunk geometries (batch sizes, mostly) whose primitives are kept. */
const TRUNK_CACHE_SIZE = 8;

/** The library files tried, in order, when `METRICLAB_DNNL` is not set. */
const DNNL_CANDIDATES: readonly string[] = Deno.build.os === "darwin"
  ? ["libdnnl.2.dylib"]
  : Deno.build.os === "windows"
  ? ["dnnl.dll"]
  : [
    "libdnnl.so.2",
    "/usr/lib/x86_64-linux-gnu/libdnnl.so.2",
    "/usr/lib/aarch64-linux-gnu/libdnnl.so.2",
  ];

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
type Handle = Deno.PointerValue;

/** One primitive with the memory objects its arguments are bound to. */
interface Bound {
  primitive: Handle;
  /** `dnnl_exec_arg_t` array: (arg, memory) pairs. */
  args: BigUint64Array;
  /** The memory objects, by argument. */
  memory: Map<number, Handle>;
}

/** The primitives of one geometry and direction (null: oneDNN cannot run it). */
interface Entry {
  main: Bound;
  /** Reorder from the caller's HWIO filter to the primitive's layout, if it differs. */
  toBlocked?: Bound;
  /** Reorder from the primitive's filter-gradient layout to HWIO, if it differs. */
  toPlain?: Bound;
  /** Everything to destroy on eviction. */
  owned: { primitives: Handle[]; descs: Handle[]; memory: Handle[] };
}

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
 * @throws {Error} When no candidate loads, or it is not a oneDNN 2.x, naming the fix.
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
  failure = `Cannot load oneDNN 2.x (tried ${errors.join("; ")}); install it ` +
    `(Debian/Ubuntu: apt-get install libdnnl2) or set METRICLAB_DNNL to its path`;
  throw new Error(failure);
}

/** `dnnl_status_t` names, by value. */
const STATUS = [
  "success",
  "out_of_memory",
  "invalid_arguments",
  "unimplemented",
  "iterator_ends",
  "runtime_error",
  "not_required",
];

function check(status: number, what: string): void {
  if (status !== 0) {
    throw new Error(`oneDNN ${what} failed (${STATUS[status] ?? `status ${status}`})`);
  }
}

function handleOf(out: BigUint64Array): Handle {
  return Deno.UnsafePointer.create(out[0]);
}

function dims(...values: number[]): BigInt64Array {
  const d = new BigInt64Array(12);
  values.forEach((v, i) => d[i] = BigInt(v));
  return d;
}

function create(path: string, s: Lib): OneDnn {
  const versionView = new Deno.UnsafePointerView(s.dnnl_version()!);
  const version = [0, 4, 8].map((at) => versionView.getInt32(at)).join(".");
  if (!version.startsWith("2.")) throw new Error(`found oneDNN ${version}, need 2.x`);
  const out = new BigUint64Array(1);
  check(s.dnnl_engine_create(out, ENGINE_CPU, 0n), "engine");
  const engine = handleOf(out);
  check(s.dnnl_stream_create(out, engine, 1), "stream");
  const stream = handleOf(out);
  const omp = loadOpenMp();

  const desc = (shape: number[], tag: number): Uint8Array => {
    const md = new Uint8Array(MD_BYTES);
    check(
      s.dnnl_memory_desc_init_by_tag(md, shape.length, dims(...shape), F32, tag),
      "memory desc",
    );
    return md;
  };
  const ptrOf = (bytes: Uint8Array): Handle =>
    Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>);

  /** A memory object for a descriptor (a buffer pointer, or the library allocates). */
  const memory = (md: Handle, owned: Entry["owned"], allocate: boolean): Handle => {
    const m = new BigUint64Array(1);
    const buffer = allocate ? Deno.UnsafePointer.create(ALLOCATE) : null;
    check(s.dnnl_memory_create(m, md, engine, buffer), "memory");
    owned.memory.push(handleOf(m));
    return handleOf(m);
  };
  const primitiveOf = (pd: Handle, owned: Entry["owned"]): Handle => {
    const p = new BigUint64Array(1);
    check(s.dnnl_primitive_create(p, pd), "primitive");
    owned.primitives.push(handleOf(p));
    return handleOf(p);
  };
  const bind = (primitive: Handle, memory: Map<number, Handle>): Bound => {
    const args = new BigUint64Array(memory.size * 2);
    let i = 0;
    for (const [arg, m] of memory) {
      args[i++] = BigInt(arg);
      args[i++] = BigInt(Deno.UnsafePointer.value(m));
    }
    return { primitive, args, memory };
  };
  const pdOf = (opDesc: Uint8Array, attr: Handle, hint: Handle, owned: Entry["owned"]): Handle => {
    const pd = new BigUint64Array(1);
    check(s.dnnl_primitive_desc_create(pd, opDesc, attr, engine, hint), "primitive desc");
    owned.descs.push(handleOf(pd));
    return handleOf(pd);
  };
  /** A reorder between two layouts, both bound to memory objects of their own. */
  const reorder = (
    from: Handle,
    to: Handle,
    fromMemory: Handle,
    toMemory: Handle,
    owned: Entry["owned"],
  ): Bound => {
    const pd = new BigUint64Array(1);
    check(s.dnnl_reorder_primitive_desc_create(pd, from, engine, to, engine, null), "reorder");
    owned.descs.push(handleOf(pd));
    return bind(
      primitiveOf(handleOf(pd), owned),
      new Map([[ARG_SRC, fromMemory], [ARG_DST, toMemory]]),
    );
  };

  const cache = new Map<string, Entry | null>();
  const destroy = (owned: Entry["owned"]) => {
    for (const p of owned.primitives) s.dnnl_primitive_destroy(p);
    for (const m of owned.memory) s.dnnl_memory_destroy(m);
    for (const d of owned.descs) s.dnnl_primitive_desc_destroy(d);
  };
  const release = (entry: Entry) => destroy(entry.owned);

  /**
   * What `make` builds for `key`, built once and kept in `map` (at most `limit`, the least
   * recently used dropped first); a build that throws is kept as null.
   */
  const cached = <T extends { owned: Entry["owned"] }>(
    map: Map<string, T | null>,
    limit: number,
    key: string,
    make: (owned: Entry["owned"]) => T,
    drop: (built: T) => void,
  ): T | null => {
    if (map.has(key)) {
      const hit = map.get(key)!;
      map.delete(key);
      map.set(key, hit);
      return hit;
    }
    const owned: Entry["owned"] = { primitives: [], descs: [], memory: [] };
    let built: T | null;
    try {
      built = make(owned);
    } catch {
      destroy(owned);
      built = null;
    }
    map.set(key, built);
    if (map.size > limit) {
      const [oldest] = map.keys();
      const gone = map.get(oldest);
      if (gone) drop(gone);
      map.delete(oldest);
    }
    return built;
  };
  const emptied = <T>(map: Map<string, T | null>, drop: (built: T) => void) => {
    for (const built of map.values()) if (built) drop(built);
    map.clear();
  };

  /** The shared descriptors of a geometry. */
  const geometryDescs = (g: ConvGeometry) => {
    const pads = paddings(g);
    if (!pads) return null;
    return {
      src: desc([g.batch, g.inChannels, g.inHeight, g.inWidth], TAG_NHWC),
      dst: desc([g.batch, g.outChannels, g.outHeight, g.outWidth], TAG_NHWC),
      anyWeights: desc(
        [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth],
        TAG_ANY,
      ),
      plainWeights: desc(
        [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth],
        TAG_HWIO,
      ),
      bias: desc([g.outChannels], TAG_X),
      strides: dims(g.strideHeight, g.strideWidth),
      dilations: dims(g.dilationHeight - 1, g.dilationWidth - 1),
      padL: dims(g.padTop, g.padLeft),
      padR: dims(pads.bottom, pads.right),
    };
  };

  /** The forward primitive desc (also the hint the backward ones need). */
  const forwardDesc = (
    d: NonNullable<ReturnType<typeof geometryDescs>>,
    bias: boolean,
    relu: boolean,
    owned: Entry["owned"],
  ): Handle => {
    const op = new Uint8Array(OP_DESC_BYTES);
    check(
      s.dnnl_dilated_convolution_forward_desc_init(
        op,
        FORWARD_TRAINING,
        CONVOLUTION_DIRECT,
        ptrOf(d.src),
        ptrOf(d.anyWeights),
        bias ? ptrOf(d.bias) : null,
        ptrOf(d.dst),
        d.strides,
        d.dilations,
        d.padL,
        d.padR,
      ),
      "convolution desc",
    );
    return relu ? pdWithRelu(op, owned) : pdOf(op, null, null, owned);
  };

  /** The filter's memory for a primitive: the caller's HWIO, reordered when needed. */
  const filterInput = (
    pd: Handle,
    d: NonNullable<ReturnType<typeof geometryDescs>>,
    owned: Entry["owned"],
  ): { memory: Handle; toBlocked?: Bound } => {
    const want = s.dnnl_primitive_desc_query_md(pd, QUERY_WEIGHTS_MD, 0);
    const plain = memory(ptrOf(d.plainWeights), owned, false);
    if (s.dnnl_memory_desc_equal(want, ptrOf(d.plainWeights))) return { memory: plain };
    const blocked = memory(want, owned, true);
    return {
      memory: blocked,
      toBlocked: reorder(ptrOf(d.plainWeights), want, plain, blocked, owned),
    };
  };

  const build = (
    key: string,
    make: (owned: Entry["owned"]) => Omit<Entry, "owned">,
  ): Entry | null =>
    cached(cache, CACHE_SIZE, key, (owned) => ({ ...make(owned), owned }), release);

  const run = (bound: Bound, heap: Uint8Array, addresses: [number, number][]): void => {
    const base = Deno.UnsafePointer.value(ptrOf(heap));
    for (const [arg, offset] of addresses) {
      const at = Deno.UnsafePointer.create(BigInt(base) + BigInt(offset));
      check(s.dnnl_memory_set_data_handle(bound.memory.get(arg)!, at), "set data handle");
    }
    check(
      s.dnnl_primitive_execute(bound.primitive, stream, bound.memory.size, bound.args),
      "execute",
    );
  };
  const stats = { ran: 0, declined: 0, trunks: 0 };
  let currentThreads = 0;
  const finish = () => {
    check(s.dnnl_stream_wait(stream), "stream wait");
    stats.ran++;
    return true;
  };
  const decline = () => {
    stats.declined++;
    return false;
  };

  /** A primitive desc for `op` with ReLU applied to its output (a post-op). */
  const pdWithRelu = (op: Uint8Array, owned: Entry["owned"]): Handle => {
    const o = new BigUint64Array(1);
    check(s.dnnl_post_ops_create(o), "post ops");
    const postOps = handleOf(o);
    let attr: Handle = null;
    try {
      check(s.dnnl_post_ops_append_eltwise(postOps, 1, ELTWISE_RELU, 0, 0), "relu post op");
      check(s.dnnl_primitive_attr_create(o), "attr");
      attr = handleOf(o);
      check(s.dnnl_primitive_attr_set_post_ops(attr, postOps), "set post ops");
      return pdOf(op, attr, null, owned);
    } finally {
      s.dnnl_post_ops_destroy(postOps);
      if (attr) s.dnnl_primitive_attr_destroy(attr);
    }
  };

  const trunks = new Map<string, { plan: TrunkPlan; owned: Entry["owned"] } | null>();
  const releaseTrunk = (built: { plan: TrunkPlan; owned: Entry["owned"] }) => {
    (built.plan as { released: boolean }).released = true;
    destroy(built.owned);
  };
  const trunk = (g: TrunkGeometry): TrunkPlan | null =>
    cached(
      trunks,
      TRUNK_CACHE_SIZE,
      [g.batch, g.height, g.width, g.channels, g.filters.join("/")].join(","),
      (owned) => ({ plan: buildTrunk(g, owned), owned }),
      releaseTrunk,
    )?.plan ?? null;

  /**
   * One primitive whose arguments are named buffers (set per call) or fixed memory; or a
   * computation of the caller's, on named buffers.
   */
  type Step = { bound: Bound; slots: [number, string][] } | {
    call: (at: Map<string, number>, poolGrad: PoolGrad) => void;
  };
  const buildTrunk = (g: TrunkGeometry, owned: Entry["owned"]): TrunkPlan => {
    const n = g.batch;
    const bytes = new Map<string, number>();
    const activations: string[] = [], scratch: string[] = [];
    const buffer = (list: string[], name: string, md: Handle): string => {
      list.push(name);
      bytes.set(name, Number(s.dnnl_memory_desc_get_size(md)));
      return name;
    };
    const query = (pd: Handle, what: number): Handle => s.dnnl_primitive_desc_query_md(pd, what, 0);
    /** Refuses oneDNN's reference kernels (correct but far slower than the layer path). */
    const optimised = (pd: Handle): Handle => {
      const o = new BigUint64Array(1);
      check(s.dnnl_primitive_desc_query(pd, QUERY_IMPL_INFO, 0, o), "implementation query");
      const name = new Deno.UnsafePointerView(handleOf(o)!).getCString();
      if (name.startsWith("ref")) throw new Error(`only a reference kernel (${name})`);
      return pd;
    };
    const step = (pd: Handle, args: [number, Handle, string | Handle][]): Step => {
      const bound = new Map<number, Handle>();
      const slots: [number, string][] = [];
      for (const [arg, md, target] of args) {
        if (typeof target === "string") {
          bound.set(arg, memory(md, owned, false));
          slots.push([arg, target]);
        } else {
          bound.set(arg, target);
        }
      }
      return { bound: bind(primitiveOf(pd, owned), bound), slots };
    };
    const reorderStep = (
      fromMd: Handle,
      toMd: Handle,
      from: string | Handle,
      to: string | Handle,
    ): Step => {
      const pd = new BigUint64Array(1);
      check(
        s.dnnl_reorder_primitive_desc_create(pd, fromMd, engine, toMd, engine, null),
        "reorder",
      );
      owned.descs.push(handleOf(pd));
      return step(handleOf(pd), [[ARG_SRC, fromMd, from], [ARG_DST, toMd, to]]);
    };
    const opDesc = () => new Uint8Array(OP_DESC_BYTES);
    const one = dims(1, 1), none = dims(0, 0), two = dims(2, 2);
    // Descriptors built from JavaScript buffers must outlive the calls that read them.
    const keep: Uint8Array[] = [];
    const plainDesc = (shape: number[], tag: number): Handle => {
      const d = desc(shape, tag);
      keep.push(d);
      return ptrOf(d);
    };

    const forward: Step[] = [], backward: Step[] = [];
    interface Layer {
      pd: Handle;
      src: Handle;
      dst: Handle;
      srcSlot: string;
      anyWeights: Handle;
      plainWeights: Handle;
      bias: Handle;
      pool?: { height: number; width: number; channels: number };
    }
    const layers: Layer[] = [];
    let h = g.height, w = g.width, c = g.channels;
    let src = plainDesc([n, c, h, w], TAG_ANY);
    let gap: { pd: Handle; dst: Handle; out: Handle } | undefined;
    g.filters.forEach((co, i) => {
      const last = i === g.filters.length - 1;
      const anyWeights = plainDesc([co, c, 3, 3], TAG_ANY);
      const plainWeights = plainDesc([co, c, 3, 3], TAG_HWIO);
      const bias = plainDesc([co], TAG_X);
      const op = opDesc();
      check(
        s.dnnl_dilated_convolution_forward_desc_init(
          op,
          FORWARD_TRAINING,
          CONVOLUTION_DIRECT,
          src,
          anyWeights,
          bias,
          // Pooled layers in nChw8c, the layout the pooling gradient walks as NHWC.
          plainDesc([n, co, h, w], last ? TAG_ANY : TAG_NCHW8C),
          one,
          none,
          one,
          one,
        ),
        "convolution desc",
      );
      const pd = optimised(pdWithRelu(op, owned));
      const srcMd = query(pd, QUERY_SRC_MD), dst = query(pd, QUERY_DST_MD);
      const srcSlot = i === 0 ? buffer(activations, "x0", srcMd) : `p${i - 1}`;
      if (i === 0) forward.push(reorderStep(plainDesc([n, c, h, w], TAG_NHWC), srcMd, "x", "x0"));
      const weightsMd = query(pd, QUERY_WEIGHTS_MD);
      const weights = memory(weightsMd, owned, true);
      forward.push(reorderStep(plainWeights, weightsMd, `w${i}`, weights));
      forward.push(step(pd, [
        [ARG_SRC, srcMd, srcSlot],
        [ARG_WEIGHTS, weightsMd, weights],
        [ARG_BIAS, bias, `b${i}`],
        [ARG_DST, dst, buffer(activations, `y${i}`, dst)],
      ]));
      const layer: Layer = { pd, src: srcMd, dst, srcSlot, anyWeights, plainWeights, bias };
      layers.push(layer);
      if (!last) {
        if (h % 2 || w % 2 || co % 8) throw new Error("an odd size or channels before a pooling");
        const pop = opDesc();
        check(
          s.dnnl_pooling_forward_desc_init(
            pop,
            // Inference: no workspace (the gradient finds each window's maximum again).
            FORWARD_INFERENCE,
            POOLING_MAX,
            dst,
            plainDesc([n, co, h / 2, w / 2], TAG_NCHW8C),
            two,
            two,
            none,
            none,
          ),
          "pooling desc",
        );
        const ppd = optimised(pdOf(pop, null, null, owned));
        const pooled = query(ppd, QUERY_DST_MD);
        forward.push(step(ppd, [
          [ARG_SRC, dst, `y${i}`],
          [ARG_DST, pooled, buffer(activations, `p${i}`, pooled)],
        ]));
        layer.pool = { height: h, width: w, channels: co };
        src = pooled;
        h /= 2;
        w /= 2;
      } else {
        const gop = opDesc();
        check(
          s.dnnl_pooling_forward_desc_init(
            gop,
            FORWARD_TRAINING,
            POOLING_AVG,
            dst,
            plainDesc([n, co, 1, 1], TAG_ANY),
            one,
            dims(h, w),
            none,
            none,
          ),
          "global average desc",
        );
        const gpd = optimised(pdOf(gop, null, null, owned));
        const gdst = query(gpd, QUERY_DST_MD);
        const out = plainDesc([n, co, 1, 1], TAG_NCHW);
        forward.push(
          step(gpd, [[ARG_SRC, dst, `y${i}`], [ARG_DST, gdst, buffer(activations, "g", gdst)]]),
        );
        forward.push(reorderStep(gdst, out, "g", "out"));
        gap = { pd: gpd, dst: gdst, out };
      }
      c = co;
    });

    // Backward: the global average and the last layer's ReLU, then per layer (last first)
    // the filter and bias gradients and (but for the first) the input gradient, the ReLU
    // below it and the pooling. The ReLU's gradient is taken on the pooled tensor, a
    // quarter of the size: a window's maximum is positive exactly where its winner is.
    /** dx = dy where `data` (a ReLU's output) is positive: oneDNN's ReLU gradient. */
    const reluGrad = (md: Handle, data: string, dy: string, dx: string): Step => {
      const hop = opDesc(), eop = opDesc();
      check(
        s.dnnl_eltwise_forward_desc_init(hop, FORWARD_TRAINING, RELU_USE_DST, md, 0, 0),
        "relu desc",
      );
      check(
        s.dnnl_eltwise_backward_desc_init(eop, RELU_USE_DST, md, md, 0, 0),
        "relu backward desc",
      );
      return step(optimised(pdOf(eop, null, pdOf(hop, null, null, owned), owned)), [
        [ARG_DST, md, data],
        [ARG_DIFF_DST, md, dy],
        [ARG_DIFF_SRC, md, dx],
      ]);
    };
    const top = layers[layers.length - 1];
    backward.push(reorderStep(gap!.out, gap!.dst, "dOut", buffer(scratch, "dg", gap!.dst)));
    const gbop = opDesc();
    check(
      s.dnnl_pooling_backward_desc_init(
        gbop,
        POOLING_AVG,
        top.dst,
        gap!.dst,
        one,
        dims(h, w),
        none,
        none,
      ),
      "global average backward desc",
    );
    backward.push(step(optimised(pdOf(gbop, null, gap!.pd, owned)), [
      [ARG_DIFF_DST, gap!.dst, "dg"],
      [ARG_DIFF_SRC, top.dst, buffer(scratch, `dy${layers.length - 1}`, top.dst)],
    ]));
    const last = layers.length - 1;
    backward.push(
      reluGrad(top.dst, `y${last}`, `dy${last}`, buffer(scratch, `dr${last}`, top.dst)),
    );
    for (let i = last; i >= 0; i--) {
      const layer = layers[i];
      const wop = opDesc();
      check(
        s.dnnl_dilated_convolution_backward_weights_desc_init(
          wop,
          CONVOLUTION_DIRECT,
          layer.src,
          layer.anyWeights,
          layer.bias,
          layer.dst,
          one,
          none,
          one,
          one,
        ),
        "backward weights desc",
      );
      const wpd = optimised(pdOf(wop, null, layer.pd, owned));
      const diffWeightsMd = query(wpd, QUERY_DIFF_WEIGHTS_MD);
      const diffWeights = memory(diffWeightsMd, owned, true);
      backward.push(step(wpd, [
        [ARG_SRC, layer.src, layer.srcSlot],
        [ARG_DIFF_DST, layer.dst, `dr${i}`],
        [ARG_DIFF_WEIGHTS, diffWeightsMd, diffWeights],
        [ARG_DIFF_BIAS, layer.bias, `db${i}`],
      ]));
      backward.push(reorderStep(diffWeightsMd, layer.plainWeights, diffWeights, `dw${i}`));
      if (i === 0) break;
      const dop = opDesc();
      check(
        s.dnnl_dilated_convolution_backward_data_desc_init(
          dop,
          CONVOLUTION_DIRECT,
          layer.src,
          layer.anyWeights,
          layer.dst,
          one,
          none,
          one,
          one,
        ),
        "backward data desc",
      );
      const dpd = optimised(pdOf(dop, null, layer.pd, owned));
      const weightsMd = query(dpd, QUERY_WEIGHTS_MD);
      const weights = memory(weightsMd, owned, true);
      backward.push(reorderStep(layer.plainWeights, weightsMd, `w${i}`, weights));
      backward.push(step(dpd, [
        [ARG_DIFF_DST, layer.dst, `dr${i}`],
        [ARG_WEIGHTS, weightsMd, weights],
        [ARG_DIFF_SRC, layer.src, buffer(scratch, `dp${i - 1}`, layer.src)],
      ]));
      const below = layers[i - 1];
      const { height, width, channels } = below.pool!;
      backward.push(
        reluGrad(layer.src, `p${i - 1}`, `dp${i - 1}`, buffer(scratch, `dq${i - 1}`, layer.src)),
      );
      buffer(scratch, `dr${i - 1}`, below.dst);
      backward.push({
        call: (at, poolGrad) =>
          poolGrad(
            at.get(`y${i - 1}`)!,
            at.get(`dq${i - 1}`)!,
            at.get(`dr${i - 1}`)!,
            n * channels / 8,
            height,
            width,
            8,
          ),
      });
    }
    keep.length = 0;

    const runSteps = (
      steps: Step[],
      heap: () => Uint8Array,
      at: Map<string, number>,
      poolGrad?: PoolGrad,
    ) => {
      if (plan.released) throw new Error("oneDNN trunk: its primitives were released");
      const base = BigInt(Deno.UnsafePointer.value(ptrOf(heap())));
      for (const st of steps) {
        if ("call" in st) {
          check(s.dnnl_stream_wait(stream), "stream wait");
          st.call(at, poolGrad!);
          continue;
        }
        const { bound, slots } = st;
        for (const [arg, slot] of slots) {
          const offset = at.get(slot);
          if (offset === undefined) throw new Error(`oneDNN trunk: no buffer for ${slot}`);
          const handle = Deno.UnsafePointer.create(base + BigInt(offset));
          check(s.dnnl_memory_set_data_handle(bound.memory.get(arg)!, handle), "set data handle");
        }
        check(
          s.dnnl_primitive_execute(bound.primitive, stream, bound.memory.size, bound.args),
          "execute",
        );
      }
      check(s.dnnl_stream_wait(stream), "stream wait");
      stats.trunks++;
    };
    const named = (prefix: string, offsets: readonly number[]) =>
      offsets.map((offset, i): [string, number] => [`${prefix}${i}`, offset]);
    const count = g.filters.length;
    const lengths = (what: string, list: readonly number[]) => {
      if (list.length !== count) throw new RangeError(`oneDNN trunk: ${count} ${what} expected`);
    };
    const plan = {
      released: false,
      activationBytes: activations.map((name) => bytes.get(name)!),
      scratchBytes: scratch.map((name) => bytes.get(name)!),
      forward(
        heap: () => Uint8Array,
        x: number,
        filters: readonly number[],
        biases: readonly number[],
        out: number,
        acts: readonly number[],
      ) {
        lengths("filters", filters);
        lengths("biases", biases);
        runSteps(
          forward,
          heap,
          new Map([
            ["x", x],
            ["out", out],
            ...named("w", filters),
            ...named("b", biases),
            ...activations.map((name, i): [string, number] => [name, acts[i]]),
          ]),
        );
      },
      backward(
        heap: () => Uint8Array,
        dOut: number,
        filters: readonly number[],
        acts: readonly number[],
        scratchOffsets: readonly number[],
        dFilters: readonly number[],
        dBiases: readonly number[],
        poolGrad: PoolGrad,
      ) {
        lengths("filters", filters);
        lengths("filter gradients", dFilters);
        lengths("bias gradients", dBiases);
        runSteps(
          backward,
          heap,
          new Map([
            ["dOut", dOut],
            ...named("w", filters),
            ...named("dw", dFilters),
            ...named("db", dBiases),
            ...activations.map((name, i): [string, number] => [name, acts[i]]),
            ...scratch.map((name, i): [string, number] => [name, scratchOffsets[i]]),
          ]),
          poolGrad,
        );
      },
    };
    return plan as TrunkPlan;
  };

  return {
    path,
    version,
    stats,
    setThreads(threads) {
      if (threads === currentThreads) return;
      // Some primitives fix their thread count when built: build them again.
      emptied(cache, release);
      emptied(trunks, releaseTrunk);
      currentThreads = threads;
      omp?.(threads);
    },
    forward(g, heap, x, w, bias, y, relu) {
      const hasBias = bias >= 0;
      const entry = build(`f ${key(g)} ${hasBias} ${relu}`, (owned) => {
        const d = geometryDescs(g);
        if (!d) throw new Error("padding");
        const pd = forwardDesc(d, hasBias, relu, owned);
        const filter = filterInput(pd, d, owned);
        const args = new Map<number, Handle>([
          [ARG_SRC, memory(ptrOf(d.src), owned, false)],
          [ARG_WEIGHTS, filter.memory],
          [ARG_DST, memory(ptrOf(d.dst), owned, false)],
        ]);
        if (hasBias) args.set(ARG_BIAS, memory(ptrOf(d.bias), owned, false));
        return { main: bind(primitiveOf(pd, owned), args), toBlocked: filter.toBlocked };
      });
      if (!entry) return decline();
      const addresses: [number, number][] = [[ARG_SRC, x], [ARG_DST, y]];
      if (hasBias) addresses.push([ARG_BIAS, bias]);
      if (entry.toBlocked) run(entry.toBlocked, heap, [[ARG_SRC, w]]);
      else addresses.push([ARG_WEIGHTS, w]);
      run(entry.main, heap, addresses);
      return finish();
    },
    backwardData(g, heap, dy, w, dx) {
      const entry = build(`d ${key(g)}`, (owned) => {
        const d = geometryDescs(g);
        if (!d) throw new Error("padding");
        const hint = forwardDesc(d, false, false, owned);
        const op = new Uint8Array(OP_DESC_BYTES);
        check(
          s.dnnl_dilated_convolution_backward_data_desc_init(
            op,
            CONVOLUTION_DIRECT,
            ptrOf(d.src),
            ptrOf(d.anyWeights),
            ptrOf(d.dst),
            d.strides,
            d.dilations,
            d.padL,
            d.padR,
          ),
          "backward data desc",
        );
        const pd = pdOf(op, null, hint, owned);
        const filter = filterInput(pd, d, owned);
        const args = new Map<number, Handle>([
          [ARG_DIFF_DST, memory(ptrOf(d.dst), owned, false)],
          [ARG_WEIGHTS, filter.memory],
          [ARG_DIFF_SRC, memory(ptrOf(d.src), owned, false)],
        ]);
        return { main: bind(primitiveOf(pd, owned), args), toBlocked: filter.toBlocked };
      });
      if (!entry) return decline();
      const addresses: [number, number][] = [[ARG_DIFF_DST, dy], [ARG_DIFF_SRC, dx]];
      if (entry.toBlocked) run(entry.toBlocked, heap, [[ARG_SRC, w]]);
      else addresses.push([ARG_WEIGHTS, w]);
      run(entry.main, heap, addresses);
      return finish();
    },
    trunk,
    backwardWeights(g, heap, x, dy, dw, db = -1) {
      const hasBias = db >= 0;
      const entry = build(`w ${key(g)} ${hasBias}`, (owned) => {
        const d = geometryDescs(g);
        if (!d) throw new Error("padding");
        const hint = forwardDesc(d, false, false, owned);
        const op = new Uint8Array(OP_DESC_BYTES);
        check(
          s.dnnl_dilated_convolution_backward_weights_desc_init(
            op,
            CONVOLUTION_DIRECT,
            ptrOf(d.src),
            ptrOf(d.anyWeights),
            hasBias ? ptrOf(d.bias) : null,
            ptrOf(d.dst),
            d.strides,
            d.dilations,
            d.padL,
            d.padR,
          ),
          "backward weights desc",
        );
        const pd = pdOf(op, null, hint, owned);
        const got = s.dnnl_primitive_desc_query_md(pd, QUERY_DIFF_WEIGHTS_MD, 0);
        const plain = memory(ptrOf(d.plainWeights), owned, false);
        const same = s.dnnl_memory_desc_equal(got, ptrOf(d.plainWeights)) !== 0;
        const diffWeights = same ? plain : memory(got, owned, true);
        const args = new Map<number, Handle>([
          [ARG_SRC, memory(ptrOf(d.src), owned, false)],
          [ARG_DIFF_DST, memory(ptrOf(d.dst), owned, false)],
          [ARG_DIFF_WEIGHTS, diffWeights],
        ]);
        if (hasBias) args.set(ARG_DIFF_BIAS, memory(ptrOf(d.bias), owned, false));
        const main = bind(primitiveOf(pd, owned), args);
        if (same) return { main };
        return { main, toPlain: reorder(got, ptrOf(d.plainWeights), diffWeights, plain, owned) };
      });
      if (!entry) return decline();
      const addresses: [number, number][] = [[ARG_SRC, x], [ARG_DIFF_DST, dy]];
      if (!entry.toPlain) addresses.push([ARG_DIFF_WEIGHTS, dw]);
      if (hasBias) addresses.push([ARG_DIFF_BIAS, db]);
      run(entry.main, heap, addresses);
      if (entry.toPlain) run(entry.toPlain, heap, [[ARG_DST, dw]]);
      return finish();
    },
  };
}

function key(g: ConvGeometry): string {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    g.outChannels,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padTop,
    g.padLeft,
  ].join(",");
}

/**
 * The bottom and right padding for tfjs's output size in oneDNN's formula, out = (in +
 * pads - span) / stride + 1 rounded down: what covers the last window, or none when rows
 * are left over (a stride that does not divide them, with "valid" padding). Null when
 * that cannot give tfjs's size.
 */
function paddings(g: ConvGeometry): { bottom: number; right: number } | null {
  const fit = (size: number, out: number, k: number, d: number, stride: number, pad: number) => {
    const pad2 = Math.max(0, (out - 1) * stride + (k - 1) * d + 1 - size - pad);
    const got = Math.floor((size + pad + pad2 - ((k - 1) * d + 1)) / stride) + 1;
    return got === out ? pad2 : -1;
  };
  const bottom = fit(
    g.inHeight,
    g.outHeight,
    g.filterHeight,
    g.dilationHeight,
    g.strideHeight,
    g.padTop,
  );
  const right = fit(
    g.inWidth,
    g.outWidth,
    g.filterWidth,
    g.dilationWidth,
    g.strideWidth,
    g.padLeft,
  );
  return bottom < 0 || right < 0 ? null : { bottom, right };
}

/** OpenMP's `omp_set_num_threads` (oneDNN's Debian build threads with OpenMP). */
function loadOpenMp(): ((threads: number) => void) | undefined {
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
