/**
 * writeDeck() end to end: the test deck written once with Chromium (PNGs, PDF) and checked
 * file by file, then opened in headless Chromium; and once without Chromium.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { PNG_SIGNATURE } from "../../lib/slides/deck.ts";
import { writeDeck } from "../../lib/slides/write_deck.ts";
import { CHROMIUM, hasChromium, testDeck } from "./_test_deck.ts";

const NO_CHROMIUM = "Chromium not found (apt-get install chromium)";

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The relative targets of links and images in markdown. */
function markdownLinks(md: string): string[] {
  return [...md.matchAll(/\]\(\s*<?([^)\s>]+)/g)].map((m) => m[1]);
}

/** Paths relative to `dir`, sorted. */
function relative(dir: string, files: string[]): string[] {
  return files.map((f) => f.slice(dir.length + 1)).sort();
}

Deno.test({
  name: "writeDeck() writes markdown, SVG and PNG figures, HTML and a PDF that Chromium shows",
  ignore: !hasChromium,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "metriclab-deck-" });
    const deck = testDeck();
    try {
      // One Chromium session for every figure and the PDF, closed at the end: count the
      // launches (lib/slides/_chromium.ts calls this same playwright-core object).
      const launch = chromium.launch;
      const browsers: Browser[] = [];
      chromium.launch = async (...args: Parameters<typeof launch>) => {
        const browser = await launch.apply(chromium, args);
        browsers.push(browser);
        return browser;
      };
      let written;
      try {
        written = await writeDeck(deck, out, { chromium: CHROMIUM });
      } finally {
        chromium.launch = launch;
      }
      const { files, warnings } = written;
      assert.deepEqual(warnings, []);
      assert.deepEqual(relative(out, files), [
        "figures/accuracy.png",
        "figures/accuracy.svg",
        "figures/embedding.png",
        "figures/embedding.svg",
        "figures/sample.png",
        "slides.html",
        "slides.md",
        "slides.pdf",
      ]);
      assert.equal(browsers.length, 1, "one Chromium launch for the whole deck");
      assert.equal(browsers[0].isConnected(), false, "Chromium left running");
      // Nothing half-written left behind.
      const names = [...Deno.readDirSync(out), ...Deno.readDirSync(join(out, "figures"))];
      assert.ok(names.every((e) => !e.name.includes(".tmp-")), names.map((e) => e.name).join());

      // slides.md: front matter, N slides, notes as comments, every link a written file.
      const md = await Deno.readTextFile(join(out, "slides.md"));
      assert.ok(md.startsWith("---\nmarp: true\n"));
      assert.equal(md.split("\n\n---\n\n").length, deck.slides.length);
      assert.ok(md.includes("<!--\nAccuracy rises with each epoch.\nSecond line.\n-->"));
      assert.ok(!md.includes("note --> that"), "notes close their comment early");
      const links = markdownLinks(md);
      assert.deepEqual(links.sort(), [
        "figures/accuracy.svg",
        "figures/embedding.svg",
        "figures/sample.png",
      ]);
      for (const link of links) assert.ok(Deno.statSync(join(out, link)).isFile, link);

      // PNGs: signature, and twice the SVG's size for rasterised figures.
      for (const name of ["accuracy", "embedding"]) {
        const png = await Deno.readFile(join(out, `figures/${name}.png`));
        assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE, name);
        const svg = await Deno.readTextFile(join(out, `figures/${name}.svg`));
        const w = Number(/width="([\d.]+)"/.exec(svg)?.[1]);
        const h = Number(/height="([\d.]+)"/.exec(svg)?.[1]);
        assert.deepEqual(pngSize(png), { width: 2 * Math.ceil(w), height: 2 * Math.ceil(h) }, name);
        assert.ok(png.byteLength > 2000, `${name}.png: ${png.byteLength} bytes`);
      }
      assert.deepEqual(await Deno.readFile(join(out, "figures/sample.png")), deck.figures[2].png);

      // slides.html: self-contained.
      const html = await Deno.readTextFile(join(out, "slides.html"));
      assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?https?:/i);
      assert.doesNotMatch(html, /url\(\s*["']?https?:/i);
      assert.equal(html.match(/src="data:image\/(svg\+xml|png);base64,/g)?.length, 3);

      // slides.pdf: N pages of 16:9.
      const pdf = new TextDecoder("latin1").decode(await Deno.readFile(join(out, "slides.pdf")));
      assert.ok(pdf.startsWith("%PDF-"));
      assert.equal(pdf.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length, deck.slides.length);
      const boxes = [...pdf.matchAll(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/g)];
      assert.equal(boxes.length, deck.slides.length);
      for (const [, w, h] of boxes) assert.ok(Math.abs(Number(w) / Number(h) - 16 / 9) < 0.01);

      // In Chromium: the SVGs parse as XML, the page shows N slides with loaded images.
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const problems: string[] = [];
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        page.on("request", (r) => {
          if (!/^(file|data):/.test(r.url())) problems.push(`request: ${r.url()}`);
        });
        for (const name of ["accuracy", "embedding"]) {
          const text = await Deno.readTextFile(join(out, `figures/${name}.svg`));
          const parsed = await page.evaluate((source) => {
            const doc = new DOMParser().parseFromString(source, "image/svg+xml");
            const root = doc.documentElement;
            return {
              error: doc.getElementsByTagName("parsererror")[0]?.textContent ?? "",
              root: root.localName,
              ns: root.namespaceURI,
            };
          }, text);
          assert.deepEqual(
            parsed,
            { error: "", root: "svg", ns: "http://www.w3.org/2000/svg" },
            name,
          );
        }
        await page.goto(pathToFileURL(join(out, "slides.html")).href, { waitUntil: "load" });
        const shown = await page.evaluate(() => ({
          sections: document.querySelectorAll("div.marpit section").length,
          images: Array.from(document.querySelectorAll("section img")).map((img) =>
            (img as HTMLImageElement).naturalWidth
          ),
          notes: document.querySelectorAll("details.deck-notes").length,
        }));
        assert.equal(shown.sections, deck.slides.length);
        assert.equal(shown.images.length, 3);
        assert.ok(shown.images.every((w) => w > 0), `image widths ${shown.images}`);
        assert.equal(shown.notes, 2);
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test("writeDeck() without Chromium skips the PDF and rasterised PNGs with a warning", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-deck-" });
  try {
    const { files, warnings } = await writeDeck(testDeck(), out, { chromium: "/nonexistent" });
    assert.deepEqual(warnings, [
      `figures/accuracy.png, figures/embedding.png not written: ${NO_CHROMIUM}`,
      `slides.pdf not written: ${NO_CHROMIUM}`,
    ]);
    assert.deepEqual(relative(out, files), [
      "figures/accuracy.svg",
      "figures/embedding.svg",
      "figures/sample.png",
      "slides.html",
      "slides.md",
    ]);
    for (const file of files) assert.ok(Deno.statSync(file).size > 0, file);
    await assert.rejects(Deno.stat(join(out, "slides.pdf")), Deno.errors.NotFound);
    // The HTML needs no PNG of its own: its figures are inlined.
    const html = await Deno.readTextFile(join(out, "slides.html"));
    assert.equal(html.match(/<section\b/g)?.length, 3);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("writeDeck() with pdf: false and no Chromium warns about the PNGs only", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-deck-" });
  try {
    const { warnings } = await writeDeck(testDeck(), out, { pdf: false, chromium: "/nonexistent" });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^figures\/accuracy\.png, figures\/embedding\.png not written/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("writeDeck() rejects a bad deck before writing anything", async () => {
  const out = await Deno.makeTempDir({ prefix: "metriclab-deck-" });
  try {
    const missing = testDeck();
    missing.slides[2].markdown += "\n\n![x](figures/nope.svg)";
    await assert.rejects(
      writeDeck(missing, out, { chromium: "/nonexistent" }),
      (e) => e instanceof TypeError && e.message.includes('slide 3 refers to "figures/nope.svg"'),
    );
    const split = testDeck();
    split.slides[1].markdown += "\n\n***\n\nmore";
    await assert.rejects(
      writeDeck(split, out, { chromium: "/nonexistent" }),
      (e) => e instanceof TypeError && e.message.includes("slide 2 holds a line of ---"),
    );
    const directive = testDeck();
    directive.slides[2].notes = "paginate: false";
    await assert.rejects(
      writeDeck(directive, out, { chromium: "/nonexistent" }),
      (e) =>
        e instanceof TypeError &&
        e.message.includes("slide 3: Marp reads its notes as a directive"),
    );
    assert.deepEqual([...Deno.readDirSync(out)], []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test({
  name: "writeDeck() warns about a slide whose table does not fit",
  ignore: !hasChromium,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "metriclab-deck-" });
    try {
      const rows = Array.from({ length: 20 }, (_, i) => `| run ${i} | ${i}% |`).join("\n");
      const { warnings } = await writeDeck(
        {
          title: "Too long",
          slides: [{ markdown: "## Fits" }, {
            markdown: `## Runs\n\n| run | acc |\n|---|---|\n${rows}`,
          }],
          figures: [],
        },
        out,
        { chromium: CHROMIUM },
      );
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(
        warnings[0],
        /^slide 2: content does not fit the 1280x720 slide \(\d+ px at the bottom\)/,
      );
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
