import assert from "node:assert/strict";
import * as tf from "../../lib/tf.ts";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { createEmbeddingNet, type EmbeddingNet } from "../../lib/model/embedding_net.ts";

await selectBackend("wasm");

/** A deterministic batch of images in [0, 1]. */
function images(b: number, h: number, w: number, c: number): tf.Tensor4D {
  const values = Float32Array.from({ length: b * h * w * c }, (_, i) => ((i * 37) % 101) / 100);
  return tf.tensor4d(values, [b, h, w, c]);
}

function weightsOf(net: EmbeddingNet): Float32Array[] {
  return net.variables.map((v) => v.dataSync() as Float32Array);
}

Deno.test("createEmbeddingNet() conv28 and conv64 both embed to [B, dim]", () => {
  for (
    const [architecture, shape, dim] of [
      ["conv28", [8, 8, 1], 4],
      ["conv64", [16, 16, 3], 5],
      ["conv28", [16, 12, 3], 3],
    ] as const
  ) {
    const net = createEmbeddingNet({ inputShape: [...shape], dim, architecture });
    const x = images(3, shape[0], shape[1], shape[2]);
    const e = net.apply(x);
    assert.deepEqual(e.shape, [3, dim], architecture);
    assert(Array.from(e.dataSync()).every(Number.isFinite));
    assert.equal(net.dim, dim);
    assert.deepEqual(net.inputShape, [...shape]);
    assert.equal(net.config().architecture, architecture);
    tf.dispose([x, e]);
    net.dispose();
  }
});

Deno.test("createEmbeddingNet() picks conv28 up to 32 pixels and conv64 above", () => {
  const small = createEmbeddingNet({ inputShape: [32, 32, 1], dim: 2 });
  const big = createEmbeddingNet({ inputShape: [33, 33, 3], dim: 2 });
  assert.deepEqual(small.config(), {
    name: "embedding-net",
    architecture: "conv28",
    inputShape: [32, 32, 1],
    dim: 2,
    seed: 0,
  });
  assert.equal(big.config().architecture, "conv64");
  small.dispose();
  big.dispose();
});

Deno.test("createEmbeddingNet() names its variables <layer>/<kernel|bias>", () => {
  const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4, architecture: "conv28" });
  assert.deepEqual(net.weightNames, [
    "conv1/kernel",
    "conv1/bias",
    "conv2/kernel",
    "conv2/bias",
    "dense1/kernel",
    "dense1/bias",
    "embed/kernel",
    "embed/bias",
  ]);
  assert.deepEqual(net.variables.map((v) => v.shape), [
    [3, 3, 1, 32],
    [32],
    [3, 3, 32, 64],
    [64],
    [2 * 2 * 64, 128],
    [128],
    [128, 4],
    [4],
  ]);
  assert(net.variables.every((v) => v.trainable));
  // Biases start at zero.
  assert(weightsOf(net)[1].every((v) => v === 0));
  net.dispose();
});

Deno.test("createEmbeddingNet() rejects an invalid dim, input shape or architecture", () => {
  for (const dim of [0, -1, 2.5, NaN]) {
    assert.throws(() => createEmbeddingNet({ inputShape: [8, 8, 1], dim }), {
      name: "RangeError",
      message: new RegExp(`^Invalid dim ${dim}:`),
    });
  }
  assert.throws(() => createEmbeddingNet({ inputShape: [2, 8, 1], dim: 4 }), {
    name: "RangeError",
    message: /2x8x1/,
  });
  assert.throws(
    () => createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4, architecture: "resnet" as never }),
    { name: "RangeError", message: /"resnet"/ },
  );
});

Deno.test("createEmbeddingNet() gives identical weights for a seed and different ones otherwise", () => {
  const a = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4, seed: 7 });
  const b = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4, seed: 7 });
  const c = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4, seed: 8 });
  assert.deepEqual(weightsOf(a), weightsOf(b));
  assert.notDeepEqual(weightsOf(a)[0], weightsOf(c)[0]);
  // He-normal: the kernel's spread is about sqrt(2 / fan-in).
  const k = weightsOf(a)[0];
  const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
  assert(Math.abs(std - Math.sqrt(2 / 9)) < 0.15, `std ${std}`);
  for (const net of [a, b, c]) net.dispose();
});

Deno.test("EmbeddingNet.apply() is deterministic and leaks no tensors", () => {
  const net = createEmbeddingNet({ inputShape: [8, 8, 3], dim: 4, architecture: "conv64" });
  const x = images(2, 8, 8, 3);
  const first = net.apply(x);
  const before = tf.memory().numTensors;
  const second = net.apply(x);
  assert.equal(tf.memory().numTensors, before + 1);
  assert.deepEqual(second.dataSync(), first.dataSync());
  second.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, first]);
  net.dispose();
});

Deno.test("EmbeddingNet.apply() embeds each image independently of its batch", () => {
  const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 3 });
  const x = images(3, 8, 8, 1);
  const all = net.apply(x);
  const one = tf.tidy(() => net.apply(tf.slice(x, [1, 0, 0, 0], [1, 8, 8, 1])));
  const row = Array.from(all.dataSync().slice(3, 6));
  Array.from(one.dataSync()).forEach((v, i) => assert(Math.abs(v - row[i]) < 1e-5));
  tf.dispose([x, all, one]);
  net.dispose();
});

Deno.test("EmbeddingNet gives every variable a gradient", () => {
  for (const architecture of ["conv28", "conv64"] as const) {
    const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 3, architecture });
    const x = images(2, 8, 8, 1);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(net.apply(x))), net.variables);
    for (const v of net.variables) {
      const g = grads[v.name];
      assert(g, `${architecture}: no gradient for ${v.name}`);
      assert.deepEqual(g.shape, v.shape);
      assert(Array.from(g.dataSync()).every(Number.isFinite));
    }
    // The first kernel gets a non-zero gradient: it flows through every layer.
    const first = grads[net.variables[0].name];
    assert(tf.tidy(() => tf.sum(tf.abs(first)).dataSync()[0]) > 0);
    tf.dispose([x, value, ...Object.values(grads)]);
    net.dispose();
  }
});

Deno.test({
  name: "createEmbeddingNet() and dispose() leave no tensors behind",
  fn() {
    const before = tf.memory().numTensors;
    createEmbeddingNet({ inputShape: [8, 8, 1], dim: 4 }).dispose();
    assert.equal(tf.memory().numTensors, before);
  },
});

Deno.test("FusedConv2D's registered gradient equals that of conv2d, add and relu", async () => {
  const previous = tf.getBackend();
  await tf.setBackend("cpu");
  try {
    const x = tf.randomNormal([2, 6, 5, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 2));
    const b = tf.variable(tf.randomNormal([4], 0, 1, "float32", 3));
    const attrs = {
      strides: [1, 1],
      pad: "same",
      dataFormat: "NHWC",
      dilations: [1, 1],
      activation: "relu",
    } as unknown as tf.NamedAttrMap;
    const fused = tf.variableGrads(() =>
      tf.sum(
        tf.square(
          tf.engine().runKernel("FusedConv2D", { x, filter: w, bias: b }, attrs) as tf.Tensor,
        ),
      )
    );
    const plain = tf.variableGrads(() =>
      tf.sum(tf.square(tf.relu(tf.add(tf.conv2d(x, w as tf.Tensor4D, 1, "same"), b))))
    );
    for (const name of Object.keys(plain.grads)) {
      assert.deepEqual(
        Array.from(fused.grads[name].dataSync()),
        Array.from(plain.grads[name].dataSync()),
      );
    }
    assert.equal(fused.value.dataSync()[0], plain.value.dataSync()[0]);
    tf.dispose([
      x,
      w,
      b,
      fused.value,
      plain.value,
      ...Object.values(fused.grads),
      ...Object.values(plain.grads),
    ]);
  } finally {
    await tf.setBackend(previous);
  }
});
