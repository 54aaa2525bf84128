import assert from "node:assert/strict";
import { join } from "node:path";
import {
  appendJsonLine,
  asDiskWriteError,
  clearRunFolder,
  DiskWriteError,
  injectWriteFault,
  inspectRunFolder,
  isFinishedRun,
  readFloat32,
  readJsonLines,
  readRunCheckpoint,
  removeRunCheckpoint,
  removeTemporaryFiles,
  repairJsonLines,
  RUN_FILES,
  type RunCheckpoint,
  writeFileAtomic,
  writeFloat32,
  writeJsonAtomic,
  writeRunCheckpoint,
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

// Fuzzing helpers (issue 7); an import may stand anywhere at the top level of a module.
import { fuzz, fuzzCases } from "../data/_fuzz.ts";

Deno.test("readJsonLines() rejects a line that is JSON but not an object, naming it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/metrics.jsonl`;
    for (const middle of ["null", "[1]", "3", '"epoch"']) {
      await Deno.writeTextFile(path, `{"epoch":1}\n${middle}\n{"epoch":3}\n`);
      await assert.rejects(() => readJsonLines(path), {
        name: "SyntaxError",
        message: `Cannot read "${path}": line 2 is not a JSON object`,
      });
    }
    await Deno.writeTextFile(path, '{"epoch":1}\nnull\n');
    const { records, warnings } = await readJsonLines(path);
    assert.deepEqual(records, [{ epoch: 1 }]);
    assert.match(warnings[0], /truncated last line 2/);
  });
});

Deno.test("readJsonLines() fuzzed: 300 random, truncated and bit-flipped files give objects or a SyntaxError", async () => {
  const seed = new TextEncoder().encode(
    [
      { type: "epoch", epoch: 1, loss: 0.5, seconds: 1.25, imagesPerSecond: 80 },
      { type: "epoch", epoch: 2, loss: 0.25, minedTuplesPerBatch: 12 },
      { type: "final", testKnnAccuracy1: 0.75, nmi: null, note: "é\n" },
    ].map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
  await withTempDir(async (dir) => {
    const path = `${dir}/fuzz.jsonl`;
    const { ok, failed } = await fuzz(
      fuzzCases([seed], 300, 3),
      path,
      async (c) => {
        await Deno.writeFile(path, c.bytes);
        return await readJsonLines(path);
      },
      ({ records, warnings }) => {
        for (const r of records) assert.ok(r && typeof r === "object" && !Array.isArray(r));
        assert.ok(warnings.every((w) => w.includes(path)));
      },
    );
    assert.ok(ok > 50 && failed > 50, `${ok} read, ${failed} failed`);
  });
});

function checkpointAt(epoch: number): RunCheckpoint {
  return {
    epoch,
    state: { step: epoch * 3, records: [{ type: "epoch", epoch }] },
    arrays: [
      { name: "net/a", shape: [2, 2], values: new Float32Array([1, 2, 3, epoch]) },
      { name: "adam/m/0", shape: [3], values: new Float32Array([0.1, -0.5, 1e-30]) },
      { name: "empty", shape: [0], values: new Float32Array(0) },
    ],
  };
}

Deno.test("writeRunCheckpoint() and readRunCheckpoint() round-trip, keeping one bin file", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await readRunCheckpoint(dir), undefined);
    await writeRunCheckpoint(dir, checkpointAt(1));
    await writeRunCheckpoint(dir, checkpointAt(2));
    assert.deepEqual(await readRunCheckpoint(dir), checkpointAt(2));
    assert.deepEqual(await listNames(dir), ["checkpoint-2.bin", "checkpoint.json"]);
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/${RUN_FILES.checkpoint}`));
    assert.equal(meta.epoch, 2);
    assert.equal(meta.weightsFile, "checkpoint-2.bin");
    await assert.rejects(() => writeRunCheckpoint(dir, checkpointAt(-1)), RangeError);
  });
});

Deno.test("writeRunCheckpoint() leaves the older checkpoint whole until the new json lands", async () => {
  await withTempDir(async (dir) => {
    await writeRunCheckpoint(dir, checkpointAt(1));
    // As if killed after the new bin and before the new json: the old pair still reads.
    await writeFloat32(`${dir}/checkpoint-2.bin`, new Float32Array(9));
    assert.deepEqual(await readRunCheckpoint(dir), checkpointAt(1));
    await writeRunCheckpoint(dir, checkpointAt(3));
    assert.deepEqual(await listNames(dir), ["checkpoint-3.bin", "checkpoint.json"]);
  });
});

Deno.test("readRunCheckpoint() names the problem when the files do not agree", async () => {
  await withTempDir(async (dir) => {
    await writeRunCheckpoint(dir, checkpointAt(4));
    await writeFloat32(`${dir}/checkpoint-4.bin`, new Float32Array(3));
    await assert.rejects(() => readRunCheckpoint(dir), {
      name: "SyntaxError",
      message:
        `Cannot read checkpoint "${dir}": checkpoint-4.bin holds 3 floats, checkpoint.json lists 7`,
    });
    await Deno.remove(`${dir}/checkpoint-4.bin`);
    await assert.rejects(() => readRunCheckpoint(dir), { message: /checkpoint-4\.bin not found/ });
    await Deno.writeTextFile(`${dir}/checkpoint.json`, "{");
    await assert.rejects(() => readRunCheckpoint(dir), { message: /not valid JSON/ });
    await Deno.writeTextFile(`${dir}/checkpoint.json`, '{"epoch": 1}');
    await assert.rejects(() => readRunCheckpoint(dir), { message: /not a metriclab-checkpoint/ });
  });
});

Deno.test("removeRunCheckpoint() removes the json and every bin, and tolerates none", async () => {
  await withTempDir(async (dir) => {
    await writeRunCheckpoint(dir, checkpointAt(1));
    await writeFloat32(`${dir}/checkpoint-7.bin`, new Float32Array(1));
    await Deno.writeTextFile(`${dir}/summary.json`, "{}");
    await removeRunCheckpoint(dir);
    assert.deepEqual(await listNames(dir), ["summary.json"]);
    await removeRunCheckpoint(dir);
    await removeRunCheckpoint(`${dir}/missing`);
  });
});

Deno.test("inspectRunFolder() tells absent, incomplete, finished and other folders apart", async () => {
  await withTempDir(async (dir) => {
    assert.deepEqual(await inspectRunFolder(`${dir}/none`, "a"), { status: "absent", id: null });
    await Deno.mkdir(`${dir}/r`);
    assert.deepEqual(await inspectRunFolder(`${dir}/r`, "a"), { status: "absent", id: null });
    // A kill during the first write leaves only a temporary file.
    await Deno.writeTextFile(`${dir}/r/config.json.tmp-123-0a1b2c3d`, "{");
    assert.deepEqual(await inspectRunFolder(`${dir}/r`, "a"), { status: "absent", id: null });
    await Deno.writeTextFile(`${dir}/r/notes.txt`, "mine");
    assert.deepEqual(await inspectRunFolder(`${dir}/r`, "a"), { status: "other", id: null });
    await writeJsonAtomic(`${dir}/r/config.json`, { id: "a" });
    assert.deepEqual(await inspectRunFolder(`${dir}/r`, "a"), { status: "incomplete", id: "a" });
    assert.deepEqual(await inspectRunFolder(`${dir}/r`, "b"), { status: "other", id: "a" });
    await writeJsonAtomic(`${dir}/r/summary.json`, {});
    assert.deepEqual(await inspectRunFolder(`${dir}/r`, "a"), { status: "finished", id: "a" });
    await Deno.writeTextFile(`${dir}/r/config.json`, "{ broken");
    assert.deepEqual(await inspectRunFolder(`${dir}/r`, "a"), { status: "other", id: null });
  });
});

Deno.test("repairJsonLines() cuts a torn last line so that appends can go on", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/m.jsonl`;
    assert.deepEqual(await repairJsonLines(path), { records: [], warnings: [] });
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
    await appendJsonLine(path, { epoch: 1 });
    const intact = await repairJsonLines(path);
    assert.deepEqual(intact, { records: [{ epoch: 1 }], warnings: [] });
    await Deno.writeTextFile(path, '{"epoch":2', { append: true });
    const torn = await repairJsonLines(path);
    assert.deepEqual(torn.records, [{ epoch: 1 }]);
    assert.equal(torn.warnings.length, 1);
    assert.equal(await Deno.readTextFile(path), '{"epoch":1}\n');
    // A whole last line whose newline was cut off is kept and ended.
    await Deno.writeTextFile(path, '{"epoch":2}', { append: true });
    const unended = await repairJsonLines(path);
    assert.deepEqual(unended.records, [{ epoch: 1 }, { epoch: 2 }]);
    assert.match(unended.warnings[0], /newline was cut off/);
    await appendJsonLine(path, { epoch: 3 });
    assert.equal((await readJsonLines(path)).records.length, 3);
  });
});

Deno.test("removeTemporaryFiles() removes what a killed atomic write leaves, and only that", async () => {
  await withTempDir(async (dir) => {
    await writeJsonAtomic(`${dir}/config.json`, {});
    await Deno.mkdir(`${dir}/embeddings`);
    await Deno.writeTextFile(`${dir}/embeddings/train.f32.tmp-41-0123abcd`, "x");
    await Deno.writeTextFile(`${dir}/checkpoint-3.bin.tmp-7-ffffffff`, "x");
    await Deno.writeTextFile(`${dir}/notes.tmp`, "x");
    const removed = await removeTemporaryFiles(dir);
    assert.deepEqual(removed.sort(), [
      `${dir}/checkpoint-3.bin.tmp-7-ffffffff`,
      `${dir}/embeddings/train.f32.tmp-41-0123abcd`,
    ]);
    assert.deepEqual(await listNames(dir), ["config.json", "embeddings", "notes.tmp"]);
    assert.deepEqual(await removeTemporaryFiles(`${dir}/missing`), []);
  });
});

Deno.test("inspectRunFolder() and clearRunFolder() leave a claim alone: a folder with only one is free", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, RUN_FILES.lock), "{}");
  await Deno.writeTextFile(join(dir, `${RUN_FILES.lock}.takeover-abc-1`), "");
  assert.equal((await inspectRunFolder(dir, "a")).status, "absent");
  await writeJsonAtomic(join(dir, RUN_FILES.config), { id: "a" });
  await Deno.mkdir(join(dir, "model"));
  assert.equal((await inspectRunFolder(dir, "a")).status, "incomplete");
  await clearRunFolder(dir);
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(left, [RUN_FILES.lock, `${RUN_FILES.lock}.takeover-abc-1`]);
});

Deno.test("writeRunCheckpoint() on a full disk throws a DiskWriteError naming the file and keeps the last checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  const arrays = (v: number) => [{ name: "w", shape: [2], values: new Float32Array([v, v]) }];
  await writeRunCheckpoint(dir, { epoch: 1, state: {}, arrays: arrays(1) });
  injectWriteFault((path) =>
    path.endsWith("checkpoint-2.bin")
      ? Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" })
      : undefined
  );
  try {
    const error = await writeRunCheckpoint(dir, { epoch: 2, state: {}, arrays: arrays(2) })
      .then(() => undefined, (e) => e);
    assert(error instanceof DiskWriteError);
    assert.equal(
      error.message,
      `Cannot write "${join(dir, "checkpoint-2.bin")}": no space left on device`,
    );
    assert.equal(error.remedy, "free space");
  } finally {
    injectWriteFault(undefined);
  }
  const back = await readRunCheckpoint(dir);
  assert.equal(back?.epoch, 1);
  assert.deepEqual([...back!.arrays[0].values], [1, 1]);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "checkpoint-1.bin",
    "checkpoint.json",
  ]);
});

Deno.test("asDiskWriteError() recognises a full disk, a quota, a read-only or unwritable folder, and nothing else", () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  assert.match(asDiskWriteError(coded("EDQUOT"), "f")!.message, /disk quota exceeded$/);
  assert.match(asDiskWriteError(coded("EROFS"), "f")!.message, /read-only file system$/);
  const denied = asDiskWriteError(new Deno.errors.PermissionDenied("x"), "f")!;
  assert.equal(denied.message, 'Cannot write "f": permission denied');
  assert.equal(denied.remedy, "make it writable");
  assert.equal(asDiskWriteError(coded("EIO"), "f"), undefined);
  assert.equal(asDiskWriteError(new Error("other"), "f"), undefined);
});
