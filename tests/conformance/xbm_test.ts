import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { tf } from "../losses/_helpers.ts";
import { hasXbmCases, runXbmConformance } from "../../lib/conformance/xbm.ts";

const DIR = fileURLToPath(new URL("../fixtures/pml_xbm", import.meta.url));

Deno.test("runXbmConformance() passes every CrossBatchMemory step of PML's sequences", async () => {
  const before = tf.memory().numTensors;
  const r = await runXbmConformance(DIR);
  assert.equal(r.failed, 0, r.lines.join("\n"));
  assert.equal(r.skipped, 0);
  assert.equal(r.cases.length, 6);
  // 30 steps: loss, gradient and queue state each, and the tuple of the 28 without a mask
  assert.equal(r.passed, 30 * 3 + 28);
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("runXbmConformance() reports a wrong number, an unknown loss and a missing file", async () => {
  const doc = JSON.parse(await Deno.readTextFile(`${DIR}/xbm_cases.json`));
  const first = doc.cases[0];
  first.steps = first.steps.slice(0, 2);
  first.steps[1].loss += 0.5;
  first.steps[1].memory_labels[0] += 1;
  const unknown = { ...first, name: "circle", loss: "CircleLoss" };
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/xbm_cases.json`,
      JSON.stringify({ cases: [first, unknown] }),
    );
    assert(await hasXbmCases(dir));
    const r = await runXbmConformance(dir);
    assert.equal(r.failed, 3, r.lines.join("\n"));
    assert.match(r.lines[0], /^FAIL xbm_cases\.json: contrastive_mem20 step 1 loss: element 0/);
    assert.match(r.lines[1], /step 1 queue state .*: got \[16,false,\[2,/);
    assert.equal(r.lines[2], "FAIL xbm_cases.json: circle: loss CircleLoss is not implemented");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(await hasXbmCases(dir), false);
  await assert.rejects(
    () => runXbmConformance(dir),
    /Cannot run the CrossBatchMemory conformance on ".*xbm_cases\.json": /,
  );
});
