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
  for (const id of ["accuracy", "loss", "per-class"]) {
    assert.match(html, new RegExp(`<figure id="fig-compare-data-synthetic-${id}"`));
  }
  assert.match(html, /one panel per loss/);
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

Deno.test("runPage() puts every figure in a <figure id> with SVG and PNG download links", async () => {
  const { run } = await readRun(FIXTURE);
  const html = runPage(run, { gallery: null });
  const ids = [...html.matchAll(/<figure id="(fig-[a-z0-9-]+)"/g)].map((m) => m[1]);
  for (
    const id of [
      "fig-loss",
      "fig-mined",
      "fig-accuracy-k",
      "fig-per-class",
      "fig-confusion",
      "fig-umap-train",
      "fig-umap-test",
      "fig-tsne-train",
      "fig-tsne-test",
      "fig-pca-train",
      "fig-pca-test",
    ]
  ) assert.ok(ids.includes(id), `${id} in ${ids.join(", ")}`);
  assert.equal(new Set(ids).size, ids.length, "ids are unique");
  const figures = html.split(/<figure id="fig-/).slice(1);
  for (const f of figures) {
    assert.match(
      f,
      /<a href="#" data-download="svg">SVG<\/a><a href="#" data-download="png">PNG<\/a>/,
    );
  }
  assert.match(html, new RegExp(`data-name="${run.id}-fig-umap-train"`));
  // The inline script that serves the links and the legends.
  assert.match(html, /<script>[\s\S]*XMLSerializer[\s\S]*toBlob/);
  // Each projection has a legend whose entries name the classes its marks carry.
  const umap = figures.find((f) => f.startsWith("umap-train"))!;
  assert.match(umap, /<div class="legend">/);
  for (const name of run.classNames) {
    assert.match(umap, new RegExp(`<button type="button" data-class="${name}"`));
    assert.match(umap, new RegExp(`<path data-class="${name}"[^>]*d="M`));
  }
  assert.match(umap, /<figcaption[^>]*>UMAP[ (;][^<]*points; fitted separately/);
});

Deno.test("indexPage() draws one zoomed summary figure per dataset and metric", async () => {
  const { run } = await readRun(FIXTURE);
  const html = indexPage([run]);
  const ids = [...html.matchAll(/<figure id="(fig-summary-[a-z0-9-]+)"/g)].map((m) => m[1]);
  assert.deepEqual(ids, [
    "fig-summary-synthetic-acc-1",
    "fig-summary-synthetic-acc-5",
    "fig-summary-synthetic-map-r",
  ]);
  assert.match(html, /data-download="png"/);
});

Deno.test("runPage() shows test points placed into the train map over it, and a d=2 embedding as is", async () => {
  const { run } = await readRun(FIXTURE);
  const base = run.projections!.train.tsne!;
  const placed = { ...base, options: { ...(base.options ?? {}), fitted: "into-train" } };
  const embedding = { ...base, method: "embedding" as const, options: { fitted: "none" } };
  const html = runPage({
    ...run,
    projections: {
      ...run.projections!,
      testInTrain: { tsne: placed },
      embedding: { train: embedding, test: embedding },
    } as never,
  }, { gallery: null });
  for (
    const id of [
      "fig-tsne-train",
      "fig-tsne-test",
      "fig-tsne-test-in-train",
      "fig-embedding-train",
      "fig-embedding-test",
    ]
  ) {
    assert.match(html, new RegExp(`<figure[^>]* id="${id}"`), id);
  }
  assert.match(
    html,
    /placed into the training map \(the train map does not move\) \(the training map in grey\)/,
  );
  assert.match(html, /The embedding itself \(d = 2\)/);
  assert.match(html, /the embedding&#39;s own coordinates|the embedding's own coordinates/);
});

Deno.test("runPage() of a run with 20,000 training points stays under 3 MB: one path per class, no title per point", async () => {
  const { run } = await readRun(FIXTURE);
  const classNames = Array.from({ length: 81 }, (_, i) => `c${String(i).padStart(2, "0")}`);
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const fake = (n: number, method: "umap" | "tsne" | "pca", fitted = "separately") => {
    const labels = Array.from({ length: n }, (_, i) => i % 81);
    return {
      method,
      rows: labels.map((_, i) => i),
      labels,
      x: labels.map((c) => (c % 9) * 10 + 6 * random()),
      y: labels.map((c) => Math.floor(c / 9) * 10 + 6 * random()),
      subsampled: false,
      total: n,
      seconds: 0,
      options: { fitted },
    };
  };
  const methods = ["umap", "tsne", "pca"] as const;
  const projections = {
    version: 2,
    train: Object.fromEntries(methods.map((m) => [m, fake(20_000, m)])),
    test: Object.fromEntries(methods.map((m) => [m, fake(5_000, m)])),
    testInTrain: Object.fromEntries(methods.map((m) => [m, fake(5_000, m, "into-train")])),
  };
  const html = runPage({ ...run, classNames, projections } as never, {
    gallery: null,
    explorer: { src: "x/explorer.js" },
  });
  const bytes = new TextEncoder().encode(html).byteLength;
  // 3 x 20,000 + 3 x 5,000 + 3 x (5,000 + 20,000 in grey) = 150,000 points drawn.
  assert.equal(html.match(/h0/g)?.length, 150_000);
  assert.ok(bytes < 3_000_000, `${(bytes / 1e6).toFixed(2)} MB`);
  assert.ok(bytes / 150_000 < 16, `${(bytes / 150_000).toFixed(1)} bytes a point`);
  assert.doesNotMatch(html, /<circle[^>]*data-class=/);
  // Titles remain on the class-code labels (at most 81 a figure), not on the points.
  const titles = html.match(/<title>/g)?.length ?? 0;
  assert.ok(titles < 2_000, `${titles} titles`);
  assert.match(html, /data-explorer="x\/explorer\.js"/);
  assert.match(html, /<script>[\s\S]*metriclabExplorer/);
});
