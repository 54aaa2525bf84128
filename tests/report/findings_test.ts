import assert from "node:assert/strict";
import {
  comparisonSentences,
  differenceSentence,
  findingsPage,
  pairRuns,
} from "../../lib/report/findings.ts";
import { readRun, type RunRecord } from "../../lib/report/read_runs.ts";

const FIXTURE = new URL(
  "../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture",
  import.meta.url,
).pathname;

function run(loss: string, miner: string, seed: number, acc: number, map: number): RunRecord {
  return {
    id: `${loss}-${miner}-s${seed}`,
    dir: "",
    config: {},
    summary: {
      data: "synthetic",
      loss,
      miner,
      dim: 8,
      seed,
      epochs: 1,
      test: { knnAccuracy: { "1": acc }, meanAveragePrecisionAtR: map },
    },
    epochs: [],
    evaluation: null,
    classNames: [],
    hierarchy: null,
    projections: null,
  };
}

const about = { subject: "Mining", metric: "k=1 accuracy", context: " for triplet" };

Deno.test("differenceSentence() says raised, lowered, no clear difference or asks for seeds", () => {
  const base = { standardError: 1, n: 3, df: 2 };
  assert.equal(
    differenceSentence(about, { ...base, meanDifference: 4.1, low: 2, high: 6.2 }),
    "Mining raised k=1 accuracy for triplet by 4.1 points (95% CI 2.0 to 6.2, 3 seeds).",
  );
  assert.equal(
    differenceSentence(about, { ...base, meanDifference: -3, low: -5, high: -1 }),
    "Mining lowered k=1 accuracy for triplet by 3.0 points (95% CI -5.0 to -1.0, 3 seeds).",
  );
  assert.equal(
    differenceSentence(about, { ...base, meanDifference: 0.8, low: -2.1, high: 3.7 }),
    "Mining: no clear difference in k=1 accuracy for triplet (mean +0.8 points, 95% CI -2.1 to 3.7, 3 seeds).",
  );
  assert.match(
    differenceSentence(about, {
      meanDifference: 2,
      standardError: null,
      low: null,
      high: null,
      n: 1,
      df: 0,
    }),
    /1 seed; a confidence interval needs at least two seeds/,
  );
});

Deno.test("comparisonSentences() pairs runs by seed and computes the interval in points", () => {
  const runs = [
    run("triplet", "semihard", 0, 0.80, 0.5),
    run("triplet", "semihard", 1, 0.82, 0.5),
    run("triplet", "semihard", 2, 0.81, 0.5),
    run("triplet", "none", 0, 0.70, 0.5),
    run("triplet", "none", 1, 0.71, 0.52),
    run("triplet", "none", 2, 0.72, 0.48),
    run("contrastive", "none", 0, 0.71, 0.4),
  ];
  const sets = pairRuns(
    runs,
    (r) => r.summary.miner === "semihard",
    (r) => r.summary.miner === "none",
    (r) => r.summary.loss,
  );
  assert.equal(sets.length, 1);
  assert.equal(sets[0].pairs.length, 3);
  const [acc, map] = comparisonSentences("Mining", sets);
  assert.match(
    acc,
    /^Mining raised k=1 accuracy for triplet by 10\.0 points \(95% CI .*, 3 seeds\)\.$/,
  );
  assert.match(map, /^Mining: no clear difference in MAP@R for triplet \(mean \+0\.0 points/);
  const one = comparisonSentences(
    "Contrastive instead of triplet",
    pairRuns(
      runs,
      (r) => r.summary.loss === "contrastive",
      (r) => r.summary.loss === "triplet",
      (r) => r.summary.miner,
    ),
  );
  assert.match(
    one[0],
    /changed k=1 accuracy for none by \+1\.0 points \(1 seed; a confidence interval needs at least two seeds\)/,
  );
});

Deno.test("findingsPage() draws the centroid heat map and dendrogram when analysis is present", async () => {
  const { run: fixture, warnings } = await readRun(FIXTURE);
  assert.deepEqual(warnings, []);
  assert.ok(fixture.analysis);
  const html = findingsPage([fixture]);
  assert.equal(html.match(/<svg/g)?.length, 2, "heat map and dendrogram");
  assert.match(html, /<title>pl20 – pl30: 1\.000<\/title>/);
  assert.match(html, /pl40 · prohibitory\/speed-limit/);
  assert.match(
    html,
    /In 1 of 1 run\(s\) the distances between class centroids correlate positively/,
  );
  assert.match(html, /Test silhouette averages 0\.30/);
  assert.match(html, /href="runs\/synthetic-triplet-semihard-d4-s0-fixture\.html"/);
  assert.match(html, /href="findings\.html" class="active"/);
  const without = findingsPage([{ ...fixture, analysis: null }]);
  assert.doesNotMatch(without, /<svg/);
  assert.match(without, /deno task evaluate --run &lt;dir&gt; --hierarchy &lt;tsv&gt;/);
});
