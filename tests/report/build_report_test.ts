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
    // Each class's dots are one path (the explorer's hover names them), not a circle each.
    for (const name of ["pl20", "pl30", "pl40"]) {
      assert.match(run, new RegExp(`<path data-class="${name}"[^>]*d="M`), name);
    }
    assert.doesNotMatch(run, /<circle[^>]*data-class=/);
    assert.match(
      run,
      new RegExp(`data-explorer="${FIXTURE_ID}/explorer\\.js"`),
      "the page names its explorer's data",
    );
    assert.match(run, /9 of 12 points \(stratified subsample\)/, "t-SNE subsample size");
    assert.match(run, /UMAP of train/);
    assert.match(run, /t-SNE of test/);
    assert.match(run, /true pl\d0, predicted pl\d0/, "confusion cells named");
    assert.equal(
      run.match(/src="data:image\/jpeg;base64,/g)?.length,
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

Deno.test("buildReport() notes a gallery and an explorer it cannot build and keeps the page", async () => {
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
    // No explorer either: a note, no data script; hovering still names a point's class.
    assert.match(page, /No image explorer: cannot load the data/);
    assert.doesNotMatch(page, /data-explorer=/);
    await assert.rejects(Deno.stat(join(out, "runs", "moved", "explorer.js")));
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("buildReport() writes each run's explorer: sprite sheets and neighbours of every drawn point", async () => {
  const out = await Deno.makeTempDir();
  try {
    await buildReport({ runs: FIXTURE_RUNS, out });
    const dir = join(out, "runs", FIXTURE_ID);
    const html = await Deno.readTextFile(join(out, "runs", `${FIXTURE_ID}.html`));
    const script = await Deno.readTextFile(join(dir, "explorer.js"));
    assert.match(script, /^window\.metriclabExplorer=/);
    const data = JSON.parse(script.slice(script.indexOf("=") + 1).trim().replace(/;$/, ""));
    assert.equal(data.k, 5);
    for (const name of Object.values(data.sprites) as string[]) {
      const jpg = await Deno.readFile(join(dir, name));
      assert.deepEqual([...jpg.subarray(0, 2)], [0xff, 0xd8], `${name} is a JPEG`);
    }
    for (const split of ["train", "test"] as const) {
      const s = data[split];
      assert.equal(s.nn.length, s.labels.length * data.k);
      assert.equal(s.dist.length, s.nn.length);
      for (let row = 0; row < s.labels.length; row++) {
        const d = s.dist.slice(row * data.k, (row + 1) * data.k);
        assert.deepEqual(d, [...d].sort((a: number, b: number) => a - b), "nearest first");
        if (split === "train") {
          assert.ok(!s.nn.slice(row * data.k, (row + 1) * data.k).includes(row), "not itself");
        }
      }
    }
    // Every projection figure has its rows, one per point its paths draw, in their order.
    const figures = html.split(/<figure id="/).slice(1);
    const projections = figures.filter((f) => / data-split="/.test(f.slice(0, 300)));
    assert.ok(projections.length >= 6, `${projections.length} projection figures`);
    for (const f of projections) {
      const id = f.slice(0, f.indexOf('"'));
      const points = f.slice(0, f.indexOf("</svg>")).match(/h0/g)?.length ?? 0;
      assert.equal(data.figures[id]?.rows.length, points, id);
      const split = / data-split="(train|test)"/.exec(f)![1];
      assert.equal(data.figures[id].split, split, id);
      // Each path's class is the class of the rows it draws.
      const classes = [
        ...f.slice(0, f.indexOf("</svg>")).matchAll(
          /<path data-class="([^"]+)"[^>]*d="([^"]+)"/g,
        ),
      ].flatMap((m) => Array(m[2].match(/h0/g)!.length).fill(m[1]));
      assert.deepEqual(
        data.figures[id].rows.map((r: number) => data.classNames[data[split].labels[r]]),
        classes,
        id,
      );
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
