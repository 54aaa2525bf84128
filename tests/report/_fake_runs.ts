/**
 * Run folders for report tests without training: clustered embeddings whose quality is
 * set by a noise level, and a summary whose k=1 accuracy and MAP@R agree with them.
 *
 * @module
 */
import { join } from "node:path";
import { perQueryScores } from "../../lib/eval/per_query.ts";
import { createRng } from "../../lib/random.ts";

/** What a fake run is. */
export interface FakeRun {
  loss: string;
  miner: string;
  dim: number;
  seed: number;
  /** Spread of each sample around its class centre (centres are 1 apart). */
  noise: number;
  data?: string;
  /** Every embedding the same point: a collapsed run. */
  collapsed?: boolean;
  /** Written into summary.json as `collapsed`, when given. */
  flagCollapsed?: boolean;
  classes?: number;
  perClass?: { train: number; test: number };
  /** Written into config.json (a training setting runs must share to be compared). */
  learningRate?: number;
  /** A cross-batch memory of this size, written into config.json. */
  xbm?: number;
}

/**
 * Writes one finished run folder under `root` and returns its path.
 *
 * @param root The runs folder.
 * @param f The run.
 * @returns The folder.
 */
export async function writeFakeRun(root: string, f: FakeRun): Promise<string> {
  const classes = f.classes ?? 6;
  const per = f.perClass ?? { train: 12, test: 8 };
  const data = f.data ?? "synthetic";
  const id = `${data}-${f.loss}-${f.miner}${f.xbm ? `-xbm${f.xbm}` : ""}-d${f.dim}-s${f.seed}-${
    f.learningRate === undefined ? "fake" : `lr${f.learningRate}`
  }`;
  const dir = join(root, id);
  await Deno.mkdir(join(dir, "embeddings"), { recursive: true });
  // Class centres depend on the seed only (a shared split); noise on the whole run.
  const centreRng = createRng(1000 + f.seed);
  const centres = Array.from(
    { length: classes },
    () => Array.from({ length: f.dim }, () => centreRng.next() * 2),
  );
  const rng = createRng(
    f.seed * 7919 + f.dim * 31 + f.loss.length * 17 + f.miner.length * 13 +
      Math.round(f.noise * 1000),
  );
  const make = (n: number) => {
    const labels = new Int32Array(n * classes);
    const values = new Float32Array(n * classes * f.dim);
    for (let c = 0; c < classes; c++) {
      for (let i = 0; i < n; i++) {
        const row = c * n + i;
        labels[row] = c;
        for (let d = 0; d < f.dim; d++) {
          values[row * f.dim + d] = f.collapsed
            ? 0.5 + 1e-4 * rng.next()
            : centres[c][d] + f.noise * (rng.next() * 2 - 1);
        }
      }
    }
    return { labels, values };
  };
  const train = make(per.train), test = make(per.test);
  await Deno.writeFile(join(dir, "embeddings/train.f32"), new Uint8Array(train.values.buffer));
  await Deno.writeFile(join(dir, "embeddings/test.f32"), new Uint8Array(test.values.buffer));
  const classNames = Array.from({ length: classes }, (_, c) => `c${c}`);
  await Deno.writeTextFile(
    join(dir, "embeddings/meta.json"),
    JSON.stringify({
      dim: f.dim,
      dtype: "float32-le",
      classNames,
      trainIndices: Array.from(train.labels, (_, i) => i),
      trainLabels: Array.from(train.labels),
      testIndices: Array.from(test.labels, (_, i) => 1000 + i),
      testLabels: Array.from(test.labels),
    }),
  );
  const s = perQueryScores(
    { data: test.values, rows: test.labels.length, dim: f.dim },
    test.labels,
    { data: train.values, rows: train.labels.length, dim: f.dim },
    train.labels,
  );
  const accuracy = s.correct1.reduce((a, v) => a + v, 0) / s.correct1.length;
  const mapR = s.averagePrecisionAtR.reduce((a, v) => a + v, 0) / s.correct1.length;
  await Deno.writeTextFile(
    join(dir, "config.json"),
    JSON.stringify({
      id,
      data,
      seed: f.seed,
      dim: f.dim,
      epochs: 2,
      batchSize: 12,
      samplesPerClass: 4,
      learningRate: f.learningRate ?? 0.001,
      ...(f.xbm ? { xbm: f.xbm, xbmWarmup: 0 } : {}),
      loss: { name: f.loss, margin: 0.05 },
      miner: { name: f.miner },
      model: { architecture: "conv28" },
      backend: { name: "cpu" },
      dataset: {
        source: data,
        numSamples: classes * (per.train + per.test),
        numClasses: classes,
        classNames,
        imageShape: [16, 16, 3],
        split: "stratified",
        numTrain: train.labels.length,
        numTest: test.labels.length,
        hierarchy: null,
        hierarchySource: "none",
      },
    }),
  );
  await Deno.writeTextFile(
    join(dir, "summary.json"),
    JSON.stringify({
      id,
      data,
      loss: f.loss,
      miner: f.miner,
      dim: f.dim,
      seed: f.seed,
      epochs: 2,
      numClasses: classes,
      numTrain: train.labels.length,
      numTest: test.labels.length,
      test: { knnAccuracy: { "1": accuracy }, meanAveragePrecisionAtR: mapR },
      ...(f.flagCollapsed === undefined ? {} : {
        collapsed: f.flagCollapsed,
        collapse: { reasons: f.flagCollapsed ? ["flagged by the test"] : [] },
      }),
    }),
  );
  return dir;
}
