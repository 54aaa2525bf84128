/**
 * The fused trunk on oneDNN: a stack of 3x3 convolutions with bias and ReLU, a 2x2 max
 * pooling after each but the last and a global average after the last, built as one chain
 * of primitives that pass activations in oneDNN's blocked layout (nChw8c) from layer to
 * layer, forward and backward, with no NHWC round trips.
 *
 * {@linkcode buildTrunk} builds the chain for one geometry: the forward steps
 * (`trunkForward`), the backward steps (`trunkBackward`) and the plan that runs them on
 * named heap buffers (`trunkPlan`).
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
  FORWARD_INFERENCE,
  FORWARD_TRAINING,
  type Handle,
  handleOf,
  OP_DESC_BYTES,
  POOLING_AVG,
  POOLING_MAX,
  QUERY_DIFF_DST_MD,
  QUERY_DIFF_WEIGHTS_MD,
  QUERY_DST_MD,
  QUERY_IMPL_INFO,
  QUERY_SRC_MD,
  QUERY_WEIGHTS_MD,
  RELU_USE_DST,
  TAG_ANY,
  TAG_HWIO,
  TAG_NCHW,
  TAG_NCHW8C,
  TAG_NHWC,
  TAG_X,
} from "./ffi.ts";
import { type Bound, type DnnlContext, type Owned, ptrOf } from "./context.ts";
import type { PoolGrad, TrunkGeometry, TrunkPlan } from "./types.ts";

/**
 * One primitive whose arguments are named buffers (set per call) or fixed memory; or a
 * computation of the caller's, on named buffers.
 */
type Step = { bound: Bound; slots: [number, string][] } | {
  call: (at: Map<string, number>, poolGrad: PoolGrad) => void;
};

/** One convolution of the chain, as the backward steps need it. */
interface Layer {
  pd: Handle;
  src: Handle;
  dst: Handle;
  srcSlot: string;
  anyWeights: Handle;
  plainWeights: Handle;
  bias: Handle;
  /** The pooling after it (all but the last layer): its input's size. */
  pool?: { height: number; width: number; channels: number };
}

/** The global average after the last layer. */
interface GlobalAverage {
  pd: Handle;
  dst: Handle;
  out: Handle;
}

/** The max pooling after the last layer, and the features' NHWC layout. */
interface PooledHead {
  /** The pooled tensor's layout (nChw8c). */
  pooled: Handle;
  /** The features' layout (NHWC). */
  out: Handle;
}

const ONE = dims(1, 1), NONE = dims(0, 0), TWO = dims(2, 2);

/** What building one chain shares: the context, the named buffers, what to destroy. */
class TrunkBuilder {
  readonly ctx: DnnlContext;
  readonly owned: Owned;
  /** Bytes of each named buffer. */
  readonly bytes = new Map<string, number>();
  /** Buffers the forward pass fills and the backward pass reads, in order. */
  readonly activations: string[] = [];
  /** Buffers of the backward pass only. */
  readonly scratch: string[] = [];
  /** Descriptors built from JavaScript buffers must outlive the calls that read them. */
  readonly #keep: Uint8Array[] = [];

  constructor(ctx: DnnlContext, owned: Owned) {
    this.ctx = ctx;
    this.owned = owned;
  }

  /** Names a buffer of `list`, sized by its descriptor. */
  buffer(list: string[], name: string, md: Handle): string {
    list.push(name);
    this.bytes.set(name, Number(this.ctx.s.dnnl_memory_desc_get_size(md)));
    return name;
  }

  /** A memory descriptor a primitive desc chose. */
  query(pd: Handle, what: number): Handle {
    return this.ctx.s.dnnl_primitive_desc_query_md(pd, what, 0);
  }

  /** Refuses oneDNN's reference kernels (correct but far slower than the layer path). */
  optimised(pd: Handle): Handle {
    const o = new BigUint64Array(1);
    check(this.ctx.s.dnnl_primitive_desc_query(pd, QUERY_IMPL_INFO, 0, o), "implementation query");
    const name = new Deno.UnsafePointerView(handleOf(o)!).getCString();
    if (name.startsWith("ref")) throw new Error(`only a reference kernel (${name})`);
    return pd;
  }

  /** A primitive desc of `op`, optimised, with a forward hint. */
  pd(op: Uint8Array, hint: Handle = null): Handle {
    return this.optimised(this.ctx.pdOf(op, null, hint, this.owned));
  }

  /** A step: the primitive of `pd` with each argument a named buffer or fixed memory. */
  step(pd: Handle, args: [number, Handle, string | Handle][]): Step {
    const bound = new Map<number, Handle>();
    const slots: [number, string][] = [];
    for (const [arg, md, target] of args) {
      if (typeof target === "string") {
        bound.set(arg, this.ctx.memory(md, this.owned, false));
        slots.push([arg, target]);
      } else {
        bound.set(arg, target);
      }
    }
    return { bound: this.ctx.bind(this.ctx.primitiveOf(pd, this.owned), bound), slots };
  }

  /** A reorder step between two layouts. */
  reorderStep(fromMd: Handle, toMd: Handle, from: string | Handle, to: string | Handle): Step {
    const pd = this.ctx.reorderPd(fromMd, toMd, this.owned);
    return this.step(pd, [[ARG_SRC, fromMd, from], [ARG_DST, toMd, to]]);
  }

  /** A plain descriptor kept alive until the chain is built. */
  plainDesc(shape: number[], tag: number): Handle {
    const d = this.ctx.desc(shape, tag);
    this.#keep.push(d);
    return ptrOf(d);
  }

  /** Memory the library allocates, for fixed filters in their blocked layout. */
  allocated(md: Handle): Handle {
    return this.ctx.memory(md, this.owned, true);
  }

  /** dx = dy where `data` (a ReLU's output) is positive: oneDNN's ReLU gradient. */
  reluGrad(md: Handle, data: string, dy: string, dx: string): Step {
    const s = this.ctx.s;
    const hop = opDesc(), eop = opDesc();
    check(
      s.dnnl_eltwise_forward_desc_init(hop, FORWARD_TRAINING, RELU_USE_DST, md, 0, 0),
      "relu desc",
    );
    check(s.dnnl_eltwise_backward_desc_init(eop, RELU_USE_DST, md, md, 0, 0), "relu backward desc");
    return this.step(this.pd(eop, this.ctx.pdOf(hop, null, null, this.owned)), [
      [ARG_DST, md, data],
      [ARG_DIFF_DST, md, dy],
      [ARG_DIFF_SRC, md, dx],
    ]);
  }

  /** Lets the kept descriptors go: the primitives hold what they need. */
  done(): void {
    this.#keep.length = 0;
  }
}

function opDesc(): Uint8Array {
  return new Uint8Array(OP_DESC_BYTES);
}

/**
 * Builds the trunk's chain for one geometry.
 *
 * @param ctx The engine and stream.
 * @param g The geometry.
 * @param owned Receives everything built (to destroy when the plan is released).
 * @returns The plan.
 * @throws {Error} When oneDNN has only reference kernels for a step, or the sizes cannot
 *   be pooled (the caller keeps null and runs the trunk layer by layer).
 */
export function buildTrunk(ctx: DnnlContext, g: TrunkGeometry, owned: Owned): TrunkPlan {
  const b = new TrunkBuilder(ctx, owned);
  const { steps: forward, layers, gap, pooledHead, height, width } = trunkForward(b, g);
  const backward = pooledHead
    ? pooledHeadBackward(b, g.batch, layers, pooledHead)
    : trunkBackward(b, g.batch, layers, gap!, height, width);
  b.done();
  return trunkPlan(ctx, b, forward, backward, g.filters.length);
}

/** The forward steps: per layer the convolution (bias, ReLU), then a pooling or the average. */
function trunkForward(b: TrunkBuilder, g: TrunkGeometry) {
  const s = b.ctx.s, n = g.batch, pooledHead = g.head === "pool";
  const steps: Step[] = [], layers: Layer[] = [];
  let h = g.height, w = g.width, c = g.channels;
  let src = b.plainDesc([n, c, h, w], TAG_ANY);
  let gap: GlobalAverage | undefined, head: PooledHead | undefined;
  g.filters.forEach((co, i) => {
    const last = i === g.filters.length - 1 && !pooledHead;
    const anyWeights = b.plainDesc([co, c, 3, 3], TAG_ANY);
    const plainWeights = b.plainDesc([co, c, 3, 3], TAG_HWIO);
    const bias = b.plainDesc([co], TAG_X);
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
        b.plainDesc([n, co, h, w], last ? TAG_ANY : TAG_NCHW8C),
        ONE,
        NONE,
        ONE,
        ONE,
      ),
      "convolution desc",
    );
    const pd = b.optimised(b.ctx.pdWithRelu(op, b.owned));
    const srcMd = b.query(pd, QUERY_SRC_MD), dst = b.query(pd, QUERY_DST_MD);
    const srcSlot = i === 0 ? b.buffer(b.activations, "x0", srcMd) : `p${i - 1}`;
    if (i === 0) steps.push(b.reorderStep(b.plainDesc([n, c, h, w], TAG_NHWC), srcMd, "x", "x0"));
    const weightsMd = b.query(pd, QUERY_WEIGHTS_MD);
    const weights = b.allocated(weightsMd);
    steps.push(b.reorderStep(plainWeights, weightsMd, `w${i}`, weights));
    steps.push(b.step(pd, [
      [ARG_SRC, srcMd, srcSlot],
      [ARG_WEIGHTS, weightsMd, weights],
      [ARG_BIAS, bias, `b${i}`],
      [ARG_DST, dst, b.buffer(b.activations, `y${i}`, dst)],
    ]));
    const layer: Layer = { pd, src: srcMd, dst, srcSlot, anyWeights, plainWeights, bias };
    layers.push(layer);
    if (!last) {
      if (h % 2 || w % 2 || co % 8) throw new Error("an odd size or channels before a pooling");
      src = maxPooling(b, steps, i, dst, [n, co, h, w]);
      layer.pool = { height: h, width: w, channels: co };
      h /= 2;
      w /= 2;
    } else {
      gap = globalAverage(b, steps, i, dst, [n, co, h, w]);
    }
    c = co;
  });
  if (pooledHead) {
    // The last pooling's output, reordered to the caller's NHWC features.
    const out = b.plainDesc([n, c, h, w], TAG_NHWC);
    steps.push(b.reorderStep(src, out, `p${g.filters.length - 1}`, "out"));
    head = { pooled: src, out };
  }
  return { steps, layers, gap, pooledHead: head, height: h, width: w };
}

/**
 * A forward pooling of layer `i`'s output `y<i>` (layout `src`) into the activation
 * `target` (layout asked as `want`): its primitive desc, its output's layout, and the step.
 */
function poolingStep(
  b: TrunkBuilder,
  steps: Step[],
  i: number,
  src: Handle,
  pooling: {
    prop: number;
    algorithm: number;
    want: Handle;
    strides: BigInt64Array;
    kernel: BigInt64Array;
    what: string;
    target: string;
  },
): { pd: Handle; dst: Handle } {
  const op = opDesc();
  check(
    b.ctx.s.dnnl_pooling_forward_desc_init(
      op,
      pooling.prop,
      pooling.algorithm,
      src,
      pooling.want,
      pooling.strides,
      pooling.kernel,
      NONE,
      NONE,
    ),
    pooling.what,
  );
  const pd = b.pd(op);
  const dst = b.query(pd, QUERY_DST_MD);
  steps.push(b.step(pd, [
    [ARG_SRC, src, `y${i}`],
    [ARG_DST, dst, b.buffer(b.activations, pooling.target, dst)],
  ]));
  return { pd, dst };
}

/** The 2x2 max pooling after layer `i`: a step, and its output's descriptor. */
function maxPooling(
  b: TrunkBuilder,
  steps: Step[],
  i: number,
  dst: Handle,
  [n, co, h, w]: number[],
): Handle {
  return poolingStep(b, steps, i, dst, {
    // Inference: no workspace (the gradient finds each window's maximum again).
    prop: FORWARD_INFERENCE,
    algorithm: POOLING_MAX,
    want: b.plainDesc([n, co, h / 2, w / 2], TAG_NCHW8C),
    strides: TWO,
    kernel: TWO,
    what: "pooling desc",
    target: `p${i}`,
  }).dst;
}

/** The global average after the last layer `i`, and the reorder of its result to `out`. */
function globalAverage(
  b: TrunkBuilder,
  steps: Step[],
  i: number,
  dst: Handle,
  [n, co, h, w]: number[],
): GlobalAverage {
  const { pd, dst: gdst } = poolingStep(b, steps, i, dst, {
    prop: FORWARD_TRAINING,
    algorithm: POOLING_AVG,
    want: b.plainDesc([n, co, 1, 1], TAG_ANY),
    strides: ONE,
    kernel: dims(h, w),
    what: "global average desc",
    target: "g",
  });
  const out = b.plainDesc([n, co, 1, 1], TAG_NCHW);
  steps.push(b.reorderStep(gdst, out, "g", "out"));
  return { pd, dst: gdst, out };
}

/**
 * The backward steps: the global average and the last layer's ReLU, then per layer (last
 * first) the filter and bias gradients and (but for the first) the input gradient, the
 * ReLU below it and the pooling. The ReLU's gradient is taken on the pooled tensor, a
 * quarter of the size: a window's maximum is positive exactly where its winner is.
 */
function trunkBackward(
  b: TrunkBuilder,
  n: number,
  layers: Layer[],
  gap: GlobalAverage,
  h: number,
  w: number,
): Step[] {
  const steps: Step[] = [];
  const last = layers.length - 1, top = layers[last];
  steps.push(b.reorderStep(gap.out, gap.dst, "dOut", b.buffer(b.scratch, "dg", gap.dst)));
  const gbop = opDesc();
  check(
    b.ctx.s.dnnl_pooling_backward_desc_init(
      gbop,
      POOLING_AVG,
      top.dst,
      gap.dst,
      ONE,
      dims(h, w),
      NONE,
      NONE,
    ),
    "global average backward desc",
  );
  steps.push(b.step(b.pd(gbop, gap.pd), [
    [ARG_DIFF_DST, gap.dst, "dg"],
    [ARG_DIFF_SRC, top.dst, b.buffer(b.scratch, `dy${last}`, top.dst)],
  ]));
  steps.push(
    b.reluGrad(top.dst, `y${last}`, `dy${last}`, b.buffer(b.scratch, `dr${last}`, top.dst)),
  );
  for (let i = last; i >= 0; i--) {
    steps.push(...filterGradSteps(b, layers[i], i));
    if (i > 0) steps.push(...inputGradSteps(b, n, layers[i], layers[i - 1], i));
  }
  return steps;
}

/**
 * The backward steps of a trunk whose last layer is pooled: the features' gradient into
 * the pooled layout, the last ReLU and pooling gradients, then the layers as in
 * {@linkcode trunkBackward}.
 */
function pooledHeadBackward(b: TrunkBuilder, n: number, layers: Layer[], head: PooledHead) {
  const last = layers.length - 1, top = layers[last];
  const steps: Step[] = [
    b.reorderStep(head.out, head.pooled, "dOut", b.buffer(b.scratch, `dp${last}`, head.pooled)),
  ];
  steps.push(...poolingGradSteps(b, n, head.pooled, top, last));
  for (let i = last; i >= 0; i--) {
    steps.push(...filterGradSteps(b, layers[i], i));
    if (i > 0) steps.push(...inputGradSteps(b, n, layers[i], layers[i - 1], i));
  }
  return steps;
}

/**
 * From the gradient `dp<i>` of layer `i`'s pooled output (layout `pooled`): the ReLU's
 * gradient, taken on the pooled tensor, and the pooling's (the caller's `poolGrad`, on
 * nChw8c walked as NHWC) into `dr<i>`.
 */
function poolingGradSteps(
  b: TrunkBuilder,
  n: number,
  pooled: Handle,
  layer: Layer,
  i: number,
): Step[] {
  const { height, width, channels } = layer.pool!;
  const relu = b.reluGrad(pooled, `p${i}`, `dp${i}`, b.buffer(b.scratch, `dq${i}`, pooled));
  b.buffer(b.scratch, `dr${i}`, layer.dst);
  return [relu, {
    call: (at, poolGrad) =>
      poolGrad(
        at.get(`y${i}`)!,
        at.get(`dq${i}`)!,
        at.get(`dr${i}`)!,
        n * channels / 8,
        height,
        width,
        8,
      ),
  }];
}

/**
 * Layer `i`'s filter and bias gradients in one pass, and the reorder of dw to HWIO. Where
 * oneDNN has only a reference kernel for the gradient in the forward pass's layouts (a
 * first layer of one channel), the gradient of the output goes first into the layout
 * oneDNN picks for it.
 */
function filterGradSteps(b: TrunkBuilder, layer: Layer, i: number): Step[] {
  try {
    return filterGradStepsIn(b, layer, i, layer.dst);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("only a reference")) throw error;
    return filterGradStepsIn(b, layer, i, null);
  }
}

/** {@linkcode filterGradSteps} with the output gradient in `dyMd` (null: oneDNN's choice). */
function filterGradStepsIn(b: TrunkBuilder, layer: Layer, i: number, dyMd: Handle | null) {
  const wop = opDesc();
  const anyDy = dyMd ?? b.plainDesc(layerShape(layer.dst), TAG_ANY);
  check(
    b.ctx.s.dnnl_dilated_convolution_backward_weights_desc_init(
      wop,
      CONVOLUTION_DIRECT,
      layer.src,
      layer.anyWeights,
      layer.bias,
      anyDy,
      ONE,
      NONE,
      ONE,
      ONE,
    ),
    "backward weights desc",
  );
  const wpd = b.pd(wop, layer.pd);
  const diffWeightsMd = b.query(wpd, QUERY_DIFF_WEIGHTS_MD);
  const diffWeights = b.allocated(diffWeightsMd);
  const steps: Step[] = [];
  let dy = `dr${i}`, dyLayout = layer.dst;
  if (dyMd === null) {
    dyLayout = b.query(wpd, QUERY_DIFF_DST_MD);
    dy = b.buffer(b.scratch, `dr${i}w`, dyLayout);
    steps.push(b.reorderStep(layer.dst, dyLayout, `dr${i}`, dy));
  }
  steps.push(
    b.step(wpd, [
      [ARG_SRC, layer.src, layer.srcSlot],
      [ARG_DIFF_DST, dyLayout, dy],
      [ARG_DIFF_WEIGHTS, diffWeightsMd, diffWeights],
      [ARG_DIFF_BIAS, layer.bias, `db${i}`],
    ]),
    b.reorderStep(diffWeightsMd, layer.plainWeights, diffWeights, `dw${i}`),
  );
  return steps;
}

/** The logical dims `[n, c, h, w]` of a memory descriptor. */
function layerShape(md: Handle): number[] {
  const view = new Deno.UnsafePointerView(md!);
  // dnnl_memory_desc_t: int ndims, then dnnl_dims_t dims (int64 x 12).
  const ndims = view.getInt32(0);
  return Array.from({ length: ndims }, (_, k) => Number(view.getBigInt64(8 + 8 * k)));
}

/**
 * Layer `i`'s input gradient, the ReLU gradient of the pooled tensor below it, and the
 * pooling's gradient (the caller's `poolGrad`, on nChw8c walked as NHWC).
 */
function inputGradSteps(b: TrunkBuilder, n: number, layer: Layer, below: Layer, i: number): Step[] {
  const dop = opDesc();
  check(
    b.ctx.s.dnnl_dilated_convolution_backward_data_desc_init(
      dop,
      CONVOLUTION_DIRECT,
      layer.src,
      layer.anyWeights,
      layer.dst,
      ONE,
      NONE,
      ONE,
      ONE,
    ),
    "backward data desc",
  );
  const dpd = b.pd(dop, layer.pd);
  const weightsMd = b.query(dpd, QUERY_WEIGHTS_MD);
  const weights = b.allocated(weightsMd);
  const steps = [
    b.reorderStep(layer.plainWeights, weightsMd, `w${i}`, weights),
    b.step(dpd, [
      [ARG_DIFF_DST, layer.dst, `dr${i}`],
      [ARG_WEIGHTS, weightsMd, weights],
      [ARG_DIFF_SRC, layer.src, b.buffer(b.scratch, `dp${i - 1}`, layer.src)],
    ]),
  ];
  steps.push(...poolingGradSteps(b, n, layer.src, below, i - 1));
  return steps;
}

/** The plan: runs the steps with each named buffer at the byte offset the caller gives. */
function trunkPlan(
  ctx: DnnlContext,
  b: TrunkBuilder,
  forward: Step[],
  backward: Step[],
  count: number,
): TrunkPlan {
  const { activations, scratch } = b;
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
        ctx.wait();
        st.call(at, poolGrad!);
        continue;
      }
      const { bound, slots } = st;
      for (const [arg, slot] of slots) {
        const offset = at.get(slot);
        if (offset === undefined) throw new Error(`oneDNN trunk: no buffer for ${slot}`);
        ctx.setAddress(bound, arg, Deno.UnsafePointer.create(base + BigInt(offset)));
      }
      ctx.execute(bound);
    }
    ctx.wait();
    ctx.stats.trunks++;
  };
  const named = (prefix: string, offsets: readonly number[]) =>
    offsets.map((offset, i): [string, number] => [`${prefix}${i}`, offset]);
  const byName = (names: string[], offsets: readonly number[]) =>
    names.map((name, i): [string, number] => [name, offsets[i]]);
  const lengths = (what: string, list: readonly number[]) => {
    if (list.length !== count) throw new RangeError(`oneDNN trunk: ${count} ${what} expected`);
  };
  const plan = {
    released: false,
    activationBytes: activations.map((name) => b.bytes.get(name)!),
    scratchBytes: scratch.map((name) => b.bytes.get(name)!),
    forward(heap, x, filters, biases, out, acts) {
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
          ...byName(activations, acts),
        ]),
      );
    },
    backward(heap, dOut, filters, acts, scratchOffsets, dFilters, dBiases, poolGrad) {
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
          ...byName(activations, acts),
          ...byName(scratch, scratchOffsets),
        ]),
        poolGrad,
      );
    },
  } satisfies TrunkPlan & { released: boolean };
  return plan;
}
