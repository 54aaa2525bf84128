import assert from "node:assert/strict";
import { join } from "node:path";
import { writeRunArtefacts } from "../../lib/run/artefacts.ts";
import { readFloat32, RUN_FILES } from "../../lib/run/run_folder.ts";

const artefacts = {
  dim: 2,
  classNames: ["a", "b"],
  trainIndices: Int32Array.from([0, 2]),
  testIndices: Int32Array.from([1]),
  trainLabels: Int32Array.from([0, 1]),
  testLabels: Int32Array.from([1]),
  trainEmbeddings: Float32Array.from([1, 2, 3, 4]),
  testEmbeddings: Float32Array.from([5, 6]),
  model: { manifest: { format: "m" }, weights: Float32Array.from([7, 8]) },
};

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "metriclab-artefacts-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const readJson = async (path: string) => JSON.parse(await Deno.readTextFile(path));

Deno.test("writeRunArtefacts() writes the embeddings, their metadata and the model", async () => {
  await withTempDir(async (dir) => {
    await writeRunArtefacts(dir, artefacts);
    assert.deepEqual(
      [...await readFloat32(join(dir, RUN_FILES.trainEmbeddings))],
      [1, 2, 3, 4],
    );
    assert.deepEqual([...await readFloat32(join(dir, RUN_FILES.testEmbeddings))], [5, 6]);
    assert.deepEqual(await readJson(join(dir, RUN_FILES.embeddingsMeta)), {
      dim: 2,
      dtype: "float32-le",
      classNames: ["a", "b"],
      trainIndices: [0, 2],
      trainLabels: [0, 1],
      testIndices: [1],
      testLabels: [1],
    });
    assert.deepEqual(await readJson(join(dir, RUN_FILES.modelManifest)), { format: "m" });
    assert.deepEqual([...await readFloat32(join(dir, RUN_FILES.modelWeights))], [7, 8]);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.equal(names.includes(RUN_FILES.lossManifest), false);
    assert.equal(names.includes(RUN_FILES.lossWeights), false);
  });
});

Deno.test("writeRunArtefacts() writes the loss weights, concatenated, with their shapes", async () => {
  await withTempDir(async (dir) => {
    await writeRunArtefacts(dir, {
      ...artefacts,
      lossWeights: {
        loss: { name: "arcface" },
        variables: [
          { shape: [1, 2], values: Float32Array.from([1, 2]) },
          { shape: [1], values: Float32Array.from([3]) },
        ],
      },
    });
    assert.deepEqual(await readJson(join(dir, RUN_FILES.lossManifest)), {
      loss: { name: "arcface" },
      weights: [{ shape: [1, 2] }, { shape: [1] }],
    });
    assert.deepEqual([...await readFloat32(join(dir, RUN_FILES.lossWeights))], [1, 2, 3]);
  });
});
