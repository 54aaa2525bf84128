/**
 * `deno task bench`: training and inference throughput of the two reference networks for
 * each backend and thread count (each in its own process: a backend's thread count is
 * fixed once it starts), measured in turn with the same networks in PyTorch where python
 * has torch (else beside the stored PyTorch figures), k-NN, UMAP, t-SNE and decoding
 * times; prints a table, writes bench.json.
 *
 * @module
 */
import { join } from "node:path";
import { selectBackend } from "../lib/backend/select_backend.ts";
import { loadBlas } from "../lib/backend/blas.ts";
import { loadOneDnn } from "../lib/backend/onednn.ts";
import { measureThroughput, PYTORCH_ANCHOR, type Throughput } from "../lib/bench/throughput.ts";
import {
  measurePytorch,
  probePytorch,
  PYTORCH_ANCHOR_SOURCE,
  storedFiguresMessage,
} from "../lib/bench/pytorch.ts";
import { compareThroughput, formatComparison } from "../lib/bench/compare.ts";
import { runDecodeBench } from "../lib/bench/decode_bench.ts";
import { runBenchExtras, runProjectionBench } from "../lib/bench/extras.ts";
import { writeJsonAtomic } from "../lib/run/run_folder.ts";
import { messageOf, numberFlag, parseFlags, runTask, UsageError } from "./_cli.ts";

const HELP = `Usage: deno task bench [--quick] [--backends onednn,blas,wasm] [--threads 1,2]
                       [--rounds N] [--python PATH] [--out FILE]

A benchmark, not a test: training and inference images/s (median of several steps after
warm-up) of conv64 (64x64x3, batch 64) and conv28 (28x28x1, batch 128) for each backend
and thread count, as a ratio of PyTorch: the same networks in PyTorch
(lib/bench/pytorch_bench.py, NCHW and channels-last, torch.set_num_threads) run in turn
with ours, each ratio against the better layout at the same thread count; where no python
has torch, against the stored figures of ${PYTORCH_ANCHOR_SOURCE.measured}, and it says so.
k-NN evaluation time (5,000 queries x 20,000 references, d=32); UMAP and t-SNE (FFT, on
all cores up to 4) times for 2,000 to 20,000 points (d=32; 2,000 only with --quick);
decoding 24,000 64x64 PNGs, then loading them from the decode cache (made once under the
temp folder; --quick decodes tt100k-mini instead); and peak memory. Other processes on
the machine skew every figure: run it on a quiet machine.

Options:
  --quick          fewer steps, fewer sizes
  --backends LIST  backends to measure (default onednn,blas,wasm; onednn and blas are
                   skipped where oneDNN or OpenBLAS does not load; cpu is the slow
                   reference)
  --threads LIST   thread counts of onednn, blas, wasm and PyTorch (default 1,2)
  --rounds N       rounds of ours-then-PyTorch per network and thread count; each
                   figure is the median over them (default 2; 1 with --quick)
  --python PATH    the python with torch (default: $METRICLAB_PYTHON, else python3,
                   else /usr/bin/python3)
  --out FILE       where to write the JSON (default bench.json)
  -h, --help       this help`;

type Row = Throughput & { key: string; peakMemoryMiB: number };

/** Warm-up and timed steps, the same for ours and PyTorch. */
const stepsOf = (quick: boolean) => quick ? { warmup: 1, steps: 3 } : { warmup: 3, steps: 10 };

/** Peak resident memory of this process (VmHWM on Linux; current RSS elsewhere). */
function peakMemoryMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // Not Linux.
  }
  return Deno.memoryUsage().rss / 2 ** 20;
}

async function child(
  architecture: "conv64" | "conv28",
  backend: string,
  threads: number,
  quick: boolean,
) {
  const info = await selectBackend(backend, { threads });
  const t = await measureThroughput(architecture, stepsOf(quick));
  console.log(
    JSON.stringify({ ...t, key: `${info.name}-${info.threads}t`, peakMemoryMiB: peakMemoryMiB() }),
  );
}

async function measureInChild(args: string[]): Promise<Row> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--child", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Cannot benchmark ${args.join(" ")}: the child process failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}

/** The backends asked for that load here (onednn and blas need their libraries). */
function loadableBackends(list: string): string[] {
  return list.split(",").filter(Boolean).filter((name) => {
    if (name !== "blas" && name !== "onednn") return true;
    try {
      loadBlas();
      if (name === "onednn") loadOneDnn();
      return true;
    } catch (error) {
      console.error(`skipping ${name}: ${messageOf(error)}`);
      return false;
    }
  });
}

await runTask(async () => {
  const { values, positionals } = parseFlags({
    quick: { type: "boolean", default: false },
    backends: { type: "string", default: "onednn,blas,wasm" },
    threads: { type: "string", default: "1,2" },
    rounds: { type: "string" },
    python: { type: "string" },
    out: { type: "string", default: "bench.json" },
    child: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (values.child) {
    const [arch, backend, threads] = positionals;
    return void await child(arch as "conv64" | "conv28", backend, Number(threads), values.quick);
  }
  const threadCounts = values.threads.split(",").map((t) => numberFlag("threads", t, 1));
  const rounds = numberFlag("rounds", values.rounds, values.quick ? 1 : 2);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new UsageError(`Invalid --rounds ${values.rounds}: must be a positive integer`);
  }
  const backends = loadableBackends(values.backends);
  if (!backends.length) throw new UsageError("Invalid --backends: give at least one");
  const probe = await probePytorch(values.python === undefined ? undefined : [values.python]);
  console.error(
    probe.available
      ? `PyTorch ${probe.torch} (${probe.python}): measured in turn with ours, NCHW and channels-last`
      : storedFiguresMessage(probe.reason),
  );
  const steps = stepsOf(values.quick);
  let peak = 0;
  const comparison = await compareThroughput({
    backends,
    threads: threadCounts,
    rounds,
    measureOurs: async (arch, backend, threads) => {
      const row = await measureInChild([
        arch,
        backend,
        String(threads),
        ...(values.quick ? ["--quick"] : []),
      ]);
      peak = Math.max(peak, row.peakMemoryMiB);
      return row;
    },
    measurePytorch: probe.available
      ? (arch, threads, layout) => measurePytorch(probe.python, arch, threads, layout, steps)
      : undefined,
    onMeasured: (line) => console.error(line),
  });
  for (const warning of comparison.warnings) console.error(`warning: ${warning}`);
  // The full run times its own 24,000-image decode below; tt100k-mini only with --quick.
  const extras = await runBenchExtras({ quick: values.quick, decode: values.quick });
  const layouts = runProjectionBench({ quick: values.quick });
  // 24,000 PNGs made once in the temp folder (about 30 s, 265 MB), then reused.
  const decode = values.quick ? undefined : await runDecodeBench(
    join(Deno.env.get("TMPDIR") ?? "/tmp", "metriclab-decode-bench"),
  );
  const result = {
    networks: comparison.networks,
    ratios: comparison.ratios,
    // PyTorch measured here (by layout and thread count), or why not; the anchor either way.
    pytorch: probe.available
      ? { source: "live", python: probe.python, torch: probe.torch, rounds, ...steps }
      : { source: "stored", reason: probe.reason },
    pytorchLive: comparison.pytorch,
    pytorchAnchor: { ...PYTORCH_ANCHOR_SOURCE, networks: PYTORCH_ANCHOR },
    knnSeconds: extras.knnSeconds,
    umapSeconds: layouts.umapSeconds,
    tsneSeconds: layouts.tsneSeconds,
    decodeSeconds: decode?.coldSeconds ?? extras.decodeSeconds,
    decodeImages: decode?.images ?? null,
    decodeCachedSeconds: decode?.warmSeconds ?? null,
    peakMemoryMiB: Math.max(peak, peakMemoryMiB()),
  };
  await writeJsonAtomic(values.out, result);
  console.log(formatComparison(comparison, PYTORCH_ANCHOR));
  if (!probe.available) console.log(storedFiguresMessage(probe.reason));
  console.log(
    `k-NN (${extras.knnQueries} x ${extras.knnReferences}, d=32): ${
      extras.knnSeconds.toFixed(2)
    } s`,
  );
  for (const [name, bySize] of [["UMAP", layouts.umapSeconds], ["t-SNE", layouts.tsneSeconds]]) {
    const timed = Object.entries(bySize).filter(([, s]) => s !== null);
    const sizes = timed.map(([n, s]) =>
      `${Number(n).toLocaleString("en")} points ${s!.toFixed(1)} s`
    );
    const skipped = timed.length < Object.keys(bySize).length
      ? " (larger: --quick skips them)"
      : "";
    console.log(
      `${name} (d=32${name === "t-SNE" ? ", FFT" : ""}): ${sizes.join(", ")}${skipped}`,
    );
  }
  if (decode) {
    console.log(
      `decode ${decode.images} PNGs (64x64): ${
        decode.coldSeconds.toFixed(1)
      } s; from the decode cache: ${decode.warmSeconds.toFixed(1)} s`,
    );
  } else if (extras.decodeSeconds !== null) {
    console.log(`decode tt100k-mini (720 PNGs): ${extras.decodeSeconds.toFixed(2)} s`);
  }
  console.log(`peak memory: ${result.peakMemoryMiB.toFixed(0)} MiB`);
  console.log(`wrote ${values.out}`);
});
