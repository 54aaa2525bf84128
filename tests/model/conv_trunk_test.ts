import assert from "node:assert/strict";
import { assertRelativeError } from "../_assert.ts";
import * as tf from "../../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { blasAvailable } from "../../lib/backend/blas.ts";
import {
  installBlasKernels,
  oneDnnTrunkRuns,
  TRUNK_GRAD_KERNEL,
  trunkActivationsKept,
  uninstallBlasKernels,
} from "../../lib/backend/blas_kernels.ts";
import { installFastGradients } from "../../lib/backend/fast_gradients.ts";
import { loadOneDnn, oneDnnAvailable } from "../../lib/backend/onednn.ts";
import { convTrunk } from "../../lib/backend/conv_ops.ts";
import { createEmbeddingNet } from "../../lib/model/embedding_net.ts";

const ignore = !(blasAvailable() && oneDnnAvailable());
const SHAPES = [[3, 3, 3, 32], [3, 3, 32, 64], [3, 3, 64, 128]];

async function onOneDnn(): Promise<void> {
  await tf.setBackend("wasm");
  installFastGradients("wasm");
  uninstallBlasKernels();
  installBlasKernels(1, { oneDnn: true });
}

/** Embeddings, every weight's gradient and the images' gradient of a seeded net. */
function probe(size: number, channels: number, architecture: "conv64" | "conv28" = "conv64") {
  return tf.tidy(() => {
    const net = createEmbeddingNet({
      inputShape: [size, size, channels],
      dim: 8,
      architecture,
      seed: 3,
    });
    const x = tf.randomUniform([3, size, size, channels], 0, 1, "float32", 5) as tf.Tensor4D;
    const r = tf.randomNormal([3, 8], 0, 1, "float32", 6);
    const loss = (images: tf.Tensor) => tf.sum(tf.mul(net.apply(images as tf.Tensor4D), r));
    const { grads } = tf.variableGrads(() => loss(x) as tf.Scalar, net.variables);
    const result = {
      embeddings: net.apply(x).dataSync() as Float32Array,
      grads: net.variables.map((v) => grads[v.name].dataSync() as Float32Array),
      imageGrad: tf.grad(loss)(x).dataSync() as Float32Array,
    };
    net.dispose();
    return result;
  });
}

for (const [size, channels] of [[16, 3], [32, 3]]) {
  Deno.test({
    name:
      `conv trunk: one oneDNN kernel gives the cpu backend's embeddings and gradients (${size}x${size}x${channels})`,
    ignore,
    async fn() {
      await tf.setBackend("cpu");
      const want = probe(size, channels);
      await onOneDnn();
      const shapes = SHAPES.map((s, i) => i === 0 ? [3, 3, channels, 32] : s);
      assert.ok(oneDnnTrunkRuns([3, size, size, channels], shapes), "the fused trunk does not run");
      const trunks = loadOneDnn().stats.trunks;
      const got = probe(size, channels);
      // Forward passes (two taped, one not) and one gradient ran as fused trunks.
      assert.ok(loadOneDnn().stats.trunks >= trunks + 4);
      assertRelativeError(got.embeddings, want.embeddings, { max: 1e-5, what: "embeddings" });
      got.grads.forEach((g, i) =>
        assertRelativeError(g, want.grads[i], { max: 1e-5, what: `gradient ${i}` })
      );
      assertRelativeError(got.imageGrad, want.imageGrad, { max: 1e-5, what: "image gradient" });
    },
  });
}

for (const [size, channels] of [[28, 1], [16, 3]]) {
  Deno.test({
    name:
      `conv trunk: conv28's convolutions and poolings as one oneDNN kernel give the cpu backend's embeddings and gradients (${size}x${size}x${channels})`,
    ignore,
    async fn() {
      await tf.setBackend("cpu");
      const want = probe(size, channels, "conv28");
      await onOneDnn();
      const shapes = [[3, 3, channels, 32], [3, 3, 32, 64]];
      assert.ok(oneDnnTrunkRuns([3, size, size, channels], shapes, "pool"), "no fused trunk");
      const trunks = loadOneDnn().stats.trunks;
      const got = probe(size, channels, "conv28");
      assert.ok(loadOneDnn().stats.trunks >= trunks + 4);
      assertRelativeError(got.embeddings, want.embeddings, { max: 1e-5, what: "embeddings" });
      got.grads.forEach((g, i) =>
        assertRelativeError(g, want.grads[i], { max: 1e-5, what: `gradient ${i}` })
      );
      assertRelativeError(got.imageGrad, want.imageGrad, { max: 1e-5, what: "image gradient" });
    },
  });
}

Deno.test({
  name: "conv trunk: runs only on the onednn backend, for geometries oneDNN builds",
  ignore,
  async fn() {
    await onOneDnn();
    assert.ok(oneDnnTrunkRuns([4, 64, 64, 3], SHAPES));
    // Odd sizes before a pooling, and filters that do not chain, go layer by layer.
    assert.ok(!oneDnnTrunkRuns([4, 18, 18, 3], SHAPES));
    assert.ok(!oneDnnTrunkRuns([4, 16, 16, 3], [[3, 3, 3, 32], [3, 3, 16, 64], [3, 3, 64, 128]]));
    assert.ok(!oneDnnTrunkRuns([4, 16, 16, 3], [[5, 5, 3, 32], [3, 3, 32, 64], [3, 3, 64, 128]]));
    // Pooled channels must fill nChw8c blocks.
    assert.ok(!oneDnnTrunkRuns([4, 16, 16, 3], [[3, 3, 3, 12], [3, 3, 12, 64], [3, 3, 64, 128]]));
    installBlasKernels(1, { oneDnn: false });
    assert.ok(!oneDnnTrunkRuns([4, 64, 64, 3], SHAPES));
    await tf.setBackend("cpu");
    assert.ok(!oneDnnTrunkRuns([4, 64, 64, 3], SHAPES));
    // A declined geometry still embeds (layer by layer) and matches the cpu backend.
    const want = probe(18, 3);
    await onOneDnn();
    const got = probe(18, 3);
    assertRelativeError(got.embeddings, want.embeddings, { max: 1e-5, what: "embeddings" });
    got.grads.forEach((g, i) =>
      assertRelativeError(g, want.grads[i], { max: 1e-5, what: `gradient ${i}` })
    );
  },
});

Deno.test({
  name: "conv trunk: training steps leave no tensors behind; inference keeps no activations",
  ignore,
  async fn() {
    await onOneDnn();
    const net = createEmbeddingNet({ inputShape: [16, 16, 3], dim: 4, architecture: "conv64" });
    const x = tf.randomUniform([4, 16, 16, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const optimizer = tf.train.adam(1e-2);
    const step = () =>
      optimizer.minimize(() => tf.mean(tf.square(net.apply(x))) as tf.Scalar, true)!;
    step().dispose();
    const tensors = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const loss = step();
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
    assert.equal(tf.memory().numTensors, tensors);
    assert.ok(losses[2] < losses[0], `the loss did not fall: ${losses}`);
    assert.equal(trunkActivationsKept(), 0);
    // Without a tape nothing is kept: a gradient asked for afterwards finds no activations.
    const layers = [0, 2, 4].map((i) => ({ kernel: net.variables[i], bias: net.variables[i + 1] }));
    const features = convTrunk(x, layers);
    assert.equal(trunkActivationsKept(), 0);
    const ones = tf.onesLike(features);
    assert.throws(
      () =>
        tf.engine().runKernel(TRUNK_GRAD_KERNEL, {
          dy: ones,
          features,
          filter0: net.variables[0],
          filter1: net.variables[2],
          filter2: net.variables[4],
        }),
      /activations are gone/,
    );
    // A tape that never asks for the trunk's gradient (a frozen trunk): its activations go
    // when the next taped pass runs.
    const frozen = tf.variableGrads(
      () => tf.mean(tf.square(net.apply(x))) as tf.Scalar,
      [net.variables[6]],
    );
    tf.dispose([frozen.value, ...Object.values(frozen.grads)]);
    assert.equal(trunkActivationsKept(), 1);
    step().dispose();
    assert.equal(trunkActivationsKept(), 0);
    // More than four passes awaiting their gradient: the oldest one's are dropped.
    assert.throws(
      () =>
        tf.grad((images: tf.Tensor) => {
          const outputs = Array.from({ length: 5 }, () => convTrunk(images as tf.Tensor4D, layers));
          return tf.sum(tf.addN(outputs));
        })(x),
      /activations are gone/,
    );
    tf.dispose([features, ones, x]);
    optimizer.dispose();
    net.dispose();
  },
});

Deno.test({
  name: "conv trunk: a thread change between the forward pass and its gradient gives a clear error",
  ignore,
  async fn() {
    await onOneDnn();
    const net = createEmbeddingNet({ inputShape: [16, 16, 3], dim: 4, architecture: "conv64" });
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const loss = () => tf.mean(tf.square(net.apply(x))) as tf.Scalar;
    assert.throws(
      () =>
        tf.variableGrads(() => {
          const value = loss();
          installBlasKernels(2, { oneDnn: true });
          return value;
        }, net.variables),
      /rebuilt/,
    );
    assert.equal(trunkActivationsKept(), 0);
    // At the new thread count the trunk runs again.
    const { value, grads } = tf.variableGrads(loss, net.variables);
    assert.ok(Number.isFinite(value.dataSync()[0]));
    tf.dispose([value, ...Object.values(grads), x]);
    net.dispose();
    installBlasKernels(1, { oneDnn: true });
  },
});
