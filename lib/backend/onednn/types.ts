/**
 * What the oneDNN backend offers its callers: the geometries it takes, the loaded library
 * ({@linkcode OneDnn}) and the fused trunk's plan ({@linkcode TrunkPlan}).
 *
 * @module
 */
import type { Sgemm } from "../blas.ts";

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
 * the last, and after the last a global average (the `conv64` network's convolutional
 * part) or one more pooling (`conv28`'s), on NHWC images with HWIO filters.
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
  /**
   * After the last convolution: `"average"` (default), the global average, features
   * `[batch, channels]`; `"pool"`, a 2x2 max pooling like the others, features
   * `[batch, height / 2^layers, width / 2^layers, channels]` (NHWC, for a dense layer).
   */
  head?: "average" | "pool";
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
   * `dnnl_sgemm`: the same row-major matrix multiply as OpenBLAS's, on oneDNN's own OpenMP
   * threads. Mixing the two libraries' thread pools makes each wait for the other's
   * spinning threads to yield their cores: on the `onednn` backend every GEMM runs here.
   */
  sgemm: Sgemm;
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
