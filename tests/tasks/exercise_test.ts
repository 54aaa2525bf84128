import assert from "node:assert/strict";
import { join } from "node:path";
import { runTask as runScript } from "./_run_task.ts";

const tmp = await Deno.makeTempDir({ prefix: "metriclab-exercise-" });
addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));

/** The exercise's grid on tiny data: 2 losses x 2 miners, one dim and seed, cpu. */
const GRID = {
  losses: ["contrastive", "triplet"],
  miners: ["none", "semihard"],
  dims: [4],
  seeds: [0],
  epochs: 1,
  syntheticPerClass: 3,
  imageSize: 8,
  batchSize: 8,
  samplesPerClass: 2,
  ks: [1],
};

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("tasks/exercise.ts runs the grid, then writes findings, the report and the slides; a rerun trains nothing", async () => {
  const config = join(tmp, "grid.json");
  await Deno.writeTextFile(config, JSON.stringify(GRID));
  const out = join(tmp, "ex");
  const args = ["--config", config, "--out", out, "--backend", "cpu", "--no-pdf"];
  const first = await runScript("exercise.ts", args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /exercise: 4\/4 runs done/);
  assert.match(first.stdout, /- Does mining help\? /);
  assert.match(first.stdout, /- Contrastive or triplet\? /);
  assert.match(first.stdout, /slides: .*slides\.html \(\d+ slides/);
  for (
    const file of [
      "exercise.json",
      "site/findings.json",
      "site/findings.html",
      "site/index.html",
      "slides/slides.md",
      "slides/slides.html",
    ]
  ) {
    assert.ok(await exists(join(out, file)), file);
  }
  const findings = JSON.parse(await Deno.readTextFile(join(out, "site/findings.json")));
  assert.equal(findings.runs.total, 4);
  for (const q of findings.questions) {
    for (const c of q.comparisons) {
      assert.ok(c.ci && c.verdict, `${q.id}: ${c.sentence}`);
    }
  }
  const runs = [...Deno.readDirSync(join(out, "runs"))].filter((e) => e.isDirectory);
  assert.equal(runs.length, 4);
  const projected = runs.filter((e) => Deno.statSync(join(out, "runs", e.name)).isDirectory)
    .filter((e) => {
      try {
        Deno.statSync(join(out, "runs", e.name, "projections.json"));
        return true;
      } catch {
        return false;
      }
    });
  assert.equal(projected.length, 4, "the best run of each loss and miner is projected");

  const again = await runScript("exercise.ts", args);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr.match(/already finished/g)?.length, 4);
  assert.doesNotMatch(again.stderr, /exercise: projections/);
});

Deno.test("tasks/exercise.ts rejects bad input in one line and writes nothing", async () => {
  const config = join(tmp, "grid-bad.json");
  await Deno.writeTextFile(config, JSON.stringify(GRID));
  for (
    const [what, extra] of [
      ["a missing data folder", ["--data", join(tmp, "no-such-folder")]],
      ["a missing hierarchy file", ["--hierarchy", join(tmp, "no.tsv")]],
      ["a missing grid file", ["--config", join(tmp, "no.json")]],
    ] as const
  ) {
    const out = join(tmp, `bad-${what.replaceAll(" ", "-")}`);
    const outcome = await runScript("exercise.ts", [
      "--config",
      config,
      "--out",
      out,
      "--backend",
      "cpu",
      ...extra,
    ]);
    assert.notEqual(outcome.code, 0, what);
    const lines = outcome.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${what}: ${outcome.stderr}`);
    assert.match(lines[0], /^error: /);
    assert.ok(!(await exists(out)), `${what}: ${out} written`);
  }
});
