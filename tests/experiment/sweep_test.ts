import assert from "node:assert/strict";
import { DEFAULT_CONFIG, runId } from "../../lib/experiment/config.ts";
import { expandSweep, parseSweepText } from "../../lib/experiment/sweep.ts";
import { fuzz, fuzzCases } from "../data/_fuzz.ts";

Deno.test("expandSweep() builds the full grid in data, loss, miner, dim, seed order", () => {
  const cells = expandSweep({
    data: ["synthetic", "other"],
    losses: ["contrastive", "triplet"],
    miners: ["none", "batch-hard"],
    dims: [8, 16],
    seeds: [0, 1, 2],
  });
  assert.equal(cells.length, 2 * 2 * 2 * 2 * 3);
  const key = (c: (typeof cells)[number]) =>
    [c.data, c.loss.name, c.miner.name, c.dim, c.seed].join("/");
  assert.equal(key(cells[0]), "synthetic/contrastive/none/8/0");
  assert.equal(key(cells[1]), "synthetic/contrastive/none/8/1");
  assert.equal(key(cells[3]), "synthetic/contrastive/none/16/0");
  assert.equal(key(cells[6]), "synthetic/contrastive/batch-hard/8/0");
  assert.equal(key(cells[12]), "synthetic/triplet/none/8/0");
  assert.equal(key(cells[24]), "other/contrastive/none/8/0");
  assert.equal(key(cells[47]), "other/triplet/batch-hard/16/2");
  // Every cell is a different run.
  assert.equal(new Set(cells.map(runId)).size, cells.length);
});

Deno.test("expandSweep() defaults to one triplet/none cell and fills the other defaults", () => {
  const cells = expandSweep({ data: "synthetic" });
  assert.equal(cells.length, 1);
  assert.deepEqual(cells[0], { ...DEFAULT_CONFIG, data: "synthetic" });
});

Deno.test("expandSweep() applies fixed fields to every cell and ignores out/description", () => {
  const cells = expandSweep({
    data: "synthetic",
    seeds: [0, 1],
    epochs: 3,
    batchSize: 16,
    ks: [1],
    imageSize: 16,
    out: "elsewhere",
    description: "a note",
  });
  assert.equal(cells.length, 2);
  for (const c of cells) {
    assert.equal(c.epochs, 3);
    assert.equal(c.batchSize, 16);
    assert.deepEqual(c.ks, [1]);
    assert.equal(c.imageSize, 16);
    assert(!("out" in c) && !("description" in c));
  }
});

Deno.test("expandSweep() lets overrides replace the file's values", () => {
  const sweep = { data: "synthetic", epochs: 10, dims: [8] };
  const cells = expandSweep(sweep, { data: "/data/signs", epochs: 2 });
  assert.equal(cells.length, 1);
  assert.equal(cells[0].data, "/data/signs");
  assert.equal(cells[0].epochs, 2);
  assert.deepEqual(sweep, { data: "synthetic", epochs: 10, dims: [8] }, "input mutated");
  // --data also supplies a data the file lacks.
  assert.equal(expandSweep({ losses: ["triplet"] }, { data: "synthetic" })[0].data, "synthetic");
});

Deno.test("expandSweep() takes losses and miners as names or objects with params", () => {
  const cells = expandSweep({
    data: "synthetic",
    losses: [{ name: "triplet", margin: 0.1 }, "contrastive"],
    miners: [{ name: "semihard", margin: 0.3 }, "pair-margin"],
  });
  assert.equal(cells.length, 4);
  assert.deepEqual(cells[0].loss, { name: "triplet", margin: 0.1 });
  assert.deepEqual(cells[0].miner, { name: "triplet-margin", type: "semihard", margin: 0.3 });
  assert.deepEqual(cells[1].miner, { name: "pair-margin" });
  assert.deepEqual(cells[2].loss, { name: "contrastive" });
  // A single name instead of a list is a one-element list.
  assert.equal(
    expandSweep({ data: "synthetic", losses: "contrastive" })[0].loss.name,
    "contrastive",
  );
});

Deno.test("expandSweep() rejects an unknown key, suggesting the closest valid one", () => {
  assert.throws(() => expandSweep({ data: "synthetic", epoch: 3 }), {
    name: "RangeError",
    message: 'Unknown sweep key "epoch": did you mean "epochs"?',
  });
  assert.throws(() => expandSweep({ data: "synthetic", dim: 8 }), {
    message: /Unknown sweep key "dim": did you mean "dims"\?/,
  });
  assert.throws(() => expandSweep({ data: "synthetic", lossses: ["triplet"] }), {
    message: /did you mean "losses"/,
  });
  // Overrides are checked too.
  assert.throws(() => expandSweep({ data: "synthetic" }, { seed: 1 }), {
    message: /Unknown sweep key "seed": did you mean "seeds"\?/,
  });
});

Deno.test("expandSweep() rejects bad entries with the offending value", () => {
  assert.throws(() => expandSweep({ losses: ["triplet"] }), {
    name: "RangeError",
    message: /"data" is missing/,
  });
  assert.throws(() => expandSweep({ data: "synthetic", losses: ["triplett"] }), {
    name: "RangeError",
    message: /did you mean "triplet"/,
  });
  assert.throws(() => expandSweep({ data: "synthetic", miners: ["semihardd"] }), {
    name: "RangeError",
    message: /did you mean "semihard"/,
  });
  assert.throws(() => expandSweep({ data: "synthetic", losses: [{ margin: 0.1 }] }), {
    name: "TypeError",
    message: /"losses".*\{"margin":0\.1\}/,
  });
  assert.throws(() => expandSweep({ data: "synthetic", miners: [3] }), {
    name: "TypeError",
    message: /"miners"/,
  });
  assert.throws(() => expandSweep({ data: [1] }), { name: "TypeError", message: /"data".*1/ });
  assert.throws(() => expandSweep({ data: "synthetic", dims: [0] }), {
    name: "RangeError",
    message: /^Invalid dim 0/,
  });
  assert.throws(() => expandSweep({ data: "synthetic", testFraction: 1.5 }), {
    name: "RangeError",
    message: /^Invalid testFraction 1\.5/,
  });
  assert.throws(() => expandSweep([] as never), {
    name: "TypeError",
    message: /one JSON object/,
  });
});

Deno.test("parseSweepText() returns the parsed object", () => {
  assert.deepEqual(parseSweepText('{ "data": "synthetic", "dims": [8] }\n', "s.json"), {
    data: "synthetic",
    dims: [8],
  });
});

Deno.test("parseSweepText() reports malformed JSON with line and column", () => {
  const cases: [string, RegExp][] = [
    ['{\n "a": }', /line 2, column 7 \(unexpected "}"\)/],
    ['{"a": 1,}', /line 1, column 9 \(unexpected "}"\)/],
    ['{"a": 1', /line 1, column 8 \(unexpected end of file\)/],
    ['{\n  "a": [1, 2],\n  "b": tru\n}', /line 3, column 11/],
    ["", /line 1, column 1 \(unexpected end of file\)/],
    ['{"a": 1} x', /line 1, column 10/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => parseSweepText(text, "s.json"), (e: unknown) => {
      assert(e instanceof SyntaxError, String(e));
      assert.match(e.message, /^Cannot read sweep "s\.json": invalid JSON at /);
      assert.match(e.message, expected, `${JSON.stringify(text)}: ${e.message}`);
      return true;
    });
  }
});

Deno.test({
  name: "parseSweepText() locates an invalid escape in a string",
  fn() {
    assert.throws(() => parseSweepText('{"a": "\\q"}', "s.json"), {
      name: "SyntaxError",
      message: /line 1, column (8|9) \(unexpected "/,
    });
  },
});

Deno.test("parseSweepText() and expandSweep() fuzzed: 400 mutated sweep files fail cleanly", async () => {
  const valid = new TextEncoder().encode(
    JSON.stringify(
      {
        data: "synthetic",
        losses: ["contrastive", { name: "triplet", margin: 0.1 }],
        miners: ["none", "semihard"],
        dims: [8, 16],
        seeds: [0, 1],
        epochs: 3,
        batchSize: 16,
        ks: [1, 5],
        out: "runs",
      },
    ),
  );
  let expanded = 0;
  let rejected = 0;
  const { failed } = await fuzz(
    fuzzCases([valid], 400, 17),
    '"fuzz.json"',
    (c) => {
      const sweep = parseSweepText(new TextDecoder().decode(c.bytes), "fuzz.json");
      try {
        return expandSweep(sweep);
      } catch (error) {
        // A well-formed file with bad content: the message names the key or the value.
        assert.ok(
          error instanceof RangeError || error instanceof TypeError,
          `case ${c.index}: ${error}`,
        );
        assert.match(error.message, /^(Invalid|Unknown) /, `case ${c.index}`);
        rejected++;
        return null;
      }
    },
    (cells) => {
      if (cells === null) return;
      expanded++;
      assert.ok(cells.length >= 1 && cells.length <= 64, `${cells.length} cells`);
      for (const c of cells) assert.equal(typeof c.data, "string");
    },
  );
  assert.ok(
    failed > 100 && rejected > 5 && expanded > 0,
    `${failed} unparsable, ${rejected} rejected, ${expanded} expanded`,
  );
});

Deno.test("parseSweepText() reports deeply nested JSON without overflowing the stack", () => {
  const text = "[".repeat(50_000);
  assert.throws(() => parseSweepText(text, "deep.json"), {
    name: "SyntaxError",
    message: /^Cannot read sweep "deep\.json": invalid JSON at line 1, column \d+/,
  });
});

Deno.test("expandSweep() takes one memory size or a list of them as one more axis", () => {
  const one = expandSweep({ data: "synthetic", xbm: 128, xbmWarmup: 1 });
  assert.deepEqual(one.map((c) => [c.xbm, c.xbmWarmup]), [[128, 1]]);
  const grid = expandSweep({ data: "synthetic", xbm: [0, 128], xbmWarmup: 1, seeds: [0, 1] });
  assert.deepEqual(grid.map((c) => [c.seed, c.xbm ?? 0, c.xbmWarmup ?? 0]), [
    [0, 0, 0],
    [0, 128, 1],
    [1, 0, 0],
    [1, 128, 1],
  ]);
});
