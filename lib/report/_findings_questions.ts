/**
 * The exercise's questions, each answered from the paired comparisons or the runs'
 * analysis: does mining help, contrastive or triplet, which dimension, do classes group,
 * do group distances follow the class hierarchy. Private to `lib/report/`.
 *
 * @module
 */
import type { ClassInfo } from "../types.ts";
import {
  acc1,
  compare,
  compareWithDetails,
  formatP,
  list,
  mean,
  median,
  minerText,
  pairUp,
  plural,
  type Scores,
  signed,
} from "./_findings_compare.ts";
import type { Comparison, Question } from "./findings_types.ts";
import type { RunRecord } from "./read_runs.ts";

const headline = (cs: readonly Comparison[]) =>
  cs.filter((c) => !c.detail && c.metric === "knnAccuracy1");

/**
 * The pooled MAP@R comparisons whose clear verdict (helps or hurts) differs from the k=1
 * accuracy verdict of the same comparison: the two metrics can disagree, and the answer
 * says so.
 */
function mapDisagreements(
  comparisons: readonly Comparison[],
  heads: readonly Comparison[],
): Comparison[] {
  return comparisons.filter((m) =>
    !m.detail && m.metric === "meanAveragePrecisionAtR" &&
    (m.verdict === "helps" || m.verdict === "hurts") &&
    heads.some((h) => h.scope === m.scope && h.a === m.a && h.verdict !== m.verdict)
  );
}

export function miningQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Question | null {
  const miners = [...new Set(runs.map((r) => r.summary.miner))].filter((m) => m !== "none")
    .sort();
  const losses = [...new Set(runs.map((r) => r.summary.loss))].sort();
  const comparisons: Comparison[] = [];
  for (const loss of losses) {
    for (const miner of miners) {
      const pairs = pairUp(
        runs,
        (r) => r.summary.loss === loss && r.summary.miner === miner,
        (r) => r.summary.loss === loss && r.summary.miner === "none",
        "miner",
      );
      if (pairs.length) {
        comparisons.push(
          ...compareWithDetails(
            { question: "mining", data, a: miner, b: "none", scope: loss },
            pairs,
            scores,
            options,
          ),
        );
      }
    }
  }
  if (!comparisons.length) return null;
  const heads = headline(comparisons);
  const cap = (t: string) => t[0].toUpperCase() + t.slice(1);
  const parts = heads.map((c) => {
    const what = miners.length > 1 ? `${c.a} mining ` : "";
    const e = `${signed(c.effect)} points`;
    return c.verdict === "helps" || c.verdict === "hurts"
      ? `${what}${c.verdict} ${c.scope} (${e})`
      : c.verdict === "undetermined"
      ? `${what}changes ${c.scope} by ${e} (no interval)`
      : `${what}makes no clear difference for ${c.scope} (${e})`;
  });
  // MAP@R where its verdict differs from the accuracy's: the two can disagree.
  const mapParts = mapDisagreements(comparisons, heads).map((m) =>
    `${miners.length > 1 ? `${m.a} mining ` : ""}${m.verdict} ${m.scope} (${
      signed(m.effect)
    } points)`
  );
  const answer =
    (miners.length === 1
      ? `${cap(miners[0])} mining ${list(parts)}, in k=1 accuracy.`
      : `${cap(list(parts))}, in k=1 accuracy.`) +
    (mapParts.length ? ` In MAP@R it ${list(mapParts)}.` : "");
  return {
    id: "mining",
    data,
    question: "Does mining help?",
    answer,
    verdict: heads.map((c) => `${c.verdict} for ${c.scope}`).join("; "),
    details: comparisons.filter((c) => !c.detail).map((c) => c.sentence),
    comparisons,
  };
}

export function lossQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Question | null {
  const miners = [...new Set(runs.map((r) => r.summary.miner))].sort((a, b) =>
    a === "none" ? -1 : b === "none" ? 1 : a.localeCompare(b)
  );
  const comparisons: Comparison[] = [];
  for (const miner of miners) {
    const pairs = pairUp(
      runs,
      (r) => r.summary.loss === "contrastive" && r.summary.miner === miner,
      (r) => r.summary.loss === "triplet" && r.summary.miner === miner,
      "loss",
    );
    if (pairs.length) {
      comparisons.push(
        ...compareWithDetails(
          { question: "loss", data, a: "contrastive", b: "triplet", scope: minerText(miner) },
          pairs,
          scores,
          options,
        ),
      );
    }
  }
  if (!comparisons.length) return null;
  const heads = headline(comparisons);
  const parts = heads.map((c) =>
    c.verdict === "helps"
      ? `contrastive is better with ${c.scope} (${signed(c.effect)} points)`
      : c.verdict === "hurts"
      ? `triplet is better with ${c.scope} (${signed(-c.effect)} points)`
      : `no clear difference with ${c.scope} (${signed(c.effect)} points for contrastive)`
  );
  const mapParts = mapDisagreements(comparisons, heads).map((m) =>
    m.verdict === "helps"
      ? `contrastive is better with ${m.scope} (${signed(m.effect)} points)`
      : `triplet is better with ${m.scope} (${signed(-m.effect)} points)`
  );
  const answer = `${list(parts).replace(/^./, (ch) => ch.toUpperCase())}, in k=1 accuracy.${
    mapParts.length ? ` In MAP@R, ${list(mapParts)}.` : ""
  }`;
  return {
    id: "loss",
    data,
    question: "Contrastive or triplet?",
    answer,
    verdict: heads.map((c) =>
      `${
        c.verdict === "helps" ? "contrastive" : c.verdict === "hurts" ? "triplet" : c.verdict
      } with ${c.scope}`
    ).join("; "),
    details: comparisons.filter((c) => !c.detail).map((c) => c.sentence),
    comparisons,
  };
}

/** The cross-batch memory a run trained with, as the findings name it ("xbm 512", or "none"). */
export function memoryOf(r: RunRecord): string {
  const size = (r.config as Record<string, unknown>).xbm;
  return typeof size === "number" && size > 0 ? `xbm ${size}` : "none";
}

/** Does the cross-batch memory help? Runs with one against the same runs without. */
export function memoryQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Question | null {
  const memories = [...new Set(runs.map(memoryOf))].filter((m) => m !== "none").sort();
  const scopes = [...new Set(runs.map((r) => `${r.summary.loss}, ${minerText(r.summary.miner)}`))]
    .sort();
  const comparisons: Comparison[] = [];
  for (const memory of memories) {
    for (const scope of scopes) {
      const inScope = (r: RunRecord) =>
        `${r.summary.loss}, ${minerText(r.summary.miner)}` === scope;
      const pairs = pairUp(
        runs,
        (r) => inScope(r) && memoryOf(r) === memory,
        (r) => inScope(r) && memoryOf(r) === "none",
        "memory",
      );
      if (pairs.length) {
        comparisons.push(
          ...compareWithDetails(
            { question: "memory", data, a: memory, b: "none", scope },
            pairs,
            scores,
            options,
          ),
        );
      }
    }
  }
  if (!comparisons.length) return null;
  const heads = headline(comparisons);
  const parts = heads.map((c) => {
    const e = `${signed(c.effect)} points`;
    const what = `a memory of ${c.a.replace("xbm ", "")}`;
    return c.verdict === "helps" || c.verdict === "hurts"
      ? `${what} ${c.verdict} ${c.scope} (${e})`
      : c.verdict === "undetermined"
      ? `${what} changes ${c.scope} by ${e} (no interval)`
      : `${what} makes no clear difference for ${c.scope} (${e})`;
  });
  return {
    id: "memory",
    data,
    question: "Does the cross-batch memory help?",
    answer: `${list(parts).replace(/^./, (ch) => ch.toUpperCase())}, in k=1 accuracy.`,
    verdict: heads.map((c) => `${c.verdict} for ${c.scope}`).join("; "),
    details: comparisons.filter((c) => !c.detail).map((c) => c.sentence),
    comparisons,
  };
}

export function dimensionQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
  options: { resamples: number; seed: number },
): Question | null {
  const dims = [...new Set(runs.map((r) => r.summary.dim))].sort((a, b) => a - b);
  if (dims.length < 2) return null;
  const meanAcc = new Map(dims.map((d) => [
    d,
    mean(runs.filter((r) => r.summary.dim === d).map((r) => acc1(r) ?? 0)),
  ]));
  const best = dims.reduce((x, y) => (meanAcc.get(y)! > meanAcc.get(x)! ? y : x));
  const comparisons: Comparison[] = [];
  for (const d of dims) {
    if (d === best) continue;
    const pairs = pairUp(
      runs,
      (r) => r.summary.dim === d,
      (r) => r.summary.dim === best,
      "dim",
    );
    if (!pairs.length) continue;
    const c = compare(
      {
        question: "dimension",
        data,
        a: `d=${d}`,
        b: `d=${best}`,
        scope: "paired by loss, miner and seed",
        detail: false,
      },
      pairs,
      scores,
      options,
    );
    // The pooled comparison is over dims {d, best}; its `dims` names the one compared.
    for (const x of c) x.dims = [d];
    comparisons.push(...c);
  }
  if (!comparisons.length) return null;
  const heads = headline(comparisons);
  const notWorse = dims.filter((d) =>
    d === best ||
    heads.some((c) =>
      c.a === `d=${d}` && (c.verdict === "no clear difference" || c.verdict === "helps")
    )
  );
  const pick = notWorse[0];
  const below = heads.filter((c) => c.verdict === "hurts").map((c) => c.a.slice(2));
  const answer = pick === best
    ? `d = ${best} is best: ${
      below.length
        ? `d = ${list(below)} ${below.length === 1 ? "is" : "are"} clearly below it`
        : "the others are not clearly different"
    } in k=1 accuracy.`
    : `d = ${pick} is enough: it is not clearly below the best, d = ${best} (${
      signed(heads.find((c) => c.a === `d=${pick}`)!.effect)
    } points)${
      below.length
        ? `, while d = ${list(below)} ${below.length === 1 ? "is" : "are"} clearly below it`
        : ""
    }.`;
  return {
    id: "dimension",
    data,
    question: "Which embedding dimension?",
    answer,
    verdict: `d=${pick}`,
    details: [
      `Mean k=1 accuracy by dimension: ${
        dims.map((d) => `d = ${d}: ${(100 * meanAcc.get(d)!).toFixed(1)}%`).join(", ")
      }.`,
      ...comparisons.map((c) => c.sentence),
    ],
    comparisons,
    evidence: { meanAccuracy: Object.fromEntries(dims.map((d) => [d, meanAcc.get(d)])), best },
  };
}

/**
 * Grades a median neighbour purity: how far it goes from chance towards its ceiling
 * (classes with fewer than k training images cannot fill k neighbours).
 */
function groupingGrade(purity: number, chance: number, ceiling: number): string {
  // Chance-corrected: with few classes random neighbours already share a class often.
  const reached = (purity - chance) / Math.max(ceiling - chance, 1e-9);
  if (reached >= 0.8) return "strongly";
  if (reached >= 0.5) return "clearly";
  if (purity >= Math.max(0.2 * ceiling, 3 * chance)) return "loosely";
  return "hardly";
}

export function groupingQuestion(
  data: string,
  runs: readonly RunRecord[],
  scores: Map<RunRecord, Scores | null>,
): Question | null {
  const rows = runs.map((r) => {
    const s = scores.get(r);
    return {
      id: r.id,
      purity: s ? mean(s.neighborPurity) : null,
      ceiling: s ? mean(s.purityCeiling) : null,
      chance: s ? s.chancePurity : null,
      k: s?.purityK ?? null,
      testSilhouette: r.analysis?.test?.silhouette?.overall ?? null,
      trainSilhouette: r.analysis?.train?.silhouette?.overall ?? null,
      accuracy: acc1(r) ?? null,
    };
  });
  const withPurity = rows.filter((r) => r.purity !== null);
  const withSil = rows.filter((r) => r.testSilhouette !== null);
  if (!withPurity.length && !withSil.length) return null;
  const details: string[] = [];
  let answer: string, verdict: string;
  if (withPurity.length) {
    const p = median(withPurity.map((r) => r.purity!));
    const chance = median(withPurity.map((r) => r.chance!));
    const ceiling = median(withPurity.map((r) => r.ceiling!));
    const best = withPurity.reduce((x, y) => (y.purity! > x.purity! ? y : x));
    const k = withPurity[0].k;
    verdict = groupingGrade(p, chance, ceiling);
    const yes = verdict === "hardly" ? "Hardly" : `Yes, ${verdict}`;
    answer = `${yes}: a test image's ${k} nearest training images share its class ${
      (100 * p).toFixed(0)
    }% of the time (median over ${plural(withPurity.length, "run")}; chance ${
      (100 * chance).toFixed(0)
    }%, ceiling ${(100 * ceiling).toFixed(0)}%).`;
    details.push(
      `Neighbour purity against the training split ranges from ${
        (100 * Math.min(...withPurity.map((r) => r.purity!))).toFixed(0)
      }% to ${
        (100 * best.purity!).toFixed(0)
      }% (${best.id}). The ceiling is below 100% only for classes with fewer than ${k} training images.`,
    );
  } else {
    const s = median(withSil.map((r) => r.testSilhouette!));
    verdict = s > 0.25 ? "clearly" : s > 0 ? "loosely" : "hardly";
    answer = `${verdict === "hardly" ? "Hardly" : `Yes, ${verdict}`}: median test silhouette ${
      s.toFixed(2)
    } over ${plural(withSil.length, "run")}.`;
  }
  if (withSil.length) {
    const test = median(withSil.map((r) => r.testSilhouette!));
    const train = withSil.filter((r) => r.trainSilhouette !== null);
    details.push(
      `Median silhouette: test ${test.toFixed(2)}${
        train.length ? `, train ${median(train.map((r) => r.trainSilhouette!)).toFixed(2)}` : ""
      } (1 = tight, separate groups; 0 = overlapping).`,
    );
  }
  return {
    id: "grouping",
    data,
    question: "Do samples of a class group together?",
    answer,
    verdict,
    details,
    comparisons: [],
    evidence: { runs: rows },
  };
}

function relation(a: ClassInfo | undefined, b: ClassInfo | undefined): string {
  if (!a || !b) return "unknown";
  if (a.top !== b.top) return "different category";
  return a.family === b.family ? "same family" : "same category";
}

export function hierarchyQuestion(
  data: string,
  runs: readonly RunRecord[],
  override: readonly ClassInfo[] | null,
): Question | null {
  const analysed = runs.filter((r) => r.analysis?.test);
  if (!analysed.length) {
    return {
      id: "hierarchy",
      data,
      question: "Do group distances follow class similarity?",
      answer:
        "Unknown: no run has analysis.json (make it with deno task evaluate --run <dir>, then rebuild).",
      verdict: "unknown",
      details: [],
      comparisons: [],
    };
  }
  const corr = analysed.filter((r) =>
    typeof r.analysis!.test.hierarchyCorrelation?.spearman === "number"
  );
  const best = analysed.reduce((x, y) => ((acc1(y) ?? -1) > (acc1(x) ?? -1) ? y : x));
  const hierarchy = override ?? best.hierarchy;
  const info = new Map((hierarchy ?? []).map((c) => [c.class, c]));
  const t = best.analysis!.test;
  const name = (i: number) => t.classNames[i] ?? String(i);
  const confused = (t.mostConfusedPairs ?? []).slice(0, 8).map((p) => ({
    a: name(p.a),
    b: name(p.b),
    count: p.count,
    treeDistance: hierarchy ? (p.treeDistance ?? null) : null,
    relation: relation(info.get(name(p.a)), info.get(name(p.b))),
  }));
  const closest = (t.closestPairs ?? []).slice(0, 8).map((p) => ({
    a: name(p.a),
    b: name(p.b),
    distance: p.distance,
    relation: relation(info.get(name(p.a)), info.get(name(p.b))),
  }));
  const details: string[] = [];
  let answer: string, verdict: string;
  if (!corr.length) {
    verdict = "unknown";
    answer =
      "Unknown: these runs have no class hierarchy (train with --hierarchy FILE, or name the classes with TT100K codes).";
  } else {
    const rho = corr.map((r) => r.analysis!.test.hierarchyCorrelation!.spearman!);
    const significant = corr.filter((r) =>
      (r.analysis!.test.hierarchyCorrelation!.mantelPValue ?? 1) <= 0.05
    ).length;
    const m = median(rho);
    const share = significant / corr.length;
    verdict = m >= 0.5 && share >= 0.8
      ? "strongly"
      : m >= 0.3 && share >= 0.5
      ? "clearly"
      : m > 0.1 && significant > 0
      ? "weakly"
      : "no";
    const ps = corr.map((r) => r.analysis!.test.hierarchyCorrelation!.mantelPValue ?? 1);
    answer = verdict === "no"
      ? `No: centroid distances do not follow the class tree (median Spearman ${
        m.toFixed(2)
      }, Mantel p ≤ 0.05 in ${significant} of ${plural(corr.length, "run")}).`
      : `Yes, ${verdict}: classes that are close in the class tree (same family, same category) have closer centroids (median Spearman ${
        m.toFixed(2)
      } with the tree distance; Mantel p ≤ 0.05 in ${significant} of ${
        plural(corr.length, "run")
      }, smallest p ${formatP(Math.min(...ps))}).`;
  }
  if (confused.length) {
    const siblings = confused.filter((p) => p.relation === "same family").length;
    details.push(
      `In ${best.id} (best k=1 accuracy), ${siblings} of the ${confused.length} most confused class pairs are in the same family${
        confused.length
          ? `: ${confused.slice(0, 4).map((p) => `${p.a}–${p.b} (${p.count})`).join(", ")}`
          : ""
      }.`,
    );
  }
  if (closest.length) {
    details.push(
      `Closest class centroids: ${
        closest.slice(0, 4).map((p) => `${p.a}–${p.b} (${p.relation})`).join(", ")
      }.`,
    );
  }
  return {
    id: "hierarchy",
    data,
    question: "Do group distances follow class similarity?",
    answer,
    verdict,
    details,
    comparisons: [],
    evidence: {
      bestRun: best.id,
      runs: corr.map((r) => ({
        id: r.id,
        spearman: r.analysis!.test.hierarchyCorrelation!.spearman,
        mantelPValue: r.analysis!.test.hierarchyCorrelation!.mantelPValue,
      })),
      mostConfusedPairs: confused,
      closestPairs: closest,
    },
  };
}
