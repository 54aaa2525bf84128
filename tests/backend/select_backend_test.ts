import assert from "node:assert/strict";
import * as tf from "../../lib/tf.ts";
import { selectBackend, tfjsNodeSkipReason } from "../../lib/backend/select_backend.ts";
import { blasAvailable } from "../../lib/backend/blas.ts";
import { loadOneDnn, oneDnnAvailable } from "../../lib/backend/onednn.ts";

Deno.test("selectBackend() rejects unknown names and thread counts", async () => {
  await assert.rejects(() => selectBackend("nope"), /Unknown backend "nope"/);
  await assert.rejects(
    () => selectBackend("wsam"),
    /^RangeError: Unknown backend "wsam": did you mean "wasm"\? \(one of auto, tensorflow, onednn, blas, wasm, webgpu, cpu\)$/,
  );
  await assert.rejects(() => selectBackend("wasm", { threads: 0 }), /Invalid threads 0/);
});

Deno.test("selectBackend('auto') uses tfjs-node where it loads, else onednn, else blas, else wasm, saying why", async () => {
  const info = await selectBackend("auto");
  if (info.name === "tensorflow") return; // a machine where libtensorflow is installed
  assert.equal(info.requested, "auto");
  // Not opted in (the default): tfjs-node is skipped, never imported, and the reason says so.
  const skip = tfjsNodeSkipReason(
    import.meta.resolve("@tensorflow/tfjs-core"),
    new URL("../../node_modules/", import.meta.url),
  );
  if (skip !== null) {
    assert.ok(info.reason.includes(`(auto: ${skip}; `), info.reason);
    await assert.rejects(
      () => selectBackend("tensorflow"),
      (error: Error) => error.message === `Cannot use backend tensorflow: ${skip}`,
    );
  }
  const blas = blasAvailable(), dnnl = blas && oneDnnAvailable();
  assert.equal(info.name, dnnl ? "onednn" : blas ? "blas" : "wasm");
  assert.match(
    info.reason,
    dnnl
      ? /^backend onednn \(auto: .*tfjs-node.*oneDNN and OpenBLAS found\)$/
      : blas
      ? /^backend blas \(auto: .*tfjs-node.*Cannot load oneDNN.*OpenBLAS found\)$/
      : /^backend wasm \(auto: .*tfjs-node.*Cannot load a BLAS library/,
  );
  assert.equal(info.reason.split("\n").length, 1);
  await assert.rejects(
    () => selectBackend("tensorflow"),
    /^RangeError: Cannot use backend tensorflow: /,
  );
});

Deno.test("tfjsNodeSkipReason() tries tfjs-node only from a node_modules folder that holds it", () => {
  const project = Deno.makeTempDirSync({ prefix: "metriclab-tfjs-node-" });
  try {
    const nodeModules = new URL(`file://${project}/node_modules/`);
    const global = "file:///deno-dir/npm/registry.npmjs.org/@tensorflow/tfjs-core/4.22.0/x.js";
    const local = new URL(
      ".deno/@tensorflow+tfjs-core@4.22.0/node_modules/@tensorflow/tfjs-core/dist/x.js",
      nodeModules,
    ).href;
    const notInstalled = "tfjs-node not installed (opt in: deno task tfjs-node)";
    assert.equal(tfjsNodeSkipReason(global, nodeModules), notInstalled);
    assert.equal(tfjsNodeSkipReason("https://example.com/x.js", nodeModules), notInstalled);
    assert.equal(
      tfjsNodeSkipReason(local, nodeModules),
      `tfjs-node not installed in ${project}/node_modules/ (opt in: deno task tfjs-node)`,
    );
    Deno.mkdirSync(`${project}/node_modules/@tensorflow/tfjs-node`, { recursive: true });
    Deno.writeTextFileSync(`${project}/node_modules/@tensorflow/tfjs-node/package.json`, "{}");
    assert.equal(tfjsNodeSkipReason(local, nodeModules), null);
    assert.equal(
      tfjsNodeSkipReason(global, nodeModules),
      "tfjs-node is in node_modules but unused (run with deno run -A --node-modules-dir=manual)",
    );
  } finally {
    Deno.removeSync(project, { recursive: true });
  }
});

Deno.test("selectBackend('cpu') installs the fast gradient kernels on the reference backend", async () => {
  const info = await selectBackend("cpu");
  assert.equal(info.name, "cpu");
  assert.deepEqual(info.warnings, []);
});

Deno.test("selectBackend('blas') runs on wasm with the GEMM kernels, and 'wasm' takes them out again", async () => {
  const blas = blasAvailable();
  if (!blas) {
    await assert.rejects(
      () => selectBackend("blas"),
      /^RangeError: Cannot use backend blas: Cannot load a BLAS library/,
    );
    return;
  }
  const info = await selectBackend("blas", { threads: 2 });
  assert.equal(info.name, "blas");
  assert.equal(info.threads, 2);
  const withBlas = tf.getKernel("Conv2D", "wasm")?.kernelFunc;
  const wasm = await selectBackend("wasm", { threads: 1 });
  assert.equal(wasm.name, "wasm");
  assert.notEqual(tf.getKernel("Conv2D", "wasm")?.kernelFunc, withBlas);
});

Deno.test("selectBackend('onednn') runs convolutions on oneDNN, and 'blas' on GEMMs", async () => {
  if (!blasAvailable() || !oneDnnAvailable()) {
    await assert.rejects(() => selectBackend("onednn"), /^RangeError: Cannot use backend onednn: /);
    return;
  }
  const conv = () => {
    const x = tf.ones([1, 6, 6, 8]) as tf.Tensor4D, f = tf.ones([3, 3, 8, 8]) as tf.Tensor4D;
    tf.tidy(() => tf.conv2d(x, f, 1, "same").dataSync());
    tf.dispose([x, f]);
  };
  const stats = loadOneDnn().stats;
  const info = await selectBackend("onednn", { threads: 1 });
  assert.equal(info.name, "onednn");
  assert.equal(info.threads, 1);
  let ran = stats.ran;
  conv();
  assert.equal(stats.ran, ran + 1);
  await selectBackend("blas", { threads: 1 });
  ran = stats.ran;
  conv();
  assert.equal(stats.ran, ran);
});
