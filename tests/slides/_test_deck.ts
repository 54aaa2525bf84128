/**
 * The small deck the slide tests write: 3 slides, a dot plot, a dot plot with a colour
 * legend (swatches), title and caption, and a 16x16 PNG.
 */
import * as Plot from "@observablehq/plot";
import { encode } from "fast-png";
import type { Deck } from "../../lib/slides/mod.ts";

/** Whether Debian's Chromium is here (CI installs it); browser tests are skipped without. */
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium: boolean = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** A 16x16 RGB gradient, as PNG bytes. */
export function samplePng(): Uint8Array {
  const data = new Uint8Array(16 * 16 * 3);
  for (let i = 0; i < 16 * 16; i++) {
    data[3 * i] = (i % 16) * 16;
    data[3 * i + 1] = Math.floor(i / 16) * 16;
    data[3 * i + 2] = 128;
  }
  return encode({ width: 16, height: 16, data, channels: 3 });
}

const points = Array.from({ length: 24 }, (_, i) => ({
  x: Math.cos(i) * (i + 1),
  y: Math.sin(i) * (i + 1),
  loss: ["contrastive", "triplet", "arcface"][i % 3],
}));

/** The test deck. */
export function testDeck(): Deck {
  return {
    title: "Metric learning: a test deck",
    footer: "metriclab tests",
    slides: [
      {
        markdown: "# Metric learning\n\nContrastive and triplet losses on traffic signs",
        className: "lead",
        notes: "Welcome. A tricky note --> that must not close the comment.",
      },
      {
        markdown: "## Accuracy\n\n![Accuracy by epoch](figures/accuracy.svg)",
        notes: "Accuracy rises with each epoch.\nSecond line.",
      },
      {
        markdown: [
          "## Embeddings",
          "",
          "| loss | acc@1 |",
          "| --- | --- |",
          "| contrastive | 88.0% |",
          "| triplet | 91.2% |",
          "",
          "![w:160 A sample image](figures/sample.png) ![Embeddings by loss](figures/embedding.svg)",
        ].join("\n"),
      },
    ],
    figures: [
      {
        name: "accuracy",
        alt: "Accuracy by epoch",
        plot: {
          y: { domain: [0, 1], grid: true },
          marks: [Plot.dot([0.5, 0.7, 0.8, 0.85], { x: (_, i) => i + 1, y: (d) => d })],
        },
        width: 480,
        height: 300,
      },
      {
        name: "embedding",
        alt: "Embeddings coloured by loss",
        plot: {
          title: "Embeddings",
          caption: "24 points, coloured by loss",
          color: { legend: true },
          marks: [Plot.dot(points, { x: "x", y: "y", fill: "loss" })],
        },
        width: 420,
        height: 260,
      },
      { name: "sample", alt: "A sample image", png: samplePng() },
    ],
  };
}
