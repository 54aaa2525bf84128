/**
 * The exercise's presentation, composed from `findings.json` and the runs: setup, results
 * table, one slide per question with its verdict and figure, train and test projections on
 * separate plots, class grouping, the hierarchy, the most confused pairs with their images,
 * and conclusions; speaker notes say where each number comes from. The deck is data
 * ({@linkcode Deck}); `writeDeck` turns it into Marp markdown, figures, HTML and PDF.
 *
 * @module
 */
import type { Deck, DeckFigure, DeckSlide } from "../slides/mod.ts";
import type { Comparison, FindingsFile, Question, ResultCell } from "./build_findings.ts";
import {
  accuracyComparisonFigure,
  centroidDistanceFigure,
  dendrogramFigure,
  type FigureOptions,
} from "./figures.ts";
import { dimensionFigure, effectFigure } from "./findings_figures.ts";
import { projectionFigure } from "./projection_figure.ts";
import type { RunRecord } from "./read_runs.ts";

/** `80/20` for a test fraction of 0.2. */
function splitText(testFraction: unknown): string {
  const t = typeof testFraction === "number" ? testFraction : 0.2;
  const test = Math.round(100 * t);
  return `${100 - test}/${test}`;
}

/** A one-metric comparison figure whose row facet becomes the y axis's title. */
function withFacetAsAxis(fig: FigureOptions, label: string): FigureOptions {
  return {
    ...fig,
    height: 320,
    marginTop: 56,
    fx: { ...(fig.fx ?? {}), label: null },
    fy: { axis: null },
    y: { ...(fig.y ?? {}), label },
  };
}

/** A figure with a titled colour legend. */
function withColorLegend(fig: FigureOptions, label: string): FigureOptions {
  return { ...fig, color: { ...(fig.color ?? {}), legend: true, label } };
}

/** Options of {@linkcode exerciseDeck}. */
export interface ExerciseDeckOptions {
  /** The dataset to present (runs of others are left out). @default the one with the most runs */
  data?: string;
  /** One PNG per class name (a sample image), for the confused pairs. */
  samples?: ReadonlyMap<string, Uint8Array>;
  /** Where the findings file lies, relative to the deck, for the notes. @default {"../site/findings.json"} */
  findingsPath?: string;
}

/** What {@linkcode exerciseDeck} returns. */
export interface ExerciseDeckResult {
  /** The deck. */
  deck: Deck;
  /** What the deck could not show, and why. */
  warnings: string[];
}

const pct = (v: number | null | undefined) =>
  typeof v === "number" && Number.isFinite(v) ? (100 * v).toFixed(1) : "–";
const md = (text: string) => text.replace(/([\\`*_[\]<>|])/g, "\\$1");
const dataOf = (r: RunRecord) => String(r.summary.data ?? "?");

function cellText(m: ResultCell["knnAccuracy1"]): string {
  if (!m) return "–";
  return m.ci ? `${pct(m.mean)} <small>[${pct(m.ci[0])}, ${pct(m.ci[1])}]</small>` : pct(m.mean);
}

function effectRows(cs: readonly Comparison[], label: (c: Comparison) => string) {
  return cs.filter((c) => c.metric === "knnAccuracy1").map((c) => ({
    label: label(c),
    effect: c.effect,
    ci: c.ci,
    verdict: c.verdict,
  }));
}

function questionSlide(
  q: Question,
  figure: string | null,
  findingsPath: string,
): DeckSlide {
  const detail = q.details.slice(0, 3).map((d) => `- ${md(d)}`).join("\n");
  const methodNote = q.comparisons.length
    ? `Each comparison pairs runs that share data, seed (so the split) and epochs. ${
      q.comparisons[0].method === "paired-t-over-seeds"
        ? "Intervals: paired Student-t over seeds."
        : "Intervals: paired bootstrap over test images (2,000 resamples); McNemar's exact test where one pair is compared."
    }`
    : "";
  return {
    markdown: `## ${md(q.question)}\n\n**${md(q.answer)}**\n\n${
      figure ? `![h:360](figures/${figure}.svg)\n\n` : ""
    }${figure ? "" : detail}`,
    notes: `${q.answer}\n${
      q.details.join("\n")
    }\n${methodNote}\nSource: ${findingsPath}, question "${q.id}".${
      q.comparisons.length
        ? `\nRuns compared: ${
          [...new Set(q.comparisons.flatMap((c) => c.runs.flat()))].join(", ")
        }.`
        : ""
    }`,
  };
}

/** The deck's parts as they are composed: slides and figures in order, and what was left out. */
interface DeckParts {
  slides: DeckSlide[];
  figures: DeckFigure[];
  warnings: string[];
}

/** The runs a deck presents: the chosen dataset, its runs, and those that did not collapse. */
interface ChosenRuns {
  /** Runs per dataset. */
  counts: Map<string, number>;
  /** The dataset presented; `undefined` when there are no runs. */
  data: string | undefined;
  /** The runs on `data`. */
  mine: RunRecord[];
  /** The runs on `data` that did not collapse. */
  healthy: RunRecord[];
}

/** Chooses the dataset (the one asked for, else the one with the most runs) and its runs. */
function chooseRuns(
  findings: FindingsFile,
  runs: readonly RunRecord[],
  asked: string | undefined,
): ChosenRuns {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(dataOf(r), (counts.get(dataOf(r)) ?? 0) + 1);
  const data = asked ??
    [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  if (asked !== undefined && !counts.has(asked)) {
    throw new RangeError(
      `Cannot make slides for data "${asked}": no finished run uses it (found: ${
        [...counts.keys()].join(", ") || "none"
      })`,
    );
  }
  const mine = runs.filter((r) => dataOf(r) === data);
  const collapsedIds = new Set(findings.runs.collapsed.map((c) => c.id));
  const healthy = mine.filter((r) => !collapsedIds.has(r.id));
  return { counts, data, mine, healthy };
}

/** The title slide: what the deck is about and how many runs it draws on. */
function titleSlide(title: string, runCount: number, findingsPath: string): DeckSlide {
  return {
    className: "lead",
    markdown: `# ${
      md(title)
    }\n\nContrastive and triplet losses, with and without mining, k-NN classification\n\n${runCount} runs · written by metriclab from findings.json`,
    notes:
      `Every number in this deck comes from ${findingsPath} and the run folders it names; rebuild with deno task slides.`,
  };
}

/** Why nothing can be compared: no runs at all, or every run on the dataset collapsed. */
function nothingToCompare(
  findings: FindingsFile,
  runs: readonly RunRecord[],
  { data, mine }: ChosenRuns,
): string {
  return !runs.length
    ? "No finished runs: there is nothing to present yet. Run deno task exercise (or sweep) first."
    : `All ${mine.length} runs on ${data} collapsed: no comparison can be drawn. ${
      findings.runs.collapsed.filter((c) => mine.some((r) => r.id === c.id)).slice(0, 3)
        .map((c) => `${c.id}: ${c.reasons.join("; ")}`).join(" ")
    }`;
}

/** Each loss of the runs with its numeric settings, `triplet (margin 0.1)`, once each. */
function lossTexts(runs: readonly RunRecord[]): string[] {
  return [
    ...new Set(runs.map((r) => {
      const l = (r.config.loss ?? {}) as Record<string, unknown>;
      const opts = Object.entries(l).filter(([k, v]) => k !== "name" && typeof v === "number")
        .map(([k, v]) => `${k} ${v}`);
      return `${r.summary.loss}${opts.length ? ` (${opts.join(", ")})` : ""}`;
    })),
  ];
}

/** The setup slide: data, split, network, losses, mining, budget and evaluation. */
function setupSlide(data: string, mine: readonly RunRecord[], first: RunRecord): DeckSlide {
  const c = first.config as Record<string, unknown>;
  const ds = (c.dataset ?? {}) as Record<string, unknown>;
  const model = (c.model ?? {}) as Record<string, unknown>;
  const uniq = <T>(v: T[]) => [...new Set(v)];
  const losses = lossTexts(mine);
  const miners = uniq(mine.map((r) => r.summary.miner));
  const dims = uniq(mine.map((r) => r.summary.dim)).sort((a, b) => a - b);
  const seeds = uniq(mine.map((r) => r.summary.seed)).sort((a, b) => a - b);
  const shape = Array.isArray(ds.imageShape) ? ds.imageShape.join("x") : "?";
  return {
    markdown: `## Setup\n\n| | |\n|---|---|\n| Data | ${md(data)}: ${
      ds.numClasses ?? "?"
    } classes, ${ds.numSamples ?? "?"} images at ${shape} |\n| Split | ${
      ds.split === "predefined" ? "the data's own" : `per class, ${splitText(c.testFraction)}`
    }: ${ds.numTrain ?? "?"} train / ${ds.numTest ?? "?"} test |\n| Network | ${
      md(String(model.architecture ?? "?"))
    } CNN → d = ${dims.join(", ")} |\n| Losses | ${md(losses.join("; "))} |\n| Mining | ${
      md(miners.map((m) => (m === "none" ? "none (all pairs/triplets)" : m)).join(", "))
    } |\n| Budget | ${c.epochs} epochs, batch ${c.batchSize} (${c.samplesPerClass} per class), Adam ${c.learningRate}, seeds ${
      seeds.join(", ")
    } |\n| Evaluation | k-NN (Euclidean, k = 1) of each test image against all training images; MAP@R |`,
    notes: `From config.json of the runs (e.g. ${first.id}). Backend ${
      (c.backend as Record<string, unknown> | undefined)?.name ?? "?"
    }. The split is seeded: runs with the same seed share it, which is what makes the comparisons paired.`,
  };
}

/** The results table: k=1 accuracy and MAP@R of each setting, with intervals. */
function resultsSlide(cells: readonly ResultCell[], findingsPath: string): DeckSlide {
  const oneSeed = cells.every((x) => x.seeds.length <= 1);
  return {
    className: cells.length >= 12 ? "dense" : undefined,
    markdown: `## Results: test k=1 accuracy and MAP@R, % [95% CI${
      oneSeed ? "; one seed: Wilson / bootstrap over test images" : " over seeds"
    }]\n\n| loss | mining | d | acc@1 | MAP@R |\n|---|---|--:|--:|--:|\n${
      cells.map((x) =>
        `| ${x.loss} | ${x.miner} | ${x.dim} | ${cellText(x.knnAccuracy1)} | ${
          cellText(x.meanAveragePrecisionAtR)
        }${x.collapsed.length ? ` (${x.collapsed.length} collapsed left out)` : ""} |`
      ).join("\n")
    }`,
    notes: `From ${findingsPath}, "results". ${
      oneSeed
        ? "One seed: accuracy intervals are Wilson score intervals over the test images; MAP@R intervals a bootstrap over them."
        : "Mean over seeds with a Student-t interval."
    } Run ids: ${cells.flatMap((x) => x.runs).join(", ")}.`,
  };
}

/** A question's slide, with a figure of its effects when it has accuracy comparisons. */
function addEffectSlide(
  parts: DeckParts,
  question: Question | undefined,
  name: string,
  label: (c: Comparison) => string,
  axis: string,
  findingsPath: string,
): void {
  if (!question) return;
  const rows = effectRows(question.comparisons, label);
  if (rows.length) {
    parts.figures.push({ name, alt: question.question, plot: effectFigure(rows, axis) });
  }
  parts.slides.push(questionSlide(question, rows.length ? name : null, findingsPath));
}

/** The slides of the three comparisons: mining, loss and embedding dimension. */
function comparisonSlides(
  parts: DeckParts,
  q: (id: Question["id"]) => Question | undefined,
  cells: readonly ResultCell[],
  findingsPath: string,
): void {
  const at = (c: Comparison) => (c.detail ? `d=${c.dims[0]}` : "all d");
  const minersCompared = new Set(q("mining")?.comparisons.map((c) => c.a));
  addEffectSlide(
    parts,
    q("mining"),
    "mining",
    (c) => `${minersCompared.size > 1 ? `${c.a} · ` : ""}${c.scope} · ${at(c)}`,
    `${
      minersCompared.size > 1 ? "miner" : [...minersCompared][0]
    } − none, points of k=1 accuracy (95% CI)`,
    findingsPath,
  );
  addEffectSlide(
    parts,
    q("loss"),
    "loss",
    (c) => `${c.scope} · ${at(c)}`,
    "contrastive − triplet, points of k=1 accuracy (95% CI)",
    findingsPath,
  );
  const dimQ = q("dimension");
  if (dimQ) {
    const points = cells.filter((x) => x.knnAccuracy1).map((x) => ({
      setting: `${x.loss} / ${x.miner}`,
      dim: x.dim,
      value: x.knnAccuracy1!.mean,
      ci: x.knnAccuracy1!.ci,
    }));
    parts.figures.push({
      name: "dimension",
      alt: "accuracy by dimension",
      plot: dimensionFigure(points),
    });
    parts.slides.push(questionSlide(dimQ, "dimension", findingsPath));
  }
}

/** The t-SNE and UMAP slides of one run, train and test apart; a warning when no run has any. */
function projectionSlides(parts: DeckParts, withProj: RunRecord | null): void {
  if (!withProj) {
    parts.warnings.push(
      "No run has projections.json: the deck has no t-SNE/UMAP slides (deno task project --run <dir>)",
    );
    return;
  }
  for (const method of ["tsne", "umap"] as const) {
    const tr = withProj.projections!.train[method], te = withProj.projections!.test[method];
    if (!tr || !te) continue;
    const name = method === "tsne" ? "t-SNE" : "UMAP";
    // Smaller than a page's maps: two side by side on a slide keep their labels legible.
    const opts = { hierarchy: withProj.hierarchy, width: 430, height: 360 };
    parts.figures.push(
      {
        name: `${method}-train`,
        alt: `${name} of the training embeddings`,
        plot: projectionFigure(tr, withProj.classNames, { ...opts, title: `${name}, train` }),
      },
      {
        name: `${method}-test`,
        alt: `${name} of the test embeddings`,
        plot: projectionFigure(te, withProj.classNames, { ...opts, title: `${name}, test` }),
      },
    );
    parts.slides.push({
      className: "figures",
      markdown:
        `## ${name} of the embedding: train and test\n\n![${name} train](figures/${method}-train.svg) ![${name} test](figures/${method}-test.svg)`,
      notes: `${withProj.id} (k=1 accuracy ${
        pct(withProj.summary.test.knnAccuracy["1"])
      }%): projections.json, each split projected on its own (${
        JSON.stringify(tr.options ?? {})
      }). Colours: classes, or top categories above 20 classes.`,
    });
  }
}

/** The grouping question's slide, with each run's neighbour purity as its figure. */
function groupingSlide(
  parts: DeckParts,
  groupQ: Question,
  healthy: readonly RunRecord[],
  findingsPath: string,
): void {
  const rows = (groupQ.evidence?.runs ?? []) as { id: string; purity: number | null }[];
  const byId = new Map(healthy.map((r) => [r.id, r]));
  const points = rows.filter((x) => x.purity !== null && byId.has(x.id)).map((x) => {
    const s = byId.get(x.id)!.summary;
    return {
      id: x.id,
      loss: s.loss,
      miner: s.miner,
      dim: s.dim,
      seed: s.seed,
      metric: "10-NN purity vs train",
      value: x.purity!,
    };
  });
  if (points.length) {
    parts.figures.push({
      name: "grouping",
      alt: "neighbour purity of each run",
      plot: withFacetAsAxis(
        accuracyComparisonFigure(points),
        "10 nearest training images of the test image's class (%)",
      ),
    });
  }
  parts.slides.push(questionSlide(groupQ, points.length ? "grouping" : null, findingsPath));
}

/** Adds the best run's centroid-distance and dendrogram figures (test split); whether it could. */
function addHierarchyFigures(parts: DeckParts, best: RunRecord): boolean {
  const t = best.analysis?.test;
  if (!t?.linkage?.order?.length) return false;
  const info = new Map((best.hierarchy ?? []).map((h) => [h.class, h]));
  const { linkage } = t;
  const classes = linkage.order.map((leaf) => linkage.leaves[leaf]);
  parts.figures.push(
    {
      name: "centroids",
      alt: "class centroid distances",
      // The deck's SVG writer draws colour ramps (the report's linkedom cannot).
      plot: withColorLegend(
        centroidDistanceFigure(
          linkage.orderNames,
          classes.map((i) => classes.map((j) => t.centroidDistances[i]?.[j] ?? null)),
        ),
        "distance between class centroids (test)",
      ),
    },
    {
      name: "dendrogram",
      alt: "average-linkage dendrogram of the class centroids",
      plot: dendrogramFigure(
        linkage.merges,
        linkage.order,
        linkage.orderNames.map((n) => {
          const h = info.get(n);
          return h ? `${n} · ${h.family}` : n;
        }),
      ),
    },
  );
  return true;
}

/** The hierarchy question's slide, with the best run's centroid distances and dendrogram. */
function hierarchySlide(
  parts: DeckParts,
  hierQ: Question,
  best: RunRecord,
  findingsPath: string,
): void {
  const fig = addHierarchyFigures(parts, best) ? "centroids" : null;
  parts.slides.push({
    className: "figures",
    markdown: `## ${md(hierQ.question)}\n\n**${md(hierQ.answer)}**\n\n${
      fig
        ? "![centroid distances](figures/centroids.svg) ![dendrogram](figures/dendrogram.svg)"
        : ""
    }`,
    notes: `${hierQ.answer}\n${
      hierQ.details.join("\n")
    }\nFigures: ${best.id}, analysis.json (test split): centroid distances in dendrogram order (average linkage); Spearman of centroid vs tree distance, Mantel permutation p (999 permutations). Source: ${findingsPath}, question "hierarchy".`,
  });
}

/** The best run's most confused class pairs, each class with its sample image when it has one. */
function confusedPairsSlide(
  parts: DeckParts,
  hierQ: Question,
  best: RunRecord,
  samples: ReadonlyMap<string, Uint8Array> | undefined,
): void {
  const pairs = (hierQ.evidence?.mostConfusedPairs ?? []) as {
    a: string;
    b: string;
    count: number;
    relation: string;
  }[];
  if (!pairs.length) return;
  const img = (name: string) => {
    const png = samples?.get(name);
    if (!png) return md(name);
    const fig = `class-${name.replace(/[^a-z0-9-]/gi, "-").toLowerCase()}`;
    if (!parts.figures.some((f) => f.name === fig)) {
      parts.figures.push({ name: fig, alt: name, png });
    }
    return `![w:48](figures/${fig}.png) ${md(name)}`;
  };
  if (!samples) {
    parts.warnings.push("No sample images: the confused pairs are shown by name only");
  }
  parts.slides.push({
    markdown: `## Most confused class pairs\n\n| pair | confusions | relation |\n|---|--:|---|\n${
      pairs.slice(0, 6).map((p) => `| ${img(p.a)} ↔ ${img(p.b)} | ${p.count} | ${p.relation} |`)
        .join("\n")
    }`,
    notes:
      `${best.id}: k=1 confusion matrix of evaluation.json, both directions summed. Relation from the class hierarchy (${
        best.hierarchySource ?? "the run's config"
      }).`,
  });
}

/** The closing slides: collapsed runs, what the findings could not compare, conclusions. */
function closingSlides(
  parts: DeckParts,
  findings: FindingsFile,
  { data, mine }: ChosenRuns,
  findingsPath: string,
): void {
  const gone = findings.runs.collapsed.filter((x) => mine.some((r) => r.id === x.id));
  if (gone.length) {
    parts.slides.push({
      markdown: `## Runs that collapsed (left out)\n\n${
        gone.slice(0, 6).map((x) => `- ${md(x.id)}: ${md(x.reasons.join("; "))}`).join("\n")
      }`,
      notes:
        'A collapsed embedding maps every image to nearly the same point or line; it is excluded from every mean and verdict. Detection: summary.json "collapse".',
    });
  }
  const notes = findings.notes.filter((n) => !/^Runs on \d+ datasets/.test(n));
  if (notes.length) {
    parts.slides.push({
      markdown: `## What could not be compared\n\n${
        notes.slice(0, 5).map((n) => `- ${md(n)}`).join("\n")
      }`,
      notes: `From ${findingsPath}, "notes".`,
    });
  }
  const answers = findings.questions.filter((x) => x.data === data);
  parts.slides.push({
    className: "small",
    markdown: `## Conclusions\n\n${
      answers.map((x) => `- **${md(x.question)}** ${md(x.answer)}`).join("\n")
    }`,
    notes: `One sentence per question, from ${findingsPath}. ${findings.method}`,
  });
}

/**
 * Composes the exercise's slide deck from the findings and the runs they were built from.
 *
 * @param findings The findings ({@linkcode buildFindings}).
 * @param runs The runs.
 * @param options Which dataset, sample images of the classes, where findings.json lies.
 * @returns The deck and what it left out.
 * @throws {RangeError} When `data` names a dataset without runs.
 *
 * @example
 * ```ts
 * import { buildFindings } from "./build_findings.ts";
 * import { exerciseDeck } from "./exercise_deck.ts";
 * const { deck } = exerciseDeck(await buildFindings([]), []);
 * if (!deck.slides[1].markdown.includes("No finished runs")) throw new Error();
 * ```
 */
export function exerciseDeck(
  findings: FindingsFile,
  runs: readonly RunRecord[],
  options: ExerciseDeckOptions = {},
): ExerciseDeckResult {
  const findingsPath = options.findingsPath ?? "../site/findings.json";
  const chosen = chooseRuns(findings, runs, options.data);
  const { counts, data, mine, healthy } = chosen;
  const parts: DeckParts = { slides: [], figures: [], warnings: [] };
  const { slides, figures, warnings } = parts;
  const dataName = data ? data.replace(/\/+$/, "").split("/").pop()! : "no data";
  const title = `Deep metric learning on ${dataName}`;
  slides.push(titleSlide(title, mine.length, findingsPath));
  if (!mine.length || !healthy.length) {
    const why = nothingToCompare(findings, runs, chosen);
    slides.push({ markdown: `## What could not be compared\n\n${md(why)}`, notes: why });
    warnings.push(why);
    return { deck: { title, slides, figures }, warnings };
  }
  if (counts.size > 1) {
    warnings.push(
      `Runs on ${counts.size} datasets: the slides present ${data} (${mine.length} runs) and leave out ${
        [...counts.keys()].filter((d) => d !== data).join(", ")
      } (the data option chooses)`,
    );
  }
  slides.push(setupSlide(data!, mine, healthy[0]));
  const cells = findings.results.filter((x) => x.data === data);
  slides.push(resultsSlide(cells, findingsPath));
  const q = (id: Question["id"]) => findings.questions.find((x) => x.id === id && x.data === data);
  comparisonSlides(parts, q, cells, findingsPath);
  // Projections of the best run, train and test on separate plots.
  const best = healthy.reduce((x, y) =>
    (y.summary.test.knnAccuracy["1"] ?? -1) > (x.summary.test.knnAccuracy["1"] ?? -1) ? y : x
  );
  projectionSlides(parts, best.projections ? best : healthy.find((r) => r.projections) ?? null);
  const groupQ = q("grouping");
  if (groupQ) groupingSlide(parts, groupQ, healthy, findingsPath);
  const hierQ = q("hierarchy");
  if (hierQ) {
    hierarchySlide(parts, hierQ, best, findingsPath);
    confusedPairsSlide(parts, hierQ, best, options.samples);
  }
  closingSlides(parts, findings, chosen, findingsPath);
  return { deck: { title, slides, figures }, warnings };
}
