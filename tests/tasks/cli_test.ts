import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";

import { type Outcome, ROOT, runTask as runScript } from "./_run_task.ts";

/** Asserts a user error: non-zero exit, and one stderr line `error: ...` matching `pattern`. */
function assertUserError(outcome: Outcome, pattern: RegExp, code?: number): void {
  const shown = JSON.stringify(outcome);
  assert.notEqual(outcome.code, 0, shown);
  if (code !== undefined) assert.equal(outcome.code, code, shown);
  const lines = outcome.stderr.split("\n").filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, `expected one stderr line: ${shown}`);
  assert.match(lines[0], /^error: \S/, shown);
  assert.match(lines[0], pattern, shown);
}

/** Whether `dir` is missing or empty (no run folder was made). */
async function isEmpty(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
  return true;
}

/** A PNG of `size`x`size` RGB pixels from a seed (all distinct). */
function png(seed: number, size = 8): Uint8Array {
  const data = new Uint8Array(size * size * 3).map((_, j) => (j * seed * 7 + seed * 31) % 256);
  return encodePng({ width: size, height: size, data, channels: 3 });
}

/** Two class folders with 3 valid PNGs each, and a corrupt `a/x.png`. */
async function makeDataset(root: string): Promise<void> {
  for (const [c, name] of ["a", "b"].entries()) {
    await Deno.mkdir(`${root}/${name}`, { recursive: true });
    for (let i = 0; i < 3; i++) {
      await Deno.writeFile(`${root}/${name}/${i}.png`, png(3 * c + i + 1));
    }
  }
  const junk = new Uint8Array(100).map((_, i) => (i * 91 + 7) % 256);
  await Deno.writeFile(`${root}/a/x.png`, junk);
}

const tmp = await Deno.makeTempDir({ prefix: "metriclab-cli-" });
const dataset = `${tmp}/signs`;
await makeDataset(dataset);
await Deno.mkdir(`${tmp}/empty`);
addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));

/** The training cases: arguments after `--out <fresh dir>`, the message, the exit code. */
const TRAIN_ERRORS: [string, string[], RegExp, number?][] = [
  ["missing --data", [], /Missing --data/, 2],
  [
    "a path that does not exist",
    ["--data", "/nonexistent/path", "--quiet"],
    /"\/nonexistent\/path": path does not exist/,
    1,
  ],
  [
    "a folder without images",
    ["--data", `${tmp}/empty`, "--quiet"],
    /no class folders with images found/,
    1,
  ],
  [
    "a corrupt image with --strict",
    ["--data", dataset, "--strict", "--quiet"],
    /Cannot decode image ".*\/a\/x\.png"/,
    1,
  ],
  [
    "--loss triplett",
    ["--data", "synthetic", "--loss", "triplett"],
    /Unknown loss "triplett": did you mean "triplet"\?/,
    1,
  ],
  [
    "--miner semihardd",
    ["--data", "synthetic", "--miner", "semihardd"],
    /Unknown miner "semihardd": did you mean "semihard"\?/,
    1,
  ],
  ["--dim 0", ["--data", "synthetic", "--dim", "0"], /Invalid --dim 0\b/, 1],
  [
    "--test-fraction 1.5",
    ["--data", "synthetic", "--test-fraction", "1.5"],
    /Invalid --test-fraction 1\.5\b/,
    1,
  ],
  ["--lr abc", ["--data", "synthetic", "--lr", "abc"], /Invalid --lr "abc": not a number/, 2],
  [
    "--backend wsam",
    ["--data", "synthetic", "--backend", "wsam"],
    /Unknown backend "wsam": did you mean "wasm"\?/,
    1,
  ],
  [
    "a misspelt dataset name",
    ["--data", "synthetc"],
    /Cannot read dataset "synthetc": path does not exist \(did you mean "synthetic"\?/,
    1,
  ],
  [
    "--epochs=-1",
    ["--data", "synthetic", "--epochs=-1"],
    /Invalid --epochs -1: must be a non-negative integer/,
    1,
  ],
  [
    "--epochs -1",
    ["--data", "synthetic", "--epochs", "-1"],
    /Invalid --epochs -1: must be a non-negative integer/,
    1,
  ],
  ["--k 0", ["--data", "synthetic", "--k", "0"], /Invalid --k \[0\]: must be positive/, 1],
  [
    "a k larger than the training set",
    ["--data", "synthetic", "--per-class", "2", "--image-size", "8", "--k", "1,100"],
    /Invalid --k 100: the training set has only 37 samples/,
    1,
  ],
  ["--lr 1e", ["--data", "synthetic", "--lr", "1e"], /Invalid --lr "1e": not a number/, 2],
  ["an unknown flag", ["--data", "synthetic", "--dimm", "8"], /--dimm/, 2],
];

for (const [what, args, pattern, code] of TRAIN_ERRORS) {
  Deno.test(`tasks/train.ts rejects ${what} with one error line and no run folder`, async () => {
    const out = await Deno.makeTempDir({ dir: tmp, prefix: "runs-" });
    const outcome = await runScript("train.ts", ["--backend", "wasm", ...args, "--out", out]);
    assertUserError(outcome, pattern, code);
    assert.equal(outcome.stdout, "");
    assert(await isEmpty(out), `a run folder was left in ${out}`);
  });
}

Deno.test({
  name: "tasks/train.ts prints only the error line when the data is bad (without --quiet)",
  async fn() {
    const out = `${tmp}/runs-verbose`;
    const outcome = await runScript("train.ts", [
      "--backend",
      "wasm",
      "--data",
      `${tmp}/empty`,
      "--out",
      out,
    ]);
    assertUserError(outcome, /no class folders with images found/, 1);
  },
});

Deno.test("tasks/train.ts skips a corrupt image with a warning naming it, and --epochs 0 works", async () => {
  const out = `${tmp}/runs-corrupt`;
  const outcome = await runScript("train.ts", [
    "--data",
    dataset,
    "--backend",
    "wasm",
    "--out",
    out,
    "--epochs",
    "0",
    "--image-size",
    "16",
    "--dim",
    "4",
    "--k",
    "1",
    "--batch-size",
    "4",
    "--m",
    "2",
    "--quiet",
  ]);
  assert.equal(outcome.code, 0, JSON.stringify(outcome));
  const warnings = outcome.stderr.split("\n").filter((l) => l.startsWith("warning:"));
  assert.equal(warnings.length, 1, outcome.stderr);
  assert.match(warnings[0], /corrupt image.*\/a\/x\.png/);
  const dir = outcome.stdout.trim().split("\n").pop()!;
  assert(dir.startsWith(`${out}/signs-triplet-none-d4-s0-`), dir);
  const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
  assert.equal(summary.epochs, 0);
  assert.equal(summary.numClasses, 2);
  assert.equal(summary.numTrain + summary.numTest, 6);
  assert.deepEqual(Object.keys(summary.test.knnAccuracy), ["1"]);
  const lines = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n");
  assert.deepEqual(lines.map((l) => JSON.parse(l).type), ["final"]);
  const split = JSON.parse(await Deno.readTextFile(`${dir}/split.json`));
  const files: string[] = [...split.trainFiles, ...split.testFiles];
  assert(files.every((f) => !f.endsWith("x.png")), "the corrupt image was kept");

  // tasks/evaluate.ts recomputes the same figures from that run folder.
  const evaluated = await runScript("evaluate.ts", ["--run", dir, "--json"]);
  assert.equal(evaluated.code, 0, JSON.stringify(evaluated));
  const { analysis, ...test } = JSON.parse(evaluated.stdout);
  assert.deepEqual(test, summary.test);
  // ...and the class-structure analysis it writes beside them.
  assert.deepEqual(analysis, JSON.parse(await Deno.readTextFile(`${dir}/analysis.json`)));
});

Deno.test("tasks/sweep.ts reports invalid JSON with its line and column", async () => {
  const file = `${tmp}/bad.json`;
  await Deno.writeTextFile(file, '{\n "data": }\n');
  const out = `${tmp}/runs-sweep-json`;
  const outcome = await runScript("sweep.ts", [
    "--config",
    file,
    "--out",
    out,
    "--backend",
    "wasm",
  ]);
  assertUserError(
    outcome,
    /Cannot read sweep ".*bad\.json": invalid JSON at line 2, column 10 \(unexpected "}"\)/,
    1,
  );
  assert(await isEmpty(out));
});

Deno.test("tasks/sweep.ts rejects an unknown key, suggesting the closest", async () => {
  const file = `${tmp}/typo.json`;
  await Deno.writeTextFile(file, JSON.stringify({ data: "synthetic", epoch: 1 }));
  const out = `${tmp}/runs-sweep-key`;
  const outcome = await runScript("sweep.ts", [
    "--config",
    file,
    "--out",
    out,
    "--backend",
    "wasm",
  ]);
  assertUserError(outcome, /Unknown sweep key "epoch": did you mean "epochs"\?/, 1);
  assert(await isEmpty(out));
});

Deno.test("tasks/sweep.ts rejects a missing or absent config file", async () => {
  assertUserError(await runScript("sweep.ts", []), /Missing --config/, 2);
  assertUserError(
    await runScript("sweep.ts", ["--config", `${tmp}/none.json`]),
    /Cannot read sweep ".*none\.json": file not found/,
  );
});

Deno.test("tasks/evaluate.ts rejects a run folder that does not exist", async () => {
  assertUserError(
    await runScript("evaluate.ts", ["--run", "/nonexistent"]),
    /Cannot read run "\/nonexistent"/,
    1,
  );
  assertUserError(await runScript("evaluate.ts", []), /Missing --run/, 2);
});

/** The scripts of deno.json's tasks that run a file under tasks/. */
const TASK_SCRIPTS = Object.values(
  JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks as Record<
    string,
    { command: string }
  >,
).flatMap((t) => t.command.match(/tasks\/(\w+\.ts)/)?.[1] ?? []);

Deno.test("every task's --help exits 0 and prints Usage:", async () => {
  assert(TASK_SCRIPTS.includes("train.ts") && TASK_SCRIPTS.length >= 6, String(TASK_SCRIPTS));
  for (const script of TASK_SCRIPTS) {
    const outcome = await runScript(script, ["--help"]);
    assert.equal(outcome.code, 0, `${script}: ${JSON.stringify(outcome)}`);
    assert.match(outcome.stdout, /^Usage:/, script);
  }
  // `deno task x -- --help` passes a literal "--" first.
  const dashed = await runScript("train.ts", ["--", "--help"]);
  assert.equal(dashed.code, 0);
  assert.match(dashed.stdout, /^Usage:/);
});

Deno.test("tasks/train.ts stops a diverging loss with the step and a lower --lr, keeping the run folder", async () => {
  const out = `${tmp}/runs-diverge`;
  const outcome = await runScript("train.ts", [
    "--data",
    "synthetic",
    "--per-class",
    "4",
    "--image-size",
    "8",
    "--dim",
    "4",
    "--loss",
    "contrastive",
    "--loss-option",
    'distance={"name":"lp","normalize":false}',
    "--lr",
    "1e6",
    "--epochs",
    "2",
    "--batch-size",
    "16",
    "--backend",
    "wasm",
    "--out",
    out,
    "--quiet",
  ]);
  assertUserError(outcome, /diverged.*(Infinity|NaN).*step \d+.*lower --lr/, 1);
  assert.equal(outcome.stdout, "");
  // What was recorded stays: the resolved config (and any finished epochs), no summary.
  const [run] = await Array.fromAsync(Deno.readDir(out));
  assert.ok(run?.isDirectory, "no run folder was kept");
  const files = (await Array.fromAsync(Deno.readDir(`${out}/${run.name}`))).map((e) => e.name);
  assert.ok(files.includes("config.json"), files.join());
  assert.ok(!files.includes("summary.json"), "a diverged run looks finished");
});

Deno.test("tasks/report.ts skips unfinished and corrupt runs with warnings and builds the rest", async () => {
  const fixture = `${ROOT}/tests/fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture`;
  const runs = `${tmp}/report-runs`;
  const copy = async (name: string) => {
    await Deno.mkdir(`${runs}/${name}`, { recursive: true });
    for await (const e of Deno.readDir(fixture)) {
      if (e.isFile) await Deno.copyFile(`${fixture}/${e.name}`, `${runs}/${name}/${e.name}`);
    }
  };
  await copy("good");
  await copy("unfinished");
  await Deno.remove(`${runs}/unfinished/summary.json`);
  await copy("truncated-metrics"); // an interrupted append: kept, with a warning
  const metrics = await Deno.readTextFile(`${fixture}/metrics.jsonl`);
  await Deno.writeTextFile(`${runs}/truncated-metrics/metrics.jsonl`, metrics + '{"type":"ep');
  await copy("corrupt-metrics"); // a bad line in the middle: skipped
  await Deno.writeTextFile(`${runs}/corrupt-metrics/metrics.jsonl`, "garbage\n" + metrics);
  await copy("corrupt-summary");
  await Deno.writeTextFile(`${runs}/corrupt-summary/summary.json`, '{"loss": "triplet", "mi');
  const site = `${tmp}/report-site`;
  const outcome = await runScript("report.ts", ["--runs", runs, "--out", site, "--no-gallery"]);
  assert.equal(outcome.code, 0, JSON.stringify(outcome));
  const warnings = outcome.stderr.split("\n").filter((l) => l.startsWith("warning:"));
  const text = warnings.join("\n");
  assert.match(text, /"unfinished": no summary\.json \(unfinished run\)/);
  assert.match(text, /"corrupt-metrics": metrics\.jsonl is corrupt .*line 1 is not valid JSON/);
  assert.match(text, /"corrupt-summary": summary\.json is not valid JSON/);
  assert.match(text, /truncated last line .*truncated-metrics/);
  assert.match(outcome.stdout, /^2 run\(s\)/);
  assert.ok((await Deno.stat(`${site}/index.html`)).isFile);
  const pages = (await Array.fromAsync(Deno.readDir(`${site}/runs`))).map((e) => e.name).sort();
  assert.deepEqual(pages, ["good.html", "truncated-metrics.html"]);
});

Deno.test("tasks/serve.ts says in one line that the port is taken", async () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (blocker.addr as Deno.NetAddr).port;
  try {
    const outcome = await runScript("serve.ts", ["--dir", tmp, "--port", String(port)]);
    assertUserError(
      outcome,
      new RegExp(
        `Cannot serve on 127\\.0\\.0\\.1:${port}: the port is in use \\(try --port ${port + 1}\\)`,
      ),
      1,
    );
    assertUserError(
      await runScript("serve.ts", ["--dir", `${tmp}/nope`, "--port", "0"]),
      /no such folder/,
      1,
    );
    assertUserError(
      await runScript("serve.ts", ["--dir", tmp, "--host", "0.0.0.0"]),
      /not a loopback address/,
      2,
    );
  } finally {
    blocker.close();
  }
});
