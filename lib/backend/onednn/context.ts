/**
 * A oneDNN engine and stream with the small steps every primitive is made of: memory
 * descriptors, memory objects, primitive descriptors (plain or with a ReLU post-op),
 * primitives bound to their memory, reorders, and running them on heap addresses; what a
 * build creates is listed in an {@linkcode Owned} and destroyed together. Also the
 * least-recently-used cache that keeps built primitives per geometry.
 *
 * @module
 */
import {
  ALLOCATE,
  ARG_DST,
  ARG_SRC,
  check,
  dims,
  ELTWISE_RELU,
  ENGINE_CPU,
  F32,
  type Handle,
  handleOf,
  type Lib,
  MD_BYTES,
} from "./ffi.ts";

/** Everything one build created, destroyed together. */
export interface Owned {
  primitives: Handle[];
  descs: Handle[];
  memory: Handle[];
}

/** One primitive with the memory objects its arguments are bound to. */
export interface Bound {
  primitive: Handle;
  /** `dnnl_exec_arg_t` array: (arg, memory) pairs. */
  args: BigUint64Array;
  /** The memory objects, by argument. */
  memory: Map<number, Handle>;
}

/** The address of a JavaScript buffer, for the library to read. */
export function ptrOf(bytes: Uint8Array): Handle {
  return Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>);
}

/** A CPU engine and its stream, with the steps primitives are built and run from. */
export class DnnlContext {
  /** The library's symbols. */
  readonly s: Lib;
  /** The CPU engine. */
  readonly engine: Handle;
  /** The in-order stream every primitive runs on. */
  readonly stream: Handle;
  /**
   * Convolution calls run and declined (their geometry cannot run on oneDNN); trunk
   * passes (forward or backward) run.
   */
  readonly stats = { ran: 0, declined: 0, trunks: 0 };

  constructor(s: Lib) {
    this.s = s;
    const out = new BigUint64Array(1);
    check(s.dnnl_engine_create(out, ENGINE_CPU, 0n), "engine");
    this.engine = handleOf(out);
    check(s.dnnl_stream_create(out, this.engine, 1), "stream");
    this.stream = handleOf(out);
  }

  /** A plain memory descriptor of f32 `shape` in the layout `tag`. */
  desc(shape: number[], tag: number): Uint8Array {
    const md = new Uint8Array(MD_BYTES);
    check(
      this.s.dnnl_memory_desc_init_by_tag(md, shape.length, dims(...shape), F32, tag),
      "memory desc",
    );
    return md;
  }

  /** A memory object for a descriptor (a buffer pointer set per call, or the library allocates). */
  memory(md: Handle, owned: Owned, allocate: boolean): Handle {
    const m = new BigUint64Array(1);
    const buffer = allocate ? Deno.UnsafePointer.create(ALLOCATE) : null;
    check(this.s.dnnl_memory_create(m, md, this.engine, buffer), "memory");
    owned.memory.push(handleOf(m));
    return handleOf(m);
  }

  /** The primitive of a primitive descriptor. */
  primitiveOf(pd: Handle, owned: Owned): Handle {
    const p = new BigUint64Array(1);
    check(this.s.dnnl_primitive_create(p, pd), "primitive");
    owned.primitives.push(handleOf(p));
    return handleOf(p);
  }

  /** A primitive bound to its arguments' memory objects. */
  bind(primitive: Handle, memory: Map<number, Handle>): Bound {
    const args = new BigUint64Array(memory.size * 2);
    let i = 0;
    for (const [arg, m] of memory) {
      args[i++] = BigInt(arg);
      args[i++] = BigInt(Deno.UnsafePointer.value(m));
    }
    return { primitive, args, memory };
  }

  /** A primitive descriptor of an op descriptor (with attributes and a forward hint). */
  pdOf(opDesc: Uint8Array, attr: Handle, hint: Handle, owned: Owned): Handle {
    const pd = new BigUint64Array(1);
    check(
      this.s.dnnl_primitive_desc_create(pd, opDesc, attr, this.engine, hint),
      "primitive desc",
    );
    owned.descs.push(handleOf(pd));
    return handleOf(pd);
  }

  /** A primitive descriptor for `op` with ReLU applied to its output (a post-op). */
  pdWithRelu(op: Uint8Array, owned: Owned): Handle {
    const s = this.s;
    const o = new BigUint64Array(1);
    check(s.dnnl_post_ops_create(o), "post ops");
    const postOps = handleOf(o);
    let attr: Handle = null;
    try {
      check(s.dnnl_post_ops_append_eltwise(postOps, 1, ELTWISE_RELU, 0, 0), "relu post op");
      check(s.dnnl_primitive_attr_create(o), "attr");
      attr = handleOf(o);
      check(s.dnnl_primitive_attr_set_post_ops(attr, postOps), "set post ops");
      return this.pdOf(op, attr, null, owned);
    } finally {
      s.dnnl_post_ops_destroy(postOps);
      if (attr) s.dnnl_primitive_attr_destroy(attr);
    }
  }

  /** The primitive descriptor of a reorder between two layouts. */
  reorderPd(from: Handle, to: Handle, owned: Owned): Handle {
    const pd = new BigUint64Array(1);
    check(
      this.s.dnnl_reorder_primitive_desc_create(pd, from, this.engine, to, this.engine, null),
      "reorder",
    );
    owned.descs.push(handleOf(pd));
    return handleOf(pd);
  }

  /** A reorder between two layouts, both bound to memory objects of their own. */
  reorder(from: Handle, to: Handle, fromMemory: Handle, toMemory: Handle, owned: Owned): Bound {
    return this.bind(
      this.primitiveOf(this.reorderPd(from, to, owned), owned),
      new Map([[ARG_SRC, fromMemory], [ARG_DST, toMemory]]),
    );
  }

  /** Destroys everything a build created. */
  destroy(owned: Owned): void {
    for (const p of owned.primitives) this.s.dnnl_primitive_destroy(p);
    for (const m of owned.memory) this.s.dnnl_memory_destroy(m);
    for (const d of owned.descs) this.s.dnnl_primitive_desc_destroy(d);
  }

  /** Points an argument's memory object at a byte address. */
  setAddress(bound: Bound, arg: number, at: Handle): void {
    check(this.s.dnnl_memory_set_data_handle(bound.memory.get(arg)!, at), "set data handle");
  }

  /** Queues a bound primitive on the stream. */
  execute(bound: Bound): void {
    check(
      this.s.dnnl_primitive_execute(bound.primitive, this.stream, bound.memory.size, bound.args),
      "execute",
    );
  }

  /** Waits until the stream has run everything queued. */
  wait(): void {
    check(this.s.dnnl_stream_wait(this.stream), "stream wait");
  }

  /** Runs a bound primitive with some arguments at byte offsets into `heap`. */
  run(bound: Bound, heap: Uint8Array, addresses: [number, number][]): void {
    const base = Deno.UnsafePointer.value(ptrOf(heap));
    for (const [arg, offset] of addresses) {
      this.setAddress(bound, arg, Deno.UnsafePointer.create(BigInt(base) + BigInt(offset)));
    }
    this.execute(bound);
  }
}

/**
 * What `make` builds for `key`, built once and kept in `map` (at most `limit`, the least
 * recently used dropped first); a build that throws is kept as null.
 */
export function cached<T>(
  ctx: DnnlContext,
  map: Map<string, T | null>,
  limit: number,
  key: string,
  make: (owned: Owned) => T,
  drop: (built: T) => void,
): T | null {
  if (map.has(key)) {
    const hit = map.get(key)!;
    map.delete(key);
    map.set(key, hit);
    return hit;
  }
  const owned: Owned = { primitives: [], descs: [], memory: [] };
  let built: T | null;
  try {
    built = make(owned);
  } catch {
    ctx.destroy(owned);
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
}

/** Drops everything a cache holds. */
export function emptied<T>(map: Map<string, T | null>, drop: (built: T) => void): void {
  for (const built of map.values()) if (built) drop(built);
  map.clear();
}
