/**
 * One tiny run on the webgpu backend, end to end (training with a miner, embedding, the
 * evaluation, the saved model), against the same run on the cpu backend. Ignored, with the
 * reason printed once, where Deno finds no WebGPU adapter.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { generateSynthetic } from "../../lib/data/synthetic.ts";
import { resolveConfig, runId } from "../../lib/experiment/config.ts";
import { runExperiment } from "../../lib/experiment/run_experiment.ts";
import { readFloat32, readJsonLines, RUN_FILES } from "../../lib/run/run_folder.ts";
import type { Json } from "../../lib/types.ts";

/** Why there is no WebGPU adapter here, or undefined when there is one. */
async function noAdapter(): Promise<string | undefined> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return "this Deno has no WebGPU (navigator.gpu is undefined)";
  try {
    return (await gpu.requestAdapter()) ? undefined : "navigator.gpu.requestAdapter() gave none";
  } catch (error) {
    return `navigator.gpu.requestAdapter() failed: ${error}`;
  }
}

const skipReason = await noAdapter();
if (skipReason) console.log(`tests/backend/webgpu_test.ts: ignored: ${skipReason}`);

// 4 classes x 4 images of 8x8 (12 train, 4 test): one epoch is one batch of 8, so the
// software adapter finishes in seconds.
const classes = ["pl50", "pne", "p11", "pm20"];
const dataset = generateSynthetic({ classes, perClass: 4, size: 8 });
const config = resolveConfig({
  data: "synthetic",
  imageSize: 8,
  syntheticPerClass: 4,
  epochs: 1,
  dim: 4,
  batchSize: 8,
  samplesPerClass: 2,
  ks: [1, 3],
  loss: { name: "triplet", margin: 0.1 },
  miner: { name: "triplet-margin", type: "semihard", margin: 0.1 },
});

/** Runs the tiny config on `backend` into a fresh folder and reads back what it wrote. */
async function runOn(backend: "cpu" | "webgpu", out: string) {
  const info = await selectBackend(backend);
  await runExperiment(config, { out, backend: info, dataset, claim: false });
  const dir = join(out, runId(config));
  return {
    records: (await readJsonLines(join(dir, RUN_FILES.metrics))).records,
    train: await readFloat32(join(dir, RUN_FILES.trainEmbeddings)),
    test: await readFloat32(join(dir, RUN_FILES.testEmbeddings)),
    weights: await readFloat32(join(dir, RUN_FILES.modelWeights)),
  };
}

function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    assert(d <= tol * (1 + Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

Deno.test({
  name:
    "runExperiment() on webgpu finishes a run that matches the cpu backend's to float tolerance",
  ignore: skipReason !== undefined,
  // The WebGPU device tfjs opens stays open for the process.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "metriclab-webgpu-" });
    try {
      const cpu = await runOn("cpu", join(out, "cpu"));
      const gpu = await runOn("webgpu", join(out, "webgpu"));
      assert.deepEqual(gpu.records.map((r) => r.type), ["epoch", "final"]);
      const loss = (r: { records: Record<string, Json>[] }) => [r.records[0].loss as number];
      assertNear(loss(gpu), loss(cpu), 1e-4, "epoch loss");
      assert.equal(gpu.records[0].minedTuplesPerBatch, cpu.records[0].minedTuplesPerBatch);
      // Forward passes and gradients agree to about 1e-6; Adam then moves every weight by
      // about the learning rate whatever its gradient's size, so a weight whose gradient is
      // ~0 can step either way: allow that (2 lr per step) in the weights, and what it does
      // to the embeddings.
      const steps = Math.max(1, Math.floor(12 / config.batchSize)); // the sampler's count
      assertNear(gpu.weights, cpu.weights, 2 * config.learningRate * steps, "model weights");
      assertNear(gpu.train, cpu.train, 1e-3, "train embeddings");
      assertNear(gpu.test, cpu.test, 1e-3, "test embeddings");
      // The final record: k-NN accuracy, precision@1, MAP@R, NMI, silhouette, hierarchy.
      const [cpuFinal, gpuFinal] = [cpu.records[1], gpu.records[1]];
      const keys = Object.keys(cpuFinal).filter((k) => k !== "type" && k !== "evalSeconds");
      assert.deepEqual(Object.keys(gpuFinal).sort(), [...keys, "type", "evalSeconds"].sort());
      for (const key of keys) {
        assertNear([gpuFinal[key] as number], [cpuFinal[key] as number], 1e-3, key);
      }
    } finally {
      await selectBackend("cpu");
      await Deno.remove(out, { recursive: true });
    }
  },
});
