import assert from "node:assert/strict";
import { join } from "node:path";
import { decode as decodePng } from "fast-png";
import { encodeNpy, exportRun } from "../../lib/experiment/export_run.ts";
import { readRunEmbeddings } from "../../lib/experiment/evaluate_run.ts";

const FIXTURE =
  new URL("../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url)
    .pathname;

/** A minimal .npy reader: checks the header layout and returns descr, shape and values. */
function parseNpy(bytes: Uint8Array) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(8, true);
  assert.equal((10 + headerLength) % 64, 0, "header not padded to 64 bytes");
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  assert(header.endsWith("\n"), "header does not end with a newline");
  const m = header.match(
    /^\{'descr': '(<f4|<i4)', 'fortran_order': False, 'shape': \((\d+),(?: (\d+))?\), \} *\n$/,
  );
  assert(m, `bad header ${JSON.stringify(header)}`);
  const shape = m[3] === undefined ? [Number(m[2])] : [Number(m[2]), Number(m[3])];
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 10 + headerLength;
  assert.equal(bytes.length, start + count * 4);
  const values = Array.from(
    { length: count },
    (_, i) =>
      m[1] === "<f4" ? view.getFloat32(start + i * 4, true) : view.getInt32(start + i * 4, true),
  );
  return { descr: m[1], shape, values };
}

Deno.test("encodeNpy() pads the header to 64 bytes for any shape and rejects a wrong shape", () => {
  for (const n of [0, 1, 7, 123456]) {
    const parsed = parseNpy(encodeNpy(new Float32Array(n * 3).fill(1.5), [n, 3]));
    assert.deepEqual(parsed.shape, [n, 3]);
    assert(parsed.values.every((v) => v === 1.5));
  }
  assert.deepEqual(parseNpy(encodeNpy(new Int32Array([-1, 2]), [2])).values, [-1, 2]);
  assert.throws(() => encodeNpy(new Int32Array(3), [2]), RangeError);
});

Deno.test("exportRun() writes projector files that parse back", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-export-" });
  try {
    const e = await readRunEmbeddings(FIXTURE);
    const n = e.trainLabels.length + e.testLabels.length;
    const result = await exportRun(FIXTURE, "projector", { out });
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.files, [
      "tensors.tsv",
      "metadata.tsv",
      "sprite.png",
      "projector_config.json",
      "projector_config.pbtxt",
    ]);
    const tensors = (await Deno.readTextFile(join(out, "tensors.tsv"))).trimEnd().split("\n")
      .map((l) => l.split("\t").map(Number));
    assert.equal(tensors.length, n);
    const all = [...e.train, ...e.test];
    tensors.forEach((row, i) => {
      assert.equal(row.length, e.dim);
      row.forEach((v, j) => assert.equal(Math.fround(v), all[i * e.dim + j]));
    });
    const meta = (await Deno.readTextFile(join(out, "metadata.tsv"))).trimEnd().split("\n");
    assert.equal(meta.length, n + 1);
    assert.equal(meta[0], "label\tclass\tsplit");
    const labels = [...e.trainLabels, ...e.testLabels];
    meta.slice(1).forEach((line, i) => {
      const split = i < e.trainLabels.length ? "train" : "test";
      assert.equal(line, `${labels[i]}\t${e.classNames[labels[i]]}\t${split}`);
    });
    // 16x16 images (smaller than 32): 16-pixel thumbnails, ceil(sqrt(18)) = 5 a side.
    const sprite = decodePng(await Deno.readFile(join(out, "sprite.png")));
    assert.equal(sprite.width, Math.ceil(Math.sqrt(n)) * 16);
    assert.equal(sprite.height, Math.ceil(Math.sqrt(n)) * 16);
    const config = JSON.parse(await Deno.readTextFile(join(out, "projector_config.json")));
    assert.equal(config.embeddings[0].tensorPath, "tensors.tsv");
    assert.equal(config.embeddings[0].metadataPath, "metadata.tsv");
    assert.deepEqual(config.embeddings[0].sprite, {
      imagePath: "sprite.png",
      singleImageDim: [16, 16],
    });
    const pbtxt = await Deno.readTextFile(join(out, "projector_config.pbtxt"));
    assert.match(pbtxt, /single_image_dim: 16\n\s+single_image_dim: 16/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("exportRun() skips the sprite with a warning when the data cannot be loaded", async () => {
  const run = await Deno.makeTempDir({ prefix: "metriclab-export-run-" });
  try {
    for (const f of ["split.json", "summary.json", "embeddings/meta.json"]) {
      await Deno.mkdir(join(run, "embeddings"), { recursive: true });
      await Deno.copyFile(join(FIXTURE, f), join(run, f));
    }
    for (const f of ["embeddings/train.f32", "embeddings/test.f32"]) {
      await Deno.copyFile(join(FIXTURE, f), join(run, f));
    }
    const config = JSON.parse(await Deno.readTextFile(join(FIXTURE, "config.json")));
    await Deno.writeTextFile(
      join(run, "config.json"),
      JSON.stringify({ ...config, data: join(run, "missing") }),
    );
    const result = await exportRun(run, "projector");
    assert.equal(result.dir, join(run, "export-projector"));
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0], /^Skipped the sprite image: /);
    assert(!result.files.includes("sprite.png"));
    const config2 = JSON.parse(
      await Deno.readTextFile(join(result.dir, "projector_config.json")),
    );
    assert.equal(config2.embeddings[0].sprite, undefined);
  } finally {
    await Deno.remove(run, { recursive: true });
  }
});

Deno.test("exportRun() writes .npy files whose values round-trip", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-export-" });
  try {
    const e = await readRunEmbeddings(FIXTURE);
    await exportRun(FIXTURE, "npy", { out });
    const read = async (f: string) => parseNpy(await Deno.readFile(join(out, f)));
    const train = await read("train_embeddings.npy");
    assert.equal(train.descr, "<f4");
    assert.deepEqual(train.shape, [e.trainLabels.length, e.dim]);
    assert.deepEqual(train.values, [...e.train]);
    const test = await read("test_embeddings.npy");
    assert.deepEqual(test.shape, [e.testLabels.length, e.dim]);
    assert.deepEqual(test.values, [...e.test]);
    const trainLabels = await read("train_labels.npy");
    assert.equal(trainLabels.descr, "<i4");
    assert.deepEqual(trainLabels.shape, [e.trainLabels.length]);
    assert.deepEqual(trainLabels.values, [...e.trainLabels]);
    assert.deepEqual((await read("test_labels.npy")).values, [...e.testLabels]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("exportRun() writes one csv row per epoch and the flattened test metrics", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-export-" });
  try {
    await exportRun(FIXTURE, "csv", { out });
    const metrics = (await Deno.readTextFile(join(out, "metrics.csv"))).trimEnd().split("\n");
    assert.equal(metrics[0], "epoch,loss,seconds,imagesPerSecond,minedTuplesPerBatch");
    assert.equal(metrics.length - 1, 3, "one row per epoch");
    assert.deepEqual(metrics.slice(1).map((l) => l.split(",")[0]), ["1", "2", "3"]);
    const [header, row, ...rest] = (await Deno.readTextFile(join(out, "summary.csv")))
      .trimEnd().split("\n");
    assert.equal(rest.length, 0);
    const summary = Object.fromEntries(header.split(",").map((k, i) => [k, row.split(",")[i]]));
    assert.equal(summary.id, "synthetic-triplet-semihard-d4-s0-fixture");
    assert.equal(summary["knnAccuracy.1"], "0.667");
    assert.equal(summary["knnAccuracy.5"], "0.833");
    assert.equal(summary.meanAveragePrecisionAtR, "0.59");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("exportRun() rejects a missing run and an unknown format", async () => {
  await assert.rejects(() => exportRun("/nonexistent/run", "npy"), /Cannot export run/);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(() => exportRun(FIXTURE, "xls" as any), RangeError);
});

Deno.test("deno task export prints one error line and exits 1 on a missing run", async () => {
  const task = new URL("../../tasks/export.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", task, "--run", "/nonexistent/run", "--format", "csv"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 1);
  assert.equal(new TextDecoder().decode(stdout), "");
  const lines = new TextDecoder().decode(stderr).trimEnd().split("\n");
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^error: Cannot export run/);
});
