import assert from "node:assert/strict";
import {
  comparePage,
  escapeHtml,
  indexPage,
  runPage,
  runPagePath,
  seedTable,
} from "../../lib/report/pages.ts";
import { readRun } from "../../lib/report/read_runs.ts";

const FIXTURE =
  new URL("../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url)
    .pathname;

Deno.test("escapeHtml() escapes markup characters", () => {
  assert.equal(
    escapeHtml(`<b a="1">'&'</b>`),
    "&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;",
  );
});

Deno.test("indexPage() has a sortable table with a column per k and an inline sort script", async () => {
  const { run } = await readRun(FIXTURE);
  const html = indexPage([run, { ...run, id: "second" }], ["Skipped: x"]);
  assert.match(html, /<table class="sortable"/);
  assert.match(html, /<th>acc@1<\/th><th>acc@5<\/th>/);
  assert.equal(html.match(/<tr><td class="t"><a href=/g)?.length, 2);
  assert.match(html, /<script>[\s\S]*addEventListener\("click"/);
  assert.match(html, /Skipped: x/);
  assert.equal(runPagePath("second"), "runs/second.html");
});

Deno.test("runPage() notes how to make projections when there are none", async () => {
  const { run } = await readRun(FIXTURE);
  const html = runPage({ ...run, projections: null }, {
    gallery: { items: [], note: "No gallery: test." },
  });
  assert.match(html, /deno task project --run /);
  assert.match(html, /No gallery: test\./);
  assert.match(html, /<style>/);
});

Deno.test("comparePage() puts the runs side by side", async () => {
  const { run } = await readRun(FIXTURE);
  const html = comparePage([{
    title: "Data: synthetic",
    runs: [run, { ...run, id: "other", summary: { ...run.summary, seed: 1 } }],
  }]);
  assert.match(html, /triplet\/semihard d4 s0/);
  assert.match(html, /triplet\/semihard d4 s1/);
  assert.equal(html.match(/<svg[^>]*viewBox/g)?.length, 3, "accuracy, loss and per-class charts");
});

Deno.test("seedTable() gives mean ± std over seeds per loss, miner and dim", async () => {
  const { run } = await readRun(FIXTURE);
  const at = (seed: number, acc: number) => ({
    ...run,
    id: `s${seed}`,
    summary: {
      ...run.summary,
      seed,
      test: { ...run.summary.test, knnAccuracy: { "1": acc }, meanAveragePrecisionAtR: 0.5 },
    },
  });
  const html = seedTable([at(0, 0.7), at(1, 0.8), at(2, 0.9)]);
  assert.match(
    html,
    /<td class="t">triplet<\/td><td class="t">semihard<\/td><td>4<\/td><td>80\.0 ± 10\.0<\/td><td>50\.0 ± 0\.0<\/td><td>3<\/td>/,
  );
  assert.match(indexPage([at(0, 0.7)]), /<td>70\.0<\/td><td>50\.0<\/td><td>1<\/td>/);
});

Deno.test("indexPage() and runPage() flag a collapsed run with its reasons", async () => {
  const { run } = await readRun(FIXTURE);
  const collapsed = {
    ...run,
    id: "collapsed",
    summary: { ...run.summary, collapsed: true, collapse: { reasons: ["near rank-1"] } },
  };
  const index = indexPage([run, collapsed]);
  assert.equal(
    index.match(/<span class="badge" title="near rank-1">collapsed<\/span>/g)?.length,
    1,
  );
  assert.match(index, /1 run\(s\) collapsed/);
  assert.match(
    runPage(collapsed, { gallery: null }),
    /This run's embedding collapsed<\/strong>: near rank-1/,
  );
  assert.doesNotMatch(runPage(run, { gallery: null }), /embedding collapsed/);
  assert.doesNotMatch(indexPage([run]), /collapsed/);
});
