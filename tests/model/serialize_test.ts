import assert from "node:assert/strict";
import * as tf from "../../lib/tf.ts";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { createEmbeddingNet, type EmbeddingNet } from "../../lib/model/embedding_net.ts";
import { deserializeModel, serializeModel } from "../../lib/model/serialize.ts";

await selectBackend("wasm");

function images(b: number, h: number, w: number, c: number): tf.Tensor4D {
  const values = Float32Array.from({ length: b * h * w * c }, (_, i) => ((i * 53) % 97) / 96);
  return tf.tensor4d(values, [b, h, w, c]);
}

function embed(net: EmbeddingNet, x: tf.Tensor4D): Float32Array {
  const e = net.apply(x);
  const out = e.dataSync() as Float32Array;
  e.dispose();
  return out;
}

/** Moves every weight away from its seeded initial value, as training would. */
function perturb(net: EmbeddingNet): void {
  for (const v of net.variables) {
    tf.tidy(() => v.assign(tf.add(tf.mul(v, 0.9), 0.01)));
  }
}

Deno.test("serializeModel() writes a manifest and one buffer of all weights in order", async () => {
  const net = createEmbeddingNet({
    inputShape: [8, 8, 1],
    dim: 3,
    architecture: "conv28",
    seed: 4,
  });
  const { manifest, weights } = await serializeModel(net);
  assert.deepEqual(manifest.format, "metriclab-embedding-net/1");
  assert.deepEqual(manifest.config, {
    architecture: "conv28",
    inputShape: [8, 8, 1],
    dim: 3,
    seed: 4,
  });
  assert.deepEqual(manifest.weights.map((w) => w.name), net.weightNames);
  assert.deepEqual(manifest.weights.map((w) => w.shape), net.variables.map((v) => v.shape));
  assert.equal(weights.length, net.variables.reduce((n, v) => n + v.size, 0));
  // The buffer is the variables one after another.
  const last = net.variables[net.variables.length - 2];
  assert.deepEqual(weights.subarray(0, 9 * 32), net.variables[0].dataSync());
  assert.deepEqual(
    weights.subarray(weights.length - 3 - last.size, weights.length - 3),
    last.dataSync(),
  );
  // The manifest is plain JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(manifest)), manifest);
  net.dispose();
});

Deno.test("deserializeModel() round trips to identical embeddings", async () => {
  for (
    const [architecture, shape] of [
      ["conv28", [8, 8, 1]],
      ["conv64", [16, 16, 3]],
    ] as const
  ) {
    const net = createEmbeddingNet({ inputShape: [...shape], dim: 4, architecture, seed: 1 });
    perturb(net);
    const x = images(2, shape[0], shape[1], shape[2]);
    const { manifest, weights } = await serializeModel(net);
    // Through JSON and bytes, as the run folder stores them.
    const copy = deserializeModel(
      JSON.parse(JSON.stringify(manifest)),
      new Float32Array(new Uint8Array(weights.buffer).slice().buffer),
    );
    assert.deepEqual(copy.config(), net.config());
    assert.deepEqual(embed(copy, x), embed(net, x), architecture);
    // The weights are the saved ones, not the seed's fresh ones.
    const fresh = createEmbeddingNet({ inputShape: [...shape], dim: 4, architecture, seed: 1 });
    assert.notDeepEqual(embed(fresh, x), embed(copy, x));
    for (const n of [net, copy, fresh]) n.dispose();
    x.dispose();
  }
});

Deno.test("deserializeModel() rejects a weight buffer of the wrong length", async () => {
  const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 2 });
  const { manifest, weights } = await serializeModel(net);
  for (
    const bad of [weights.subarray(1), new Float32Array(weights.length + 1), new Float32Array(0)]
  ) {
    assert.throws(() => deserializeModel(manifest, bad), {
      name: "SyntaxError",
      message: new RegExp(`needs ${weights.length} weights, the weight file has ${bad.length}$`),
    });
  }
  net.dispose();
});

Deno.test("deserializeModel() rejects an unknown format or a manifest that lists other weights", async () => {
  const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 2 });
  const { manifest, weights } = await serializeModel(net);
  assert.throws(
    () => deserializeModel({ ...manifest, format: "keras/2" as never }, weights),
    { name: "SyntaxError", message: /unknown format "keras\/2"/ },
  );
  assert.throws(
    () => deserializeModel({ ...manifest, weights: manifest.weights.slice(1) }, weights),
    { name: "SyntaxError" },
  );
  net.dispose();
});

Deno.test({
  name: "deserializeModel() and dispose() leave no tensors behind",
  async fn() {
    const net = createEmbeddingNet({ inputShape: [8, 8, 1], dim: 2 });
    const { manifest, weights } = await serializeModel(net);
    net.dispose();
    const before = tf.memory().numTensors;
    deserializeModel(manifest, weights).dispose();
    assert.equal(tf.memory().numTensors, before);
  },
});
