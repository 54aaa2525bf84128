import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { type ConvGeometry, loadOneDnn, oneDnnAvailable } from "../../lib/backend/onednn.ts";

const available = oneDnnAvailable();

/** A heap holding the given arrays one after another; returns their byte offsets. */
function heapOf(...arrays: Float32Array[]): { heap: Uint8Array; at: number[] } {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const floats = new Float32Array(total + 16);
  const at: number[] = [];
  let offset = 4; // not 64-byte aligned, as wasm tensors need not be
  for (const a of arrays) {
    floats.set(a, offset);
    at.push(offset * 4);
    offset += a.length;
  }
  return { heap: new Uint8Array(floats.buffer), at };
}

function read(heap: Uint8Array, byteOffset: number, length: number): Float32Array {
  return new Float32Array(heap.buffer, byteOffset, length).slice();
}

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

/**
 * Visits every product of the direct NHWC convolution, index by index: input element
 * `xi` times filter element `wi` adds to output element `yi`.
 */
function forEachProduct(g: ConvGeometry, visit: (xi: number, wi: number, yi: number) => void) {
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        for (let o = 0; o < g.outChannels; o++) {
          const yi = ((b * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + o;
          for (let ky = 0; ky < g.filterHeight; ky++) {
            const iy = oy * g.strideHeight + ky * g.dilationHeight - g.padTop;
            if (iy < 0 || iy >= g.inHeight) continue;
            for (let kx = 0; kx < g.filterWidth; kx++) {
              const ix = ox * g.strideWidth + kx * g.dilationWidth - g.padLeft;
              if (ix < 0 || ix >= g.inWidth) continue;
              for (let c = 0; c < g.inChannels; c++) {
                visit(
                  ((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c,
                  ((ky * g.filterWidth + kx) * g.inChannels + c) * g.outChannels + o,
                  yi,
                );
              }
            }
          }
        }
      }
    }
  }
}

/** The reference: a direct NHWC convolution. */
function naive(g: ConvGeometry, x: Float32Array, w: Float32Array): Float32Array {
  const y = new Float64Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
  forEachProduct(g, (xi, wi, yi) => y[yi] += x[xi] * w[wi]);
  return Float32Array.from(y);
}

/** dx and dw of sum(y * dy), from the reference convolution's definition. */
function naiveGradients(g: ConvGeometry, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  forEachProduct(g, (xi, wi, yi) => {
    dx[xi] += w[wi] * dy[yi];
    dw[wi] += x[xi] * dy[yi];
  });
  return { dx, dw };
}

function geometry(
  batch: number,
  [inHeight, inWidth, inChannels]: number[],
  [filterHeight, filterWidth, outChannels]: number[],
  stride: number,
  dilation: number,
  pad: number,
): ConvGeometry {
  const span = (k: number) => (k - 1) * dilation + 1;
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    outHeight: Math.floor((inHeight + 2 * pad - span(filterHeight)) / stride) + 1,
    outWidth: Math.floor((inWidth + 2 * pad - span(filterWidth)) / stride) + 1,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight: stride,
    strideWidth: stride,
    dilationHeight: dilation,
    dilationWidth: dilation,
    padTop: pad,
    padLeft: pad,
  };
}

const CASES: Array<[string, ConvGeometry]> = [
  ["3x3 same, 16 -> 24 channels", geometry(2, [7, 9, 16], [3, 3, 24], 1, 1, 1)],
  ["3x3 same, 3 -> 8 channels (a first layer)", geometry(3, [8, 6, 3], [3, 3, 8], 1, 1, 1)],
  ["3x3 same, 1 -> 5 channels", geometry(2, [6, 7, 1], [3, 3, 5], 1, 1, 1)],
  ["5x5 valid, odd channels", geometry(2, [9, 8, 5], [5, 5, 7], 1, 1, 0)],
  ["stride 2, padded", geometry(2, [9, 9, 8], [3, 3, 16], 2, 1, 1)],
  ["stride 2, valid, the last row left over", geometry(2, [8, 10, 4], [3, 3, 8], 2, 1, 0)],
  ["dilation 2", geometry(1, [11, 10, 4], [3, 3, 8], 1, 2, 2)],
  ["pointwise", geometry(2, [5, 5, 6], [1, 1, 3], 1, 1, 0)],
];

for (const [what, g] of CASES) {
  Deno.test({
    name: `oneDNN convolution matches the direct definition: ${what}`,
    ignore: !available,
    fn: () => {
      const dnnl = loadOneDnn();
      const ran = dnnl.stats.ran;
      const xs = g.batch * g.inHeight * g.inWidth * g.inChannels;
      const ws = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
      const ys = g.batch * g.outHeight * g.outWidth * g.outChannels;
      const x = seeded(xs, 1), w = seeded(ws, 2), dy = seeded(ys, 3);
      const bias = seeded(g.outChannels, 4);
      const expected = naive(g, x, w);
      const { heap, at } = heapOf(x, w, bias, dy, new Float32Array(ys), new Float32Array(xs));
      const [ax, aw, ab, ady, ay, adx] = at;

      assert.ok(dnnl.forward(g, heap, ax, aw, -1, ay, false));
      assertClose(read(heap, ay, ys), expected, {
        atol: 1e-4,
        rtol: 1e-4,
        what: `${what}: forward`,
      });
      assert.ok(dnnl.forward(g, heap, ax, aw, ab, ay, true));
      const withBiasRelu = expected.map((v, i) => Math.max(0, v + bias[i % g.outChannels]));
      assertClose(read(heap, ay, ys), withBiasRelu, {
        atol: 1e-4,
        rtol: 1e-4,
        what: `${what}: forward with bias and ReLU`,
      });

      const { dx, dw } = naiveGradients(g, x, w, dy);
      assert.ok(dnnl.backwardData(g, heap, ady, aw, adx));
      assertClose(read(heap, adx, xs), dx, {
        atol: 1e-4,
        rtol: 1e-4,
        what: `${what}: input gradient`,
      });
      assert.ok(dnnl.backwardWeights(g, heap, ax, ady, aw));
      assertClose(read(heap, aw, ws), dw, {
        atol: 1e-4,
        rtol: 1e-4,
        what: `${what}: filter gradient`,
      });
      const db = new Float32Array(g.outChannels);
      dy.forEach((v, i) => db[i % g.outChannels] += v);
      new Float32Array(heap.buffer, aw, ws).fill(0);
      assert.ok(dnnl.backwardWeights(g, heap, ax, ady, aw, ab));
      assertClose(read(heap, aw, ws), dw, {
        atol: 1e-4,
        rtol: 1e-4,
        what: `${what}: filter gradient beside the bias gradient`,
      });
      assertClose(read(heap, ab, g.outChannels), db, {
        atol: 1e-4,
        rtol: 1e-4,
        what: `${what}: bias gradient`,
      });
      assert.equal(dnnl.stats.ran, ran + 5);
    },
  });
}

Deno.test({
  name: "oneDNN declines a geometry whose output size oneDNN cannot give, writing nothing",
  ignore: !available,
  fn: () => {
    const dnnl = loadOneDnn();
    // 10 rows, 3x3, stride 2, no padding give 4 rows, not the 3 asked for.
    const g = { ...geometry(1, [10, 10, 2], [3, 3, 2], 2, 1, 0), outHeight: 3, outWidth: 3 };
    const y = new Float32Array(9 * 2).fill(7);
    const { heap, at } = heapOf(seeded(200, 1), seeded(36, 2), y);
    const declined = dnnl.stats.declined;
    assert.equal(dnnl.forward(g, heap, at[0], at[1], -1, at[2], false), false);
    assert.equal(dnnl.stats.declined, declined + 1);
    assert.deepEqual(Array.from(read(heap, at[2], 18)), Array(18).fill(7));
  },
});

Deno.test({
  name: "loadOneDnn().setThreads() rebuilds the primitives, with the same results",
  ignore: !available,
  fn: () => {
    const dnnl = loadOneDnn();
    const g = geometry(4, [9, 9, 16], [3, 3, 16], 1, 1, 1);
    const xs = 4 * 81 * 16, ws = 9 * 16 * 16;
    const { heap, at } = heapOf(seeded(xs, 1), seeded(ws, 2), new Float32Array(xs));
    const results = [1, 2, 1].map((threads) => {
      dnnl.setThreads(threads);
      assert.ok(dnnl.forward(g, heap, at[0], at[1], -1, at[2], false));
      return read(heap, at[2], xs);
    });
    assertClose(results[1], results[0], { atol: 1e-4, rtol: 1e-4, what: "2 threads" });
    assert.deepEqual(results[2], results[0]);
  },
});

Deno.test({
  name: "loadOneDnn() reports version 2.6.x and a clear error for a missing METRICLAB_DNNL",
  ignore: !available,
  fn: async () => {
    assert.match(loadOneDnn().version, /^2\.6\.\d+$/);
    const script = `import { loadOneDnn } from ${
      JSON.stringify(new URL("../../lib/backend/onednn.ts", import.meta.url).href)
    }; try { loadOneDnn(); } catch (e) { console.log(e.message); }`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      env: { METRICLAB_DNNL: "/nonexistent/libdnnl.so" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.match(
      text,
      /Cannot load oneDNN 2\.6 \(tried \/nonexistent\/libdnnl\.so: .*apt-get install libdnnl2/,
    );
  },
});
