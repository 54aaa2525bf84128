import assert from "node:assert/strict";
import { tf } from "../losses/_helpers.ts";
import { fileURLToPath } from "node:url";
import { runConformance } from "../../lib/conformance/run_conformance.ts";

const DIR = fileURLToPath(new URL("../fixtures/pml", import.meta.url));
const SHARED = new URL("../../../shared/vectors/pml/", import.meta.url);

Deno.test({
  name: "runConformance() passes every mapped PML reference check and skips, not passes, the rest",
  fn: async () => {
    const before = tf.memory().numTensors;
    const r = await runConformance(DIR);
    assert.equal(r.failed, 0, r.lines.filter((l) => l.startsWith("FAIL")).join("\n"));
    assert(r.passed > 300, `only ${r.passed} checks passed`);
    assert.equal(r.lines.length, r.failed + r.skipped);
    for (const line of r.lines) assert.match(line, /^SKIP /);
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
  },
});

Deno.test("runConformance() reports a wrong value as FAILED and a missing folder as an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const labels = [0, 0, 1, 1];
    const embeddings = [[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]];
    await Deno.writeTextFile(
      `${dir}/tiny.json`,
      JSON.stringify({
        embeddings,
        labels,
        losses: {
          wrong: {
            loss: "TripletMarginLoss",
            hyperparameters: { margin: 0.05 },
            distance: { class: "LpDistance", p: 2, power: 1, normalize_embeddings: true },
            reducer: { class: "AvgNonZeroReducer" },
            indices_tuple_from_miner: null,
            value: 123,
          },
          unknown: { loss: "CircleLoss", distance: { class: "CosineSimilarity" }, value: 1 },
        },
      }),
    );
    await Deno.writeTextFile(`${dir}/broken.json`, "{");
    const r = await runConformance(dir);
    assert.equal(r.passed, 0);
    assert.equal(r.failed, 2); // wrong value, broken file
    assert.equal(r.skipped, 1);
    assert(
      r.lines.some((l) =>
        /^FAIL tiny\.json: losses\.wrong value: element 0: got [0-9.e-]+, expected 123 /.test(l)
      ),
    );
    assert(
      r.lines.some((l) =>
        /^SKIP tiny\.json: losses\.unknown: loss CircleLoss is not supported/.test(l)
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(() => runConformance("/no/such/dir"), {
    name: "TypeError",
    message: /no such folder/,
  });
});

Deno.test("the fixture's PML vectors are the shared folder's, byte for byte, when that is present", async () => {
  const names = (dir: string | URL) =>
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json")).sort();
  const fixture = names(DIR);
  assert.equal(fixture.length, 5, fixture.join());
  let shared: string[];
  try {
    shared = names(SHARED);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return; // The fixture is the reference; this is a cross-check.
    throw e;
  }
  assert.deepEqual(fixture, shared);
  for (const name of fixture) {
    const [a, b] = await Promise.all([
      Deno.readFile(`${DIR}/${name}`),
      Deno.readFile(new URL(name, SHARED)),
    ]);
    assert.ok(a.length === b.length && a.every((v, i) => v === b[i]), `${name} differs`);
  }
});
