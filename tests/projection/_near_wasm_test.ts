import assert from "node:assert/strict";
import { nearKernel } from "../../lib/projection/_near_wasm.ts";

/** A small deterministic generator (mulberry32), uniform in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The formula, one candidate at a time, as in the near field's JavaScript loop. */
function reference(
  xe: number,
  ye: number,
  xs: Float64Array,
  ys: Float64Array,
  accX: Float64Array,
  accY: Float64Array,
  first: number,
  end: number,
  cutoff2: number,
) {
  const k = 1 / (1 + cutoff2), k2 = k * k, k3 = k2 * k, k4 = k2 * k2;
  let fx = 0, fy = 0, z = 0, sx = 0, sy = 0, sz = 0;
  for (let f = first; f < end; f++) {
    const dx = xe - xs[f], dy = ye - ys[f], d2 = dx * dx + dy * dy;
    if (!(d2 < cutoff2)) continue;
    const t = d2 - cutoff2, k1 = 1 / (1 + d2);
    const zt = k1 - (k - k2 * t + k3 * t * t);
    const w = k1 * k1 - (k2 - 2 * k3 * t + 3 * k4 * t * t);
    fx += w * dx;
    fy += w * dy;
    z += zt;
    sx += Math.abs(w * dx);
    sy += Math.abs(w * dy);
    sz += Math.abs(zt);
    accX[f] -= w * dx;
    accY[f] -= w * dy;
  }
  return { sums: [fx, fy, z], scales: [sx, sy, sz] };
}

/** Byte offsets of the arrays in the memory (any, aligned or not). */
interface Layout {
  xs: number;
  ys: number;
  accX: number;
  accY: number;
  out: number;
}

function write(view: DataView, at: number, values: Float64Array) {
  values.forEach((v, i) => view.setFloat64(at + 8 * i, v, true));
}

function read(view: DataView, at: number, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => view.getFloat64(at + 8 * i, true));
}

/** Candidates around (xe, ye): random, duplicates, exactly at the cutoff, far beyond it. */
function candidates(next: () => number, n: number, xe: number, ye: number, cutoff: number) {
  const xs = new Float64Array(n), ys = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const kind = next();
    if (kind < 0.1) [xs[f], ys[f]] = [xe, ye]; // a duplicate: d2 = 0
    else if (kind < 0.2) [xs[f], ys[f]] = [xe + (next() < 0.5 ? cutoff : -cutoff), ye]; // d2 = cutoff2
    else if (kind < 0.25) [xs[f], ys[f]] = [xe, ye - cutoff];
    else if (kind < 0.3) [xs[f], ys[f]] = [1e200 * (next() - 0.5), -1e300]; // d2 = Infinity
    else {
      xs[f] = xe + 2.4 * cutoff * (next() - 0.5);
      ys[f] = ye + 2.4 * cutoff * (next() - 0.5);
    }
  }
  return { xs, ys };
}

/**
 * Runs the kernel on `memory` and the reference on copies, for candidates [first, end) of n,
 * and checks the sums (relative to the sums of magnitudes), the forces in the run, and that
 * the forces outside it are untouched. Returns the kernel's three sums.
 */
function check(
  memory: WebAssembly.Memory,
  layout: Layout,
  seed: number,
  n: number,
  first: number,
  end: number,
): Float64Array {
  const next = random(seed);
  const cutoff = 0.5 + 2 * next(), cutoff2 = cutoff * cutoff;
  const xe = 4 * next() - 2, ye = 4 * next() - 2;
  const { xs, ys } = candidates(next, n, xe, ye, cutoff);
  const accX = Float64Array.from({ length: n }, () => next() - 0.5);
  const accY = Float64Array.from({ length: n }, () => next() - 0.5);
  const view = new DataView(memory.buffer);
  write(view, layout.xs, xs);
  write(view, layout.ys, ys);
  write(view, layout.accX, accX);
  write(view, layout.accY, accY);
  write(view, layout.out, new Float64Array([NaN, NaN, NaN]));
  nearKernel(memory).run(
    xe,
    ye,
    layout.xs,
    layout.ys,
    layout.accX,
    layout.accY,
    first,
    end,
    cutoff2,
    layout.out,
  );
  const { sums, scales } = reference(xe, ye, xs, ys, accX, accY, first, end, cutoff2);
  const got = read(view, layout.out, 3);
  for (let j = 0; j < 3; j++) {
    const tolerance = 1e-12 * scales[j] + 1e-300;
    assert.ok(Math.abs(got[j] - sums[j]) <= tolerance, `sum ${j}: ${got[j]} vs ${sums[j]}`);
  }
  // Each force is the reference's operation for operation: the same bits, inside the run
  // and (untouched) outside it.
  assert.deepEqual(read(view, layout.accX, n), accX);
  assert.deepEqual(read(view, layout.accY, n), accY);
  assert.deepEqual(read(view, layout.xs, n), xs);
  assert.deepEqual(read(view, layout.ys, n), ys);
  return got;
}

/** Arrays of n float64 one after another from `base`, `gap` bytes apart. */
function packed(base: number, n: number, gap: number): Layout {
  const size = 8 * n + gap;
  return {
    xs: base,
    ys: base + size,
    accX: base + 2 * size,
    accY: base + 3 * size,
    out: base + 4 * size,
  };
}

const plain = () => new WebAssembly.Memory({ initial: 2 });

Deno.test("nearKernel matches the formula for every count and start, odd and even", () => {
  const memory = plain();
  let seed = 1;
  for (let n = 0; n <= 9; n++) {
    for (let first = 0; first <= n; first++) {
      for (const end of new Set([first, Math.min(n, first + 1), n])) {
        check(memory, packed(8, n, 8), seed++, n, first, end);
      }
    }
  }
});

Deno.test("nearKernel matches the formula on long runs at offsets not multiples of 16", () => {
  const memory = plain();
  for (const [base, gap] of [[0, 0], [8, 0], [8, 24], [4, 12], [3, 5]]) {
    for (const [first, end] of [[0, 2001], [1, 2001], [7, 1500], [0, 2000], [3, 4]]) {
      check(memory, packed(base, 2001, gap), 100 + base + gap + first + end, 2001, first, end);
    }
  }
});

Deno.test("nearKernel writes three zeros and changes nothing when first === end", () => {
  const memory = plain();
  for (const at of [0, 3, 5]) {
    const got = check(memory, packed(8, 6, 8), 7, 6, at, at);
    assert.deepEqual([...got], [0, 0, 0]);
  }
});

Deno.test("nearKernel: pairs at or beyond the cutoff contribute exactly 0, duplicates count", () => {
  const memory = plain();
  const f = new Float64Array(memory.buffer);
  // xs, ys at 0 and 40 (5 each), accX at 80, accY at 120, out at 160; cutoff2 = 4.
  f.set([2, 0, 1e300, -2, 0], 0);
  f.set([0, 2, 1e300, 0, 0], 5);
  f.set([-0, 1, 2, 3, 4], 10);
  f.set([5, 6, 7, -0, 9], 15);
  nearKernel(memory).run(0, 0, 0, 40, 80, 120, 0, 5, 4, 160);
  // Only the duplicate at (0, 0) is within the cutoff: dx = dy = 0, k1 = 1, t = -4.
  const k = 1 / 5, k2 = k * k, k3 = k2 * k;
  assert.deepEqual([...f.subarray(20, 23)], [0, 0, 1 - (k + 4 * k2 + 16 * k3)]);
  assert.ok(Object.is(f[10], -0) && Object.is(f[18], -0));
  assert.deepEqual([...f.subarray(10, 20)], [-0, 1, 2, 3, 4, 5, 6, 7, -0, 9]);
});

Deno.test("nearKernel gives the same bits on a shared memory, call after call", () => {
  const shared = new WebAssembly.Memory({ initial: 2, maximum: 64, shared: true });
  assert.ok(shared.buffer instanceof SharedArrayBuffer);
  const memory = plain();
  assert.ok(!(memory.buffer instanceof SharedArrayBuffer));
  for (const [first, end] of [[0, 1999], [2, 1000], [5, 6]]) {
    const a = check(shared, packed(8, 1999, 8), 42 + first, 1999, first, end);
    const b = check(shared, packed(8, 1999, 8), 42 + first, 1999, first, end);
    const c = check(memory, packed(8, 1999, 8), 42 + first, 1999, first, end);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
  }
});
