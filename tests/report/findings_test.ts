import assert from "node:assert/strict";
import { buildFindings } from "../../lib/report/build_findings.ts";
import { findingsPage } from "../../lib/report/findings.ts";
import { readRun, readRuns } from "../../lib/report/read_runs.ts";
import { writeFakeRun } from "./_fake_runs.ts";

const FIXTURE = new URL(
  "../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture",
  import.meta.url,
).pathname;

Deno.test("findingsPage() answers first, then the numbers, and draws the heat map and dendrogram", async () => {
  const { run: fixture, warnings } = await readRun(FIXTURE);
  assert.deepEqual(warnings, []);
  assert.ok(fixture.analysis);
  const findings = await buildFindings([fixture]);
  const html = findingsPage(findings, [fixture]);
  assert.equal(html.match(/<svg/g)?.length, 2, "heat map and dendrogram");
  assert.match(html, /<title>pl20 – pl30: 1\.000<\/title>/);
  assert.match(html, /pl40 · prohibitory\/speed-limit/);
  assert.match(
    html,
    /<p class="answer"><strong>No: centroid distances do not follow the class tree \(median Spearman 0\.50, Mantel p ≤ 0\.05 in 0 of 1 run\)/,
  );
  assert.match(html, /Hardly|Yes, [a-z]+: a test image&#39;s 10 nearest training images/);
  assert.match(
    html,
    /<h2 id="grouping">Do samples of a class group together\?<\/h2>\n<p class="answer"><strong>/,
  );
  assert.match(html, /href="runs\/synthetic-triplet-semihard-d4-s0-fixture\.html"/);
  assert.match(html, /href="findings\.html" class="active"/);
  assert.match(html, /href="findings\.json"/);
  assert.match(html, /no mining comparison/);
  const without = findingsPage(await buildFindings([{ ...fixture, analysis: null }]), [fixture]);
  assert.doesNotMatch(without, /<svg/);
});

Deno.test("findingsPage() lists collapsed runs with their reasons and tables every comparison", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (const miner of ["none", "semihard"]) {
      for (const loss of ["contrastive", "triplet"]) {
        await writeFakeRun(root, { loss, miner, dim: 8, seed: 0, noise: 0.8 });
      }
    }
    await writeFakeRun(root, {
      loss: "triplet",
      miner: "batch-hard",
      dim: 8,
      seed: 0,
      noise: 0,
      collapsed: true,
    });
    const { runs } = await readRuns(root);
    const html = findingsPage(await buildFindings(runs, { resamples: 200 }), runs);
    assert.match(html, /Left out: 1 collapsed run\(s\)/);
    assert.match(html, /synthetic-triplet-batch-hard-d8-s0-fake<\/a>: [^<]+/);
    assert.match(html, /<summary>All \d+ comparisons/);
    assert.match(html, /bootstrap over images/);
    assert.match(html, /Does mining help\?<\/h2>\n<p class="answer"><strong>Semihard mining /);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
