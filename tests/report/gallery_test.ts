import assert from "node:assert/strict";
import { decode } from "fast-png";
import { Buffer } from "node:buffer";
import { loadData } from "../../lib/experiment/load_data.ts";
import type { ExperimentConfig } from "../../lib/experiment/config.ts";
import { buildGallery, sampleDataUri } from "../../lib/report/gallery.ts";

const FIXTURE =
  new URL("../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url)
    .pathname;

Deno.test("sampleDataUri() encodes the sample's bytes as a PNG", () => {
  const images = new Uint8Array(2 * 2 * 2 * 3).map((_, i) => i);
  const dataset = {
    source: "x",
    images,
    labels: new Int32Array([0, 1]),
    classNames: ["a", "b"],
    height: 2,
    width: 2,
    channels: 3,
    warnings: [],
  };
  const uri = sampleDataUri(dataset, 1);
  const png = decode(Buffer.from(uri.split(",")[1], "base64"));
  assert.equal(png.width, 2);
  assert.deepEqual(Array.from(png.data), Array.from(images.subarray(12, 24)));
});

Deno.test("buildGallery() shows misclassified test images first with their neighbours", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${FIXTURE}/config.json`));
  const dataset = await loadData(config as ExperimentConfig, { cache: false });
  const gallery = await buildGallery(FIXTURE, dataset, { images: 4, neighbours: 3 });
  assert.equal(gallery.items.length, 4);
  assert.ok(gallery.items.every((i) => i.neighbours.length === 3));
  const wrong = gallery.items.map((i) => i.trueName !== i.predictedName);
  assert.deepEqual(wrong, [...wrong].sort((a, b) => Number(b) - Number(a)), "misclassified first");
  assert.ok(wrong[0], "the fixture has misclassified test images");
  assert.equal(gallery.items[0].predictedName, gallery.items[0].neighbours[0].name);
  assert.match(gallery.note ?? "", /2 of 6 test images are misclassified/);
});

Deno.test("buildGallery() refuses a dataset that does not match the split", async () => {
  const dataset = {
    source: "x",
    images: new Uint8Array(18 * 3),
    labels: new Int32Array(18),
    classNames: ["zz"],
    height: 1,
    width: 1,
    channels: 3,
    warnings: [],
  };
  const gallery = await buildGallery(FIXTURE, dataset);
  assert.equal(gallery.items.length, 0);
  assert.match(gallery.note ?? "", /does not match/);
});
