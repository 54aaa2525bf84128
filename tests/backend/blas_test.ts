import assert from "node:assert/strict";
import { blasAvailable, loadBlas } from "../../lib/backend/blas.ts";

const available = blasAvailable();

function naive(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

Deno.test({
  name:
    "loadBlas().sgemm() multiplies row-major matrices with each transpose, and accumulates with beta",
  ignore: !available,
  fn: () => {
    const blas = loadBlas();
    const m = 5, n = 4, k = 7;
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const c = new Float32Array(m * n);
        blas.sgemm(ta, tb, m, n, k, a, b, c);
        const want = naive(ta, tb, m, n, k, a, b);
        c.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${ta} ${tb} at ${i}`));
        blas.sgemm(ta, tb, m, n, k, a, b, c, 1);
        c.forEach((v, i) => assert.ok(Math.abs(v - 2 * want[i]) < 1e-5, `beta at ${i}`));
      }
    }
  },
});

Deno.test({
  name: "loadBlas().sgemm() reads and writes subarrays at their offsets",
  ignore: !available,
  fn: () => {
    const blas = loadBlas();
    const a = new Float32Array([9, 9, 1, 2, 3, 4]), b = new Float32Array([9, 5, 6]);
    const c = new Float32Array([7, 0, 0, 7]);
    // [1 2; 3 4] x [5; 6] = [17; 39]
    blas.sgemm(false, false, 2, 1, 2, a.subarray(2), b.subarray(1), c.subarray(1, 3));
    assert.deepEqual(Array.from(c), [7, 17, 39, 7]);
  },
});

Deno.test("loadBlas() names the libraries tried when METRICLAB_BLAS points nowhere", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { loadBlas } from "${new URL(
        "../../lib/backend/blas.ts",
        import.meta.url,
      )}"; try { loadBlas(); } catch (e) { console.log(e.message); }`,
    ],
    env: { METRICLAB_BLAS: "/nonexistent/libnothing.so" },
    stdout: "piped",
  }).output();
  const line = new TextDecoder().decode(out.stdout).trim();
  assert.match(
    line,
    /^Cannot load a BLAS library \(tried \/nonexistent\/libnothing\.so: .*apt-get install libopenblas0-pthread/,
  );
});
