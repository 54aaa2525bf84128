/**
 * Our throughput beside PyTorch's, measured in turn: for each network and thread count,
 * our backends and PyTorch's two layouts alternate (ours, PyTorch, ours, PyTorch, ...), so
 * that both sides see the same state of the machine; the ratios are against the better
 * PyTorch layout at the same thread count, or against the stored anchor where PyTorch
 * was not run.
 *
 * @module
 */
import type { Architecture } from "../model/embedding_net.ts";
import type { Throughput } from "./throughput.ts";
import {
  betterLayout,
  PYTORCH_LAYOUTS,
  type PytorchLayout,
  type PytorchReference,
  storedReference,
} from "./pytorch.ts";

/** One measurement of the schedule: one of our backends, or PyTorch in one layout. */
export type BenchStep =
  | { kind: "ours"; backend: string }
  | { kind: "pytorch"; layout: PytorchLayout };

/**
 * The order of one round for one network and thread count: our backends and PyTorch's
 * layouts alternately, the longer list's rest at the end; odd rounds run both lists
 * backwards, so that no one holds the same place in every round.
 *
 * @param backends Our backends.
 * @param layouts PyTorch's layouts (empty: PyTorch is not run).
 * @param round The round, from 0.
 * @returns The steps in order.
 *
 * @example
 * ```ts
 * import { interleave } from "./compare.ts";
 * const steps = interleave(["onednn", "wasm"], ["nchw", "channels-last"], 0);
 * const names = steps.map((s) => s.kind === "ours" ? s.backend : s.layout);
 * if (names.join() !== "onednn,nchw,wasm,channels-last") throw new Error(names.join());
 * ```
 */
export function interleave(
  backends: readonly string[],
  layouts: readonly PytorchLayout[],
  round: number,
): BenchStep[] {
  const ours = round % 2 ? [...backends].reverse() : [...backends];
  const torch = round % 2 ? [...layouts].reverse() : [...layouts];
  const steps: BenchStep[] = [];
  for (let i = 0; i < Math.max(ours.length, torch.length); i++) {
    if (i < ours.length) steps.push({ kind: "ours", backend: ours[i] });
    if (i < torch.length) steps.push({ kind: "pytorch", layout: torch[i] });
  }
  return steps;
}

/** A ratio of ours to PyTorch, and which PyTorch measurement it divides by. */
export interface Ratio {
  /** Our training images/s over PyTorch's best. */
  train: number;
  /** Our inference images/s over PyTorch's best. */
  infer: number;
  /** The PyTorch key of the training figure (`channels-last-2t`, or `stored-2t`). */
  trainAgainst: string;
  /** The PyTorch key of the inference figure. */
  inferAgainst: string;
}

/**
 * Divides ours by a PyTorch reference.
 *
 * @param ours Our throughput.
 * @param reference PyTorch's best figures ({@linkcode betterLayout}) or the stored ones.
 * @returns The two ratios and what they divide by.
 *
 * @example
 * ```ts
 * import { ratioOf } from "./compare.ts";
 * const r = ratioOf({ trainImagesPerSecond: 300, inferImagesPerSecond: 600 }, {
 *   train: { imagesPerSecond: 200, key: "nchw-2t" },
 *   infer: { imagesPerSecond: 600, key: "channels-last-2t" },
 * });
 * if (r.train !== 1.5 || r.infer !== 1 || r.trainAgainst !== "nchw-2t") throw new Error();
 * ```
 */
export function ratioOf(ours: Throughput, reference: PytorchReference): Ratio {
  return {
    train: ours.trainImagesPerSecond / reference.train.imagesPerSecond,
    infer: ours.inferImagesPerSecond / reference.infer.imagesPerSecond,
    trainAgainst: reference.train.key,
    inferAgainst: reference.infer.key,
  };
}

function middle(values: number[]): number {
  const s = [...values].sort((a, b) => a - b), h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * The median over rounds, of training and inference separately.
 *
 * @param samples One throughput per round (at least one).
 * @returns The medians (the mean of the middle two for an even count).
 */
export function medianThroughput(samples: readonly Throughput[]): Throughput {
  return {
    trainImagesPerSecond: middle(samples.map((s) => s.trainImagesPerSecond)),
    inferImagesPerSecond: middle(samples.map((s) => s.inferImagesPerSecond)),
  };
}

/** Options of {@linkcode compareThroughput}. */
export interface CompareOptions {
  /** The networks. @default ["conv64", "conv28"] */
  architectures?: readonly Architecture[];
  /** Our backends. */
  backends: readonly string[];
  /** Thread counts (ours and PyTorch's). */
  threads: readonly number[];
  /** Backends with a thread count; the others run once, at 1 thread. @default onednn, blas, wasm */
  threaded?: readonly string[];
  /** Rounds of the schedule; each figure is the median over them. @default 1 */
  rounds?: number;
  /** Measures one of our backends; `key` names it (`onednn-2t`). */
  measureOurs: (
    architecture: Architecture,
    backend: string,
    threads: number,
  ) => Promise<Throughput & { key: string }>;
  /** Measures PyTorch; absent where PyTorch cannot run (the ratios use the stored anchor). */
  measurePytorch?: (
    architecture: Architecture,
    threads: number,
    layout: PytorchLayout,
  ) => Promise<Throughput>;
  /** Called with a line after each measurement (progress for the task to print). */
  onMeasured?: (line: string) => void;
}

/** What {@linkcode compareThroughput} returns. */
export interface ThroughputComparison {
  /** Ours, by network and key (`onednn-2t`): the median over rounds. */
  networks: Record<string, Record<string, Throughput>>;
  /** PyTorch live, by network and key (`nchw-2t`, `channels-last-2t`); null when not run. */
  pytorch: Record<string, Record<string, Throughput>> | null;
  /** Ours over PyTorch's better layout at the same thread count (else the stored anchor). */
  ratios: Record<string, Record<string, Ratio>>;
  /** PyTorch runs that failed, one line each. */
  warnings: string[];
}

const format = (t: Throughput) =>
  `train ${t.trainImagesPerSecond.toFixed(1)} img/s, infer ${
    t.inferImagesPerSecond.toFixed(1)
  } img/s`;

/**
 * Measures our backends and PyTorch in turn ({@linkcode interleave}) for each network and
 * thread count, and divides ours by PyTorch's better layout at the same thread count.
 *
 * @param options Networks, backends, thread counts, rounds and the two measuring functions.
 * @returns Medians, ratios and warnings.
 *
 * @example
 * ```ts
 * import { compareThroughput } from "./compare.ts";
 * const r = await compareThroughput({
 *   architectures: ["conv28"], backends: ["wasm"], threads: [2],
 *   measureOurs: () => Promise.resolve({ key: "wasm-2t", trainImagesPerSecond: 100, inferImagesPerSecond: 400 }),
 *   measurePytorch: (_a, _t, layout) => Promise.resolve({ trainImagesPerSecond: layout === "nchw" ? 200 : 400, inferImagesPerSecond: 400 }),
 * });
 * if (r.ratios.conv28["wasm-2t"].train !== 0.25) throw new Error("wrong");
 * ```
 */
export async function compareThroughput(options: CompareOptions): Promise<ThroughputComparison> {
  const architectures = options.architectures ?? ["conv64", "conv28"];
  const threaded = options.threaded ?? ["onednn", "blas", "wasm"];
  const rounds = options.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(`Invalid rounds ${rounds}: must be a positive integer`);
  }
  const layouts = options.measurePytorch ? PYTORCH_LAYOUTS : [];
  const result: ThroughputComparison = {
    networks: {},
    pytorch: options.measurePytorch ? {} : null,
    ratios: {},
    warnings: [],
  };
  for (const arch of architectures) {
    const ours: Record<string, Throughput[]> = {}, torch: Record<string, Throughput[]> = {};
    const groupOf: Record<string, number> = {};
    for (const [g, threads] of options.threads.entries()) {
      // Single-threaded backends (cpu) run once, in the first thread count's group.
      const backends = options.backends.filter((b) => threaded.includes(b) || g === 0);
      for (let round = 0; round < rounds; round++) {
        for (const step of interleave(backends, layouts, round)) {
          if (step.kind === "ours") {
            const n = threaded.includes(step.backend) ? threads : 1;
            const { key, ...t } = await options.measureOurs(arch, step.backend, n);
            (ours[key] ??= []).push(t);
            groupOf[key] = threads;
            options.onMeasured?.(`${arch} ${key}: ${format(t)}`);
            continue;
          }
          const key = `${step.layout}-${threads}t`;
          try {
            const t = await options.measurePytorch!(arch, threads, step.layout);
            (torch[key] ??= []).push(t);
            options.onMeasured?.(`${arch} PyTorch ${key}: ${format(t)}`);
          } catch (error) {
            const why = error instanceof Error ? error.message : String(error);
            result.warnings.push(`${arch} PyTorch ${key} failed: ${why}`);
          }
        }
      }
    }
    result.networks[arch] = Object.fromEntries(
      Object.entries(ours).map(([k, samples]) => [k, medianThroughput(samples)]),
    );
    const live = Object.fromEntries(
      Object.entries(torch).map(([k, samples]) => [k, medianThroughput(samples)]),
    );
    if (result.pytorch) result.pytorch[arch] = live;
    result.ratios[arch] = Object.fromEntries(
      Object.entries(result.networks[arch]).map(([key, t]) => {
        const same = Object.fromEntries(
          Object.entries(live).filter(([k]) => k.endsWith(`-${groupOf[key]}t`)),
        );
        return [key, ratioOf(t, betterLayout(same) ?? storedReference(arch))];
      }),
    );
  }
  return result;
}

const cell = (value: number, width: number) => value.toFixed(1).padStart(width);
const ratioCell = (r: number | undefined) =>
  (r === undefined ? "" : `(${r.toFixed(2)})`).padStart(11);

/**
 * The comparison as a plain-text table: our rows with their ratios, then PyTorch's rows
 * (each layout and thread count measured live, or the stored anchor), and a line saying
 * what the ratios divide by.
 *
 * @param comparison What {@linkcode compareThroughput} returned.
 * @param stored The stored anchor, shown where PyTorch was not run live.
 * @returns The table's lines joined by newlines.
 *
 * @example
 * ```ts
 * import { formatComparison } from "./compare.ts";
 * const text = formatComparison({
 *   networks: { conv28: { "wasm-1t": { trainImagesPerSecond: 100, inferImagesPerSecond: 400 } } },
 *   pytorch: null,
 *   ratios: { conv28: { "wasm-1t": { train: 0.5, infer: 1, trainAgainst: "stored-2t", inferAgainst: "stored-2t" } } },
 *   warnings: [],
 * }, { conv28: { trainImagesPerSecond: 200, inferImagesPerSecond: 400 } });
 * if (!text.includes("(0.50)") || !text.includes("stored")) throw new Error(text);
 * ```
 */
export function formatComparison(
  comparison: ThroughputComparison,
  stored: Record<string, Throughput>,
): string {
  const lines = [
    "network  backend                  train img/s  (x PyTorch)  infer img/s  (x PyTorch)",
  ];
  const row = (arch: string, key: string, t: Throughput, r?: Ratio) =>
    `${arch.padEnd(8)} ${key.padEnd(24)} ${cell(t.trainImagesPerSecond, 11)}  ${
      ratioCell(r?.train)
    }  ${cell(t.inferImagesPerSecond, 11)}  ${ratioCell(r?.infer)}`.trimEnd();
  for (const [arch, rows] of Object.entries(comparison.networks)) {
    for (const [key, t] of Object.entries(rows)) {
      lines.push(row(arch, key, t, comparison.ratios[arch]?.[key]));
    }
    const live = comparison.pytorch?.[arch] ?? {};
    for (const [key, t] of Object.entries(live)) lines.push(row(arch, `PyTorch ${key}`, t));
    const usesStored = Object.values(comparison.ratios[arch] ?? {}).some((r) =>
      r.trainAgainst.startsWith("stored") || r.inferAgainst.startsWith("stored")
    );
    if (usesStored && stored[arch]) lines.push(row(arch, "PyTorch stored-2t", stored[arch]));
  }
  lines.push(
    comparison.pytorch
      ? "x PyTorch: against the better of PyTorch's NCHW and channels-last at the same thread " +
        "count, measured in turn with ours"
      : "x PyTorch: against the stored PyTorch figures (2 threads), not measured today",
  );
  return lines.join("\n");
}
