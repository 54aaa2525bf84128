/**
 * The report: a static site built from run folders ({@linkcode buildReport}: index,
 * findings, one page per run, comparison), the findings with their verdicts
 * ({@linkcode buildFindings}), figures as Plot options drawn server-side through linkedom
 * by one {@linkcode renderFigure} (self-contained pages, no CDN), the image explorer and
 * gallery, the exercise's slide deck ({@linkcode buildSlides}) and a local file server
 * ({@linkcode serveSite}).
 *
 * ```ts
 * import { buildReport } from "./mod.ts";
 * const out = await Deno.makeTempDir();
 * const runs = new URL("../../tests/fixtures/runs", import.meta.url).pathname;
 * const { pages, warnings } = await buildReport({ runs, out, gallery: false });
 * if (pages.length !== 4 || warnings.length) throw new Error("unexpected report");
 * await Deno.remove(out, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./build_findings.ts";
export * from "./build_report.ts";
export * from "./build_slides.ts";
export * from "./exercise_deck.ts";
export * from "./explorer.ts";
export * from "./figures.ts";
export * from "./findings_figures.ts";
export * from "./projection_figure.ts";
export * from "./findings.ts";
export * from "./gallery.ts";
export * from "./pages.ts";
export * from "./read_runs.ts";
export * from "./render.ts";
export * from "./serve.ts";
