import assert from "node:assert/strict";
import {
  betterLayout,
  measurePytorch,
  parsePytorchOutput,
  probePytorch,
  PYTHON_ENV,
  PYTORCH_ANCHOR_SOURCE,
  PYTORCH_BENCH_SCRIPT,
  storedFiguresMessage,
  storedReference,
} from "../../lib/bench/pytorch.ts";
import { PYTORCH_ANCHOR } from "../../lib/bench/throughput.ts";

const LINE = JSON.stringify({
  torch: "1.13.0a0",
  architecture: "conv64",
  layout: "channels-last",
  threads: 2,
  trainImagesPerSecond: 310.5,
  inferImagesPerSecond: 690,
});

/** A python3 on PATH (with or without torch), for the script's own checks. */
function hasPython(): boolean {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const PYTHON = hasPython();
const TORCH = await probePytorch();

Deno.test("parsePytorchOutput() reads the last line of the script's stdout", () => {
  const f = parsePytorchOutput(`a warning from torch\n${LINE}\n\n`);
  assert.deepEqual(f, {
    torch: "1.13.0a0",
    architecture: "conv64",
    layout: "channels-last",
    threads: 2,
    trainImagesPerSecond: 310.5,
    inferImagesPerSecond: 690,
  });
});

Deno.test("parsePytorchOutput() rejects a line that is not JSON in one line", () => {
  assert.throws(
    () => parsePytorchOutput("Traceback (most recent call last):\n  oops"),
    (e: Error) =>
      e instanceof SyntaxError && !e.message.includes("\n") &&
      /^Cannot read the PyTorch bench's output: not a JSON line: "oops"$/.test(e.message),
  );
  assert.throws(() => parsePytorchOutput(""), SyntaxError);
  assert.throws(() => parsePytorchOutput("[1, 2]"), /not an object/);
});

Deno.test("parsePytorchOutput() names the field that is missing or wrong", () => {
  const base = JSON.parse(LINE);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ layout: "nhwc" }, /layout is "nhwc"/],
    [{ architecture: "resnet" }, /architecture is "resnet"/],
    [{ threads: 1.5 }, /threads is 1.5/],
    [{ trainImagesPerSecond: 0 }, /trainImagesPerSecond is 0/],
    [{ inferImagesPerSecond: null }, /inferImagesPerSecond is null/],
    [{ torch: undefined }, /torch is missing/],
  ];
  for (const [patch, message] of cases) {
    assert.throws(() => parsePytorchOutput(JSON.stringify({ ...base, ...patch })), message);
  }
});

Deno.test("betterLayout() takes PyTorch's faster layout for training and inference apart", () => {
  const best = betterLayout({
    "nchw-1t": { trainImagesPerSecond: 250, inferImagesPerSecond: 900 },
    "channels-last-1t": { trainImagesPerSecond: 300, inferImagesPerSecond: 600 },
  });
  assert.deepEqual(best, {
    train: { imagesPerSecond: 300, key: "channels-last-1t" },
    infer: { imagesPerSecond: 900, key: "nchw-1t" },
  });
  assert.equal(betterLayout({}), null);
});

Deno.test("storedReference() and storedFiguresMessage() name the anchor and its date", () => {
  const r = storedReference("conv28");
  assert.equal(r.train.imagesPerSecond, PYTORCH_ANCHOR.conv28.trainImagesPerSecond);
  assert.equal(r.infer.key, "stored-2t");
  const line = storedFiguresMessage("/nonexistent/python3: not found");
  assert.ok(!line.includes("\n"), line);
  for (const part of ["/nonexistent/python3: not found", "stored figures"]) {
    assert.ok(line.includes(part), line);
  }
  assert.ok(line.includes(PYTORCH_ANCHOR_SOURCE.measured), line);
  assert.ok(line.includes(PYTORCH_ANCHOR_SOURCE.commit), line);
});

Deno.test("probePytorch() reports a python that does not exist, and tries the next", async () => {
  const missing = await probePytorch(["/nonexistent/metriclab/python3"]);
  assert.deepEqual(missing, {
    available: false,
    reason: "/nonexistent/metriclab/python3: not found",
  });
  assert.deepEqual(await probePytorch([]), { available: false, reason: "no python to try" });
  if (TORCH.available) {
    const next = await probePytorch(["/nonexistent/metriclab/python3", TORCH.python]);
    assert.deepEqual(next, TORCH);
  }
});

Deno.test("probePytorch() takes the python named by METRICLAB_PYTHON", async () => {
  const before = Deno.env.get(PYTHON_ENV);
  Deno.env.set(PYTHON_ENV, "/nonexistent/metriclab/bogus-python");
  try {
    const probe = await probePytorch();
    assert.equal(probe.available, false);
    assert.ok(!probe.available && probe.reason.includes("bogus-python: not found"));
  } finally {
    if (before === undefined) Deno.env.delete(PYTHON_ENV);
    else Deno.env.set(PYTHON_ENV, before);
  }
});

Deno.test({
  name: "pytorch_bench.py fails with one line when torch cannot be imported",
  ignore: !PYTHON,
  fn: async () => {
    // -S: no site-packages, so no torch even where one is installed.
    const out = await new Deno.Command("python3", {
      args: ["-S", PYTORCH_BENCH_SCRIPT, "--probe"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2);
    assert.equal(new TextDecoder().decode(out.stdout), "");
    const err = new TextDecoder().decode(out.stderr).trim();
    assert.ok(!err.includes("\n"), err);
    assert.match(err, /^Cannot run the PyTorch bench: torch is not installed for /);
  },
});

Deno.test({
  name: "pytorch_bench.py rejects bad arguments in one line",
  ignore: !PYTHON,
  fn: async () => {
    const out = await new Deno.Command("python3", {
      args: ["-S", PYTORCH_BENCH_SCRIPT, "conv28", "0", "nchw"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2);
    const err = new TextDecoder().decode(out.stderr).trim();
    assert.equal(err, "Cannot run the PyTorch bench: threads, steps and dim must be positive");
  },
});

Deno.test({
  name: "measurePytorch() runs the script and parses its line (where torch is installed)",
  ignore: !TORCH.available,
  fn: async () => {
    if (!TORCH.available) return;
    for (const layout of ["nchw", "channels-last"] as const) {
      const f = await measurePytorch(TORCH.python, "conv28", 1, layout, { warmup: 0, steps: 1 });
      assert.equal(f.architecture, "conv28");
      assert.equal(f.layout, layout);
      assert.equal(f.threads, 1);
      assert.equal(f.torch, TORCH.torch);
      assert.ok(f.trainImagesPerSecond > 0 && f.inferImagesPerSecond > 0);
    }
  },
});

Deno.test("measurePytorch() fails with the reason when python is missing", async () => {
  await assert.rejects(
    measurePytorch("/nonexistent/metriclab/python3", "conv28", 1, "nchw"),
    { message: "/nonexistent/metriclab/python3: not found" },
  );
});
