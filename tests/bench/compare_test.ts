import assert from "node:assert/strict";
import {
  compareThroughput,
  formatComparison,
  interleave,
  medianThroughput,
  ratioOf,
} from "../../lib/bench/compare.ts";
import { PYTORCH_ANCHOR } from "../../lib/bench/throughput.ts";
import type { PytorchLayout } from "../../lib/bench/pytorch.ts";

const names = (steps: ReturnType<typeof interleave>) =>
  steps.map((s) => s.kind === "ours" ? s.backend : `torch:${s.layout}`);

Deno.test("interleave() alternates ours and PyTorch, backwards on odd rounds", () => {
  const layouts = ["nchw", "channels-last"] as const;
  assert.deepEqual(names(interleave(["onednn", "blas", "wasm"], layouts, 0)), [
    "onednn",
    "torch:nchw",
    "blas",
    "torch:channels-last",
    "wasm",
  ]);
  assert.deepEqual(names(interleave(["onednn", "blas", "wasm"], layouts, 1)), [
    "wasm",
    "torch:channels-last",
    "blas",
    "torch:nchw",
    "onednn",
  ]);
  assert.deepEqual(names(interleave(["onednn"], layouts, 0)), [
    "onednn",
    "torch:nchw",
    "torch:channels-last",
  ]);
  assert.deepEqual(names(interleave(["onednn", "wasm"], [], 0)), ["onednn", "wasm"]);
});

Deno.test("medianThroughput() takes the median of each figure apart", () => {
  const t = (train: number, infer: number) => ({
    trainImagesPerSecond: train,
    inferImagesPerSecond: infer,
  });
  assert.deepEqual(medianThroughput([t(3, 10), t(1, 30), t(2, 20)]), t(2, 20));
  assert.deepEqual(medianThroughput([t(1, 40), t(3, 10)]), t(2, 25));
});

Deno.test("ratioOf() divides ours by the reference and names it", () => {
  const r = ratioOf({ trainImagesPerSecond: 150, inferImagesPerSecond: 900 }, {
    train: { imagesPerSecond: 300, key: "channels-last-2t" },
    infer: { imagesPerSecond: 600, key: "nchw-2t" },
  });
  assert.deepEqual(r, {
    train: 0.5,
    infer: 1.5,
    trainAgainst: "channels-last-2t",
    inferAgainst: "nchw-2t",
  });
});

/** Fake measurements: figures from a table, every call logged in order. */
function fakes(torchFails = false) {
  const calls: string[] = [];
  const ours: Record<string, number[]> = {
    "onednn-1t": [100, 120],
    "onednn-2t": [200, 220],
    "cpu-1t": [10, 14],
  };
  const torch: Record<string, { train: number; infer: number }> = {
    "nchw-1t": { train: 100, infer: 500 },
    "channels-last-1t": { train: 125, infer: 400 },
    "nchw-2t": { train: 400, infer: 800 },
    "channels-last-2t": { train: 200, infer: 1000 },
  };
  const seen: Record<string, number> = {};
  return {
    calls,
    measureOurs: (arch: string, backend: string, threads: number) => {
      const key = `${backend}-${threads}t`;
      calls.push(`${arch} ${key}`);
      const i = seen[key] = (seen[key] ?? -1) + 1;
      const v = ours[key][i % 2];
      return Promise.resolve({ key, trainImagesPerSecond: v, inferImagesPerSecond: 4 * v });
    },
    measurePytorch: (arch: string, threads: number, layout: PytorchLayout) => {
      const key = `${layout}-${threads}t`;
      calls.push(`${arch} torch ${key}`);
      if (torchFails && threads === 2) return Promise.reject(new Error("torch crashed"));
      const f = torch[key];
      return Promise.resolve({ trainImagesPerSecond: f.train, inferImagesPerSecond: f.infer });
    },
  };
}

Deno.test("compareThroughput() runs ours and PyTorch in turn for each thread count", async () => {
  const f = fakes();
  const lines: string[] = [];
  const r = await compareThroughput({
    architectures: ["conv28"],
    backends: ["onednn", "cpu"],
    threads: [1, 2],
    rounds: 2,
    measureOurs: f.measureOurs,
    measurePytorch: f.measurePytorch,
    onMeasured: (line) => lines.push(line),
  });
  assert.deepEqual(f.calls, [
    "conv28 onednn-1t",
    "conv28 torch nchw-1t",
    "conv28 cpu-1t",
    "conv28 torch channels-last-1t",
    "conv28 cpu-1t",
    "conv28 torch channels-last-1t",
    "conv28 onednn-1t",
    "conv28 torch nchw-1t",
    "conv28 onednn-2t",
    "conv28 torch nchw-2t",
    "conv28 torch channels-last-2t",
    "conv28 onednn-2t",
    "conv28 torch channels-last-2t",
    "conv28 torch nchw-2t",
  ]);
  assert.equal(lines.length, f.calls.length);
  assert.deepEqual(r.networks.conv28["onednn-2t"], {
    trainImagesPerSecond: 210,
    inferImagesPerSecond: 840,
  });
  assert.deepEqual(Object.keys(r.pytorch!.conv28).sort(), [
    "channels-last-1t",
    "channels-last-2t",
    "nchw-1t",
    "nchw-2t",
  ]);
  // Against the better layout at the same thread count, training and inference apart.
  assert.deepEqual(r.ratios.conv28["onednn-2t"], {
    train: 210 / 400,
    infer: 840 / 1000,
    trainAgainst: "nchw-2t",
    inferAgainst: "channels-last-2t",
  });
  assert.deepEqual(r.ratios.conv28["onednn-1t"], {
    train: 110 / 125,
    infer: 440 / 500,
    trainAgainst: "channels-last-1t",
    inferAgainst: "nchw-1t",
  });
  // cpu runs once per round (at 1 thread), beside the first thread count's PyTorch.
  assert.equal(r.ratios.conv28["cpu-1t"].trainAgainst, "channels-last-1t");
  assert.deepEqual(r.warnings, []);
});

Deno.test("compareThroughput() uses the stored anchor without PyTorch", async () => {
  const f = fakes();
  const r = await compareThroughput({
    backends: ["onednn"],
    threads: [2],
    measureOurs: f.measureOurs,
  });
  assert.deepEqual(f.calls, ["conv64 onednn-2t", "conv28 onednn-2t"]);
  assert.equal(r.pytorch, null);
  for (const [arch, ours] of [["conv64", 200], ["conv28", 220]] as const) {
    assert.deepEqual(r.ratios[arch]["onednn-2t"], {
      train: ours / PYTORCH_ANCHOR[arch].trainImagesPerSecond,
      infer: 4 * ours / PYTORCH_ANCHOR[arch].inferImagesPerSecond,
      trainAgainst: "stored-2t",
      inferAgainst: "stored-2t",
    });
  }
  const text = formatComparison(r, PYTORCH_ANCHOR);
  assert.match(text, /PyTorch stored-2t/);
  assert.match(text, /against the stored PyTorch figures/);
});

Deno.test("compareThroughput() falls back to the anchor where PyTorch fails, with a warning", async () => {
  const f = fakes(true);
  const r = await compareThroughput({
    architectures: ["conv28"],
    backends: ["onednn"],
    threads: [1, 2],
    measureOurs: f.measureOurs,
    measurePytorch: f.measurePytorch,
  });
  assert.deepEqual(r.warnings, [
    "conv28 PyTorch nchw-2t failed: torch crashed",
    "conv28 PyTorch channels-last-2t failed: torch crashed",
  ]);
  assert.equal(r.ratios.conv28["onednn-1t"].trainAgainst, "channels-last-1t");
  assert.equal(r.ratios.conv28["onednn-2t"].trainAgainst, "stored-2t");
  const text = formatComparison(r, PYTORCH_ANCHOR);
  assert.match(text, /PyTorch nchw-1t/);
  assert.match(text, /PyTorch stored-2t/);
});

Deno.test("compareThroughput() rejects a round count that is not a positive integer", async () => {
  const f = fakes();
  await assert.rejects(
    compareThroughput({
      backends: ["onednn"],
      threads: [1],
      rounds: 0,
      measureOurs: f.measureOurs,
    }),
    { name: "RangeError", message: "Invalid rounds 0: must be a positive integer" },
  );
});

Deno.test("formatComparison() shows live PyTorch rows and what the ratios divide by", async () => {
  const f = fakes();
  const r = await compareThroughput({
    architectures: ["conv28"],
    backends: ["onednn"],
    threads: [2],
    measureOurs: f.measureOurs,
    measurePytorch: f.measurePytorch,
  });
  const lines = formatComparison(r, PYTORCH_ANCHOR).split("\n");
  assert.match(lines[1], /^conv28 +onednn-2t +200\.0 +\(0\.50\) +800\.0 +\(0\.80\)$/);
  assert.match(lines[2], /^conv28 +PyTorch nchw-2t +400\.0 +800\.0$/);
  assert.match(lines[3], /^conv28 +PyTorch channels-last-2t +200\.0 +1000\.0$/);
  assert.match(lines[4], /better of PyTorch's NCHW and channels-last at the same thread count/);
  assert.ok(!lines.some((l) => l.includes("stored")));
});
