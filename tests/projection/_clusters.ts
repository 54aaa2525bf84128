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
