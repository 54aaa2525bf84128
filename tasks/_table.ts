/**
 * The comparison table printed by `sweep` and `demo`.
 *
 * @module
 */
import type { Json } from "../lib/types.ts";

const pct = (v: Json | undefined) => (typeof v === "number" ? (100 * v).toFixed(1) : "-");

/**
 * Formats run summaries as an aligned plain-text table.
 *
 * @param summaries `summary.json` contents.
 * @returns The table, one line per run, with a header.
 */
export function comparisonTable(summaries: Record<string, Json>[]): string {
  const ks = [
    ...new Set(
      summaries.flatMap((s) => Object.keys((s.test as Record<string, Json>)?.knnAccuracy ?? {})),
    ),
  ]
    .sort((a, b) => Number(a) - Number(b));
  const header = [
    "data",
    "loss",
    "miner",
    "dim",
    "seed",
    ...ks.map((k) => `acc@${k}`),
    "P@1",
    "MAP@R",
    "train s",
  ];
  const rows = summaries.map((s) => {
    const test = (s.test ?? {}) as Record<string, Json>;
    const knn = (test.knnAccuracy ?? {}) as Record<string, Json>;
    return [
      String(s.data).split("/").filter(Boolean).pop() ?? "",
      String(s.loss),
      typeof s.xbm === "number" ? `${s.miner} + xbm ${s.xbm}` : String(s.miner),
      String(s.dim),
      String(s.seed),
      ...ks.map((k) => pct(knn[k])),
      pct(test.precisionAt1),
      pct(test.meanAveragePrecisionAtR),
      typeof s.trainSeconds === "number" ? s.trainSeconds.toFixed(1) : "-",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
