import assert from "node:assert/strict";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { type ExperimentConfig, runId } from "../../lib/experiment/config.ts";
import { expandSweep } from "../../lib/experiment/sweep.ts";
import { runExperiment } from "../../lib/experiment/run_experiment.ts";
import { claimRun, readRunClaim } from "../../lib/run/run_claim.ts";
import { readJsonLines, RUN_FILES } from "../../lib/run/run_folder.ts";
import { ROOT, runTask, spawnTask } from "./_run_task.ts";

const tmp = await Deno.makeTempDir({ prefix: "metriclab-shared-" });
addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));

/** Tiny runs on the cpu backend: 37 classes x 3 images of 8x8. */
const SWEEP = {
  data: "synthetic",
  losses: ["triplet"],
  miners: ["none"],
  dims: [4],
  seeds: [0, 1, 2, 3],
  epochs: 2,
  syntheticPerClass: 3,
  imageSize: 8,
  batchSize: 8,
  samplesPerClass: 2,
  ks: [1],
};
const TRAIN_FLAGS = [
  "--per-class",
  "3",
  "--image-size",
  "8",
  "--dim",
  "4",
  "--batch-size",
  "8",
  "--m",
  "2",
  "--k",
  "1",
  "--backend",
  "cpu",
];

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function waitFor(ready: () => Promise<boolean>, what: string, seconds = 60) {
  const until = Date.now() + seconds * 1000;
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function sweepFile(name: string, sweep: Record<string, unknown>): Promise<string> {
  const file = join(tmp, `${name}.json`);
  await Deno.writeTextFile(file, JSON.stringify(sweep));
  return file;
}

/** Each record's epoch (or type) in a run folder's metrics.jsonl. */
async function recordKinds(dir: string): Promise<(string | number)[]> {
  const { records, warnings } = await readJsonLines(join(dir, RUN_FILES.metrics));
  assert.deepEqual(warnings, []);
  return records.map((r) => (r.epoch ?? r.type) as string | number);
}

/** Every file path under `dir` with its size and modification time. */
async function snapshot(dir: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    const info = await Deno.lstat(path);
    lines.push(`${path} ${info.size} ${info.mtime?.getTime()}`);
    if (e.isDirectory) lines.push(...await snapshot(path));
  }
  return lines.sort();
}

Deno.test("three sweep processes on one grid train each of its 4 runs once, and all exit 0", async () => {
  const file = await sweepFile("grid", SWEEP);
  const out = join(tmp, "runs-three");
  const args = ["--config", file, "--out", out, "--backend", "cpu", "--quiet"];
  const outcomes = await Promise.all([0, 1, 2].map(() => runTask("sweep.ts", args)));
  for (const o of outcomes) assert.equal(o.code, 0, o.stderr);
  const cells = expandSweep(SWEEP as never, {});
  for (const cell of cells) {
    const dir = join(out, runId(cell));
    assert.deepEqual(await recordKinds(dir), [1, 2, "final"], dir);
    assert(!(await exists(join(dir, RUN_FILES.lock))), `${dir} kept its claim`);
  }
  // Each run was trained by exactly one worker: "here" in one table's "run by" column.
  const here = outcomes.flatMap((o) => o.stdout.split("\n").filter((l) => / here$/.test(l)));
  assert.equal(here.length, 4, outcomes.map((o) => o.stdout).join("\n---\n"));
  assert(outcomes.every((o) => /run by/.test(o.stdout)));
});

Deno.test("a sweep takes over at once the run of a worker killed with SIGKILL, to the records of an uninterrupted run", async () => {
  const sweep = { ...SWEEP, seeds: [5], epochs: 4 };
  const file = await sweepFile("killed", sweep);
  const out = join(tmp, "runs-killed");
  const args = ["--config", file, "--out", out, "--backend", "cpu"];
  const [cell] = expandSweep(sweep as never, {});
  const dir = join(out, runId(cell));
  const child = spawnTask("sweep.ts", [...args, "--quiet"]);
  const drained = Promise.all([
    child.stdout.pipeTo(new WritableStream()),
    child.stderr.pipeTo(new WritableStream()),
  ]);
  await waitFor(() => exists(join(dir, RUN_FILES.checkpoint)), "the first checkpoint");
  child.kill("SIGKILL");
  await child.status;
  await drained;
  // The claim of the dead worker is still there, and stale at once on this host.
  const state = await readRunClaim(dir);
  assert.equal(state.status, "stale");
  const status = await runTask("sweep.ts", [...args, "--status"]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /\[1\/1\] .* stale .*is gone.*the next sweep takes it over/);

  const again = await runTask("sweep.ts", args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(
    again.stderr,
    /warning: Took over run ".*" from host .* pid \d+ .*: process \d+ is gone/,
  );
  assert.match(again.stderr, /resuming .* from epoch [1-4]/);
  assert.deepEqual(await recordKinds(dir), [1, 2, 3, 4, "final"]);
  assert(!(await exists(join(dir, RUN_FILES.lock))));
  // The same records as an uninterrupted run.
  const saved = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.config)));
  const reference = await runExperiment(saved.experiment as ExperimentConfig, {
    out: join(tmp, "reference"),
    backend: await selectBackend("cpu"),
  });
  const losses = async (d: string) =>
    (await readJsonLines(join(d, RUN_FILES.metrics))).records.map((r) => r.loss);
  assert.deepEqual(await losses(dir), await losses(reference.dir));
  assert.deepEqual(
    await Deno.readFile(join(dir, RUN_FILES.testEmbeddings)),
    await Deno.readFile(join(reference.dir, RUN_FILES.testEmbeddings)),
  );
});

Deno.test("sweep --status prints done, running, stale and pending runs and touches nothing", async () => {
  const file = await sweepFile("status", SWEEP);
  const out = join(tmp, "runs-status");
  const cells = expandSweep(SWEEP as never, {});
  const backend = await selectBackend("cpu");
  await runExperiment(cells[0], { out, backend });
  const held = await claimRun(join(out, runId(cells[1])));
  const staleDir = join(out, runId(cells[2]));
  await Deno.mkdir(staleDir, { recursive: true });
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  await Deno.writeTextFile(
    join(staleDir, RUN_FILES.lock),
    JSON.stringify({
      host: Deno.hostname(),
      pid: gone.pid,
      startedAt: new Date().toISOString(),
      token: "x",
    }),
  );
  try {
    const before = await snapshot(out);
    const status = await runTask("sweep.ts", ["--config", file, "--out", out, "--status"]);
    assert.equal(status.code, 0, status.stderr);
    const lines = status.stdout.trim().split("\n");
    assert.equal(lines.length, 5, status.stdout);
    assert.match(lines[0], /^\[1\/4\] .* done +\S+/);
    assert.match(
      lines[1],
      new RegExp(
        `^\\[2/4\\] .* running +by host \\S+ pid ${Deno.pid} since .*, epoch 0/2, heartbeat \\d+ s ago`,
      ),
    );
    assert.match(
      lines[2],
      new RegExp(
        `^\\[3/4\\] .* stale +was host \\S+ pid ${gone.pid} .*process ${gone.pid} is gone`,
      ),
    );
    assert.match(lines[3], /^\[4\/4\] .* pending$/);
    assert.equal(lines[4], "4 runs: 1 done, 1 running, 1 stale, 1 pending");
    assert.deepEqual(await snapshot(out), before);
  } finally {
    await held.release();
  }
});

Deno.test("a second train into a run folder held by a live process is refused in one line; Ctrl-C leaves no claim", async () => {
  const out = join(tmp, "runs-held");
  const flags = ["--data", "synthetic", ...TRAIN_FLAGS, "--epochs", "200", "--out", out];
  const first = spawnTask("train.ts", [...flags, "--quiet"]);
  const firstOut = Promise.all([
    new Response(first.stdout).text(),
    new Response(first.stderr).text(),
  ]);
  let dir = "";
  await waitFor(async () => {
    if (!(await exists(out))) return false;
    for await (const e of Deno.readDir(out)) dir = join(out, e.name);
    return dir !== "" && await exists(join(dir, RUN_FILES.checkpoint));
  }, "the first checkpoint");
  const second = await runTask("train.ts", flags);
  first.kill("SIGINT");
  assert.equal((await first.status).code, 130, (await firstOut)[1]);
  assert.equal(second.code, 1);
  assert.equal(second.stdout, "");
  const lines = second.stderr.trim().split("\n");
  assert.equal(lines.length, 1, second.stderr);
  assert.match(
    lines[0],
    new RegExp(
      `^error: Cannot train run "${dir}": it is held by host ${Deno.hostname()} pid ${first.pid} since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`,
    ),
  );
  assert(!(await exists(join(dir, RUN_FILES.lock))), "Ctrl-C left the claim");
});

Deno.test("a full disk during a checkpoint stops train with one line and exit 1, and --resume then finishes the run", async () => {
  const out = join(tmp, "runs-full");
  const script = join(ROOT, "tests/tasks/_full_disk_train.ts");
  const flags = ["--data", "synthetic", ...TRAIN_FLAGS, "--epochs", "3", "--out", out, "--quiet"];
  const full = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...flags],
    cwd: ROOT,
    env: { NO_COLOR: "1", METRICLAB_FULL_DISK: "checkpoint-2\\.bin$" },
  }).output();
  const stderr = new TextDecoder().decode(full.stderr);
  assert.equal(full.code, 1, stderr);
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, stderr);
  const match = lines[0].match(
    /^error: Cannot write "(.+)\/checkpoint-2\.bin": no space left on device; free space, then resume with deno task train --resume (\S+)$/,
  );
  assert(match, lines[0]);
  const dir = match[2];
  assert.equal(match[1], dir);
  assert.deepEqual(await recordKinds(dir), [1]);
  assert(!(await exists(join(dir, RUN_FILES.lock))), "the claim outlived the failure");
  const resumed = await runTask("train.ts", ["--resume", dir, "--backend", "cpu", "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(await recordKinds(dir), [1, 2, 3, "final"]);
});

Deno.test("train trains on a folder of linked class folders and on one of linked images", async () => {
  const real = join(tmp, "images");
  for (let c = 0; c < 4; c++) {
    await Deno.mkdir(join(real, `class${c}`), { recursive: true });
    for (let i = 0; i < 4; i++) {
      const data = new Uint8Array(8 * 8 * 3).map((_, k) => (c * 60 + i * 7 + k) % 256);
      await Deno.writeFile(
        join(real, `class${c}`, `${i}.png`),
        encodePng({ width: 8, height: 8, data, channels: 3 }),
      );
    }
  }
  const folders = join(tmp, "linked-folders"), files = join(tmp, "linked-files");
  await Deno.mkdir(folders);
  for (let c = 0; c < 4; c++) {
    await Deno.symlink(join(real, `class${c}`), join(folders, `class${c}`));
    await Deno.mkdir(join(files, `class${c}`), { recursive: true });
    for (let i = 0; i < 4; i++) {
      await Deno.symlink(join(real, `class${c}`, `${i}.png`), join(files, `class${c}`, `${i}.png`));
    }
  }
  for (const data of [folders, files]) {
    const out = join(tmp, `runs-${data.split("/").pop()}`);
    const result = await runTask("train.ts", [
      "--data",
      data,
      ...TRAIN_FLAGS,
      "--epochs",
      "1",
      "--out",
      out,
      "--json",
      "--quiet",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /Skipped|Dropped/);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.numClasses, 4);
    assert.equal(summary.numTrain + summary.numTest, 16);
  }
});
