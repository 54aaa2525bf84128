/**
 * Throughput of the embedding networks: training and inference images per second on the
 * current backend, the median of several timed steps after warm-up.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { type Architecture, createEmbeddingNet } from "../model/embedding_net.ts";
import { createRng } from "../random.ts";

/** The two reference networks and their batch sizes (the PyTorch anchor's). */
export const BENCH_NETWORKS: Record<
  Architecture,
  { inputShape: [number, number, number]; batchSize: number }
> = {
  conv64: { inputShape: [64, 64, 3], batchSize: 64 },
  conv28: { inputShape: [28, 28, 1], batchSize: 128 },
};

/**
 * PyTorch 1.13 (Debian) with 2 threads, Adam, on the 2-core machine this project is
 * measured on (issue 6's anchor; when and where: `PYTORCH_ANCHOR_SOURCE` in pytorch.ts):
 * images per second of the same two networks and batches. Only a fallback: the bench
 * measures PyTorch beside ours where torch is installed, since its speed here drifts by
 * 30% from one day to the next.
 */
export const PYTORCH_ANCHOR: Record<Architecture, Throughput> = {
  conv64: { trainImagesPerSecond: 303, inferImagesPerSecond: 677 },
  conv28: { trainImagesPerSecond: 2437, inferImagesPerSecond: 5888 },
};

/** Options of {@linkcode measureThroughput}. */
export interface ThroughputOptions {
  /** Untimed steps first. @default 2 */
  warmup?: number;
  /** Timed steps; the median counts. @default 5 */
  steps?: number;
  /** Embedding dimension. @default 32 */
  dim?: number;
}

/** Images per second, training (forward, backward, Adam) and inference. */
export interface Throughput {
  /** Training images per second (forward, backward and Adam step). */
  trainImagesPerSecond: number;
  /** Inference images per second (forward only). */
  inferImagesPerSecond: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Measures one network on the current backend. The loss is the mean squared embedding
 * (the metric losses add well under a millisecond per batch at these sizes).
 *
 * @param architecture `conv64` (64x64x3, batch 64) or `conv28` (28x28x1, batch 128).
 * @param options Warm-up and timed steps.
 * @returns Median images per second.
 *
 * @example
 * ```ts ignore
 * import { measureThroughput } from "./throughput.ts";
 * const t = await measureThroughput("conv28", { steps: 1, warmup: 0 });
 * ```
 */
export async function measureThroughput(
  architecture: Architecture,
  options: ThroughputOptions = {},
): Promise<Throughput> {
  const { inputShape, batchSize } = BENCH_NETWORKS[architecture];
  const warmup = options.warmup ?? 2, steps = options.steps ?? 5;
  const net = createEmbeddingNet({ inputShape, dim: options.dim ?? 32, architecture, seed: 0 });
  const rng = createRng(1);
  const values = new Float32Array(batchSize * inputShape[0] * inputShape[1] * inputShape[2]);
  for (let i = 0; i < values.length; i++) values[i] = rng.next();
  const x = tf.tensor4d(values, [batchSize, ...inputShape]);
  const optimizer = tf.train.adam(1e-3);
  const trainTimes: number[] = [], inferTimes: number[] = [];
  try {
    for (let i = 0; i < warmup + steps; i++) {
      const t = performance.now();
      const loss = optimizer.minimize(
        () => tf.tidy(() => tf.mean(tf.square(net.apply(x)))) as tf.Scalar,
        true,
        net.variables,
      )!;
      await loss.data();
      loss.dispose();
      if (i >= warmup) trainTimes.push(performance.now() - t);
    }
    for (let i = 0; i < warmup + steps; i++) {
      const t = performance.now();
      const e = net.apply(x);
      await e.data();
      e.dispose();
      if (i >= warmup) inferTimes.push(performance.now() - t);
    }
  } finally {
    optimizer.dispose();
    x.dispose();
    net.dispose();
  }
  return {
    trainImagesPerSecond: batchSize / (median(trainTimes) / 1000),
    inferImagesPerSecond: batchSize / (median(inferTimes) / 1000),
  };
}
