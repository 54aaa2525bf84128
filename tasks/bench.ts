/**
 * `deno task bench`: training and inference throughput of the two reference networks for
 * each backend and thread count (each in its own process: a backend's thread count is
 * fixed once it starts) beside the PyTorch anchor, k-NN, UMAP, t-SNE and decoding times;
 * prints a table, writes bench.json.
 *
 * @module
 */
import { join } from "node:path";
import { selectBackend } from "../lib/backend/select_backend.ts";
import { loadBlas } from "../lib/backend/blas.ts";
import { loadOneDnn } from "../lib/backend/onednn.ts";
import { measureThroughput, PYTORCH_ANCHOR, type Throughput } from "../lib/bench/throughput.ts";
import { runDecodeBench } from "../lib/bench/decode_bench.ts";
import { runBenchExtras, runProjectionBench } from "../lib/bench/extras.ts";
import { writeJsonAtomic } from "../lib/run/run_folder.ts";
import { messageOf, numberFlag, parseFlags, runTask, UsageError } from "./_cli.ts";

const HELP =
  `Usage: deno task bench [--quick] [--backends onednn,blas,wasm] [--threads 1,2] [--out FILE]

A benchmark, not a test: training and inference images/s (median of several steps after
warm-up) of conv64 (64x64x3, batch 64) and conv28 (28x28x1, batch 128) for each backend
and thread count, as a ratio of the PyTorch 1.13 anchor; k-NN evaluation time (5,000
queries x 20,000 references, d=32); UMAP and Barnes-Hut t-SNE times for 2,000 and 5,000
points (d=32; 5,000 skipped with --quick); decoding 24,000 64x64 PNGs, then loading them
from the decode cache (made once under the temp folder; --quick decodes tt100k-mini
instead); and peak memory. Other processes on the machine skew every figure: run it on
a quiet machine.

Options:
  --quick          fewer steps, fewer sizes
  --backends LIST  backends to measure (default onednn,blas,wasm; onednn and blas are
                   skipped where oneDNN or OpenBLAS does not load; cpu is the slow
                   reference)
  --threads LIST   thread counts of onednn, blas and wasm (default 1,2)
  --out FILE       where to write the JSON (default bench.json)
  -h, --help       this help`;

type Row = Throughput & { key: string; peakMemoryMiB: number };

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
  const t = await measureThroughput(
    architecture,
    quick ? { warmup: 1, steps: 3 } : { warmup: 3, steps: 10 },
  );
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

await runTask(async () => {
  const { values, positionals } = parseFlags({
    quick: { type: "boolean", default: false },
    backends: { type: "string", default: "onednn,blas,wasm" },
    threads: { type: "string", default: "1,2" },
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
  const backends = values.backends.split(",").filter(Boolean).filter((name) => {
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
  if (!backends.length) throw new UsageError("Invalid --backends: give at least one");
  const networks: Record<string, Record<string, Throughput>> = { conv64: {}, conv28: {} };
  let peak = 0;
  for (const backend of backends) {
    const threaded = backend === "wasm" || backend === "blas" || backend === "onednn";
    for (const threads of threaded ? threadCounts : [1]) {
      for (const arch of ["conv64", "conv28"] as const) {
        const row = await measureInChild([
          arch,
          backend,
          String(threads),
          ...(values.quick ? ["--quick"] : []),
        ]);
        peak = Math.max(peak, row.peakMemoryMiB);
        networks[arch][row.key] = {
          trainImagesPerSecond: row.trainImagesPerSecond,
          inferImagesPerSecond: row.inferImagesPerSecond,
        };
        console.error(
          `${arch} ${row.key}: train ${row.trainImagesPerSecond.toFixed(1)} img/s, infer ${
            row.inferImagesPerSecond.toFixed(1)
          } img/s`,
        );
      }
    }
  }
  // The full run times its own 24,000-image decode below; tt100k-mini only with --quick.
  const extras = await runBenchExtras({ quick: values.quick, decode: values.quick });
  const layouts = runProjectionBench({ quick: values.quick });
  // 24,000 PNGs made once in the temp folder (about 30 s, 265 MB), then reused.
  const decode = values.quick ? undefined : await runDecodeBench(
    join(Deno.env.get("TMPDIR") ?? "/tmp", "metriclab-decode-bench"),
  );
  const result = {
    networks,
    pytorchAnchor: PYTORCH_ANCHOR,
    knnSeconds: extras.knnSeconds,
    umapSeconds: layouts.umapSeconds,
    tsneSeconds: layouts.tsneSeconds,
    decodeSeconds: decode?.coldSeconds ?? extras.decodeSeconds,
    decodeImages: decode?.images ?? null,
    decodeCachedSeconds: decode?.warmSeconds ?? null,
    peakMemoryMiB: Math.max(peak, peakMemoryMiB()),
  };
  await writeJsonAtomic(values.out, result);
  console.log(formatTable(result.networks));
  console.log(
    `k-NN (${extras.knnQueries} x ${extras.knnReferences}, d=32): ${
      extras.knnSeconds.toFixed(2)
    } s`,
  );
  for (const [name, bySize] of [["UMAP", layouts.umapSeconds], ["t-SNE", layouts.tsneSeconds]]) {
    const sizes = Object.entries(bySize).map(([n, s]) =>
      `${n} points ${s === null ? "skipped" : `${s.toFixed(1)} s`}`
    );
    console.log(`${name} (d=32${name === "t-SNE" ? ", Barnes-Hut" : ""}): ${sizes.join(", ")}`);
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

function formatTable(networks: Record<string, Record<string, Throughput>>): string {
  const lines = ["network  backend    train img/s  (x PyTorch)  infer img/s  (x PyTorch)"];
  for (const [arch, rows] of Object.entries(networks)) {
    const anchor = PYTORCH_ANCHOR[arch as keyof typeof PYTORCH_ANCHOR];
    for (const [key, t] of Object.entries(rows)) {
      const train = t.trainImagesPerSecond, infer = t.inferImagesPerSecond;
      lines.push(
        `${arch.padEnd(8)} ${key.padEnd(10)} ${train.toFixed(1).padStart(11)}  ${
          `(${(train / anchor.trainImagesPerSecond).toFixed(2)})`.padStart(11)
        }  ${infer.toFixed(1).padStart(11)}  ${
          `(${(infer / anchor.inferImagesPerSecond).toFixed(2)})`.padStart(11)
        }`,
      );
    }
    lines.push(
      `${arch.padEnd(8)} ${"PyTorch".padEnd(10)} ${
        anchor.trainImagesPerSecond.toFixed(1).padStart(11)
      }  ${"".padStart(11)}  ${anchor.inferImagesPerSecond.toFixed(1).padStart(11)}`,
    );
  }
  return lines.join("\n");
}
