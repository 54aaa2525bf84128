/**
 * The report in a real headless browser: Debian's Chromium (/usr/bin/chromium, installed
 * by .ci/run) driven by playwright-core over the Chrome DevTools Protocol. Skipped when
 * Chromium is absent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { buildReport } from "../../lib/report/build_report.ts";
import { serveSite } from "../../lib/report/serve.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** The report built from the committed fixture run folder. */
const FIXTURE_RUNS = fileURLToPath(new URL("../fixtures/runs", import.meta.url));

/** Writes the site under test into `out`. */
async function buildSite(out: string): Promise<void> {
  const { warnings } = await buildReport({ runs: FIXTURE_RUNS, out });
  assert.deepEqual(warnings, []);
}

Deno.test({
  name: "report pages load in headless Chromium without errors and show their figures",
  ignore: !hasChromium,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "metriclab-browser-" });
    const site = join(tmp, "site");
    await buildSite(site);
    const server = await serveSite({ dir: site, port: 0 });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox"],
      timeout: 15_000,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
      page.setDefaultTimeout(10_000);
      const problems: string[] = [];
      page.on("console", (m) => {
        // Chromium asks for /favicon.ico by itself when a page names no icon: not the page's fault.
        if (m.type() !== "error" || m.location().url.endsWith("/favicon.ico")) return;
        problems.push(`console error: ${m.text()} (${m.location().url})`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on(
        "requestfailed",
        (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`),
      );
      page.on("response", (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      });

      const response = await page.goto(server.url, { waitUntil: "load" });
      assert.equal(response?.status(), 200);
      // Every page the index links to on this site, once each.
      const hrefs: string[] = await page.$$eval(
        "a[href]",
        (links) => links.map((a) => (a as HTMLAnchorElement).href),
      );
      const linked = [...new Set(hrefs.map((h) => h.split("#")[0]))]
        .filter((h) => h.startsWith(server.url))
        .filter((h) => h !== server.url && h !== `${server.url}index.html`);
      assert.ok(linked.length >= 2, `the index links to ${linked.length} pages`);

      const shots = join(tmp, "shots");
      await Deno.mkdir(shots);
      // The index first (already loaded), then every linked page, which must show a figure.
      for (const [i, url] of [server.url, ...linked.slice(0, 12)].entries()) {
        if (i > 0) {
          const res = await page.goto(url, { waitUntil: "load" });
          assert.equal(res?.status(), 200, url);
        }
        const png = join(shots, `page-${i}.png`);
        await page.screenshot({ path: png, fullPage: true });
        const bytes = await Deno.readFile(png);
        assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], png);
        assert.ok(bytes.byteLength > 1024, `${png}: ${bytes.byteLength} bytes`);
        if (i === 0) continue;
        const svg = page.locator("svg").first();
        await svg.waitFor({ state: "visible" });
        const box = await svg.boundingBox();
        assert.ok(box && box.width > 0 && box.height > 0, `a visible <svg> on ${url}`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "a run page from file:// hides and isolates classes from the legend and downloads figures",
  ignore: !hasChromium,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "metriclab-browser-" });
    const site = join(tmp, "site");
    await buildSite(site);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox"],
      timeout: 15_000,
    });
    try {
      const page = await browser.newPage({
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      page.setDefaultTimeout(10_000);
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console error: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      const runPage = [...Deno.readDirSync(join(site, "runs"))]
        .find((e) => e.name.endsWith(".html"))!.name;
      await page.goto(`file://${join(site, "runs", runPage)}`, { waitUntil: "load" });

      const fig = page.locator("#fig-umap-train");
      const visible = (cls: string) =>
        fig.locator(`svg g.pts path[data-class="${cls}"]`).evaluateAll((els) =>
          els.filter((e) => getComputedStyle(e).display !== "none").length
        );
      const classes: string[] = await fig.locator(".legend button[data-class]").evaluateAll(
        (els) => els.map((e) => (e as HTMLElement).dataset.class!),
      );
      assert.ok(classes.length >= 2, `legend classes: ${classes.join(", ")}`);
      const [a, b] = classes;
      const before = await visible(a);
      assert.ok(before > 0);

      // Click hides the class's dots and its label; the others stay.
      await fig.locator(`.legend button[data-class="${a}"]`).click();
      assert.equal(await visible(a), 0, `${a}'s dots hidden`);
      assert.ok(await visible(b) > 0);
      assert.equal(
        await fig.locator(`svg text[data-class="${a}"]`).evaluateAll((els) =>
          els.filter((e) => getComputedStyle(e).display !== "none").length
        ),
        0,
        `${a}'s label hidden`,
      );
      // Click again shows it; shift-click isolates b.
      await fig.locator(`.legend button[data-class="${a}"]`).click();
      assert.equal(await visible(a), before);
      await fig.locator(`.legend button[data-class="${b}"]`).click({ modifiers: ["Shift"] });
      assert.equal(await visible(a), 0, "isolating b hides a");
      assert.ok(await visible(b) > 0);
      await fig.locator(".legend button[data-reset]").click();
      assert.equal(await visible(a), before);

      // Downloads: SVG (a standalone document) and PNG.
      const [svgDownload] = await Promise.all([
        page.waitForEvent("download"),
        fig.locator('a[data-download="svg"]').click(),
      ]);
      assert.match(svgDownload.suggestedFilename(), /-fig-umap-train\.svg$/);
      const svg = await Deno.readTextFile((await svgDownload.path())!);
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, /<path data-class="[^"]+"[^>]* d="M[\d.]+ [\d.]+h0/);
      assert.match(svg, /UMAP of train/);
      const [pngDownload] = await Promise.all([
        page.waitForEvent("download"),
        page.locator('#fig-confusion a[data-download="png"]').click(),
      ]);
      assert.match(pngDownload.suggestedFilename(), /-fig-confusion\.png$/);
      const png = await Deno.readFile((await pngDownload.path())!);
      assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      assert.ok(png.byteLength > 1000, `${png.byteLength} bytes`);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "the explorer shows a point's image on hover and its neighbours on click, from file:// and a server",
  ignore: !hasChromium,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "metriclab-browser-" });
    const site = join(tmp, "site");
    await buildSite(site);
    const server = await serveSite({ dir: site, port: 0 });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox"],
      timeout: 15_000,
    });
    try {
      const runFile = [...Deno.readDirSync(join(site, "runs"))]
        .find((e) => e.name.endsWith(".html"))!.name;
      for (
        const url of [
          `file://${join(site, "runs", runFile)}`,
          `${server.url}runs/${encodeURIComponent(runFile)}`,
        ]
      ) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        page.setDefaultTimeout(10_000);
        const problems: string[] = [];
        page.on("console", (m) => {
          if (m.type() !== "error" || m.location().url.endsWith("/favicon.ico")) return;
          problems.push(`console error: ${m.text()}`);
        });
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
        const requested: string[] = [];
        page.on("request", (r) => requested.push(r.url()));
        await page.goto(url, { waitUntil: "load" });
        assert.ok(
          !requested.some((u) => /sprite-|explorer\.js/.test(u)),
          "nothing of the explorer loads before a hover",
        );
        // A test point: the first dot of the test map's first class path, in page pixels.
        const fig = page.locator("#fig-umap-test");
        await fig.scrollIntoViewIfNeeded();
        const point = await fig.evaluate((f) => {
          const path = f.querySelector("g.pts path[data-class]") as SVGPathElement;
          const m = /M(-?[\d.]+) (-?[\d.]+)/.exec(path.getAttribute("d")!)!;
          const at = new DOMPoint(+m[1], +m[2]).matrixTransform(
            path.ownerSVGElement!.getScreenCTM()!,
          );
          return { x: at.x, y: at.y, name: path.getAttribute("data-class")! };
        });
        await page.mouse.move(point.x, point.y);
        const tip = page.locator(".xtip");
        await tip.locator("img").waitFor({ state: "visible" });
        await page.waitForFunction(() => {
          const img = document.querySelector(".xtip img") as HTMLImageElement | null;
          return img !== null && img.complete && img.naturalWidth > 0;
        });
        assert.match(
          await tip.locator("img").getAttribute("src") ?? "",
          /sprite-test\.jpg$/,
          "the test sprite sheet",
        );
        const text = await tip.innerText();
        assert.match(text, new RegExp(`^${point.name}\\b`), text);
        assert.match(text, /test sample #\d+/);
        assert.match(text, /nearest training: (pl\d0 ?){5}/);

        // A click pins the panel: the query, then 5 training images with their distances.
        await page.mouse.click(point.x, point.y);
        const panel = page.locator(".xpanel");
        await panel.waitFor({ state: "visible" });
        const cells = panel.locator(".cell");
        assert.equal(await cells.count(), 5);
        const distances = (await panel.locator(".dist").allInnerTexts()).map(Number);
        assert.equal(distances.length, 5);
        assert.deepEqual(distances, [...distances].sort((a, b) => a - b), "nearest first");
        assert.ok(distances.every((d) => Number.isFinite(d) && d >= 0));
        await page.waitForFunction(() =>
          [...document.querySelectorAll(".xpanel img")].every((i) =>
            (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0
          )
        );
        // Neighbours of another class are framed as such; the query's verdict is given.
        const others = await panel.locator(".cell.other").count();
        const names = await panel.locator(".cell .name").allInnerTexts();
        assert.equal(others, names.filter((n) => n !== point.name).length);
        assert.match(await panel.innerText(), /(correct|misclassified) at k=1/);
        await panel.locator("button.close").click();
        await panel.waitFor({ state: "hidden" });
        assert.deepEqual(problems, [], url);
        await page.close();
      }
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
