import assert from "node:assert/strict";
import * as tf from "../../lib/tf.ts";
import "@tensorflow/tfjs-backend-wasm";
import { blasAvailable } from "../../lib/backend/blas.ts";
import { installBlasKernels, uninstallBlasKernels } from "../../lib/backend/blas_kernels.ts";
import { installFastGradients } from "../../lib/backend/fast_gradients.ts";
import { loadOneDnn, oneDnnAvailable } from "../../lib/backend/onednn.ts";
import { ADAM_KERNEL } from "../../lib/backend/_kernel_names.ts";
import { createRng } from "../../lib/random.ts";

const available = blasAvailable();

/** Sizes with a SIMD part and a scalar tail, one that is all tail, and a scalar. */
const SHAPES = [[3, 7], [3], []];

function randomValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng.normal());
}

/**
 * Three Adam steps on fixed gradients (the second leaves one variable out); returns every
 * variable, moment, beta power and the iteration count.
 */
async function adamSteps(fused: boolean): Promise<{ names: string[]; values: number[][] }> {
  await tf.setBackend("wasm");
  installFastGradients("wasm");
  uninstallBlasKernels();
  if (fused) installBlasKernels(1);
  const variables = SHAPES.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.variable(tf.tensor(randomValues(size, i), shape), true);
  });
  const optimizer = tf.train.adam(0.01);
  try {
    const profile = await tf.profile(() => {
      for (let step = 0; step < 3; step++) {
        // A null gradient (as for a variable the loss does not reach) skips that variable.
        const grads: Record<string, tf.Tensor | null> = {};
        variables.forEach((v, i) => {
          grads[v.name] = step === 1 && i === 1
            ? null
            : tf.tensor(randomValues(v.size, 10 * step + i + 100), v.shape);
        });
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        tf.dispose(Object.values(grads).filter((g) => g !== null));
      }
    });
    assert.equal(profile.kernelNames.includes(ADAM_KERNEL), fused);
    const weights = await optimizer.getWeights();
    const state = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    const tensors = [...variables, ...weights.map((w) => w.tensor), state.accBeta1, state.accBeta2];
    const values = await Promise.all(tensors.map(async (t) => Array.from(await t.data())));
    const names = weights.map((w) => w.name.replace(/^.*\/(m|v)$/, "$1"));
    tf.dispose(weights[0].tensor);
    return { names, values };
  } finally {
    optimizer.dispose();
    tf.dispose(variables);
    uninstallBlasKernels();
  }
}

Deno.test({
  name: "installBlasKernels() makes Adam one kernel per variable, equal to tfjs's to the bit",
  ignore: !available,
  fn: async () => {
    const fused = await adamSteps(true);
    const own = await adamSteps(false);
    assert.deepEqual(fused.names, own.names);
    assert.deepEqual(fused.values, own.values);
  },
});

Deno.test({
  name: "the onednn backend's sgemm matches OpenBLAS's, transposes and beta included",
  ignore: !available || !oneDnnAvailable(),
  fn: () => {
    const { sgemm } = loadOneDnn();
    const m = 5, n = 3, k = 4;
    const a = randomValues(m * k, 1), b = randomValues(k * n, 2);
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const c = randomValues(m * n, 3), expected = Float64Array.from(c, (x) => 0.5 * x);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          for (let p = 0; p < k; p++) {
            const av = transA ? a[p * m + i] : a[i * k + p];
            const bv = transB ? b[j * k + p] : b[p * n + j];
            expected[i * n + j] += av * bv;
          }
        }
      }
      sgemm(transA, transB, m, n, k, a, b, c, 0.5);
      for (let i = 0; i < c.length; i++) {
        assert.ok(Math.abs(c[i] - expected[i]) < 1e-5, `${transA} ${transB} [${i}]`);
      }
    }
  },
});
