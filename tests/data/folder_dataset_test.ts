import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import { loadFolderDataset } from "../../lib/data/folder_dataset.ts";

const TT100K = new URL("../../../shared/data/tt100k-mini", import.meta.url).pathname;
const hasTt100k = (() => {
  try {
    return Deno.statSync(TT100K).isDirectory;
  } catch {
    return false;
  }
})();

/** A file tree: path -> contents ("png:WxHxC:value", "jpg:WxH:value", or plain text). */
async function withTree(
  files: Record<string, string>,
  fn: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    for (const [path, spec] of Object.entries(files)) {
      const full = `${root}/${path}`;
      await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
      if (path.endsWith("/")) continue;
      const [kind, shape, value] = spec.split(":");
      const [width, height, channels = 3] = (shape ?? "").split("x").map(Number);
      let bytes: Uint8Array;
      if (kind === "png") {
        const data = new Uint8Array(width * height * channels).fill(Number(value));
        bytes = encodePng({ width, height, data, channels });
      } else if (kind === "jpg") {
        const data = new Uint8Array(width * height * 4).fill(Number(value));
        bytes = new Uint8Array(jpeg.encode({ width, height, data }, 95).data);
      } else {
        bytes = new TextEncoder().encode(spec);
      }
      await Deno.writeFile(full, bytes);
    }
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("loadFolderDataset() loads mixed sizes and formats in natural order", async () => {
  await withTree({
    "c10/img10.png": "png:4x4x3:10",
    "c10/img2.png": "png:8x8x1:20",
    "c2/a.jpg": "jpg:16x16:200",
    "c2/b.jpeg": "png:4x4x4:0", // a PNG named .jpeg, fully transparent: white
    "c2/c.PNG": "png:2x2x3:30",
  }, async (root) => {
    const data = await loadFolderDataset(root, { height: 6, width: 5 });
    assert.deepEqual(data.classNames, ["c2", "c10"]);
    assert.deepEqual([data.height, data.width, data.channels], [6, 5, 3]);
    assert.equal(data.images.length, 5 * 6 * 5 * 3);
    assert.deepEqual([...data.labels], [0, 0, 0, 1, 1]);
    assert.deepEqual(data.files!.map((f) => f.slice(root.length + 1)), [
      "c2/a.jpg",
      "c2/b.jpeg",
      "c2/c.PNG",
      "c10/img2.png",
      "c10/img10.png",
    ]);
    const pixel = (sample: number) => [...data.images.subarray(sample * 90, sample * 90 + 3)];
    assert.ok(pixel(0).every((v) => Math.abs(v - 200) <= 2), `jpeg ${pixel(0)}`);
    assert.deepEqual(pixel(1), [255, 255, 255]);
    assert.deepEqual(pixel(3), [20, 20, 20]);
    assert.deepEqual(pixel(4), [10, 10, 10]);
    assert.deepEqual(data.warnings, [
      "Images of mixed sizes or channels: 4 of 5 differ from the most common 2x2 RGB " +
      "(4x4 RGB: 1, 4x4 RGBA: 1, 8x8 grey: 1, 16x16 RGB: 1); all were resized and converted " +
      "to 5x6 RGB",
    ]);
    assert.equal(data.predefinedSplit, undefined);
    assert.equal(data.source, root);

    const grey = await loadFolderDataset(root, { height: 2, width: 2, channels: 1 });
    assert.equal(grey.channels, 1);
    assert.equal(grey.images.length, 5 * 4);
  });
});

Deno.test("loadFolderDataset() is deterministic whatever the concurrency", async () => {
  const files: Record<string, string> = {};
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 6; i++) files[`k${c}/${i}.png`] = `png:${3 + i}x4x3:${c * 60 + i}`;
  }
  await withTree(files, async (root) => {
    const a = await loadFolderDataset(root, { height: 4, width: 4, concurrency: 1 });
    const b = await loadFolderDataset(root, { height: 4, width: 4, concurrency: 7 });
    assert.deepEqual(a, b);
  });
});

Deno.test("loadFolderDataset() skips stray files, corrupt images and small classes with warnings", async () => {
  await withTree({
    "README.md": "about",
    "big/1.png": "png:2x2x3:1",
    "big/2.png": "png:2x2x3:2",
    "big/3.png": "png:2x2x3:3",
    "big/bad.png": "not a png",
    "big/notes.txt": "hello",
    "big/nested/": "",
    "pair/1.png": "png:2x2x3:1",
    "pair/2.png": "png:2x2x3:1",
    "single/1.png": "png:2x2x3:1",
    "empty/": "",
    "broken/1.jpg": "jpg-but-not-really",
  }, async (root) => {
    const data = await loadFolderDataset(root, { height: 2, width: 2 });
    assert.deepEqual(data.classNames, ["big", "pair"]);
    assert.equal(data.labels.length, 5);
    assert.deepEqual(data.warnings, [
      `Skipped 3 non-image entries in "${root}"`,
      "Skipped 1 class folder without images: empty",
      `Skipped 2 corrupt images: ${root}/big/bad.png, ${root}/broken/1.jpg`,
      "Dropped 1 class with no readable image: broken",
      "Dropped 1 class with a single image (it cannot be split into train and test): single",
    ]);

    const strict = loadFolderDataset(root, { height: 2, width: 2, strict: true });
    await assert.rejects(() => strict, (error: unknown) =>
      error instanceof SyntaxError &&
      /^Cannot decode image ".*\/(big\/bad\.png|broken\/1\.jpg)": not a PNG or JPEG file$/.test(
        error.message,
      ));

    const min3 = await loadFolderDataset(root, { height: 2, width: 2, minPerClass: 3 });
    assert.deepEqual(min3.classNames, ["big"]);
    assert.ok(
      min3.warnings.includes(
        "Dropped 3 classes with fewer than 3 readable images: broken, pair, single",
      ),
    );

    await assert.rejects(
      () => loadFolderDataset(root, { minPerClass: 4 }),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message ===
          `Cannot read dataset "${root}": no class left after filtering (each needs at least 4 readable images)`,
    );
  });
});

Deno.test("loadFolderDataset() reports paths that are missing, files, or hold no images", async () => {
  await withTree(
    { "file.txt": "x", "empty/": "", "classes/a/": "", "classes/b/x.txt": "x" },
    async (root) => {
      await assert.rejects(
        () => loadFolderDataset(`${root}/nope`),
        (error: unknown) =>
          error instanceof Deno.errors.NotFound &&
          error.message === `Cannot read dataset "${root}/nope": path does not exist`,
      );
      await assert.rejects(
        () => loadFolderDataset(`${root}/file.txt`),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message === `Cannot read dataset "${root}/file.txt": not a directory`,
      );
      for (const dir of ["empty", "classes"]) {
        await assert.rejects(
          () => loadFolderDataset(`${root}/${dir}`),
          (error: unknown) =>
            error instanceof SyntaxError &&
            error.message ===
              `Cannot read dataset "${root}/${dir}": no class folders with images found`,
        );
      }
      await assert.rejects(
        () => loadFolderDataset(root, { channels: 4 as 3 }),
        /Invalid channels 4/,
      );
      await assert.rejects(
        () => loadFolderDataset(root, { minPerClass: 0 }),
        /Invalid minPerClass 0/,
      );
    },
  );
});

Deno.test("loadFolderDataset() reads train/ and test/ folders as a predefined split", async () => {
  await withTree({
    "train/b/1.png": "png:2x2x3:1",
    "train/b/2.png": "png:2x2x3:2",
    "train/a/1.png": "png:2x2x3:3",
    "test/a/9.png": "png:2x2x3:4",
    "test/c/1.png": "png:2x2x3:5",
  }, async (root) => {
    const data = await loadFolderDataset(root, { height: 2, width: 2 });
    assert.deepEqual(data.classNames, ["a", "b", "c"]);
    assert.deepEqual([...data.labels], [0, 1, 1, 0, 2]);
    assert.deepEqual([...data.predefinedSplit!.train], [0, 1, 2]);
    assert.deepEqual([...data.predefinedSplit!.test], [3, 4]);
    assert.deepEqual(data.files!.map((f) => f.slice(root.length + 1)), [
      "train/a/1.png",
      "train/b/1.png",
      "train/b/2.png",
      "test/a/9.png",
      "test/c/1.png",
    ]);
    assert.deepEqual(data.warnings, ["1 class has no training images: c"]);
  });
});

Deno.test({
  name: "loadFolderDataset() loads tt100k-mini: 24 classes, 720 images of 64x64x3",
  ignore: !hasTt100k,
  fn: async () => {
    const data = await loadFolderDataset(TT100K, { minPerClass: 20 });
    assert.equal(data.classNames.length, 24);
    assert.equal(data.labels.length, 720);
    assert.deepEqual([data.height, data.width, data.channels], [64, 64, 3]);
    assert.equal(data.images.length, 720 * 64 * 64 * 3);
    assert.deepEqual(data.warnings, []);
    assert.deepEqual(
      data.classNames.filter((c) => c.startsWith("pl")),
      ["pl20", "pl30", "pl40", "pl50", "pl60", "pl70", "pl80", "pl100", "pl120"],
    );
    const perClass = new Array(24).fill(0);
    for (const label of data.labels) perClass[label]++;
    assert.ok(perClass.every((n) => n === 30));
  },
});

Deno.test("loadFolderDataset() brings stray sizes and channel counts to one shape with a warning counting them", async () => {
  const files: Record<string, string> = {};
  for (const c of ["a", "b"]) {
    for (let i = 0; i < 4; i++) files[`${c}/${i}.png`] = `png:64x64x3:${40 * i}`;
  }
  files["a/small.png"] = "png:32x32x1:128";
  files["b/alpha.png"] = "png:64x64x4:0";
  files["b/photo.jpg"] = "jpg:100x80:200";
  await withTree(files, async (root) => {
    const data = await loadFolderDataset(root);
    assert.deepEqual([data.height, data.width, data.channels], [64, 64, 3]);
    assert.equal(data.labels.length, 11);
    assert.equal(data.images.length, 11 * 64 * 64 * 3);
    assert.deepEqual(data.warnings, [
      "Images of mixed sizes or channels: 3 of 11 differ from the most common 64x64 RGB " +
      "(32x32 grey: 1, 64x64 RGBA: 1, 100x80 RGB: 1); all were resized and converted to " +
      "64x64 RGB",
    ]);
    // The grey image is replicated to RGB, the transparent one composited on white.
    const pixel = (path: string) => {
      const k = data.files!.indexOf(`${root}/${path}`);
      return [...data.images.subarray(k * 64 * 64 * 3, k * 64 * 64 * 3 + 3)];
    };
    assert.deepEqual(pixel("a/small.png"), [128, 128, 128]);
    assert.deepEqual(pixel("b/alpha.png"), [255, 255, 255]);
    // One shape for all, even if resized, says nothing.
    const uniform = await loadFolderDataset(root, { height: 16, width: 16 });
    assert.equal(uniform.warnings.length, 1);
    await Deno.remove(`${root}/a/small.png`);
    await Deno.remove(`${root}/b/alpha.png`);
    await Deno.remove(`${root}/b/photo.jpg`);
    assert.deepEqual((await loadFolderDataset(root, { height: 16, width: 16 })).warnings, []);
  });
});

Deno.test("loadFolderDataset() follows linked class folders and images, and names each broken link once", async () => {
  await withTree({
    "real/c1/a.png": "png:4x4x3:10",
    "real/c1/b.png": "png:4x4x3:20",
    "real/c2/a.png": "png:4x4x3:30",
    "real/c2/b.png": "png:4x4x3:40",
  }, async (root) => {
    const real = await loadFolderDataset(`${root}/real`, { height: 4, width: 4 });
    // A folder of linked class folders, one of real folders of linked images.
    await Deno.mkdir(`${root}/folders`);
    for (const c of ["c1", "c2"]) await Deno.symlink(`${root}/real/${c}`, `${root}/folders/${c}`);
    for (const c of ["c1", "c2"]) {
      await Deno.mkdir(`${root}/files/${c}`, { recursive: true });
      for (const f of ["a.png", "b.png"]) {
        await Deno.symlink(`../../real/${c}/${f}`, `${root}/files/${c}/${f}`);
      }
    }
    for (const name of ["folders", "files"]) {
      const data = await loadFolderDataset(`${root}/${name}`, { height: 4, width: 4 });
      assert.deepEqual(data.warnings, [], name);
      assert.deepEqual(data.classNames, real.classNames);
      assert.deepEqual(data.labels, real.labels);
      assert.deepEqual(data.images, real.images);
    }
    // A dangling link and a link loop: skipped, each named once.
    await Deno.symlink(`${root}/nowhere.png`, `${root}/files/c1/gone.png`);
    await Deno.symlink(`${root}/files/loop-b`, `${root}/files/loop-a`);
    await Deno.symlink(`${root}/files/loop-a`, `${root}/files/loop-b`);
    const data = await loadFolderDataset(`${root}/files`, { height: 4, width: 4 });
    assert.deepEqual(data.images, real.images);
    assert.deepEqual(data.warnings, [
      `Skipped 3 broken symbolic links: ${root}/files/c1/gone.png (dangling), ` +
      `${root}/files/loop-a (a link loop), ${root}/files/loop-b (a link loop)`,
    ]);
  });
});
