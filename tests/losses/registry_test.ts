import assert from "node:assert/strict";
import { findLoss, LOSS_NAMES, LOSSES, lossFromConfig } from "../../lib/losses/registry.ts";
import { LOSS_OPTIONS, lossConfig } from "../../lib/experiment/config.ts";
import {
  assertMapped,
  checkCli,
  checkConfig,
  conformanceLines,
  invalidValues,
  validValue,
} from "../_descriptions.ts";

Deno.test("lossFromConfig() rebuilds every loss and suggests the closest name on a typo", () => {
  for (const name of LOSS_NAMES) {
    const loss = lossFromConfig({ name, numClasses: 3, embeddingSize: 4 });
    assert.equal(loss.config().name, name);
    (loss as { dispose?: () => void }).dispose?.();
  }
  assert.throws(() => lossFromConfig({ name: "triplett" }), {
    name: "RangeError",
    message: 'Unknown loss "triplett": did you mean "triplet"?',
  });
  assert.throws(
    () => lossFromConfig({ name: "contrastive", negMargin: -2 }),
    /negMargin must be >= 0, got -2/,
  );
});

Deno.test("LOSSES: every description reaches the registry, config validation, the CLI and conformance", async () => {
  assert.deepEqual(LOSS_NAMES, LOSSES.map((d) => d.name));
  assert.equal(new Set(LOSSES.map((d) => d.pmlName)).size, LOSSES.length);
  for (const d of LOSSES) {
    assert.equal(findLoss(d.name), d);
    // The registry round trip, with the experiment's class options where weights are learnt.
    const classes = d.learnsClassWeights ? { numClasses: 3, embeddingSize: 4 } : {};
    const loss = lossFromConfig({ name: d.name, ...classes });
    checkConfig(d, loss.config());
    assert.equal(loss.trainableVariables !== undefined, d.learnsClassWeights, d.name);
    const again = lossFromConfig(loss.config());
    assert.deepEqual(again.config(), loss.config());
    for (const l of [loss, again]) (l as { dispose?: () => void }).dispose?.();
    // Each declared range is the factory's.
    for (const [key, spec] of Object.entries(d.options)) {
      for (const bad of invalidValues(spec)) {
        assert.throws(
          () => lossFromConfig({ name: d.name, numClasses: 3, embeddingSize: 4, [key]: bad }),
          RangeError,
          `${d.name}.${key} = ${bad}`,
        );
      }
    }
    // Config validation accepts each option, alone and all together.
    assert.deepEqual(LOSS_OPTIONS[d.name], Object.keys(d.options));
    const all = Object.fromEntries(
      Object.entries(d.options).map(([key, spec]) => [key, validValue(spec)]),
    );
    for (const [key, value] of Object.entries(all)) {
      assert.deepEqual(lossConfig(d.name, { [key]: value })[key], value);
    }
    const l = lossFromConfig(lossConfig(d.name, all));
    (l as { dispose?: () => void }).dispose?.();
    assert.throws(() => lossConfig(d.name, { notAnOption: 1 }), /Unknown option "notAnOption"/);
    // The CLI and the conformance mapping by PML name.
    checkCli("loss", d.name, [d.name]);
    assertMapped(await conformanceLines("losses", d), d.pmlName);
  }
});
