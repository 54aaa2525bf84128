import assert from "node:assert/strict";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import {
  type DecodeCacheOptions,
  defaultDecodeCacheDir,
  loadFolderDatasetCached,
} from "../../lib/data/decode_cache.ts";
import { loadFolderDataset } from "../../lib/data/folder_dataset.ts";

function png(value: number, size = 4): Uint8Array {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (value + i) % 256;
  return encodePng({ width: size, height: size, data, channels: 3 });
}

/** Writes `files` (relative path -> PNG value, or text for other files) under a new folder. */
async function writeTree(root: string, files: Record<string, number | string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    if (typeof content === "number") await Deno.writeFile(full, png(content));
    else await Deno.writeTextFile(full, content);
  }
}

const POOLED = {
  "cat/0.png": 1,
  "cat/1.png": 2,
  "dog/0.png": 3,
  "dog/1.png": 4,
  "dog/2.png": 5,
  "notes.txt": "not an image",
};

/** Runs `fn` with a fresh dataset folder (holding `files`) and a fresh cache folder. */
async function withFolders(
  files: Record<string, number | string>,
  fn: (root: string, cacheDir: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir();
  const cacheDir = await Deno.makeTempDir();
  try {
    await writeTree(root, files);
    await fn(root, cacheDir);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
}

async function cacheFiles(cacheDir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(cacheDir)) names.push(entry.name);
  return names.sort();
}

const OPTIONS: DecodeCacheOptions = { height: 4, width: 4 };

Deno.test("loadFolderDatasetCached() misses then hits with the loader's exact dataset", async () => {
  await withFolders({ ...POOLED, "dog/broken.png": "garbage" }, async (root, cacheDir) => {
    const expected = await loadFolderDataset(root, OPTIONS);
    assert.equal(expected.warnings.length, 2); // the stray file and the corrupt image
    const first = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    assert.equal(first.cache, "miss");
    assert.equal(first.reason, "absent");
    assert.deepEqual(first.dataset, expected);
    assert.ok(first.file?.startsWith(cacheDir));
    const second = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    assert.equal(second.cache, "hit");
    assert.equal(second.file, first.file);
    assert.equal(second.seconds.decode, 0);
    assert.deepEqual(second.dataset, expected);
    assert.deepEqual(await cacheFiles(cacheDir), [first.file!.slice(cacheDir.length + 1)]);
  });
});

Deno.test("loadFolderDatasetCached() keeps the predefined train/test split", async () => {
  const files = {
    "train/a/0.png": 1,
    "train/b/0.png": 2,
    "test/a/0.png": 3,
    "test/b/0.png": 4,
    "test/c/0.png": 5,
  };
  await withFolders(files, async (root, cacheDir) => {
    const expected = await loadFolderDataset(root, OPTIONS);
    assert.ok(expected.predefinedSplit);
    await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    const hit = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    assert.equal(hit.cache, "hit");
    assert.deepEqual(hit.dataset, expected);
  });
});

Deno.test("loadFolderDatasetCached() keeps another spelling of the root apart", async () => {
  await withFolders(POOLED, async (root, cacheDir) => {
    await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    const other = `${root}/`;
    // The loader's warnings name the root as given: a hit must not borrow another spelling's.
    assert.equal((await loadFolderDatasetCached(other, { ...OPTIONS, cacheDir })).cache, "miss");
    const hit = await loadFolderDatasetCached(other, { ...OPTIONS, cacheDir });
    assert.equal(hit.cache, "hit");
    assert.deepEqual(hit.dataset, await loadFolderDataset(other, OPTIONS));
    assert.equal((await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir })).cache, "hit");
  });
});

Deno.test("loadFolderDatasetCached() rebuilds after a file is touched, added, removed or renamed", async () => {
  await withFolders(POOLED, async (root, cacheDir) => {
    const load = () => loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    await load();
    const changes: [string, () => Promise<void>][] = [
      ["touch", () => Deno.utime(join(root, "cat/0.png"), 1_000_000, 1_000_000)],
      ["rewrite, same size", async () => {
        await Deno.writeFile(join(root, "cat/1.png"), png(9));
        await Deno.utime(join(root, "cat/1.png"), 2_000_000, 2_000_000);
      }],
      ["add", () => Deno.writeFile(join(root, "cat/2.png"), png(7))],
      ["remove", () => Deno.remove(join(root, "dog/2.png"))],
      ["rename", () => Deno.rename(join(root, "dog/1.png"), join(root, "dog/9.png"))],
      ["add a class", () => writeTree(root, { "emu/0.png": 8, "emu/1.png": 9 })],
      ["add a stray file", () => Deno.writeTextFile(join(root, "cat/readme.md"), "x")],
    ];
    for (const [what, change] of changes) {
      await change();
      const miss = await load();
      assert.equal(miss.cache, "miss", what);
      assert.equal(miss.reason, "stale", what);
      assert.deepEqual(miss.dataset, await loadFolderDataset(root, OPTIONS), what);
      const hit = await load();
      assert.equal(hit.cache, "hit", what);
      assert.deepEqual(hit.dataset, miss.dataset, what);
    }
    assert.equal((await cacheFiles(cacheDir)).length, 1);
  });
});

Deno.test("loadFolderDatasetCached() keys on the options that change the output", async () => {
  await withFolders(POOLED, async (root, cacheDir) => {
    await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    const variants: DecodeCacheOptions[] = [
      { height: 8, width: 4 },
      { height: 4, width: 4, channels: 1 },
      { height: 4, width: 4, minPerClass: 3 },
      { height: 4, width: 4, strict: true },
    ];
    for (const variant of variants) {
      const result = await loadFolderDatasetCached(root, { ...variant, cacheDir });
      assert.equal(result.cache, "miss", JSON.stringify(variant));
      assert.deepEqual(result.dataset, await loadFolderDataset(root, variant));
    }
    // Concurrency changes how files are read, not what is loaded.
    const same = await loadFolderDatasetCached(root, { ...OPTIONS, concurrency: 1, cacheDir });
    assert.equal(same.cache, "hit");
  });
});

Deno.test("loadFolderDatasetCached() rebuilds a damaged cache file with a warning", async () => {
  await withFolders(POOLED, async (root, cacheDir) => {
    const expected = await loadFolderDataset(root, OPTIONS);
    const { file } = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    const good = await Deno.readFile(file!);
    const flipped = good.slice();
    flipped[flipped.length - 5] ^= 0xff; // a pixel byte: only the checksum notices
    const damages: [string, Uint8Array, RegExp][] = [
      ["garbage", new TextEncoder().encode("not a cache file"), /not a metriclab cache file/],
      ["truncated", good.subarray(0, good.length - 10), /truncated|bytes, expected/],
      ["truncated header", good.subarray(0, 40), /truncated/],
      ["flipped pixel", flipped, /checksum/],
      ["empty", new Uint8Array(0), /truncated/],
    ];
    for (const [what, bytes, reason] of damages) {
      await Deno.writeFile(file!, bytes);
      const rebuilt = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
      assert.equal(rebuilt.cache, "miss", what);
      assert.equal(rebuilt.reason, "corrupt", what);
      const warning = rebuilt.dataset.warnings.at(-1)!;
      assert.match(warning, /^Ignored the damaged decode cache file/, what);
      assert.match(warning, reason, what);
      assert.deepEqual(rebuilt.dataset.images, expected.images, what);
      const hit = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
      assert.equal(hit.cache, "hit", what);
      // The cache warning is about that run only: the hit carries the loader's warnings.
      assert.deepEqual(hit.dataset, expected, what);
    }
  });
});

Deno.test("loadFolderDatasetCached() with cacheDir false decodes and writes nothing", async () => {
  await withFolders(POOLED, async (root, cacheDir) => {
    const off = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir: false });
    assert.equal(off.cache, "off");
    assert.equal(off.file, undefined);
    assert.deepEqual(off.dataset, await loadFolderDataset(root, OPTIONS));
    assert.deepEqual(await cacheFiles(cacheDir), []);
  });
});

Deno.test("loadFolderDatasetCached() warns and still loads when the cache cannot be written", async () => {
  await withFolders(POOLED, async (root, cacheDir) => {
    const blocked = join(cacheDir, "file-not-folder");
    await Deno.writeTextFile(blocked, "x");
    const result = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir: blocked });
    assert.equal(result.cache, "miss");
    assert.equal(result.file, undefined);
    assert.match(result.dataset.warnings.at(-1)!, /^Cannot write the decode cache file/);
    assert.deepEqual(result.dataset.images, (await loadFolderDataset(root, OPTIONS)).images);
  });
});

Deno.test("loadFolderDatasetCached() lets concurrent writers finish with one whole file", async () => {
  await withFolders(POOLED, async (root, cacheDir) => {
    const results = await Promise.all(
      Array.from({ length: 4 }, () => loadFolderDatasetCached(root, { ...OPTIONS, cacheDir })),
    );
    // A call may start reading after another renamed its file into place: a hit, then.
    for (const r of results) {
      assert.ok(r.cache === "miss" || r.cache === "hit", r.cache);
      assert.equal(r.file, results[0].file);
      assert.deepEqual(r.dataset, results[0].dataset);
    }
    assert.ok(results.some((r) => r.cache === "miss"));
    const names = await cacheFiles(cacheDir);
    assert.equal(names.length, 1, names.join()); // no temporary file left behind
    const hit = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
    assert.equal(hit.cache, "hit");
    assert.deepEqual(hit.dataset, results[0].dataset);
  });
});

Deno.test("loadFolderDatasetCached() keeps only the most recently used entries", async () => {
  await withFolders(POOLED, async (root, cacheDir) => {
    const load = (height: number) =>
      loadFolderDatasetCached(root, { height, width: 4, cacheDir, maxEntries: 2 });
    const a = await load(4);
    await Deno.utime(a.file!, 1_000, 1_000);
    const b = await load(5);
    await Deno.utime(b.file!, 2_000, 2_000);
    assert.equal((await load(4)).cache, "hit"); // touches a: b is now the oldest
    const c = await load(6);
    const names = await cacheFiles(cacheDir);
    assert.deepEqual(names, [a.file!, c.file!].map((f) => f.slice(cacheDir.length + 1)).sort());
    await assert.rejects(
      () => loadFolderDatasetCached(root, { cacheDir, maxEntries: 0 }),
      RangeError,
    );
  });
});

Deno.test("loadFolderDatasetCached() throws the loader's error for a missing folder", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => loadFolderDatasetCached(join(cacheDir, "absent"), { cacheDir }),
      Deno.errors.NotFound,
    );
    assert.deepEqual(await cacheFiles(cacheDir), []);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("defaultDecodeCacheDir() prefers METRICLAB_CACHE_DIR, then XDG_CACHE_HOME, then HOME", () => {
  const names = ["METRICLAB_CACHE_DIR", "XDG_CACHE_HOME", "HOME"];
  const saved = names.map((name) => Deno.env.get(name));
  try {
    Deno.env.set("METRICLAB_CACHE_DIR", "/m");
    Deno.env.set("XDG_CACHE_HOME", "/x");
    Deno.env.set("HOME", "/h");
    assert.equal(defaultDecodeCacheDir(), "/m/decoded");
    Deno.env.delete("METRICLAB_CACHE_DIR");
    assert.equal(defaultDecodeCacheDir(), "/x/metriclab/decoded");
    Deno.env.delete("XDG_CACHE_HOME");
    assert.equal(defaultDecodeCacheDir(), "/h/.cache/metriclab/decoded");
  } finally {
    names.forEach((name, i) => {
      if (saved[i] === undefined) Deno.env.delete(name);
      else Deno.env.set(name, saved[i]!);
    });
  }
});

Deno.test("loadFolderDatasetCached() caches linked images and keys on the link's target", async () => {
  await withFolders(
    { "cat/0.png": 1, "cat/1.png": 2, "dog/0.png": 3, "dog/1.png": 4 },
    async (real, cacheDir) => {
      const root = await Deno.makeTempDir();
      try {
        for (const c of ["cat", "dog"]) {
          await Deno.mkdir(join(root, c));
          for (const f of ["0.png", "1.png"]) {
            await Deno.symlink(
              join(real, c, f),
              join(root, c, f),
            );
          }
        }
        await Deno.symlink(join(real, "cat"), join(root, "cat-too"));
        const first = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
        assert.equal(first.cache, "miss");
        assert.deepEqual(first.dataset.classNames, ["cat", "cat-too", "dog"]);
        assert.deepEqual(first.dataset.warnings, []);
        assert.equal((await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir })).cache, "hit");
        // The link now points to another image: the cache sees the new target.
        await Deno.writeFile(join(real, "other.png"), png(99));
        await Deno.remove(join(root, "dog", "1.png"));
        await Deno.symlink(join(real, "other.png"), join(root, "dog", "1.png"));
        const third = await loadFolderDatasetCached(root, { ...OPTIONS, cacheDir });
        assert.equal(third.cache, "miss");
        assert.equal(third.reason, "stale");
        assert.deepEqual(third.dataset, await loadFolderDataset(root, OPTIONS));
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    },
  );
});
