import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backend/select_backend.ts";

Deno.test("selectBackend() rejects unknown names and thread counts", async () => {
  await assert.rejects(() => selectBackend("nope"), /Unknown backend "nope"/);
  await assert.rejects(() => selectBackend("wasm", { threads: 0 }), /Invalid --threads 0/);
});

Deno.test("selectBackend('auto') uses tfjs-node where it loads, else falls back to wasm saying why", async () => {
  const info = await selectBackend("auto");
  if (info.name === "tensorflow") return; // a machine where libtensorflow is installed
  assert.equal(info.name, "wasm");
  assert.equal(info.requested, "auto");
  assert.match(info.reason, /^backend wasm \(auto: .*tfjs-node/);
  assert.equal(info.reason.split("\n").length, 1);
  await assert.rejects(
    () => selectBackend("tensorflow"),
    /^Error: Cannot use --backend tensorflow: /,
  );
});

Deno.test("selectBackend('cpu') installs the fast gradient kernels on the reference backend", async () => {
  const info = await selectBackend("cpu");
  assert.equal(info.name, "cpu");
  assert.deepEqual(info.warnings, []);
});
