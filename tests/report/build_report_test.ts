import assert from "node:assert/strict";
import { join } from "node:path";
import { buildReport } from "../../lib/report/build_report.ts";

const FIXTURE_RUNS = new URL("../fixtures/runs", import.meta.url).pathname;
const FIXTURE_ID = "synthetic-triplet-semihard-d4-s0-fixture";

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(join(from, entry.name), join(to, entry.name));
    else await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

Deno.test("buildReport() renders the fixture run into self-contained pages", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { pages, warnings, runs } = await buildReport({ runs: FIXTURE_RUNS, out });
    assert.deepEqual(warnings, []);
    assert.equal(runs, 1);
    assert.deepEqual(pages.map((p) => p.slice(out.length + 1)), [
      "index.html",
      "compare.html",
      "findings.html",
      `runs/${FIXTURE_ID}.html`,
    ]);
    for (const page of pages) {
      const html = await Deno.readTextFile(page);
      assert.match(html, /<svg/, page);
      assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)="(https?:)?\/\//i, page);
      assert.doesNotMatch(html, /@import|url\(http/i, page);
    }
    const index = await Deno.readTextFile(pages[0]);
    const body = index.slice(index.indexOf("<tbody>"), index.indexOf("</tbody>"));
    assert.equal(body.match(/<tr>/g)?.length, 1, "one table row per run");
    assert.match(body, new RegExp(`href="runs/${FIXTURE_ID}.html"`));
    assert.match(body, />66\.7%</, "acc@1 with one decimal");
    const run = await Deno.readTextFile(pages[3]);
    for (const name of ["pl20", "pl30", "pl40"]) {
      assert.match(
        run,
        new RegExp(`<title>${name}( \\(prohibitory\\))?</title>`),
        `${name} on hover`,
      );
    }
    assert.match(run, /9 of 12 points \(stratified subsample\)/, "t-SNE subsample size");
    assert.match(run, /UMAP of train/);
    assert.match(run, /t-SNE of test/);
    assert.match(run, /true pl\d0, predicted pl\d0/, "confusion cells named");
    assert.equal(
      run.match(/src="data:image\/png;base64,/g)?.length,
      6 * 6,
      "6 test images x 5 neighbours",
    );
    assert.match(run, /href="\.\.\/index\.html"/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("buildReport() skips unfinished and corrupt runs with a warning and builds the rest", async () => {
  const root = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  try {
    await copyDir(join(FIXTURE_RUNS, FIXTURE_ID), join(root, "good"));
    await copyDir(join(FIXTURE_RUNS, FIXTURE_ID), join(root, "corrupt-summary"));
    await Deno.writeTextFile(join(root, "corrupt-summary", "summary.json"), "{ not json");
    await copyDir(join(FIXTURE_RUNS, FIXTURE_ID), join(root, "corrupt-metrics"));
    await Deno.writeTextFile(join(root, "corrupt-metrics", "metrics.jsonl"), "garbage\n{}\n");
    await copyDir(join(FIXTURE_RUNS, FIXTURE_ID), join(root, "unfinished"));
    await Deno.remove(join(root, "unfinished", "summary.json"));
    const { pages, warnings, runs } = await buildReport({ runs: root, out, gallery: false });
    assert.equal(runs, 1);
    assert.equal(pages.length, 4);
    assert.equal(warnings.length, 3);
    assert.match(warnings.join("\n"), /"corrupt-summary": summary\.json is not valid JSON/);
    assert.match(warnings.join("\n"), /"corrupt-metrics": metrics\.jsonl is corrupt/);
    assert.match(warnings.join("\n"), /"unfinished": no summary\.json \(unfinished run\)/);
    const index = await Deno.readTextFile(join(out, "index.html"));
    assert.match(index, /unfinished run/, "the index lists the warnings");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("buildReport() compares the chosen runs and rejects unknown ids", async () => {
  const root = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  try {
    await copyDir(join(FIXTURE_RUNS, FIXTURE_ID), join(root, "run-a"));
    await copyDir(join(FIXTURE_RUNS, FIXTURE_ID), join(root, "run-b"));
    await buildReport({ runs: root, out, compare: ["run-b", "run-a"], gallery: false });
    const compare = await Deno.readTextFile(join(out, "compare.html"));
    assert.match(compare, /Chosen runs/);
    assert.ok(
      compare.indexOf('title="run-b"') < compare.indexOf('title="run-a"'),
      "in the given order",
    );
    await assert.rejects(
      buildReport({ runs: root, out, compare: ["run-a", "nope"] }),
      RangeError,
      '"nope" not among the finished runs',
    );
    await assert.rejects(buildReport({ runs: root, out, compare: ["run-a"] }), RangeError);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("buildReport() notes a gallery it cannot build and keeps the page", async () => {
  const root = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  try {
    await copyDir(join(FIXTURE_RUNS, FIXTURE_ID), join(root, "moved"));
    const configPath = join(root, "moved", "config.json");
    const config = JSON.parse(await Deno.readTextFile(configPath));
    await Deno.writeTextFile(
      configPath,
      JSON.stringify({ ...config, data: join(root, "no-such-data") }),
    );
    const { warnings } = await buildReport({ runs: root, out });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /No gallery: cannot load the data/);
    const page = await Deno.readTextFile(join(out, "runs", "moved.html"));
    assert.match(page, /No gallery: cannot load the data/);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});
