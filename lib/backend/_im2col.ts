/**
 * The GEMM formulations of a convolution and its gradients on the `blas` backend: im2col
 * columns a chunk of images at a time (and col2im back), or, for stride-1 convolutions
 * with 8 or more input channels, nine GEMMs on row-shifted slabs of the zero-padded input.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import { CHUNK_FLOATS, scratchOf, state } from "./_kernel_common.ts";

/** Images per GEMM chunk for a convolution. */
export function chunkImages(info: tf.backend_util.Conv2DInfo): number {
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth *
    info.inChannels;
  return Math.max(1, Math.min(info.batchSize, Math.floor(CHUNK_FLOATS / perImage)));
}

/** True when columns equal the input itself (1x1, stride 1, no padding). */
export function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 &&
    info.strideWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0;
}

/**
 * Writes the im2col rows of images [b0, b0 + nb) of x into cols, one filter tap at a
 * time: the inner loop runs along an output row with a fixed stride and no bounds
 * checks, which matters for the first layers (1 or 3 channels), where a loop per tap and
 * pixel would do almost no work per iteration.
 */
function im2col(
  x: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  b0: number,
  nb: number,
  cols: Float32Array,
): void {
  const { inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const k = kh * kw * c, step = sw * c;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const tap = (ky * kw + kx) * c, shift = kx * dw - left;
      // Output columns [lo, hi) read inside the image.
      const lo = Math.min(ow, Math.max(0, Math.ceil(-shift / sw)));
      const hi = Math.max(lo, Math.min(ow, Math.floor((w - 1 - shift) / sw) + 1));
      for (let b = 0; b < nb; b++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - top + ky * dh;
          let o = ((b * oh + oy) * ow) * k + tap;
          const inside = iy >= 0 && iy < h;
          const end = inside ? lo : ow;
          for (let ox = 0; ox < end; ox++, o += k) for (let i = 0; i < c; i++) cols[o + i] = 0;
          if (!inside) continue;
          let s = (((b0 + b) * h + iy) * w + lo * sw + shift) * c;
          for (let ox = lo; ox < hi; ox++, o += k, s += step) {
            for (let i = 0; i < c; i++) cols[o + i] = x[s + i];
          }
          for (let ox = hi; ox < ow; ox++, o += k) for (let i = 0; i < c; i++) cols[o + i] = 0;
        }
      }
    }
  }
}

/** Adds the im2col-shaped gradient cols of images [b0, b0 + nb) back into dx. */
export function col2im(
  cols: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  b0: number,
  nb: number,
  dx: Float32Array,
): void {
  const { inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const rowLength = kw * c;
  let o = 0;
  for (let b = b0; b < b0 + nb; b++) {
    const xb = b * h * w * c;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - top + ky * dh;
          if (iy < 0 || iy >= h) {
            o += rowLength;
            continue;
          }
          const xRow = xb + iy * w * c;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - left + kx * dw;
            if (ix < 0 || ix >= w) {
              o += c;
              continue;
            }
            let s = xRow + ix * c;
            for (let i = 0; i < c; i++) dx[s++] += cols[o++];
          }
        }
      }
    }
  }
}

/**
 * Stride-1 convolutions with enough input channels skip im2col: on the zero-padded
 * input, stacked as one `[B * Hp * Wp, ci]` matrix, the input pixel of output row r and
 * filter tap (ky, kx) is row r + ky * Wp + kx. Each tap is then one GEMM on a contiguous
 * slab of rows, accumulated in the padded output grid, whose rows past the right and
 * bottom edges of each image are computed and dropped.
 */
export function useSlabs(info: tf.backend_util.Conv2DInfo): boolean {
  return info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 &&
    info.dilationWidth === 1 && info.inChannels >= SLAB_MIN_CHANNELS && !isPointwise(info);
}

/** Input channels from which the slab formulation beats im2col. */
const SLAB_MIN_CHANNELS = 8;

interface Slabs {
  hp: number;
  wp: number;
  /** Rows of the padded output grid computed. */
  rows: number;
  /** Row offset of each filter tap. */
  shifts: number[];
}

function slabsOf(info: tf.backend_util.Conv2DInfo): Slabs {
  const { top, bottom, left, right } = info.padInfo;
  const hp = info.inHeight + top + bottom, wp = info.inWidth + left + right;
  const shifts: number[] = [];
  for (let ky = 0; ky < info.filterHeight; ky++) {
    for (let kx = 0; kx < info.filterWidth; kx++) shifts.push(ky * wp + kx);
  }
  return { hp, wp, rows: info.batchSize * hp * wp - shifts[shifts.length - 1], shifts };
}

/** x [B, H, W, C] into the zero-padded [B, Hp, Wp, C]. */
function padInput(x: Float32Array, info: tf.backend_util.Conv2DInfo, g: Slabs): Float32Array {
  const { inHeight: h, inWidth: w, inChannels: c } = info;
  const { top, left } = info.padInfo;
  const xp = scratchOf("pad", info.batchSize * g.hp * g.wp * c, true);
  for (let b = 0; b < info.batchSize; b++) {
    for (let y = 0; y < h; y++) {
      const from = (b * h + y) * w * c;
      xp.set(x.subarray(from, from + w * c), ((b * g.hp + y + top) * g.wp + left) * c);
    }
  }
  return xp;
}

/** The interior of the zero-padded [B, Hp, Wp, C] back into x [B, H, W, C]. */
function unpad(xp: Float32Array, info: tf.backend_util.Conv2DInfo, g: Slabs, x: Float32Array) {
  const { inHeight: h, inWidth: w, inChannels: c } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < info.batchSize; b++) {
    for (let y = 0; y < h; y++) {
      const from = ((b * g.hp + y + top) * g.wp + left) * c;
      x.set(xp.subarray(from, from + w * c), (b * h + y) * w * c);
    }
  }
}

/** dy in the padded output grid; the rows past each image's edges are zero. */
function dyGrid(dy: Float32Array, info: tf.backend_util.Conv2DInfo, g: Slabs): Float32Array {
  const grid = scratchOf("grid", g.rows * info.outChannels, true);
  gridRows(info, g, (dense, at, n) => grid.set(dy.subarray(dense, dense + n), at));
  return grid;
}

/** Copies between an output-shaped tensor and the padded output grid, row by row. */
function gridRows(
  info: tf.backend_util.Conv2DInfo,
  g: Slabs,
  visit: (dense: number, grid: number, length: number) => void,
): void {
  const { outHeight: oh, outWidth: ow, outChannels: co } = info;
  for (let b = 0; b < info.batchSize; b++) {
    for (let oy = 0; oy < oh; oy++) {
      visit((b * oh + oy) * ow * co, (b * g.hp + oy) * g.wp * co, ow * co);
    }
  }
}

function filterTap(f: Float32Array, info: tf.backend_util.Conv2DInfo, tap: number) {
  const size = info.inChannels * info.outChannels;
  return f.subarray(tap * size, (tap + 1) * size);
}

/**
 * Rows of the padded grid per block: the taps of a block reuse the same few MiB of
 * input and output while they are in cache, instead of streaming the whole grid 9 times.
 */
const SLAB_BLOCK_ROWS = 4096;

function forBlocks(rows: number, visit: (r0: number, n: number) => void): void {
  for (let r0 = 0; r0 < rows; r0 += SLAB_BLOCK_ROWS) {
    visit(r0, Math.min(SLAB_BLOCK_ROWS, rows - r0));
  }
}

export function slabConv2D(
  x: Float32Array,
  f: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  out: Float32Array,
) {
  const g = slabsOf(info), c = info.inChannels, co = info.outChannels;
  const xp = padInput(x, info, g);
  const grid = scratchOf("grid", g.rows * co);
  forBlocks(g.rows, (r0, n) => {
    const target = grid.subarray(r0 * co, (r0 + n) * co);
    g.shifts.forEach((shift, tap) => {
      const a = xp.subarray((r0 + shift) * c, (r0 + shift + n) * c);
      state.blas.sgemm(false, false, n, co, c, a, filterTap(f, info, tap), target, tap ? 1 : 0);
    });
  });
  gridRows(info, g, (dense, at, n) => out.set(grid.subarray(at, at + n), dense));
}

export function slabFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  dw: Float32Array,
) {
  const g = slabsOf(info), c = info.inChannels, co = info.outChannels;
  const xp = padInput(x, info, g);
  const grid = dyGrid(dy, info, g);
  forBlocks(g.rows, (r0, n) => {
    const b = grid.subarray(r0 * co, (r0 + n) * co);
    g.shifts.forEach((shift, tap) => {
      const a = xp.subarray((r0 + shift) * c, (r0 + shift + n) * c);
      state.blas.sgemm(true, false, c, co, n, a, b, filterTap(dw, info, tap), r0 ? 1 : 0);
    });
  });
}

export function slabInputGrad(
  dy: Float32Array,
  f: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  dx: Float32Array,
) {
  const g = slabsOf(info), c = info.inChannels, co = info.outChannels;
  const grid = dyGrid(dy, info, g);
  const dxp = scratchOf("pad", info.batchSize * g.hp * g.wp * c, true);
  forBlocks(g.rows, (r0, n) => {
    const a = grid.subarray(r0 * co, (r0 + n) * co);
    g.shifts.forEach((shift, tap) => {
      const target = dxp.subarray((r0 + shift) * c, (r0 + shift + n) * c);
      state.blas.sgemm(false, true, n, c, co, a, filterTap(f, info, tap), target, 1);
    });
  });
  unpad(dxp, info, g, dx);
}

/** The im2col columns of x, a chunk of images at a time, each handed to `visit`. */
export function forColumnChunks(
  x: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  visit: (b0: number, nb: number, cols: Float32Array) => void,
): void {
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const chunk = chunkImages(info);
  // Stride 1: from the zero-padded input, each filter row's taps are one contiguous run.
  const unit = info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1;
  const g = unit ? slabsOf(info) : undefined;
  const padded = g ? padInput(x, info, g) : undefined;
  for (let b0 = 0; b0 < info.batchSize; b0 += chunk) {
    const nb = Math.min(chunk, info.batchSize - b0);
    const cols = scratchOf("cols", nb * info.outHeight * info.outWidth * k);
    if (padded) im2colPadded(padded, info, g!, b0, nb, cols);
    else im2col(x, info, b0, nb, cols);
    visit(b0, nb, cols);
  }
}

/**
 * im2col rows of images [b0, b0 + nb) from the zero-padded input of a stride-1
 * convolution: each filter row is one run of `kw * channels` floats, copied by a loop
 * unrolled for the runs of 3x3 filters on 1 and 3 channels (the first layers).
 */
function im2colPadded(
  xp: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  g: Slabs,
  b0: number,
  nb: number,
  cols: Float32Array,
): void {
  const { inChannels: c, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { hp, wp } = g;
  const run = kw * c;
  let o = 0;
  for (let b = b0; b < b0 + nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const s = ((b * hp + oy + ky) * wp + ox) * c;
          if (run === 9) {
            cols[o] = xp[s], cols[o + 1] = xp[s + 1], cols[o + 2] = xp[s + 2];
            cols[o + 3] = xp[s + 3], cols[o + 4] = xp[s + 4], cols[o + 5] = xp[s + 5];
            cols[o + 6] = xp[s + 6], cols[o + 7] = xp[s + 7], cols[o + 8] = xp[s + 8];
          } else if (run === 3) {
            cols[o] = xp[s], cols[o + 1] = xp[s + 1], cols[o + 2] = xp[s + 2];
          } else if (run >= 64) {
            cols.set(xp.subarray(s, s + run), o);
          } else {
            for (let i = 0; i < run; i++) cols[o + i] = xp[s + i];
          }
          o += run;
        }
      }
    }
  }
}
