import assert from "node:assert/strict";
import { findMiner, MINER_NAMES, minerFromConfig, MINERS } from "../../lib/miners/registry.ts";
import { MINER_CHOICES, MINER_OPTIONS, minerConfig } from "../../lib/experiment/config.ts";
import {
  assertMapped,
  checkCli,
  checkConfig,
  conformanceLines,
  invalidValues,
  validValue,
} from "../_descriptions.ts";

Deno.test("minerFromConfig() rebuilds every miner, gives undefined for none, suggests on a typo", () => {
  for (const name of MINER_NAMES) {
    const m = minerFromConfig({ name });
    if (name === "none") assert.equal(m, undefined);
    else assert.equal(m?.config().name, name);
  }
  assert.throws(() => minerFromConfig({ name: "batch-hrad" }), {
    name: "RangeError",
    message: 'Unknown miner "batch-hrad": did you mean "batch-hard"?',
  });
  assert.throws(
    () => minerFromConfig({ name: "pair-margin", distance: { name: "cosin" } }),
    /did you mean "cosine"/,
  );
});

Deno.test("MINERS: every description reaches the registry, config validation, the CLI and conformance", async () => {
  assert.deepEqual(MINER_NAMES, ["none", ...MINERS.map((d) => d.name)]);
  assert.equal(new Set(MINERS.map((d) => d.pmlName)).size, MINERS.length);
  for (const d of MINERS) {
    assert.equal(findMiner(d.name), d);
    const miner = minerFromConfig({ name: d.name })!;
    checkConfig(d, miner.config());
    assert.deepEqual(minerFromConfig(miner.config())?.config(), miner.config());
    for (const [key, spec] of Object.entries(d.options)) {
      for (const bad of invalidValues(spec)) {
        assert.throws(() => minerFromConfig({ name: d.name, [key]: bad }), RangeError, key);
      }
    }
    assert.deepEqual(MINER_OPTIONS[d.name], Object.keys(d.options));
    const all = Object.fromEntries(
      Object.entries(d.options).map(([key, spec]) => [key, validValue(spec)]),
    );
    // A miner named by an option's values (triplet-margin by its types) is chosen by those.
    const choices = d.namedBy ? d.options[d.namedBy.option].choices ?? [] : [d.name];
    assert.ok(choices.length > 0);
    for (const choice of choices) {
      assert.ok(MINER_CHOICES.includes(choice), choice);
      for (const [key, value] of Object.entries(all)) {
        assert.deepEqual(minerConfig(choice, { [key]: value })[key], value);
      }
      const c = minerConfig(choice);
      assert.equal(c.name, d.name);
      if (d.namedBy) assert.equal(c[d.namedBy.option], choice);
      assert.equal(minerFromConfig(minerConfig(choice, all))?.config().name, d.name);
      assert.throws(() => minerConfig(choice, { notAnOption: 1 }), /Unknown option "notAnOption"/);
    }
    assert.equal(MINER_CHOICES.includes(d.name), d.namedBy === undefined);
    checkCli("miner", d.name, choices);
    const lines = await conformanceLines("miners", d);
    if (d.pml?.comparable === false) {
      assert.match(lines.join("\n"), new RegExp(`miner ${d.pmlName} is not supported`));
    } else assertMapped(lines, d.pmlName);
  }
});
