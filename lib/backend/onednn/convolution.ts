/**
 * One convolution on oneDNN, forward (with bias and ReLU fused in) and both gradients:
 * JIT-compiled direct convolutions that read and write NHWC tensors in the wasm heap in
 * place, with only the small filters reordered into the blocked layout oneDNN computes
 * in. Each geometry's primitives are built once and cached; a geometry oneDNN cannot run
 * answers `false`, and the caller computes it another way.
 *
 * @module
 */
import {
  ARG_BIAS,
  ARG_DIFF_BIAS,
  ARG_DIFF_DST,
  ARG_DIFF_SRC,
  ARG_DIFF_WEIGHTS,
  ARG_DST,
  ARG_SRC,
  ARG_WEIGHTS,
  check,
  CONVOLUTION_DIRECT,
  dims,
  FORWARD_TRAINING,
  type Handle,
  OP_DESC_BYTES,
  QUERY_DIFF_WEIGHTS_MD,
  QUERY_WEIGHTS_MD,
  TAG_ANY,
  TAG_HWIO,
  TAG_NHWC,
  TAG_X,
} from "./ffi.ts";
import { type Bound, cached, type DnnlContext, emptied, type Owned, ptrOf } from "./context.ts";
import type { ConvGeometry } from "./types.ts";

/** Geometries whose primitives are kept; the oldest go first. */
const CACHE_SIZE = 48;

/** The primitives of one geometry and direction. */
interface Entry {
  main: Bound;
  /** Reorder from the caller's HWIO filter to the primitive's layout, if it differs. */
  toBlocked?: Bound;
  /** Reorder from the primitive's filter-gradient layout to HWIO, if it differs. */
  toPlain?: Bound;
  /** Everything to destroy on eviction. */
  owned: Owned;
}

/** The descriptors a geometry's primitives share. */
type GeometryDescs = NonNullable<ReturnType<typeof geometryDescs>>;

/** The shared descriptors of a geometry (null: its padding cannot give tfjs's size). */
function geometryDescs(ctx: DnnlContext, g: ConvGeometry) {
  const pads = paddings(g);
  if (!pads) return null;
  const weights = [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth];
  return {
    src: ctx.desc([g.batch, g.inChannels, g.inHeight, g.inWidth], TAG_NHWC),
    dst: ctx.desc([g.batch, g.outChannels, g.outHeight, g.outWidth], TAG_NHWC),
    anyWeights: ctx.desc(weights, TAG_ANY),
    plainWeights: ctx.desc(weights, TAG_HWIO),
    bias: ctx.desc([g.outChannels], TAG_X),
    strides: dims(g.strideHeight, g.strideWidth),
    dilations: dims(g.dilationHeight - 1, g.dilationWidth - 1),
    padL: dims(g.padTop, g.padLeft),
    padR: dims(pads.bottom, pads.right),
  };
}

/** The convolution primitives of every geometry asked for, built once each. */
export class ConvolutionPrimitives {
  readonly #ctx: DnnlContext;
  readonly #cache = new Map<string, Entry | null>();

  constructor(ctx: DnnlContext) {
    this.#ctx = ctx;
  }

  /** Destroys every cached primitive (they fix their thread count when built). */
  clear(): void {
    emptied(this.#cache, (entry) => this.#ctx.destroy(entry.owned));
  }

  /** y = conv(x, w) (+ bias) (then ReLU); false when oneDNN cannot run the geometry. */
  forward(
    g: ConvGeometry,
    heap: Uint8Array,
    x: number,
    w: number,
    bias: number,
    y: number,
    relu: boolean,
  ): boolean {
    const ctx = this.#ctx;
    const hasBias = bias >= 0;
    const entry = this.#build(`f ${key(g)} ${hasBias} ${relu}`, g, (d, owned) => {
      const pd = this.#forwardDesc(d, hasBias, relu, owned);
      const filter = this.#filterInput(pd, d, owned);
      const args = new Map<number, Handle>([
        [ARG_SRC, ctx.memory(ptrOf(d.src), owned, false)],
        [ARG_WEIGHTS, filter.memory],
        [ARG_DST, ctx.memory(ptrOf(d.dst), owned, false)],
      ]);
      if (hasBias) args.set(ARG_BIAS, ctx.memory(ptrOf(d.bias), owned, false));
      return { main: ctx.bind(ctx.primitiveOf(pd, owned), args), toBlocked: filter.toBlocked };
    });
    if (!entry) return this.#decline();
    const addresses: [number, number][] = [[ARG_SRC, x], [ARG_DST, y]];
    if (hasBias) addresses.push([ARG_BIAS, bias]);
    if (entry.toBlocked) ctx.run(entry.toBlocked, heap, [[ARG_SRC, w]]);
    else addresses.push([ARG_WEIGHTS, w]);
    ctx.run(entry.main, heap, addresses);
    return this.#finish();
  }

  /** dx = the input gradient of the convolution, from dy and w. */
  backwardData(g: ConvGeometry, heap: Uint8Array, dy: number, w: number, dx: number): boolean {
    const ctx = this.#ctx;
    const entry = this.#build(`d ${key(g)}`, g, (d, owned) => {
      const hint = this.#forwardDesc(d, false, false, owned);
      const op = new Uint8Array(OP_DESC_BYTES);
      check(
        ctx.s.dnnl_dilated_convolution_backward_data_desc_init(
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
      const pd = ctx.pdOf(op, null, hint, owned);
      const filter = this.#filterInput(pd, d, owned);
      const args = new Map<number, Handle>([
        [ARG_DIFF_DST, ctx.memory(ptrOf(d.dst), owned, false)],
        [ARG_WEIGHTS, filter.memory],
        [ARG_DIFF_SRC, ctx.memory(ptrOf(d.src), owned, false)],
      ]);
      return { main: ctx.bind(ctx.primitiveOf(pd, owned), args), toBlocked: filter.toBlocked };
    });
    if (!entry) return this.#decline();
    const addresses: [number, number][] = [[ARG_DIFF_DST, dy], [ARG_DIFF_SRC, dx]];
    if (entry.toBlocked) ctx.run(entry.toBlocked, heap, [[ARG_SRC, w]]);
    else addresses.push([ARG_WEIGHTS, w]);
    ctx.run(entry.main, heap, addresses);
    return this.#finish();
  }

  /** dw (and with `db` not -1 the bias gradient) of the convolution, from x and dy. */
  backwardWeights(
    g: ConvGeometry,
    heap: Uint8Array,
    x: number,
    dy: number,
    dw: number,
    db = -1,
  ): boolean {
    const ctx = this.#ctx;
    const hasBias = db >= 0;
    const entry = this.#build(`w ${key(g)} ${hasBias}`, g, (d, owned) => {
      const hint = this.#forwardDesc(d, false, false, owned);
      const op = new Uint8Array(OP_DESC_BYTES);
      check(
        ctx.s.dnnl_dilated_convolution_backward_weights_desc_init(
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
      const pd = ctx.pdOf(op, null, hint, owned);
      const got = ctx.s.dnnl_primitive_desc_query_md(pd, QUERY_DIFF_WEIGHTS_MD, 0);
      const plain = ctx.memory(ptrOf(d.plainWeights), owned, false);
      const same = ctx.s.dnnl_memory_desc_equal(got, ptrOf(d.plainWeights)) !== 0;
      const diffWeights = same ? plain : ctx.memory(got, owned, true);
      const args = new Map<number, Handle>([
        [ARG_SRC, ctx.memory(ptrOf(d.src), owned, false)],
        [ARG_DIFF_DST, ctx.memory(ptrOf(d.dst), owned, false)],
        [ARG_DIFF_WEIGHTS, diffWeights],
      ]);
      if (hasBias) args.set(ARG_DIFF_BIAS, ctx.memory(ptrOf(d.bias), owned, false));
      const main = ctx.bind(ctx.primitiveOf(pd, owned), args);
      if (same) return { main };
      return {
        main,
        toPlain: ctx.reorder(got, ptrOf(d.plainWeights), diffWeights, plain, owned),
      };
    });
    if (!entry) return this.#decline();
    const addresses: [number, number][] = [[ARG_SRC, x], [ARG_DIFF_DST, dy]];
    if (!entry.toPlain) addresses.push([ARG_DIFF_WEIGHTS, dw]);
    if (hasBias) addresses.push([ARG_DIFF_BIAS, db]);
    ctx.run(entry.main, heap, addresses);
    if (entry.toPlain) ctx.run(entry.toPlain, heap, [[ARG_DST, dw]]);
    return this.#finish();
  }

  /** The entry of `cacheKey`, built from the geometry's descriptors once. */
  #build(
    cacheKey: string,
    g: ConvGeometry,
    make: (d: GeometryDescs, owned: Owned) => Omit<Entry, "owned">,
  ): Entry | null {
    return cached(this.#ctx, this.#cache, CACHE_SIZE, cacheKey, (owned) => {
      const d = geometryDescs(this.#ctx, g);
      if (!d) throw new Error("padding");
      return { ...make(d, owned), owned };
    }, (entry) => this.#ctx.destroy(entry.owned));
  }

  /** The forward primitive desc (also the hint the backward ones need). */
  #forwardDesc(d: GeometryDescs, bias: boolean, relu: boolean, owned: Owned): Handle {
    const ctx = this.#ctx;
    const op = new Uint8Array(OP_DESC_BYTES);
    check(
      ctx.s.dnnl_dilated_convolution_forward_desc_init(
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
    return relu ? ctx.pdWithRelu(op, owned) : ctx.pdOf(op, null, null, owned);
  }

  /** The filter's memory for a primitive: the caller's HWIO, reordered when needed. */
  #filterInput(
    pd: Handle,
    d: GeometryDescs,
    owned: Owned,
  ): { memory: Handle; toBlocked?: Bound } {
    const ctx = this.#ctx;
    const want = ctx.s.dnnl_primitive_desc_query_md(pd, QUERY_WEIGHTS_MD, 0);
    const plain = ctx.memory(ptrOf(d.plainWeights), owned, false);
    if (ctx.s.dnnl_memory_desc_equal(want, ptrOf(d.plainWeights))) return { memory: plain };
    const blocked = ctx.memory(want, owned, true);
    return {
      memory: blocked,
      toBlocked: ctx.reorder(ptrOf(d.plainWeights), want, plain, blocked, owned),
    };
  }

  #finish(): boolean {
    this.#ctx.wait();
    this.#ctx.stats.ran++;
    return true;
  }

  #decline(): boolean {
    this.#ctx.stats.declined++;
    return false;
  }
}

/** The cache key of a geometry. */
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
