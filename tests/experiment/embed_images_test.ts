import assert from "node:assert/strict";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { knnVote } from "../../lib/eval/classification.ts";
import { knnSearch } from "../../lib/eval/knn.ts";
import { resolveConfig, runId } from "../../lib/experiment/config.ts";
import { embedImages, expandImagePaths } from "../../lib/experiment/embed_images.ts";
import { readRunEmbeddings } from "../../lib/experiment/evaluate_run.ts";
import { loadData } from "../../lib/experiment/load_data.ts";
import { runExperiment } from "../../lib/experiment/run_experiment.ts";
import * as tf from "../../lib/tf.ts";

const backend = await selectBackend("wasm");

const config = resolveConfig({
  data: "synthetic",
  imageSize: 16,
  syntheticPerClass: 6,
  epochs: 1,
  dim: 4,
  batchSize: 16,
  samplesPerClass: 4,
});

Deno.test("embedImages() predicts test images as the run's own k-NN does", async (t) => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-embed-" });
  try {
    await runExperiment(config, { out, backend });
    const dir = join(out, runId(config));
    const dataset = await loadData(config, { cache: false });
    const saved = await readRunEmbeddings(dir);
    const meta = JSON.parse(await Deno.readTextFile(join(dir, "embeddings/meta.json")));
    const testIndices: number[] = meta.testIndices;

    // Eight test samples as PNG files, in nested folders, plus a non-image and a corrupt PNG.
    const images = join(out, "images");
    await Deno.mkdir(join(images, "sub"), { recursive: true });
    const size = dataset.height * dataset.width * dataset.channels;
    const rowsOfFile = new Map<string, number>();
    for (let row = 0; row < 8; row++) {
      const index = testIndices[row];
      const png = encodePng({
        width: dataset.width,
        height: dataset.height,
        channels: dataset.channels,
        data: dataset.images.slice(index * size, (index + 1) * size),
      });
      const file = join(images, row % 2 ? "sub" : "", `img${row}.png`);
      await Deno.writeFile(file, png);
      rowsOfFile.set(file, row);
    }
    await Deno.writeTextFile(join(images, "notes.txt"), "not an image");
    const corrupt = join(images, "sub", "broken.png");
    await Deno.writeFile(corrupt, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));

    const before = tf.memory().numTensors;
    const { rows, warnings } = await embedImages(dir, [images], { k: 5 });
    assert.equal(tf.memory().numTensors, before, "tensors leaked");

    await t.step("a corrupt image is skipped with a warning naming it", () => {
      assert.equal(warnings.length, 1);
      assert(warnings[0].includes(corrupt), warnings[0]);
      assert.equal(rows.length, 8);
    });

    await t.step("embeddings match the run's saved test embeddings", () => {
      for (const r of rows) {
        const row = rowsOfFile.get(r.file)!;
        assert(row !== undefined, `unexpected file ${r.file}`);
        r.embedding.forEach((v, j) =>
          assert(Math.abs(v - saved.test[row * saved.dim + j]) < 1e-5, `${r.file}[${j}]`)
        );
      }
    });

    await t.step("predictions and neighbours match k-NN on the saved embeddings", () => {
      const reference = { data: saved.train, rows: saved.trainLabels.length, dim: saved.dim };
      const query = { data: saved.test, rows: saved.testLabels.length, dim: saved.dim };
      const found = knnSearch(query, reference, 5);
      const { predictions } = knnVote(found, saved.trainLabels, 5);
      for (const r of rows) {
        const row = rowsOfFile.get(r.file)!;
        assert.equal(r.label, predictions[row], r.file);
        assert.equal(r.predicted, saved.classNames[predictions[row]]);
        assert.equal(r.neighbors.length, 5);
        assert.deepEqual(
          r.neighbors.map((n) => n.index),
          Array.from(found.indices.subarray(row * 5, row * 5 + 5)),
        );
        assert(Math.abs(r.distance - found.distances[row * 5]) < 1e-4);
        for (const n of r.neighbors) {
          assert.equal(n.label, saved.trainLabels[n.index]);
          assert.equal(n.className, saved.classNames[n.label]);
        }
      }
    });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("expandImagePaths() sorts a folder's images recursively and keeps files as given", async () => {
  const dir = await Deno.makeTempDir({ prefix: "metriclab-expand-" });
  try {
    await Deno.mkdir(join(dir, "b"));
    for (const f of ["c.JPG", "a.png", "b/x.jpeg", "b/y.gif", "z.txt"]) {
      await Deno.writeFile(join(dir, f), new Uint8Array());
    }
    assert.deepEqual(await expandImagePaths([dir]), [
      join(dir, "a.png"),
      join(dir, "b/x.jpeg"),
      join(dir, "c.JPG"),
    ]);
    assert.deepEqual(await expandImagePaths([join(dir, "z.txt")]), [join(dir, "z.txt")]);
    await assert.rejects(() => expandImagePaths([join(dir, "nope")]), /Cannot read image/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("embedImages() rejects a run without a model and a bad k", async () => {
  const run = new URL("../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url)
    .pathname;
  await assert.rejects(() => embedImages(run, []), /Cannot load the model of run/);
  await assert.rejects(() => embedImages(run, [], { k: 0 }), RangeError);
});
