import * as tf from "../../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";
import { installFastGradients } from "../../lib/backend/fast_gradients.ts";
import { createRng } from "../../lib/random.ts";

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Runs `f` on a backend and returns the plain result. */
async function on(backend: string, f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const t = tf.tidy(f);
  assert.equal(tf.memory().numTensors, before + 1, "the kernels leaked tensors");
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

await tf.setBackend("wasm");
await tf.ready();
installFastGradients("wasm");

const cases: { h: number; w: number; k: number; stride: number; pad: "same" | "valid" }[] = [
  { h: 9, w: 8, k: 3, stride: 1, pad: "same" },
  { h: 9, w: 8, k: 3, stride: 2, pad: "same" },
  { h: 9, w: 8, k: 3, stride: 1, pad: "valid" },
  { h: 9, w: 8, k: 3, stride: 2, pad: "valid" },
  { h: 10, w: 10, k: 5, stride: 2, pad: "same" },
  { h: 7, w: 11, k: 2, stride: 3, pad: "valid" },
];

for (const c of cases) {
  Deno.test(`installFastGradients() conv2d gradients match the cpu kernels (k${c.k} s${c.stride} ${c.pad} ${c.h}x${c.w})`, async () => {
    const [b, ci, co] = [3, 4, 5];
    const xData = randomArray(b * c.h * c.w * ci, 1);
    const wData = randomArray(c.k * c.k * ci * co, 2);
    const grads = (): tf.Tensor => {
      const x = tf.tensor4d(xData, [b, c.h, c.w, ci]);
      const w = tf.tensor4d(wData, [c.k, c.k, ci, co]);
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad)))
      )([x, w]);
      const out = tf.concat([tf.reshape(g[0], [-1]), tf.reshape(g[1], [-1])]);
      tf.dispose([x, w, ...g]);
      return out;
    };
    const fast = await on("wasm", grads);
    const ref = await on("cpu", grads);
    assert.ok(
      maxAbsDiff(fast, ref) < 1e-4 * Math.max(1, ...Array.from(ref, Math.abs)),
      `diff ${maxAbsDiff(fast, ref)}`,
    );
  });
}

Deno.test("installFastGradients() maxPool and matMul gradients match the cpu kernels", async () => {
  const xData = randomArray(2 * 8 * 6 * 3, 3);
  const aData = randomArray(5 * 7, 4);
  const bData = randomArray(7 * 4, 5);
  const grads = (): tf.Tensor => {
    const x = tf.tensor4d(xData, [2, 8, 6, 3]);
    const a = tf.tensor2d(aData, [5, 7]);
    const bb = tf.tensor2d(bData, [7, 4]);
    const g = tf.grads((xx: tf.Tensor, aa: tf.Tensor, b2: tf.Tensor) =>
      tf.add(
        tf.sum(tf.square(tf.maxPool(xx as tf.Tensor4D, 2, 2, "same"))),
        tf.sum(tf.square(tf.matMul(aa as tf.Tensor2D, b2 as tf.Tensor2D))),
      )
    )([x, a, bb]);
    const out = tf.concat(g.map((t) => tf.reshape(t, [-1])));
    tf.dispose([x, a, bb, ...g]);
    return out;
  };
  const fast = await on("wasm", grads);
  const ref = await on("cpu", grads);
  assert.ok(maxAbsDiff(fast, ref) < 1e-4 * 10, `diff ${maxAbsDiff(fast, ref)}`);
});

Deno.test("installFastGradients() adds UnsortedSegmentSum to wasm so tf.gather has a gradient", async () => {
  const xData = randomArray(6 * 3, 6);
  const grads = (): tf.Tensor => {
    const x = tf.tensor2d(xData, [6, 3]);
    const g = tf.grad((xx: tf.Tensor) =>
      tf.sum(tf.square(tf.gather(tf.reshape(xx, [-1]), tf.tensor1d([0, 4, 4, 17, 9], "int32"))))
    )(x);
    x.dispose();
    return g;
  };
  const fast = await on("wasm", grads);
  const ref = await on("cpu", grads);
  assert.ok(maxAbsDiff(fast, ref) < 1e-5, `diff ${maxAbsDiff(fast, ref)}`);
  assert.ok(fast[4] !== 0 && fast[1] === 0);
});
