/**
 * Building the exercise's slide deck from run folders: findings, a sample image per class,
 * the deck's content, then `slides.md`, its figures, `slides.html` and `slides.pdf`.
 *
 * @module
 */
import { encode } from "fast-png";
import { type DataConfig, loadData } from "../experiment/load_data.ts";
import type { ExperimentConfig } from "../experiment/config.ts";
import { writeDeck } from "../slides/mod.ts";
import type { ClassInfo, ImageDataset } from "../types.ts";
import { buildFindings, type FindingsFile } from "./build_findings.ts";
import { exerciseDeck } from "./exercise_deck.ts";
import { readRuns, type RunRecord } from "./read_runs.ts";

/** Options of {@linkcode buildSlides}. */
export interface BuildSlidesOptions {
  /** The folder that holds the run folders. */
  runs: string;
  /** Where the deck goes (created when missing). */
  out: string;
  /** The dataset to present. @default the one with the most runs */
  data?: string;
  /** Findings already built from the same runs (else built here). */
  findings?: FindingsFile;
  /** Where findings.json lies relative to the deck, for the speaker notes. */
  findingsPath?: string;
  /** A class hierarchy that overrides the runs' own. */
  hierarchy?: ClassInfo[] | null;
  /** Print the PDF with Chromium. @default {true} */
  pdf?: boolean;
  /** Load the runs' data again for sample images of the classes. @default {true} */
  images?: boolean;
}

/** What {@linkcode buildSlides} returns. */
export interface BuildSlidesResult {
  /** The files written (`slides.md` first). */
  files: string[];
  /** What was left out, and why. */
  warnings: string[];
  /** Number of slides. */
  slides: number;
}

/** One PNG per class: the first sample of each class in the dataset. */
function classSamples(dataset: ImageDataset): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const size = dataset.height * dataset.width * dataset.channels;
  for (let i = 0; i < dataset.labels.length; i++) {
    const name = dataset.classNames[dataset.labels[i]];
    if (out.has(name)) continue;
    out.set(
      name,
      encode({
        width: dataset.width,
        height: dataset.height,
        data: dataset.images.subarray(i * size, (i + 1) * size),
        channels: dataset.channels,
        depth: 8,
      }),
    );
  }
  return out;
}

async function samplesFor(
  runs: readonly RunRecord[],
  data: string | undefined,
  warnings: string[],
): Promise<Map<string, Uint8Array> | undefined> {
  const run = runs.find((r) => String(r.summary.data) === data) ?? runs[0];
  if (!run || typeof run.config.data !== "string") return undefined;
  try {
    return classSamples(await loadData(run.config as unknown as DataConfig & ExperimentConfig));
  } catch (error) {
    warnings.push(
      `No sample images: cannot load the data "${run.config.data}" again (${
        error instanceof Error ? error.message : error
      })`,
    );
    return undefined;
  }
}

/**
 * Reads the finished runs under `runs` and writes the exercise's deck into `out`.
 *
 * @param options Where to read and write, which dataset, PDF or not.
 * @returns The files written and the warnings.
 * @throws {Deno.errors.NotFound} When the runs folder does not exist.
 * @throws {RangeError} When `data` names a dataset without finished runs.
 *
 * @example
 * ```ts ignore
 * import { buildSlides } from "./build_slides.ts";
 * const { files } = await buildSlides({ runs: "runs", out: "slides" });
 * ```
 */
export async function buildSlides(options: BuildSlidesOptions): Promise<BuildSlidesResult> {
  const { runs, warnings } = await readRuns(options.runs);
  const findings = options.findings ??
    await buildFindings(runs, { hierarchy: options.hierarchy });
  const counts = new Map<string, number>();
  for (const r of runs) {
    counts.set(String(r.summary.data), (counts.get(String(r.summary.data)) ?? 0) + 1);
  }
  const data = options.data ??
    [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const samples = options.images === false || !runs.length
    ? undefined
    : await samplesFor(runs, data, warnings);
  const { deck, warnings: deckWarnings } = exerciseDeck(findings, runs, {
    data: options.data,
    samples,
    findingsPath: options.findingsPath,
  });
  warnings.push(...deckWarnings);
  const written = await writeDeck(deck, options.out, { pdf: options.pdf ?? true });
  warnings.push(...written.warnings);
  return { files: written.files, warnings, slides: deck.slides.length };
}
