/** Brute-force miner references on a plain distance matrix. */
import type { Distance, EmbeddingMatrix } from "../../lib/types.ts";

export function triplets(
  d: Distance,
  m: EmbeddingMatrix,
  labels: Int32Array,
  keep: (ap: number, an: number) => boolean,
): string[] {
  const mat = d.matrixArray(m);
  const n = m.rows;
  const out: string[] = [];
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      for (let q = 0; q < n; q++) {
        if (p === a || labels[p] !== labels[a] || labels[q] === labels[a]) continue;
        if (keep(mat[a * n + p], mat[a * n + q])) out.push(`${a},${p},${q}`);
      }
    }
  }
  return out.sort();
}

export function asKeys(cols: Int32Array[]): string[] {
  return Array.from(cols[0], (_, i) => cols.map((c) => c[i]).join(",")).sort();
}
