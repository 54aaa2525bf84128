import assert from "node:assert/strict";
import {
  appendJsonLine,
  isFinishedRun,
  readFloat32,
  readJsonLines,
  RUN_FILES,
  writeFileAtomic,
  writeFloat32,
  writeJsonAtomic,
} from "../../lib/run/run_folder.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "metriclab-run-folder-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("writeFileAtomic() writes text and bytes, creating folders, leaving no temp files", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/a/b/c.txt`, "hello");
    await writeFileAtomic(`${dir}/a/b/d.bin`, new Uint8Array([1, 2, 255]));
    await writeFileAtomic(`${dir}/a/b/c.txt`, "replaced");
    assert.equal(await Deno.readTextFile(`${dir}/a/b/c.txt`), "replaced");
    assert.deepEqual(await Deno.readFile(`${dir}/a/b/d.bin`), new Uint8Array([1, 2, 255]));
    assert.deepEqual(await listNames(`${dir}/a/b`), ["c.txt", "d.bin"]);
  });
});

Deno.test("writeFileAtomic() removes its temp file when the rename fails", async () => {
  await withTempDir(async (dir) => {
    // The destination is a non-empty folder: the rename fails after the temp file exists.
    await Deno.mkdir(`${dir}/target/inner`, { recursive: true });
    await assert.rejects(() => writeFileAtomic(`${dir}/target`, "x"));
    assert.deepEqual(await listNames(dir), ["target"]);
  });
});

Deno.test("writeJsonAtomic() writes pretty JSON with a final newline", async () => {
  await withTempDir(async (dir) => {
    await writeJsonAtomic(`${dir}/x.json`, { a: 1, b: [true] });
    const text = await Deno.readTextFile(`${dir}/x.json`);
    assert.equal(text, '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
  });
});

Deno.test("appendJsonLine() and readJsonLines() round trip in order", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/m/metrics.jsonl`;
    await appendJsonLine(path, { type: "epoch", epoch: 1, loss: 0.5 });
    await appendJsonLine(path, { type: "epoch", epoch: 2, loss: 0.25 });
    await appendJsonLine(path, { type: "final", note: "a\nb" });
    assert.equal((await Deno.readTextFile(path)).split("\n").length, 4);
    const { records, warnings } = await readJsonLines(path);
    assert.deepEqual(records, [
      { type: "epoch", epoch: 1, loss: 0.5 },
      { type: "epoch", epoch: 2, loss: 0.25 },
      { type: "final", note: "a\nb" },
    ]);
    assert.deepEqual(warnings, []);
  });
});

Deno.test("readJsonLines() skips a truncated last line with a warning", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/metrics.jsonl`;
    await Deno.writeTextFile(path, '{"epoch":1}\n\n{"epoch":2}\n{"epo');
    const { records, warnings } = await readJsonLines(path);
    assert.deepEqual(records, [{ epoch: 1 }, { epoch: 2 }]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /truncated last line 4/);
    assert(warnings[0].includes(path));
    // Trailing blank lines after the truncated one change nothing.
    await Deno.writeTextFile(path, '{"epoch":1}\n{"epo\n\n');
    const again = await readJsonLines(path);
    assert.deepEqual(again.records, [{ epoch: 1 }]);
    assert.equal(again.warnings.length, 1);
  });
});

Deno.test("readJsonLines() throws a SyntaxError on a malformed middle line", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/metrics.jsonl`;
    await Deno.writeTextFile(path, '{"epoch":1}\n{oops\n{"epoch":3}\n');
    await assert.rejects(() => readJsonLines(path), {
      name: "SyntaxError",
      message: `Cannot read "${path}": line 2 is not valid JSON`,
    });
  });
});

Deno.test("readJsonLines() rejects a missing file", async () => {
  await assert.rejects(() => readJsonLines("/nonexistent/metrics.jsonl"), Deno.errors.NotFound);
});

Deno.test("writeFloat32() writes little-endian float32 and readFloat32() reads it back", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/e/x.f32`;
    await writeFloat32(path, new Float32Array([1, -2]));
    // 1.0 = 0x3f800000, -2.0 = 0xc0000000, least significant byte first.
    assert.deepEqual(await Deno.readFile(path), new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]));
    const values = new Float32Array([0, 1.5, -3.25, 1e-30, 3.4e38, Math.PI, -0]);
    await writeFloat32(path, values);
    assert.equal((await Deno.stat(path)).size, values.length * 4);
    const back = await readFloat32(path);
    assert.deepEqual(back, values);
    assert(Object.is(back[6], -0));
    await writeFloat32(path, new Float32Array(0));
    assert.equal((await readFloat32(path)).length, 0);
  });
});

Deno.test("readFloat32() rejects a size that is not a multiple of 4", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/bad.f32`, new Uint8Array(6));
    await assert.rejects(() => readFloat32(`${dir}/bad.f32`), {
      name: "SyntaxError",
      message: /bad\.f32": 6 bytes is not a whole number of float32/,
    });
  });
});

Deno.test("isFinishedRun() is true only when summary.json is a file", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await isFinishedRun(`${dir}/missing`), false);
    assert.equal(await isFinishedRun(dir), false);
    await writeJsonAtomic(`${dir}/${RUN_FILES.config}`, {});
    assert.equal(await isFinishedRun(dir), false);
    await Deno.mkdir(`${dir}/other/${RUN_FILES.summary}`, { recursive: true });
    assert.equal(await isFinishedRun(`${dir}/other`), false);
    await writeJsonAtomic(`${dir}/${RUN_FILES.summary}`, { id: "x" });
    assert.equal(await isFinishedRun(dir), true);
  });
});
