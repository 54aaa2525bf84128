import assert from "node:assert/strict";
import { join } from "node:path";
import { decode as decodePng } from "fast-png";
import { makeDecodeBenchFolder, runDecodeBench } from "../../lib/bench/decode_bench.ts";

const TINY = { count: 10, classes: 3, size: 8, sourceDir: "/nonexistent/metriclab-bench" };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listPngs(root: string): Promise<string[]> {
  const paths: string[] = [];
  for await (const cls of Deno.readDir(root)) {
    for await (const file of Deno.readDir(join(root, cls.name))) {
      paths.push(`${cls.name}/${file.name}`);
    }
  }
  return paths.sort();
}

Deno.test("makeDecodeBenchFolder() writes count PNGs over the classes, then reuses them", async () => {
  await withDir(async (dir) => {
    const folder = await makeDecodeBenchFolder(dir, TINY);
    assert.equal(folder.created, true);
    assert.equal(folder.source, "synthetic"); // the source folder is absent
    const paths = await listPngs(folder.root);
    assert.equal(paths.length, 10);
    // 10 over 3 classes: 4, 3, 3.
    assert.deepEqual(
      ["c0", "c1", "c2"].map((c) => paths.filter((p) => p.startsWith(`${c}/`)).length),
      [4, 3, 3],
    );
    const image = decodePng(await Deno.readFile(join(folder.root, paths[0])));
    assert.deepEqual([image.width, image.height, image.channels, image.depth], [8, 8, 3, 8]);
    const again = await makeDecodeBenchFolder(dir, TINY);
    assert.equal(again.created, false);
    assert.equal(again.bytes, folder.bytes);
  });
});

Deno.test("makeDecodeBenchFolder() is deterministic for a seed", async () => {
  await withDir(async (dir) => {
    const a = await makeDecodeBenchFolder(join(dir, "a"), TINY);
    const b = await makeDecodeBenchFolder(join(dir, "b"), TINY);
    const c = await makeDecodeBenchFolder(join(dir, "c"), { ...TINY, seed: 1 });
    const file = "c1/2.png";
    const read = (root: string) => Deno.readFile(join(root, file));
    assert.deepEqual(await read(a.root), await read(b.root));
    assert.notDeepEqual(await read(a.root), await read(c.root));
    await assert.rejects(() => makeDecodeBenchFolder(dir, { count: 2, classes: 3 }), RangeError);
  });
});

Deno.test("runDecodeBench() times a cold decode, a cache write and a warm load", async () => {
  await withDir(async (dir) => {
    const result = await runDecodeBench(dir, TINY);
    assert.equal(result.images, 10);
    assert.equal(result.classes, 3);
    for (const key of ["coldSeconds", "cacheWriteSeconds", "warmSeconds"] as const) {
      assert.ok(result[key] >= 0 && Number.isFinite(result[key]), key);
    }
    // The cache file holds at least the raw pixels.
    assert.ok(result.cacheBytes > 10 * 8 * 8 * 3);
  });
});
