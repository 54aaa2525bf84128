import assert from "node:assert/strict";
import { buildFindings, effectText, formatP } from "../../lib/report/build_findings.ts";
import { readRuns } from "../../lib/report/read_runs.ts";
import { type FakeRun, writeFakeRun } from "./_fake_runs.ts";

async function findingsOf(runs: FakeRun[]) {
  const root = await Deno.makeTempDir();
  try {
    for (const r of runs) await writeFakeRun(root, r);
    const { runs: read } = await readRuns(root);
    return await buildFindings(read, { now: new Date(0), resamples: 500 });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** A one-seed grid in which semihard mining clearly helps triplet and not contrastive. */
function grid(seeds: number[]): FakeRun[] {
  const out: FakeRun[] = [];
  for (const seed of seeds) {
    for (const dim of [4, 8]) {
      out.push(
        { loss: "triplet", miner: "none", dim, seed, noise: 1.6 },
        { loss: "triplet", miner: "semihard", dim, seed, noise: 0.5 },
        { loss: "contrastive", miner: "none", dim, seed, noise: 0.9 },
        { loss: "contrastive", miner: "semihard", dim, seed, noise: 0.9 },
      );
    }
  }
  return out;
}

Deno.test("buildFindings() gives every comparison of a one-seed grid an interval and a verdict", async () => {
  const f = await findingsOf(grid([0]));
  assert.equal(f.runs.total, 8);
  assert.deepEqual(f.runs.collapsed, []);
  const comparisons = f.questions.flatMap((q) => q.comparisons);
  assert.ok(comparisons.length >= 12, `${comparisons.length} comparisons`);
  for (const c of comparisons) {
    assert.ok(c.ci && c.ci[0] <= c.effect && c.effect <= c.ci[1], `${c.sentence}`);
    assert.equal(c.method, "paired-bootstrap-over-test-images");
    assert.equal(c.n, 48);
    assert.ok(["helps", "hurts", "no clear difference"].includes(c.verdict), c.verdict);
  }
  const mining = f.questions.find((q) => q.id === "mining")!;
  const tripletPooled = mining.comparisons.find((c) =>
    c.scope === "triplet" && !c.detail && c.metric === "knnAccuracy1"
  )!;
  assert.equal(tripletPooled.verdict, "helps");
  assert.deepEqual(tripletPooled.dims, [4, 8]);
  assert.equal(tripletPooled.pValue, null, "McNemar only for a single pair");
  const onePair = mining.comparisons.find((c) =>
    c.scope === "triplet" && c.detail && c.metric === "knnAccuracy1"
  )!;
  assert.ok(onePair.pValue !== null && onePair.pValue < 0.05, `p ${onePair.pValue}`);
  assert.match(mining.answer, /^Semihard mining .*helps triplet \(\+\d/);
  assert.match(
    tripletPooled.sentence,
    /paired bootstrap over 48 test images, 1 seed, pooled over d = 4, 8/,
  );
  for (const id of ["mining", "loss", "dimension", "grouping", "hierarchy"]) {
    const q = f.questions.find((x) => x.id === id);
    assert.ok(q && q.answer.length > 10, `question ${id}`);
  }
  assert.match(
    f.questions.find((q) => q.id === "hierarchy")!.answer,
    /^Unknown: no run has analysis\.json/,
  );
  assert.equal(f.results.length, 8);
  const cell = f.results.find((r) =>
    r.loss === "triplet" && r.miner === "semihard" && r.dim === 8
  )!;
  assert.equal(cell.knnAccuracy1!.method, "wilson-over-test-images");
  assert.ok(cell.knnAccuracy1!.ci![0] <= cell.knnAccuracy1!.mean);
  assert.equal(JSON.parse(JSON.stringify(f)).version, 1, "JSON round trip");
});

Deno.test("buildFindings() uses a t interval over seeds with two or more seeds", async () => {
  const f = await findingsOf(grid([0, 1, 2]));
  const c = f.questions.find((q) => q.id === "loss")!.comparisons[0];
  assert.equal(c.method, "paired-t-over-seeds");
  assert.equal(c.n, 3);
  assert.deepEqual(c.seeds, [0, 1, 2]);
  assert.match(c.sentence, /paired t over 3 seeds/);
  const cell = f.results[0];
  assert.equal(cell.knnAccuracy1!.method, "t-over-seeds");
  assert.equal(cell.seeds.length, 3);
});

Deno.test("buildFindings() leaves collapsed runs out of the verdicts and says why", async () => {
  const f = await findingsOf([
    { loss: "triplet", miner: "none", dim: 8, seed: 0, noise: 0.5 },
    { loss: "triplet", miner: "batch-hard", dim: 8, seed: 0, noise: 0.5, collapsed: true },
    { loss: "contrastive", miner: "none", dim: 8, seed: 0, noise: 0.5, flagCollapsed: true },
  ]);
  assert.deepEqual(f.runs.collapsed.map((c) => c.id).sort(), [
    "synthetic-contrastive-none-d8-s0-fake",
    "synthetic-triplet-batch-hard-d8-s0-fake",
  ]);
  assert.ok(f.runs.collapsed.every((c) => c.reasons.length > 0));
  assert.equal(f.runs.used, 1);
  assert.ok(!f.questions.some((q) => q.id === "mining" || q.id === "loss"));
  assert.ok(f.notes.some((n) => /no mining comparison/.test(n)));
});

Deno.test("buildFindings() says what it could not compare: no runs, only collapsed runs, mixed data", async () => {
  const none = await findingsOf([]);
  assert.match(none.notes[0], /^No finished runs/);
  assert.deepEqual(none.questions, []);
  const collapsed = await findingsOf([
    { loss: "triplet", miner: "batch-hard", dim: 8, seed: 0, noise: 0, collapsed: true },
  ]);
  assert.ok(collapsed.notes.some((n) => /^All 1 run collapsed/.test(n)));
  assert.deepEqual(collapsed.questions, []);
  const mixed = await findingsOf([
    { loss: "triplet", miner: "none", dim: 8, seed: 0, noise: 0.9, data: "a" },
    { loss: "triplet", miner: "semihard", dim: 8, seed: 0, noise: 0.9, data: "b" },
  ]);
  assert.ok(mixed.notes.some((n) => /runs on different data are never compared/.test(n)));
  assert.ok(!mixed.questions.some((q) => q.id === "mining"), "no pairs across datasets");
  assert.deepEqual(mixed.runs.datasets, ["a", "b"]);
});

Deno.test("buildFindings() measures neighbour purity against the training split", async () => {
  const f = await findingsOf([{ loss: "triplet", miner: "none", dim: 8, seed: 0, noise: 0.05 }]);
  const q = f.questions.find((x) => x.id === "grouping")!;
  assert.equal(q.verdict, "strongly");
  assert.match(q.answer, /10 nearest training images share its class 100% of the time/);
  assert.match(q.answer, /chance 17%, ceiling 100%/);
});

Deno.test("effectText() and formatP() write signed points and short p-values", () => {
  const c = {
    effect: -1.25,
    ci: [-2.5, 0.1],
    method: "paired-bootstrap-over-test-images",
    n: 296,
    dims: [8, 16],
    pValue: null,
  };
  assert.equal(
    effectText(c as never),
    "−1.3 points (95% CI −2.5 to +0.1; paired bootstrap over 296 test images, 1 seed, pooled over d = 8, 16)",
  );
  assert.equal(formatP(0.5), "0.50");
  assert.equal(formatP(0.0123), "0.012");
});

Deno.test("buildFindings() reads the per-query scores evaluation.json keeps instead of searching again", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dirs = [];
    for (const miner of ["none", "semihard"]) {
      dirs.push(await writeFakeRun(root, { loss: "triplet", miner, dim: 8, seed: 0, noise: 0.9 }));
    }
    // Saved scores that differ from what the embeddings give: semihard right on every image,
    // none on none; the summaries say the same.
    for (const [i, dir] of dirs.entries()) {
      const n = 48;
      await Deno.writeTextFile(
        `${dir}/evaluation.json`,
        JSON.stringify({
          classNames: ["c0"],
          knn: { "1": { accuracy: i, perClassAccuracy: [i], confusion: [[n]] } },
          perQuery: {
            purityK: 10,
            correct1: new Array(n).fill(i),
            averagePrecisionAtR: new Array(n).fill(i),
            neighborPurity: new Array(n).fill(i),
          },
        }),
      );
      const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
      summary.test = { knnAccuracy: { "1": i }, meanAveragePrecisionAtR: i };
      await Deno.writeTextFile(`${dir}/summary.json`, JSON.stringify(summary));
    }
    const { runs } = await readRuns(root);
    const f = await buildFindings(runs, { resamples: 200 });
    const c = f.questions.find((q) => q.id === "mining")!.comparisons[0];
    assert.equal(c.effect, 100);
    assert.deepEqual(c.ci, [100, 100]);
    assert.equal(c.pValue! < 1e-10, true, `McNemar p ${c.pValue}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("buildFindings() never pairs runs trained with other settings, and grades grouping against chance", async () => {
  const f = await findingsOf([
    { loss: "triplet", miner: "none", dim: 8, seed: 0, noise: 0.9 },
    { loss: "triplet", miner: "semihard", dim: 8, seed: 0, noise: 0.9, learningRate: 0.01 },
  ]);
  assert.ok(!f.questions.some((q) => q.id === "mining"), "different learning rates");
  assert.equal(f.results.length, 2);
  // Two classes, embeddings that do not separate them: half the neighbours share the class
  // by chance alone, which is not grouping.
  const random = await findingsOf([
    { loss: "triplet", miner: "none", dim: 8, seed: 0, noise: 50, classes: 2 },
  ]);
  const q = random.questions.find((x) => x.id === "grouping")!;
  assert.equal(q.verdict, "hardly", q.answer);
});

Deno.test("buildFindings() asks whether the cross-batch memory helps when a grid holds runs with and without one", async () => {
  const runs: FakeRun[] = [];
  for (const seed of [0, 1, 2]) {
    runs.push(
      { loss: "contrastive", miner: "none", dim: 8, seed, noise: 1.4 },
      { loss: "contrastive", miner: "none", dim: 8, seed, noise: 0.4, xbm: 512 },
    );
  }
  const f = await findingsOf(runs);
  const q = f.questions.find((x) => x.id === "memory");
  assert.ok(q, f.questions.map((x) => x.id).join(", "));
  assert.equal(q.question, "Does the cross-batch memory help?");
  assert.match(q.answer, /^A memory of 512 helps contrastive, no mining \(\+\d/);
  assert.equal(q.comparisons[0].a, "xbm 512");
  // The memory is a setting of its own: the two kinds of run are separate result cells.
  assert.equal(f.results.length, 2);
  assert.ok(f.results.some((r) => r.miner === "none + xbm 512"));
  // Without runs that have a memory, no such question.
  const plain = await findingsOf(runs.filter((r) => !r.xbm));
  assert.ok(!plain.questions.some((x) => x.id === "memory"));
});
