import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { selectBackend } from "../../lib/backend/select_backend.ts";
import { type ExperimentConfig, runId } from "../../lib/experiment/config.ts";
import { runExperiment } from "../../lib/experiment/run_experiment.ts";
import { readJsonLines, RUN_FILES } from "../../lib/run/run_folder.ts";

import { runTask as runScript, spawnTask as spawn } from "./_run_task.ts";

const tmp = await Deno.makeTempDir({ prefix: "metriclab-resume-" });
addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));

/** Tiny runs on the cpu backend: 37 classes x 3 images of 8x8, 9 batches an epoch. */
const EPOCHS = 5;
const TRAIN_FLAGS = [
  "--data",
  "synthetic",
  "--per-class",
  "3",
  "--image-size",
  "8",
  "--dim",
  "4",
  "--epochs",
  String(EPOCHS),
  "--batch-size",
  "8",
  "--m",
  "2",
  "--k",
  "1",
  "--backend",
  "cpu",
];
const SWEEP = {
  data: "synthetic",
  losses: ["triplet"],
  miners: ["none"],
  dims: [4],
  seeds: [0, 1],
  epochs: EPOCHS,
  syntheticPerClass: 3,
  imageSize: 8,
  batchSize: 8,
  samplesPerClass: 2,
  ks: [1],
};

/** The folders in `dir` (none when it does not exist yet). */
async function folders(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) names.push(join(dir, e.name));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Polls until `ready()` holds (every 20 ms, at most `seconds`). */
async function waitFor(ready: () => Promise<boolean>, what: string, seconds = 60) {
  const until = Date.now() + seconds * 1000;
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The uninterrupted reference of a run folder's config, trained here on the cpu backend. */
const references = new Map<string, string>();
async function reference(dir: string): Promise<string> {
  const saved = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.config)));
  const config = saved.experiment as ExperimentConfig;
  assert.equal(runId(config), basename(dir));
  if (!references.has(basename(dir))) {
    const backend = await selectBackend("cpu");
    const result = await runExperiment(config, { out: join(tmp, "reference"), backend });
    references.set(basename(dir), result.dir);
  }
  return references.get(basename(dir))!;
}

/** Asserts that `dir` finished with every epoch once and the reference's exact results. */
async function assertSameAsUninterrupted(dir: string): Promise<void> {
  const ref = await reference(dir);
  const { records, warnings } = await readJsonLines(join(dir, RUN_FILES.metrics));
  assert.deepEqual(warnings, []);
  const epochs = Array.from({ length: EPOCHS }, (_, i) => i + 1);
  assert.deepEqual(records.map((r) => r.epoch ?? r.type), [...epochs, "final"]);
  const expected = (await readJsonLines(join(ref, RUN_FILES.metrics))).records;
  assert.deepEqual(records.map((r) => r.loss), expected.map((r) => r.loss));
  for (const file of [RUN_FILES.trainEmbeddings, RUN_FILES.testEmbeddings]) {
    assert.deepEqual(await Deno.readFile(join(dir, file)), await Deno.readFile(join(ref, file)));
  }
  const summary = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.summary)));
  const refSummary = JSON.parse(await Deno.readTextFile(join(ref, RUN_FILES.summary)));
  assert.equal(summary.finalLoss, refSummary.finalLoss);
  assert.deepEqual(summary.test, refSummary.test);
  assert(!(await exists(join(dir, RUN_FILES.checkpoint))), "the checkpoint outlived the run");
}

Deno.test("tasks/sweep.ts after kill -9 loses no finished run and resumes the unfinished one", async () => {
  const file = join(tmp, "sweep.json");
  await Deno.writeTextFile(file, JSON.stringify(SWEEP));
  const out = join(tmp, "runs-sweep");
  const args = ["--config", file, "--out", out, "--backend", "cpu"];
  const child = spawn("sweep.ts", [...args, "--quiet"]);
  const stdout = child.stdout.pipeTo(new WritableStream());
  const stderr = child.stderr.pipeTo(new WritableStream());
  // Run 1 finished and run 2 checkpointed: find run 2's folder by its seed.
  let dir1 = "", dir2 = "";
  await waitFor(async () => {
    for (const dir of await folders(out)) {
      if (/-s0-/.test(basename(dir))) dir1 = dir;
      if (/-s1-/.test(basename(dir))) dir2 = dir;
    }
    return dir1 !== "" && dir2 !== "" && await exists(join(dir1, RUN_FILES.summary)) &&
      await exists(join(dir2, RUN_FILES.checkpoint));
  }, "run 1 to finish and run 2 to checkpoint");
  child.kill("SIGKILL");
  assert.equal((await child.status).signal, "SIGKILL");
  await Promise.all([stdout, stderr]);
  assert(!(await exists(join(dir2, RUN_FILES.summary))), "run 2 finished before the kill");
  const summary1 = await Deno.readFile(join(dir1, RUN_FILES.summary));

  const again = await runScript("sweep.ts", args);
  assert.equal(again.code, 0, JSON.stringify(again));
  assert.match(again.stderr, new RegExp(`already finished -> ${dir1}`));
  const resumed = again.stderr.match(/resuming (\S+) from epoch (\d+)/);
  assert(resumed, again.stderr);
  assert.equal(resumed[1], dir2);
  assert(Number(resumed[2]) >= 1 && Number(resumed[2]) <= EPOCHS, resumed[2]);
  assert.deepEqual(await Deno.readFile(join(dir1, RUN_FILES.summary)), summary1);
  await assertSameAsUninterrupted(dir2);
});

Deno.test("tasks/train.ts stops on Ctrl-C with exit 130 and one line, and --resume finishes the run", async () => {
  const out = join(tmp, "runs-train");
  const child = spawn("train.ts", [...TRAIN_FLAGS, "--seed", "1", "--out", out, "--quiet"]);
  const stdoutText = new Response(child.stdout).text();
  const stderrText = new Response(child.stderr).text();
  let dir = "";
  await waitFor(async () => {
    dir = (await folders(out))[0] ?? "";
    return dir !== "" && await exists(join(dir, RUN_FILES.checkpoint));
  }, "the first checkpoint");
  child.kill("SIGINT");
  const status = await child.status;
  const [stdout, stderr] = [await stdoutText, await stderrText];
  assert.equal(status.code, 130, stderr);
  assert.equal(stdout, "");
  assert.deepEqual(stderr.trim().split("\n"), [
    `interrupted: run ${dir} is incomplete; resume with deno task train --resume ${dir}`,
  ]);
  assert(!(await exists(join(dir, RUN_FILES.summary))), "marked finished");
  assert(await exists(join(dir, RUN_FILES.checkpoint)));

  const resumed = await runScript("train.ts", ["--resume", dir, "--backend", "cpu"]);
  assert.equal(resumed.code, 0, JSON.stringify(resumed));
  assert.match(resumed.stderr, new RegExp(`resuming ${dir} from epoch [1-${EPOCHS}]\\n`));
  assert.equal(resumed.stdout.trim(), dir);
  await assertSameAsUninterrupted(dir);

  // Resuming a finished run says so and succeeds, changing nothing.
  const summary = await Deno.readFile(join(dir, RUN_FILES.summary));
  const done = await runScript("train.ts", ["--resume", dir]);
  assert.equal(done.code, 0, JSON.stringify(done));
  assert.match(done.stderr, new RegExp(`already finished: ${dir}\\n`));
  assert.equal(done.stdout.trim(), dir);
  assert.deepEqual(await Deno.readFile(join(dir, RUN_FILES.summary)), summary);

  // The same command into a folder that holds another run: one line, nothing written.
  const config = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.config)));
  await Deno.writeTextFile(
    join(dir, RUN_FILES.config),
    JSON.stringify({ ...config, id: "another-run" }),
  );
  const clash = await runScript("train.ts", [...TRAIN_FLAGS, "--seed", "1", "--out", out]);
  assert.equal(clash.code, 1, JSON.stringify(clash));
  assert.deepEqual(clash.stderr.trim().split("\n").filter((l) => l.startsWith("error:")), [
    `error: Cannot write run to "${dir}": it holds a different run (another-run); use another --out or --force`,
  ]);
  assert.deepEqual(await Deno.readFile(join(dir, RUN_FILES.summary)), summary);
});

Deno.test("tasks/train.ts --resume explains a folder it cannot resume, in one line", async () => {
  const noConfig = join(tmp, "no-config");
  await Deno.mkdir(noConfig);
  const cases: [string[], RegExp, number][] = [
    [["--resume", join(tmp, "missing")], /^error: Cannot resume ".*missing": folder not found$/, 1],
    [["--resume", noConfig], /^error: Cannot resume ".*no-config": no config\.json/, 1],
    [["--resume", noConfig, "--epochs", "3"], /^error: Invalid --epochs with --resume/, 2],
    [["--resume", noConfig, "--force"], /^error: Invalid --force with --resume/, 2],
  ];
  for (const [args, pattern, code] of cases) {
    const outcome = await runScript("train.ts", args);
    assert.equal(outcome.code, code, JSON.stringify(outcome));
    assert.equal(outcome.stdout, "");
    const lines = outcome.stderr.trim().split("\n");
    assert.equal(lines.length, 1, outcome.stderr);
    assert.match(lines[0], pattern);
  }
});

Deno.test("tasks/sweep.ts --jobs 2 runs the cells in parallel processes, with the results of one after another", async () => {
  const file = join(tmp, "sweep-jobs.json");
  await Deno.writeTextFile(file, JSON.stringify({ ...SWEEP, epochs: 2 }));
  const sequential = join(tmp, "runs-sequential"), parallel = join(tmp, "runs-parallel");
  const one = await runScript("sweep.ts", [
    "--config",
    file,
    "--out",
    sequential,
    "--backend",
    "cpu",
    "--json",
  ]);
  assert.equal(one.code, 0, JSON.stringify(one));
  const two = await runScript("sweep.ts", [
    "--config",
    file,
    "--out",
    parallel,
    "--backend",
    "cpu",
    "--jobs",
    "2",
    "--json",
  ]);
  assert.equal(two.code, 0, JSON.stringify(two));
  assert.match(two.stderr, /2 runs \(2 at a time, into /);
  // Both runs' lines came through the parent, each run in a process of its own.
  assert.match(two.stderr, /\[1\/2\] triplet \+ none d4 s0: done ->/);
  assert.match(two.stderr, /\[2\/2\] triplet \+ none d4 s1: done ->/);
  const strip = (s: Record<string, unknown>) => ({
    ...s,
    finishedAt: 0,
    trainSeconds: 0,
    trainImagesPerSecond: 0,
    evalSeconds: 0,
  });
  const a = JSON.parse(one.stdout).map(strip), b = JSON.parse(two.stdout).map(strip);
  assert.equal(b.length, 2);
  assert.deepEqual(b, a);
  // Rerun: finished runs are read back, no process started.
  const again = await runScript("sweep.ts", [
    "--config",
    file,
    "--out",
    parallel,
    "--jobs",
    "2",
    "--json",
  ]);
  assert.equal(again.code, 0, JSON.stringify(again));
  assert.equal(again.stderr.match(/already finished ->/g)?.length, 2, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).map(strip), a);
});

Deno.test("tasks/sweep.ts --jobs 2 with bad data fails in one line before starting any run", async () => {
  const file = join(tmp, "sweep-jobs-bad.json");
  await Deno.writeTextFile(file, JSON.stringify({ ...SWEEP, data: join(tmp, "no-such-folder") }));
  const out = join(tmp, "runs-jobs-bad");
  const bad = await runScript("sweep.ts", [
    "--config",
    file,
    "--out",
    out,
    "--backend",
    "cpu",
    "--jobs",
    "2",
    "--quiet",
  ]);
  assert.equal(bad.code, 1, JSON.stringify(bad));
  const lines = bad.stderr.split("\n").filter((l) => l.trim());
  assert.equal(lines.length, 1, bad.stderr);
  assert.match(lines[0], /^error: .*no-such-folder/);
  assert(!(await exists(out)), "a run folder was made");
});

Deno.test("tasks/sweep.ts --jobs 2 on SIGINT stops both runs with exit 130, and the same command finishes them exactly", async () => {
  const file = join(tmp, "sweep-jobs-interrupt.json");
  await Deno.writeTextFile(file, JSON.stringify(SWEEP));
  const out = join(tmp, "runs-jobs-interrupt");
  const args = ["--config", file, "--out", out, "--backend", "cpu", "--jobs", "2", "--quiet"];
  const child = spawn("sweep.ts", args);
  const stdout = child.stdout.pipeTo(new WritableStream());
  const stderr = new Response(child.stderr).text();
  // Both runs under way: each has a checkpoint.
  await waitFor(async () => {
    const dirs = await folders(out);
    if (dirs.length < 2) return false;
    for (const dir of dirs) if (!(await exists(join(dir, RUN_FILES.checkpoint)))) return false;
    return true;
  }, "both runs to checkpoint");
  // To the sweep process alone: it passes the signal on to the runs in progress.
  child.kill("SIGINT");
  assert.equal((await child.status).code, 130);
  await stdout;
  const lines = (await stderr).split("\n").filter((l) => l.trim());
  assert.match(
    lines.at(-1)!,
    /^interrupted: the sweep stopped after \d of 2 runs; rerun the same sweep command to continue$/,
  );
  const dirs = await folders(out);
  assert.equal(dirs.length, 2);

  const again = await runScript("sweep.ts", args.filter((a) => a !== "--quiet"));
  assert.equal(again.code, 0, JSON.stringify(again));
  for (const dir of dirs) await assertSameAsUninterrupted(dir);
});
