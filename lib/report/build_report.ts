/**
 * Building the static report site from run folders: `index.html`, `compare.html` and one
 * `findings.html` and one `runs/<id>.html` per finished run.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { type DataConfig, datasetKey, loadData } from "../experiment/load_data.ts";
import type { ExperimentConfig } from "../experiment/config.ts";
import { writeFileAtomic, writeJsonAtomic } from "../run/run_folder.ts";
import type { ClassInfo, ImageDataset } from "../types.ts";
import { buildGallery } from "./gallery.ts";
import {
  type CompareGroup,
  comparePage,
  type Gallery,
  indexPage,
  runPage,
  runPagePath,
} from "./pages.ts";
import { buildExplorer, explorerScript } from "./explorer.ts";
import { projectionPanels, projectionPointOrder } from "./projection_figure.ts";
import { findingsPage } from "./findings.ts";
import { buildFindings, type FindingsFile } from "./build_findings.ts";
import { readRuns, type RunRecord } from "./read_runs.ts";

/** Options of {@linkcode buildReport}. */
export interface BuildReportOptions {
  /** The folder that holds the run folders. */
  runs: string;
  /** Where the site is written (created when missing). */
  out: string;
  /**
   * Run ids for `compare.html` (two or more). Default: all runs of the same data, one
   * section per dataset.
   */
  compare?: string[];
  /** A class hierarchy that overrides the runs' own (e.g. from `tt100k_classes.tsv`). */
  hierarchy?: ClassInfo[] | null;
  /** Build the neighbour galleries (loads each run's dataset again). @default {true} */
  gallery?: boolean;
  /**
   * Write each run's image explorer (`runs/<id>/explorer.js`, `sprite-train.jpg`,
   * `sprite-test.jpg`; loads the dataset again). @default {the value of `gallery`}
   */
  explorer?: boolean;
  /** Called after each page with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** What {@linkcode buildReport} returns. */
export interface BuildReportResult {
  /** Paths of the pages written, `index.html` first. */
  pages: string[];
  /** Skipped runs, missing optional files, galleries left out. */
  warnings: string[];
  /** The runs in the report. */
  runs: number;
  /** The findings written to `findings.json`. */
  findings: FindingsFile;
}

/** The run's dataset loaded again (once per dataset), or why it cannot be. */
async function datasetFor(
  run: RunRecord,
  cache: Map<string, Promise<ImageDataset>>,
): Promise<{ dataset: ImageDataset } | { reason: string }> {
  const config = run.config;
  if (typeof config.data !== "string") return { reason: "config.json does not name the data" };
  const key = datasetKey(config as unknown as DataConfig);
  if (!cache.has(key)) {
    cache.set(key, loadData(config as unknown as ExperimentConfig));
  }
  try {
    return { dataset: await cache.get(key)! };
  } catch (error) {
    return {
      reason: `cannot load the data "${config.data}" again (${
        error instanceof Error ? error.message : error
      })`,
    };
  }
}

/**
 * Writes a run's explorer (`runs/<id>/explorer.js` and its sprite sheets) and returns what
 * its page needs: the data script's URL relative to the page, or a note.
 */
async function writeExplorer(
  run: RunRecord,
  loaded: { dataset: ImageDataset } | { reason: string },
  out: string,
): Promise<{ src: string } | { note: string }> {
  if ("reason" in loaded) return { note: `No image explorer: ${loaded.reason}.` };
  const figures = projectionPanels(run).map((panel) => ({
    id: panel.id,
    split: panel.split,
    rows: projectionPointOrder(panel.projection, run.classNames).map((i) =>
      panel.projection.rows[i]
    ),
  }));
  const explorer = await buildExplorer(run.dir, loaded.dataset, figures);
  if ("note" in explorer) return explorer;
  const dir = join(out, "runs", run.id);
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(explorer.files)) {
    await Deno.writeFile(join(dir, name), bytes);
  }
  await writeFileAtomic(join(dir, EXPLORER_FILE), explorerScript(explorer.data));
  return { src: `${encodeURIComponent(run.id)}/${EXPLORER_FILE}` };
}

/** The explorer's data script in `runs/<id>/`, next to its sprite sheets. */
const EXPLORER_FILE = "explorer.js";

function compareGroups(runs: RunRecord[], ids?: string[]): CompareGroup[] {
  if (ids?.length) {
    const byId = new Map(runs.map((r) => [r.id, r]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) {
      throw new RangeError(
        `Cannot compare runs: ${
          missing.map((m) => `"${m}"`).join(", ")
        } not among the finished runs`,
      );
    }
    return [{ title: "Chosen runs", runs: ids.map((id) => byId.get(id)!) }];
  }
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const data = String(r.summary.data);
    groups.set(data, [...(groups.get(data) ?? []), r]);
  }
  return [...groups].map(([data, group]) => ({ title: `Data: ${data}`, runs: group }));
}

/**
 * Reads every run folder under `runs` and writes the report site to `out`: `index.html`
 * (sortable table, accuracy by loss x mining), `compare.html`, `findings.html` with its
 * data in `findings.json`, and `runs/<id>.html` with its image explorer in `runs/<id>/`
 * (a data script and a JPEG sprite sheet per split, loaded by the page on the first hover).
 * Unfinished runs (no summary.json) and corrupt ones are skipped with a warning.
 *
 * @param options Where to read and write, what to compare.
 * @returns The pages written and the warnings.
 * @throws {Deno.errors.NotFound} When the runs folder does not exist.
 * @throws {RangeError} When a `compare` id is not a finished run, or fewer than two are given.
 *
 * @example
 * ```ts
 * import { buildReport } from "./build_report.ts";
 * const out = await Deno.makeTempDir();
 * const runs = new URL("../../tests/fixtures/runs", import.meta.url).pathname;
 * const { pages } = await buildReport({ runs, out, gallery: false });
 * if (!pages[0].endsWith("index.html")) throw new Error("no index");
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function buildReport(options: BuildReportOptions): Promise<BuildReportResult> {
  if (options.compare && options.compare.length < 2) {
    throw new RangeError(
      `Invalid compare list "${options.compare.join(",")}": give two or more run ids`,
    );
  }
  const { runs, warnings } = await readRuns(options.runs);
  const groups = compareGroups(runs, options.compare);
  const pages: string[] = [];
  const write = async (path: string, html: string) => {
    const full = join(options.out, path);
    await Deno.mkdir(dirname(full), { recursive: true });
    await writeFileAtomic(full, html);
    pages.push(full);
    options.onProgress?.(pages.length, runs.length + 3);
  };
  await write("index.html", indexPage(runs, warnings));
  await write("compare.html", comparePage(groups));
  const findings = await buildFindings(runs, { hierarchy: options.hierarchy });
  await Deno.mkdir(options.out, { recursive: true });
  await writeJsonAtomic(join(options.out, "findings.json"), findings);
  await write("findings.html", findingsPage(findings, runs, { hierarchy: options.hierarchy }));
  const cache = new Map<string, Promise<ImageDataset>>();
  const withExplorer = options.explorer ?? options.gallery ?? true;
  for (const run of runs) {
    const wanted = options.gallery !== false || (withExplorer && run.projections);
    const loaded = wanted ? await datasetFor(run, cache) : null;
    let gallery: Gallery | null = null;
    if (options.gallery !== false && loaded) {
      gallery = "reason" in loaded
        ? { items: [], note: `No gallery: ${loaded.reason}.` }
        : await buildGallery(run.dir, loaded.dataset);
      if (!gallery.items.length && gallery.note) warnings.push(`Run "${run.id}": ${gallery.note}`);
    }
    const explorer = withExplorer && run.projections && loaded
      ? await writeExplorer(run, loaded, options.out)
      : null;
    await write(
      runPagePath(run.id),
      runPage(run, { gallery, explorer, hierarchy: options.hierarchy }),
    );
  }
  return { pages, warnings, runs: runs.length, findings };
}
