import assert from "node:assert/strict";
import { fftSize, GridFft } from "../../lib/projection/_fft.ts";

/** The 2-D DFT of an n x n grid by its definition, O(n^4). */
function directDft(re: Float64Array, im: Float64Array, n: number, sign: number) {
  const outRe = new Float64Array(n * n), outIm = new Float64Array(n * n);
  for (let u = 0; u < n; u++) {
    for (let v = 0; v < n; v++) {
      let sr = 0, si = 0;
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          const angle = (sign * 2 * Math.PI * (u * r + v * c)) / n;
          const cos = Math.cos(angle), sin = Math.sin(angle);
          sr += re[r * n + c] * cos - im[r * n + c] * sin;
          si += re[r * n + c] * sin + im[r * n + c] * cos;
        }
      }
      outRe[u * n + v] = sr;
      outIm[u * n + v] = si;
    }
  }
  return { re: outRe, im: outIm };
}

/** A grid with values only in its top-left `used` x `used` block. */
function grid(n: number, used: number) {
  const re = new Float64Array(n * n), im = new Float64Array(n * n);
  for (let r = 0; r < used; r++) {
    for (let c = 0; c < used; c++) {
      re[r * n + c] = Math.sin(3 * r + 7 * c + 1);
      im[r * n + c] = Math.cos(5 * r - c);
    }
  }
  return { re, im };
}

Deno.test("GridFft.forward() matches the direct 2-D DFT, transposed, for 2^a 3^b sizes", () => {
  for (const n of [1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 27, 32, 36]) {
    for (const used of [n, Math.ceil(n / 2)]) {
      const { re, im } = grid(n, used);
      const want = directDft(re, im, n, -1);
      new GridFft(n).forward(re, im, used);
      for (let u = 0; u < n; u++) {
        for (let v = 0; v < n; v++) {
          const got = [re[v * n + u], im[v * n + u]];
          const expected = [want.re[u * n + v], want.im[u * n + v]];
          for (let part = 0; part < 2; part++) {
            assert.ok(
              Math.abs(got[part] - expected[part]) < 1e-9 * n * n,
              `n ${n} used ${used} (${u}, ${v}): ${got[part]} vs ${expected[part]}`,
            );
          }
        }
      }
    }
  }
});

Deno.test("GridFft.inverse() undoes forward() on the used block, times size^2", () => {
  for (const n of [4, 12, 48, 96]) {
    const used = n / 2;
    const { re, im } = grid(n, used);
    const before = [re.slice(), im.slice()];
    const fft = new GridFft(n);
    fft.forward(re, im, used);
    fft.inverse(re, im, used);
    for (let r = 0; r < used; r++) {
      for (let c = 0; c < used; c++) {
        const at = r * n + c;
        assert.ok(Math.abs(re[at] / (n * n) - before[0][at]) < 1e-12, `n ${n} re at ${r}, ${c}`);
        assert.ok(Math.abs(im[at] / (n * n) - before[1][at]) < 1e-12, `n ${n} im at ${r}, ${c}`);
      }
    }
  }
});

Deno.test("GridFft rejects sizes with other prime factors; fftSize() rounds up to 2^a 3^b", () => {
  assert.throws(() => new GridFft(10), /Invalid FFT size 10: give 2\^a x 3\^b/);
  assert.throws(() => new GridFft(0), RangeError);
  assert.throws(() => new GridFft(2.5), RangeError);
  assert.deepEqual(
    [1, 5, 7, 10, 17, 97, 300, 576, 577].map(fftSize),
    [1, 6, 8, 12, 18, 108, 324, 576, 648],
  );
});
