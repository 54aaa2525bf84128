import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import * as tf from "../../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { blasAvailable } from "../../lib/backend/blas.ts";
import {
  blasKernelsUseSimd,
  FILTER_BIAS_GRAD_KERNEL,
  installBlasKernels,
  RELU_GRAD_KERNEL,
  uninstallBlasKernels,
} from "../../lib/backend/blas_kernels.ts";
import { installFastGradients } from "../../lib/backend/fast_gradients.ts";
import { loadOneDnn, oneDnnAvailable } from "../../lib/backend/onednn.ts";
import { registerFusedConvGradient } from "../../lib/backend/conv_ops.ts";

await tf.setBackend("cpu");

const available = blasAvailable();
registerFusedConvGradient();
const withOneDnn = available && oneDnnAvailable();
/** The convolution paths: GEMMs, and oneDNN where it loads (the `onednn` backend). */
const MODES = [
  { oneDnn: false, label: "", ignore: !available },
  { oneDnn: true, label: " (oneDNN)", ignore: !withOneDnn },
];

/**
 * Runs `check` and asserts that, in oneDNN mode, every convolution it ran went to oneDNN
 * (some did, none was declined).
 */
async function onOneDnn(oneDnn: boolean, check: () => Promise<void>): Promise<void> {
  if (!oneDnn) return await check();
  const { stats } = loadOneDnn();
  const [ran, declined] = [stats.ran, stats.declined];
  await check();
  assert.ok(stats.ran > ran, "oneDNN ran no convolution");
  assert.equal(stats.declined, declined, "oneDNN declined a convolution");
}

/**
 * Runs f on wasm with the BLAS kernels (convolutions on oneDNN when asked) and on the cpu
 * reference; returns both.
 */
async function both(
  f: () => tf.Tensor,
  oneDnn = false,
): Promise<[Float32Array, Float32Array, number[]]> {
  await tf.setBackend("wasm");
  installFastGradients("wasm");
  uninstallBlasKernels();
  installBlasKernels(2, { oneDnn });
  const a = f();
  const blasValues = a.dataSync() as Float32Array, shape = a.shape;
  await tf.setBackend("cpu");
  const b = f();
  assert.deepEqual(b.shape, shape);
  return [blasValues, b.dataSync() as Float32Array, shape];
}

/** Within 1e-5 of the largest reference magnitude (plus 1e-6); NaN where the reference has NaN. */
function assertNear(actual: Float32Array, expected: Float32Array, what: string) {
  let scale = 1e-6;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  assertClose(actual, expected, { atol: 1e-5 * scale + 1e-6, equalNan: true, what });
}

type Shape4 = [number, number, number, number];
const CASES: Array<[string, Shape4, Shape4, 1 | 2, "same" | "valid"]> = [
  ["slab same", [2, 7, 9, 10], [3, 3, 10, 6], 1, "same"],
  ["slab valid", [2, 7, 9, 10], [3, 3, 10, 6], 1, "valid"],
  ["slab 5x5", [1, 8, 8, 12], [5, 5, 12, 4], 1, "same"],
  ["im2col few channels", [3, 9, 8, 3], [3, 3, 3, 5], 1, "same"],
  ["im2col one channel", [2, 7, 6, 1], [3, 3, 1, 4], 1, "same"],
  ["im2col 5x5, two channels, valid", [2, 9, 8, 2], [5, 5, 2, 3], 1, "valid"],
  ["im2col stride 2", [2, 9, 9, 10], [3, 3, 10, 6], 2, "same"],
  ["im2col stride 2 valid", [2, 9, 9, 4], [3, 3, 4, 6], 2, "valid"],
  ["pointwise", [2, 5, 5, 6], [1, 1, 6, 3], 1, "valid"],
];

for (const { oneDnn, label, ignore } of MODES) {
  for (const [what, xShape, fShape, stride, pad] of CASES) {
    Deno.test({
      name:
        `installBlasKernels() matches the cpu backend: Conv2D and its gradients, ${what}${label}`,
      ignore,
      fn: () =>
        onOneDnn(oneDnn, async () => {
          const x = tf.randomNormal(xShape, 0, 1, "float32", 1) as tf.Tensor4D;
          const f = tf.randomNormal(fShape, 0, 1, "float32", 2) as tf.Tensor4D;
          const loss = (xx: tf.Tensor, ff: tf.Tensor) =>
            tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, stride, pad)));
          const [y, yRef] = await both(() => tf.conv2d(x, f, stride, pad), oneDnn);
          assertNear(y, yRef, `${what} Conv2D`);
          const [dw, dwRef] = await both(
            () => tf.grad((ff: tf.Tensor) => loss(x, ff))(f),
            oneDnn,
          );
          assertNear(dw, dwRef, `${what} Conv2DBackpropFilter`);
          const [dx, dxRef] = await both(
            () => tf.grad((xx: tf.Tensor) => loss(xx, f))(x),
            oneDnn,
          );
          assertNear(dx, dxRef, `${what} Conv2DBackpropInput`);
          tf.dispose([x, f]);
        }),
    });
  }
}

Deno.test({
  name: "installBlasKernels() matches the cpu backend: BatchMatMul, Sum, MaxPoolGrad",
  ignore: !available,
  fn: async () => {
    const a = tf.randomNormal([3, 4, 6], 0, 1, "float32", 3);
    const b = tf.randomNormal([3, 6, 5], 0, 1, "float32", 4);
    const single = tf.randomNormal([6, 5], 0, 1, "float32", 5);
    const x = tf.randomNormal([2, 6, 7, 5], 0, 1, "float32", 6) as tf.Tensor4D;
    const wide = tf.randomNormal([2, 6, 9, 8], 0, 1, "float32", 9) as tf.Tensor4D;
    for (
      const [what, f] of [
        ["matMul", () => tf.matMul(a, b)],
        ["matMul transposed", () => tf.matMul(b, a, true, true)],
        ["matMul broadcast", () => tf.matMul(a, single)],
        ["matMul 2D", () => tf.matMul(single, single, false, true)],
        ["relu gradient", () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), t)))(x)],
        [
          "relu gradient at 0 and -0",
          () => tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(tf.tensor1d([-1, 0, 2, -0, 3])),
        ],
        [
          "maxPool 2x2 gradient, channels a multiple of 4 (SIMD), odd width",
          () =>
            tf.grad((t: tf.Tensor) =>
              tf.sum(tf.square(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid")))
            )(
              wide,
            ),
        ],
        [
          "maxPool 2x2 gradient with ties (SIMD)",
          () =>
            tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid")))(
              tf.round(wide),
            ),
        ],
        [
          "relu gradient, SIMD with a scalar tail",
          () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), t)))(wide),
        ],
        ["sum leading", () => tf.sum(x, [0, 1, 2])],
        ["sum keepDims", () => tf.sum(x, [0, 1], true)],
        ["sum middle (fallback)", () => tf.sum(x, [1, 2])],
        ["sum all (fallback)", () => tf.sum(x)],
        [
          "maxPool 2x2 gradient",
          () =>
            tf.grad((t: tf.Tensor) =>
              tf.sum(tf.square(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid")))
            )(x),
        ],
        [
          "maxPool 3x3 stride 2 same gradient",
          () =>
            tf.grad((t: tf.Tensor) =>
              tf.sum(tf.square(tf.maxPool(t as tf.Tensor4D, 3, 2, "same")))
            )(x),
        ],
      ] as Array<[string, () => tf.Tensor]>
    ) {
      const [got, want] = await both(f);
      assertNear(got, want, what);
    }
    tf.dispose([a, b, single, x, wide]);
  },
});

for (const { oneDnn, label, ignore } of MODES) {
  Deno.test({
    name: `installBlasKernels() matches the cpu backend: dilated and strided Conv2D${label}`,
    ignore,
    fn: () =>
      onOneDnn(oneDnn, async () => {
        const x = tf.randomNormal([2, 11, 10, 3], 0, 1, "float32", 7) as tf.Tensor4D;
        const f = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 8) as tf.Tensor4D;
        for (const pad of ["same", "valid"] as const) {
          const [y, yRef] = await both(() => tf.conv2d(x, f, 1, pad, "NHWC", 2), oneDnn);
          assertNear(y, yRef, `dilation 2 ${pad}`);
          const [z, zRef] = await both(() => tf.conv2d(x, f, [2, 3], pad), oneDnn);
          assertNear(z, zRef, `strides 2x3 ${pad}`);
        }
        tf.dispose([x, f]);
      }),
  });
}

Deno.test({
  name: "blasKernelsUseSimd() is true on wasm, so the SIMD loops are what the tests check",
  ignore: !available,
  fn: async () => {
    await tf.setBackend("wasm");
    installBlasKernels(1);
    assert.equal(blasKernelsUseSimd(), true);
  },
});

for (const { oneDnn, label, ignore } of MODES) {
  Deno.test({
    name:
      `installBlasKernels() matches the cpu backend: FusedConv2D with bias and relu or none${label}`,
    ignore,
    fn: () =>
      onOneDnn(oneDnn, async () => {
        for (
          const [xShape, fShape] of [[[2, 6, 7, 3], [3, 3, 3, 8]], [[2, 5, 5, 8], [
            3,
            3,
            8,
            6,
          ]]] as Array<[Shape4, Shape4]>
        ) {
          const x = tf.randomNormal(xShape, 0, 1, "float32", 10) as tf.Tensor4D;
          const filter = tf.randomNormal(fShape, 0, 1, "float32", 11) as tf.Tensor4D;
          const bias = tf.randomNormal([fShape[3]], 0, 1, "float32", 12) as tf.Tensor1D;
          for (const activation of ["relu", "linear"] as const) {
            for (const withBias of [true, false]) {
              const what = `fused ${xShape.join("x")} ${activation}${withBias ? " + bias" : ""}`;
              const [y, yRef] = await both(() =>
                tf.fused.conv2d({
                  x,
                  filter,
                  strides: 1,
                  pad: "same",
                  bias: withBias ? bias : undefined,
                  activation,
                }), oneDnn);
              assertNear(y, yRef, what);
            }
          }
          tf.dispose([x, filter, bias]);
        }
      }),
  });
}

for (const { oneDnn, label, ignore } of MODES) {
  Deno.test({
    name: `FusedConv2D's gradient takes dw and db from one kernel and matches cpu${label}`,
    ignore,
    fn: () =>
      onOneDnn(oneDnn, async () => {
        const x = tf.randomNormal([2, 6, 5, 8], 0, 1, "float32", 1) as tf.Tensor4D;
        const w = tf.randomNormal([3, 3, 8, 16], 0, 1, "float32", 2);
        const b = tf.randomNormal([16], 0, 1, "float32", 3);
        const attrs = {
          strides: [1, 1],
          pad: "same",
          dataFormat: "NHWC",
          dilations: [1, 1],
          activation: "relu",
        } as unknown as tf.NamedAttrMap;
        const loss = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.square(
            tf.engine().runKernel(
              "FusedConv2D",
              { x: xx, filter: ww, bias: bb },
              attrs,
            ) as tf.Tensor,
          ));
        const gradients = () =>
          tf.concat(tf.grads(loss)([x, w, b]).map((g) => g.flatten())) as tf.Tensor;
        const [all, allRef] = await both(gradients, oneDnn);
        assertNear(all, allRef, "dx, dw and db");
        await tf.setBackend("wasm");
        const { kernelNames } = await tf.profile(() => gradients());
        assert.ok(kernelNames.includes(FILTER_BIAS_GRAD_KERNEL), kernelNames.join());
        assert.ok(!kernelNames.includes("Conv2DBackpropFilter"), kernelNames.join());
        tf.dispose([x, w, b]);
      }),
  });
}

Deno.test({
  name: "MaxPoolGrad of the blas kernels sends ties to the first maximum",
  ignore: !available,
  fn: async () => {
    const x = tf.tensor4d([1, 1, 1, 1], [1, 2, 2, 1]);
    const [dx] = await both(() =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid")))(x)
    );
    assert.deepEqual(Array.from(dx), [1, 0, 0, 0]);
  },
});

Deno.test({
  name: "uninstallBlasKernels() restores the wasm kernels",
  ignore: !available,
  fn: async () => {
    await tf.setBackend("wasm");
    installBlasKernels(1);
    const replaced = tf.getKernel("Conv2D", "wasm");
    uninstallBlasKernels();
    const restored = tf.getKernel("Conv2D", "wasm");
    assert.notEqual(restored?.kernelFunc, replaced?.kernelFunc);
    installBlasKernels(1);
    assert.notEqual(tf.getKernel("Conv2D", "wasm")?.kernelFunc, restored?.kernelFunc);
    uninstallBlasKernels();
  },
});

Deno.test({
  name: "installBlasKernels() makes the ReLU gradient one kernel on wasm, and restores tfjs's",
  ignore: !available,
  fn: async () => {
    await tf.setBackend("wasm");
    installBlasKernels(1);
    const x = tf.tensor1d([-1, 2, 3]);
    const grad = () => tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(x);
    const fused = await tf.profile(grad);
    assert.ok(fused.kernelNames.includes(RELU_GRAD_KERNEL), fused.kernelNames.join());
    assert.ok(!fused.kernelNames.includes("Step"));
    uninstallBlasKernels();
    const plain = await tf.profile(grad);
    assert.ok(!plain.kernelNames.includes(RELU_GRAD_KERNEL));
    assert.ok(plain.kernelNames.includes("Step"));
    x.dispose();
  },
});
