import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { FASHION_MNIST_DIR, loadIdxDataset, readIdx } from "../../lib/data/idx.ts";
import { fuzz, fuzzCases } from "./_fuzz.ts";

function idx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 8, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

const hasFashion = (() => {
  try {
    return Deno.statSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`).isFile;
  } catch {
    return false;
  }
})();

/** Writes a 2x3-pixel IDX dataset: 3 training and 2 test samples. */
async function writeTinyIdx(dir: string, gzip: boolean, testLabels = [4, 1]): Promise<void> {
  const files: Record<string, Uint8Array> = {
    "train-images-idx3-ubyte": idx([3, 2, 3], Array.from({ length: 18 }, (_, i) => i)),
    "train-labels-idx1-ubyte": idx([3], [0, 1, 2]),
    "t10k-images-idx3-ubyte": idx([2, 2, 3], Array.from({ length: 12 }, (_, i) => 100 + i)),
    "t10k-labels-idx1-ubyte": idx([testLabels.length], testLabels),
  };
  for (const [name, bytes] of Object.entries(files)) {
    await Deno.writeFile(`${dir}/${name}${gzip ? ".gz" : ""}`, gzip ? gzipSync(bytes) : bytes);
  }
}

Deno.test("readIdx() reads plain and gzipped IDX files", () => {
  const bytes = idx([2, 2], [1, 2, 3, 4]);
  for (const input of [bytes, new Uint8Array(gzipSync(bytes))]) {
    const { dims, data } = readIdx(input, "x");
    assert.deepEqual(dims, [2, 2]);
    assert.deepEqual([...data], [1, 2, 3, 4]);
  }
});

Deno.test("readIdx() rejects bad magic, types and lengths, naming the file", () => {
  const bytes = idx([2, 3], [1, 2, 3, 4, 5, 6]);
  assert.throws(
    () => readIdx(bytes.subarray(0, bytes.length - 2), "cut-idx2"),
    (error: unknown) =>
      error instanceof SyntaxError &&
      error.message ===
        'Cannot read IDX file "cut-idx2": truncated: dims 2x3 need 18 bytes, the file has 16',
  );
  const long = new Uint8Array(bytes.length + 1);
  long.set(bytes);
  assert.throws(() => readIdx(long, "long"), /too long: dims 2x3 need 18 bytes, the file has 19/);
  const float = bytes.slice();
  float[2] = 0x0d;
  assert.throws(() => readIdx(float, "f"), /data type 0x0d is not supported/);
  assert.throws(() => readIdx(new Uint8Array([1, 2, 8, 1]), "m"), /bad magic number/);
  assert.throws(() => readIdx(bytes.subarray(0, 6), "h"), /truncated header/);
  assert.throws(() => readIdx(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), "z.gz"), /corrupt gzip/);
});

Deno.test("loadIdxDataset() concatenates train then test with a predefined split", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const gzip of [false, true]) {
      await writeTinyIdx(dir, gzip);
      const data = await loadIdxDataset(dir);
      assert.deepEqual([data.height, data.width, data.channels], [2, 3, 1]);
      assert.deepEqual([...data.labels], [0, 1, 2, 4, 1]);
      assert.deepEqual([...data.predefinedSplit!.train], [0, 1, 2]);
      assert.deepEqual([...data.predefinedSplit!.test], [3, 4]);
      assert.equal(data.images.length, 5 * 6);
      assert.equal(data.images[18], 100);
      assert.deepEqual(data.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
      for (const f of await Array.fromAsync(Deno.readDir(dir))) {
        await Deno.remove(`${dir}/${f.name}`);
      }
    }
    await writeTinyIdx(dir, true);
    const limited = await loadIdxDataset(dir, { limit: { train: 1, test: 0 } });
    assert.deepEqual([...limited.labels], [0]);
    assert.equal(limited.images.length, 6);
    assert.equal(limited.predefinedSplit!.test.length, 0);
    const named = await loadIdxDataset(dir, { classNames: ["a", "b", "c", "d", "e"] });
    assert.equal(named.classNames[named.labels[3]], "e");
    await assert.rejects(
      () => loadIdxDataset(dir, { classNames: ["a", "b"] }),
      /label 4 has no class name/,
    );
    await assert.rejects(() => loadIdxDataset(dir, { limit: { train: -1 } }), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadIdxDataset() reports missing files and mismatched counts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => loadIdxDataset(dir),
      (error: unknown) =>
        error instanceof Deno.errors.NotFound &&
        error.message ===
          `Cannot read IDX dataset "${dir}": missing train-images-idx3-ubyte (or train-images-idx3-ubyte.gz)`,
    );
    await writeTinyIdx(dir, false, [1, 2, 3]);
    await assert.rejects(() => loadIdxDataset(dir), /2 t10k images but 3 t10k labels/);
    await assert.rejects(() => loadIdxDataset(`${dir}/nope`), /path does not exist/);
    await assert.rejects(() => loadIdxDataset(`${dir}/train-labels-idx1-ubyte`), /not a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "loadIdxDataset() reads the first samples of Fashion-MNIST with its class names",
  ignore: !hasFashion,
  fn: async () => {
    const data = await loadIdxDataset(FASHION_MNIST_DIR, { limit: { train: 200, test: 50 } });
    assert.deepEqual([data.height, data.width, data.channels], [28, 28, 1]);
    assert.equal(data.labels.length, 250);
    assert.equal(data.images.length, 250 * 28 * 28);
    assert.equal(data.classNames.length, 10);
    assert.equal(data.classNames[9], "Ankle boot");
    // The first training image of Fashion-MNIST is an ankle boot, the first test one too.
    assert.equal(data.labels[0], 9);
    assert.equal(data.labels[200], 9);
    assert.equal(new Set(data.labels).size, 10);
  },
});

Deno.test("loadIdxDataset() names a truncated file and rejects empty images", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeTinyIdx(dir, false);
    const path = `${dir}/train-images-idx3-ubyte`;
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 5));
    await assert.rejects(
      () => loadIdxDataset(dir),
      (error: unknown) =>
        error instanceof SyntaxError &&
        error.message ===
          `Cannot read IDX file "${path}": truncated: dims 3x2x3 need 34 bytes, the file has 29`,
    );
    // A truncated gzip stream, too.
    await Deno.remove(path);
    await Deno.writeFile(`${path}.gz`, gzipSync(bytes).subarray(0, 20));
    await assert.rejects(() => loadIdxDataset(dir), {
      name: "SyntaxError",
      message: new RegExp(`^Cannot read IDX file "${path}\\.gz": corrupt gzip data`),
    });
    await Deno.remove(`${path}.gz`);
    await Deno.writeFile(path, idx([3, 0, 3], []));
    await assert.rejects(() => loadIdxDataset(dir), /train images are 0x3 pixels/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readIdx() fuzzed: 600 random, truncated and bit-flipped files fail cleanly", async () => {
  const seeds = [
    idx([3, 2, 3], Array.from({ length: 18 }, (_, i) => i * 13)),
    idx([5], [0, 1, 2, 3, 4]),
    new Uint8Array(gzipSync(idx([2, 4, 4], Array.from({ length: 32 }, (_, i) => i)))),
  ];
  const { ok, failed } = await fuzz(
    fuzzCases(seeds, 600, 5),
    '"fuzz-idx"',
    (c) => readIdx(c.bytes, "fuzz-idx"),
    ({ dims, data }, c) => {
      assert.equal(data.length, dims.reduce((a, b) => a * b, 1));
      assert.ok(data.length <= c.bytes.length, `case ${c.index}: ${data.length} values`);
    },
  );
  assert.ok(failed > 300 && ok > 0, `${ok} read, ${failed} failed`);
});
