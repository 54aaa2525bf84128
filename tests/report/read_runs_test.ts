import assert from "node:assert/strict";
import { join } from "node:path";
import { readRun, readRuns } from "../../lib/report/read_runs.ts";
import { indexPage, runPage } from "../../lib/report/pages.ts";
import { findingsPage } from "../../lib/report/findings.ts";
import { buildFindings } from "../../lib/report/build_findings.ts";
import { fuzz, fuzzCases } from "../data/_fuzz.ts";

const FIXTURE =
  new URL("../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url)
    .pathname;

Deno.test("readRun() reads the fixture's summary, epochs, evaluation, hierarchy and projections", async () => {
  const { run, warnings } = await readRun(FIXTURE);
  assert.deepEqual(warnings, []);
  assert.equal(run.summary.loss, "triplet");
  assert.deepEqual(run.epochs.map((e) => e.epoch), [1, 2, 3]);
  assert.deepEqual(run.classNames, ["pl20", "pl30", "pl40"]);
  assert.equal(run.hierarchy?.[0].top, "prohibitory");
  assert.equal(run.hierarchySource, "config");
  assert.equal(run.projections?.train.tsne?.subsampled, true);
  assert.equal(run.evaluation?.knn["1"].confusion.length, 3);
});

Deno.test("readRun() sorts epoch records appended out of order and warns of a bad projections.json", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const f of ["summary.json", "config.json"]) {
      await Deno.copyFile(join(FIXTURE, f), join(dir, f));
    }
    await Deno.writeTextFile(
      join(dir, "metrics.jsonl"),
      ['{"type":"epoch","epoch":2,"loss":1}', '{"type":"epoch","epoch":1,"loss":2}', '{"type":"fi']
        .join("\n"),
    );
    await Deno.writeTextFile(
      join(dir, "projections.json"),
      '{"train": {}, "test": {"umap": {"x": [1]}}}',
    );
    const { run, warnings } = await readRun(dir);
    assert.deepEqual(run.epochs.map((e) => e.epoch), [1, 2]);
    assert.equal(run.projections, null);
    assert.equal(run.evaluation, null);
    assert.equal(warnings.length, 3, warnings.join("\n"));
    assert.match(warnings.join("\n"), /truncated last line/);
    assert.match(warnings.join("\n"), /test\.umap lacks x, y or labels/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A copy of the fixture run whose config.json's `dataset` is changed by `edit`. */
async function withEditedDataset(
  edit: (dataset: Record<string, unknown>) => void,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    for (const f of ["summary.json", "metrics.jsonl", "evaluation.json"]) {
      await Deno.copyFile(join(FIXTURE, f), join(dir, f));
    }
    const config = JSON.parse(await Deno.readTextFile(join(FIXTURE, "config.json")));
    edit(config.dataset);
    await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(config));
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readRun() gives a run without a hierarchy of TT100K codes TT100K's rows of its classes", async () => {
  await withEditedDataset((d) => delete d.hierarchy, async (dir) => {
    const { run, warnings } = await readRun(dir);
    assert.deepEqual(warnings, []);
    assert.equal(run.hierarchySource, "tt100k (built-in)");
    assert.deepEqual(run.hierarchy, [
      {
        class: "pl20",
        top: "prohibitory",
        family: "speed-limit",
        value: "20",
        meaning: "Speed limit 20 km/h",
      },
      {
        class: "pl30",
        top: "prohibitory",
        family: "speed-limit",
        value: "30",
        meaning: "Speed limit 30 km/h",
      },
      {
        class: "pl40",
        top: "prohibitory",
        family: "speed-limit",
        value: "40",
        meaning: "Speed limit 40 km/h",
      },
    ]);
  });
  // config.json's null (no hierarchy found at training time) is filled in the same way.
  await withEditedDataset((d) => (d.hierarchy = null), async (dir) => {
    assert.equal((await readRun(dir)).run.hierarchySource, "tt100k (built-in)");
  });
});

Deno.test("readRun() leaves a run trained with --hierarchy none, or of other classes, without one", async () => {
  await withEditedDataset((d) => {
    d.hierarchy = null;
    d.hierarchySource = "none";
  }, async (dir) => {
    const { run } = await readRun(dir);
    assert.equal(run.hierarchy, null);
    assert.equal(run.hierarchySource, null);
  });
  await withEditedDataset((d) => delete d.hierarchy, async (dir) => {
    const evaluation = JSON.parse(await Deno.readTextFile(join(dir, "evaluation.json")));
    evaluation.classNames = ["cat", "dog", "bird"];
    await Deno.writeTextFile(join(dir, "evaluation.json"), JSON.stringify(evaluation));
    const { run } = await readRun(dir);
    assert.deepEqual(run.classNames, ["cat", "dog", "bird"]);
    assert.equal(run.hierarchy, null);
    assert.equal(run.hierarchySource, null);
  });
});

Deno.test("readRuns() names a missing folder", async () => {
  await assert.rejects(readRuns("/nonexistent/runs"), Deno.errors.NotFound, '"/nonexistent/runs"');
});

Deno.test("readRun() keeps a run whose analysis.json is corrupt, with a warning", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const src = new URL(
      "../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture/summary.json",
      import.meta.url,
    );
    await Deno.copyFile(src, `${dir}/summary.json`);
    await Deno.writeTextFile(`${dir}/analysis.json`, "{not json");
    const { run, warnings } = await readRun(dir);
    assert.equal(run.analysis, null);
    assert.ok(warnings.some((w) => w.includes("analysis.json")), warnings.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readRun() fuzzed: 360 mutated run files give a run the pages can draw, or one clear error", async () => {
  // Each of the run's JSON files in turn: random bytes, truncated, bit-flipped, overwritten.
  const files = [
    "summary.json",
    "metrics.jsonl",
    "config.json",
    "evaluation.json",
    "projections.json",
    "analysis.json",
  ];
  const top = await Deno.makeTempDir({ prefix: "metriclab-fuzz-runs-" });
  const id = "fuzz-run";
  const dir = join(top, id);
  await Deno.mkdir(dir);
  try {
    let read = 0;
    let skipped = 0;
    for (const [f, file] of files.entries()) {
      const original = await Deno.readFile(join(FIXTURE, file));
      for (const name of files) await Deno.copyFile(join(FIXTURE, name), join(dir, name));
      const { ok, failed } = await fuzz(
        fuzzCases([original], 60, 100 + f),
        `Cannot read run "${id}"`,
        async (c) => {
          await Deno.writeFile(join(dir, file), c.bytes);
          const read = await readRun(dir);
          // The findings read the embeddings again: they must not throw either.
          const findings = c.index % 8 === 0 ? await buildFindings([read.run]) : null;
          return { ...read, findings };
        },
        ({ run, warnings, findings }, c) => {
          // What the report draws from a run that was read must not throw (one case in
          // eight: rendering is most of the time).
          if (c.index % 8 !== 0) return;
          runPage(run, { gallery: null });
          indexPage([run], warnings);
          findingsPage(findings!, [run]);
        },
      );
      read += ok;
      skipped += failed;
    }
    assert.ok(read > 150 && skipped > 30, `${read} read, ${skipped} skipped`);
  } finally {
    await Deno.remove(top, { recursive: true });
  }
});
