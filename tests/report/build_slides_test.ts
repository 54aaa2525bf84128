import assert from "node:assert/strict";
import { join } from "node:path";
import { buildSlides } from "../../lib/report/build_slides.ts";
import { writeFakeRun } from "./_fake_runs.ts";

const FIXTURE = new URL(
  "../fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture",
  import.meta.url,
).pathname;
const hasChromium = await Deno.stat("/usr/bin/chromium").then(() => true, () => false);

async function withRuns(
  make: (root: string) => Promise<void>,
  check: (root: string, out: string) => Promise<void>,
) {
  const root = await Deno.makeTempDir(), out = await Deno.makeTempDir();
  try {
    await make(root);
    await check(root, out);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
}

/** The figure paths slides.md links to. */
const links = (markdown: string) =>
  [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);

Deno.test({
  name: "buildSlides() writes the Marp deck, its figure files, an offline HTML deck and a PDF",
  ignore: !hasChromium,
  fn: () =>
    withRuns(async (root) => {
      for (const miner of ["none", "semihard"]) {
        for (const loss of ["contrastive", "triplet"]) {
          for (const dim of [4, 8]) {
            await writeFakeRun(root, {
              loss,
              miner,
              dim,
              seed: 0,
              noise: miner === "none" ? 1.2 : 0.6,
            });
          }
        }
      }
    }, async (root, out) => {
      const result = await buildSlides({ runs: root, out, images: false });
      const md = await Deno.readTextFile(join(out, "slides.md"));
      assert.match(md, /^---\nmarp: true\n/);
      const slides = md.split(/\n---\n/).length - 1; // the front matter's closing line splits too
      assert.equal(slides, result.slides);
      assert.ok(result.slides >= 8 && result.slides <= 14, `${result.slides} slides`);
      for (
        const heading of [
          "## Setup",
          "## Results",
          "## Does mining help?",
          "## Contrastive or triplet?",
          "## Which embedding dimension?",
          "## Conclusions",
        ]
      ) {
        assert.ok(md.includes(heading), heading);
      }
      assert.match(md, /\*\*Semihard mining [^*]+\*\*/);
      assert.match(md, /<!--\nFrom .*findings\.json/);
      const figures = links(md);
      assert.ok(figures.length >= 3, `${figures.length} figures`);
      for (const f of figures) {
        const stat = await Deno.stat(join(out, f));
        assert.ok(stat.size > 200, f);
        if (f.endsWith(".svg")) {
          assert.ok(
            (await Deno.stat(join(out, f.replace(/\.svg$/, ".png")))).size > 500,
            `${f} png`,
          );
        }
      }
      const html = await Deno.readTextFile(join(out, "slides.html"));
      assert.doesNotMatch(html, /(src|href)="https?:/);
      assert.match(html, /data:image\/svg\+xml|data:image\/png/);
      const pdf = await Deno.readFile(join(out, "slides.pdf"));
      const text = new TextDecoder("latin1").decode(pdf);
      assert.ok(text.startsWith("%PDF"));
      assert.equal(text.match(/\/Type\s*\/Page[^s]/g)?.length, result.slides, "one page per slide");
    }),
});

Deno.test("buildSlides() on one run shows its projections and hierarchy and says what it could not compare", () =>
  withRuns(async (root) => {
    await Deno.mkdir(join(root, "one"));
    for await (const e of Deno.readDir(FIXTURE)) {
      if (e.isFile) await Deno.copyFile(join(FIXTURE, e.name), join(root, "one", e.name));
    }
    await Deno.mkdir(join(root, "one", "embeddings"));
    for await (const e of Deno.readDir(join(FIXTURE, "embeddings"))) {
      await Deno.copyFile(
        join(FIXTURE, "embeddings", e.name),
        join(root, "one", "embeddings", e.name),
      );
    }
  }, async (root, out) => {
    const result = await buildSlides({ runs: root, out, pdf: false, images: false });
    const md = await Deno.readTextFile(join(out, "slides.md"));
    assert.match(md, /## t-SNE of the embedding: train and test/);
    assert.match(md, /figures\/tsne-train\.svg\) !\[[^\]]*\]\(figures\/tsne-test\.svg/);
    assert.match(md, /## Do group distances follow class similarity\?/);
    assert.match(md, /## What could not be compared\n\n- synthetic: no mining comparison/);
    for (const f of links(md)) await Deno.stat(join(out, f));
    assert.ok(result.files.some((f) => f.endsWith("slides.html")));
    assert.ok(!result.files.some((f) => f.endsWith("slides.pdf")));
  }));

Deno.test("buildSlides() with no runs, or only collapsed ones, writes a deck that says so", async () => {
  await withRuns(async () => {}, async (root, out) => {
    const result = await buildSlides({ runs: root, out, pdf: false });
    const md = await Deno.readTextFile(join(out, "slides.md"));
    assert.equal(result.slides, 2);
    assert.match(md, /## What could not be compared\n\nNo finished runs/);
  });
  await withRuns(async (root) => {
    await writeFakeRun(root, {
      loss: "triplet",
      miner: "batch-hard",
      dim: 8,
      seed: 0,
      noise: 0,
      collapsed: true,
    });
  }, async (root, out) => {
    await buildSlides({ runs: root, out, pdf: false, images: false });
    const md = await Deno.readTextFile(join(out, "slides.md"));
    assert.match(md, /All 1 runs on synthetic collapsed: no comparison can be drawn/);
  });
});

Deno.test("buildSlides() presents one dataset of a mixed folder and refuses an unknown one", () =>
  withRuns(async (root) => {
    await writeFakeRun(root, {
      loss: "triplet",
      miner: "none",
      dim: 8,
      seed: 0,
      noise: 0.8,
      data: "a",
    });
    await writeFakeRun(root, {
      loss: "triplet",
      miner: "semihard",
      dim: 8,
      seed: 0,
      noise: 0.8,
      data: "a",
    });
    await writeFakeRun(root, {
      loss: "triplet",
      miner: "none",
      dim: 8,
      seed: 0,
      noise: 0.8,
      data: "b",
    });
  }, async (root, out) => {
    const result = await buildSlides({ runs: root, out, pdf: false, images: false });
    assert.ok(
      result.warnings.some((w) => /present a \(2 runs\) and leave out b/.test(w)),
      result.warnings.join("\n"),
    );
    await assert.rejects(
      buildSlides({ runs: root, out, pdf: false, images: false, data: "c" }),
      /Cannot make slides for data "c": no finished run uses it \(found: a, b\)/,
    );
  }));
