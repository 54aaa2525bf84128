import { knnSearch } from "../../lib/eval/knn.ts";
import { createRng } from "../../lib/random.ts";
import type { EmbeddingMatrix } from "../../lib/types.ts";

/** `classes` tight Gaussian clusters far apart, points assigned round-robin. */
export function clusters(
  rows: number,
  dim: number,
  classes: number,
  seed = 0,
): { m: EmbeddingMatrix; labels: Int32Array } {
  const rng = createRng(seed);
  const centers = Array.from(
    { length: classes },
    () => Array.from({ length: dim }, () => rng.normal() * 10),
  );
  const data = new Float64Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = i % classes;
    for (let j = 0; j < dim; j++) data[i * dim + j] = centers[labels[i]][j] + rng.normal() * 0.3;
  }
  return { m: { data, rows, dim }, labels };
}

/** Mean 2-D distance between points of the same label and of different labels. */
export function separation(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  labels: ArrayLike<number>,
): { within: number; between: number } {
  let within = 0, between = 0, nw = 0, nb = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const d = Math.hypot(x[i] - x[j], y[i] - y[j]);
      if (labels[i] === labels[j]) (within += d), nw++;
      else (between += d), nb++;
    }
  }
  return { within: within / nw, between: between / nb };
}

/**
 * Four well-separated Gaussian clusters and two more that overlap the first two
 * (centres 1.5 and 1 standard deviations of noise away per dimension), round-robin.
 */
export function mixedClusters(rows: number, dim: number, seed = 0): EmbeddingMatrix {
  const rng = createRng(seed);
  const centers: number[][] = [];
  for (let c = 0; c < 4; c++) centers.push(Array.from({ length: dim }, () => rng.normal() * 8));
  centers.push(centers[0].map((v) => v + rng.normal() * 1.5));
  centers.push(centers[1].map((v) => v + rng.normal()));
  const data = new Float64Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    for (let d = 0; d < dim; d++) data[i * dim + d] = centers[i % 6][d] + rng.normal();
  }
  return { data, rows, dim };
}

/**
 * Neighbourhood preservation: the fraction of each point's `k` nearest input neighbours
 * that are among its `k` nearest layout neighbours, averaged over the points.
 */
export function neighborhoodPreservation(
  m: EmbeddingMatrix,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  k = 10,
): number {
  const input = knnSearch(m, m, k, { excludeSelf: true }).indices;
  const data = new Float64Array(2 * m.rows);
  for (let i = 0; i < m.rows; i++) (data[2 * i] = x[i]), (data[2 * i + 1] = y[i]);
  const plane = { data, rows: m.rows, dim: 2 };
  const output = knnSearch(plane, plane, k, { excludeSelf: true }).indices;
  let kept = 0;
  for (let i = 0; i < m.rows; i++) {
    const near = new Set(input.subarray(i * k, (i + 1) * k));
    for (const j of output.subarray(i * k, (i + 1) * k)) if (near.has(j)) kept++;
  }
  return kept / (m.rows * k);
}

/** Train and test points drawn from the same `classes` well-separated clusters. */
export function splitClusters(
  train: number,
  test: number,
  dim: number,
  classes: number,
  seed = 0,
): { train: ReturnType<typeof clusters>; test: ReturnType<typeof clusters> } {
  const { m, labels } = clusters(train + test, dim, classes, seed);
  const part = (from: number, rows: number) => ({
    m: { data: m.data.slice(from * dim, (from + rows) * dim), rows, dim },
    labels: labels.slice(from, from + rows),
  });
  return { train: part(0, train), test: part(train, test) };
}

/**
 * The share of placed points whose nearest map point in 2-D has their label (brute force).
 */
export function nearestLabelAgreement(
  map: { x: ArrayLike<number>; y: ArrayLike<number>; labels: ArrayLike<number> },
  placed: { x: ArrayLike<number>; y: ArrayLike<number>; labels: ArrayLike<number> },
): number {
  let agree = 0;
  for (let i = 0; i < placed.x.length; i++) {
    let best = -1, bestD = Infinity;
    for (let j = 0; j < map.x.length; j++) {
      const d = (placed.x[i] - map.x[j]) ** 2 + (placed.y[i] - map.y[j]) ** 2;
      if (d < bestD) (bestD = d), (best = j);
    }
    if (map.labels[best] === placed.labels[i]) agree++;
  }
  return agree / placed.x.length;
}
