/**
 * The deck's uses of headless Chromium (through playwright-core): rasterising SVG figures
 * and printing the HTML deck to PDF, in one browser session.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";

/** Slide size in CSS pixels (Marp's 16:9). */
export const SLIDE_WIDTH = 1280;
/** Slide height in CSS pixels. */
export const SLIDE_HEIGHT = 720;

/** Starts headless Chromium; the caller closes it. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: ["--no-sandbox"], timeout: 30_000 });
}

/**
 * Rasterises SVG documents as a browser shows them in an `<img>`, on white, at 2x.
 *
 * @param browser A running browser.
 * @param svgs SVG documents.
 * @returns One PNG per SVG, in order: twice the SVG's width and height in pixels.
 */
export async function rasterizeSvgs(
  browser: Browser,
  svgs: readonly string[],
): Promise<Uint8Array[]> {
  if (svgs.length === 0) return [];
  const context = await browser.newContext({
    deviceScaleFactor: 2,
    viewport: { width: 800, height: 600 },
  });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const pngs: Uint8Array[] = [];
    for (const svg of svgs) {
      const uri = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
      await page.setContent(
        `<!doctype html><html><head><style>html,body{margin:0;background:#fff}` +
          `img{display:block}</style></head><body><img src="${uri}"></body></html>`,
        { waitUntil: "load" },
      );
      const size = await page.evaluate(() => {
        const img = document.querySelector("img")!;
        return { width: img.naturalWidth, height: img.naturalHeight };
      });
      const width = Math.max(1, Math.ceil(size.width));
      const height = Math.max(1, Math.ceil(size.height));
      await page.setViewportSize({ width, height });
      const png = await page.screenshot({ type: "png", clip: { x: 0, y: 0, width, height } });
      pngs.push(new Uint8Array(png));
    }
    return pngs;
  } finally {
    await context.close();
  }
}

/** What {@linkcode printDeck} returns. */
export interface PrintResult {
  /** The PDF bytes. */
  pdf: Uint8Array;
  /** Slides whose content does not fit, images that did not load. */
  warnings: string[];
}

/**
 * Opens the HTML deck from its file, checks that every slide's content fits its 1280x720
 * box and every image loaded, and prints it: one 1280x720 px page per slide.
 *
 * @param browser A running browser.
 * @param htmlPath The written `slides.html`.
 * @returns The PDF and the warnings.
 */
export async function printDeck(browser: Browser, htmlPath: string): Promise<PrintResult> {
  const page = await browser.newPage({ viewport: { width: SLIDE_WIDTH, height: SLIDE_HEIGHT } });
  try {
    page.setDefaultTimeout(30_000);
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });
    const problems = await page.evaluate(([w, h]) => {
      const out: string[] = [];
      const sections = document.querySelectorAll("div.marpit > svg > foreignObject > section");
      sections.forEach((section, i) => {
        const box = section.getBoundingClientRect();
        const scale = box.width / w;
        let bottom = 0, right = 0, top = 0, left = 0;
        for (const child of Array.from(section.children)) {
          if (child.tagName === "HEADER" || child.tagName === "FOOTER") continue;
          const r = child.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          bottom = Math.max(bottom, (r.bottom - box.bottom) / scale);
          top = Math.max(top, (box.top - r.top) / scale);
          right = Math.max(right, (r.right - box.right) / scale);
          left = Math.max(left, (box.left - r.left) / scale);
        }
        const cut = [
          [top, "top"],
          [bottom, "bottom"],
          [left, "left"],
          [right, "right"],
        ].filter(([px]) => (px as number) > 1).map(([px, side]) =>
          `${Math.round(px as number)} px at the ${side}`
        );
        if (cut.length) {
          out.push(
            `slide ${i + 1}: content does not fit the ${w}x${h} slide (${cut.join(", ")}); ` +
              "shorten it or shrink its figure or table",
          );
        }
        // Tables and code blocks scroll inside themselves (display: block; overflow: auto).
        section.querySelectorAll("table, pre").forEach((el) => {
          const hidden = el.scrollWidth - el.clientWidth;
          if (hidden > 1) {
            out.push(
              `slide ${i + 1}: a ${el.tagName.toLowerCase()} is ${hidden} px wider than the ` +
                "space for it and is cut off; use fewer columns or shorter cells",
            );
          }
        });
        section.querySelectorAll("img").forEach((img) => {
          if (!img.complete || img.naturalWidth === 0) {
            out.push(`slide ${i + 1}: image "${img.getAttribute("alt") ?? ""}" did not load`);
          }
        });
      });
      return out;
    }, [SLIDE_WIDTH, SLIDE_HEIGHT]);
    const pdf = await page.pdf({
      width: `${SLIDE_WIDTH}px`,
      height: `${SLIDE_HEIGHT}px`,
      printBackground: true,
      margin: { top: "0", right: "0", bottom: "0", left: "0" },
    });
    return { pdf: new Uint8Array(pdf), warnings: problems };
  } finally {
    await page.close();
  }
}
