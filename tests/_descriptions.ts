/**
 * Walks one loss or miner description through every path derived from it: the registry
 * round trip via `config()`, the option defaults and ranges, config validation, the CLI
 * choices and help, and the conformance mapping by PML name.
 */
import assert from "node:assert/strict";
import type { ComponentConfig, ComponentDescription, Json, OptionSpec } from "../lib/types.ts";
import { runConformance } from "../lib/conformance/run_conformance.ts";
import { configFromFlags, EXPERIMENT_HELP } from "../tasks/_experiment_flags.ts";

/** A value the option accepts (its default, or 2 / a choice / a nested config). */
export function validValue(spec: OptionSpec): Json {
  if (spec.kind === "distance" || spec.kind === "reducer") {
    return { name: String(spec.default) };
  }
  return spec.default ?? 2;
}

/** Values the factory must reject with a RangeError, from the option's declared range. */
export function invalidValues(spec: OptionSpec): number[] {
  if (spec.kind !== "number" && spec.kind !== "integer") return [];
  const out = [Number.NaN];
  if (spec.min !== undefined) out.push(spec.minExclusive ? spec.min : spec.min - 0.5);
  if (spec.below !== undefined) out.push(spec.below);
  if (spec.kind === "integer") out.push((spec.min ?? 0) + 1.5);
  return out;
}

/** Checks `config()`: the name, every option and its default. */
export function checkConfig<T>(d: ComponentDescription<T>, c: ComponentConfig): void {
  assert.equal(c.name, d.name);
  assert.deepEqual(
    Object.keys(c).filter((k) => k !== "name").sort(),
    Object.keys(d.options).sort(),
  );
  for (const [key, spec] of Object.entries(d.options)) {
    if (spec.default === undefined) continue;
    const got = spec.kind === "distance" || spec.kind === "reducer"
      ? (c[key] as ComponentConfig).name
      : c[key];
    assert.equal(got, spec.default, `${d.name}.${key} default`);
  }
}

/**
 * Writes a tiny PML reference file with one entry for `d` (a wrong expected value) and
 * returns the conformance lines about it: FAIL lines when it was mapped and computed (the
 * expected value is wrong on purpose), or the SKIP reason.
 */
export async function conformanceLines<T>(
  section: "losses" | "miners",
  d: ComponentDescription<T>,
): Promise<string[]> {
  const h: Record<string, Json> = { num_classes: 2, embedding_size: 2 };
  for (const spec of Object.values(d.options)) {
    if (spec.pml !== undefined && spec.default !== undefined) h[spec.pml] = spec.default;
  }
  const entry: Record<string, Json> = {
    [section === "losses" ? "loss" : "miner"]: d.pmlName,
    hyperparameters: h,
    distance: { class: "CosineSimilarity" },
    reducer: { class: (d.pml?.reducers ?? ["MeanReducer"]).join(" ") },
    weights: [[1, 0], [0, 1]],
    indices_tuple_from_miner: null,
    value: 123,
    output: [[0], [1], [2]],
  };
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/one.json`,
      JSON.stringify({
        embeddings: [[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]],
        labels: [0, 0, 1, 1],
        [section]: { entry },
      }),
    );
    const r = await runConformance(dir);
    return r.lines.filter((l) => l.includes(`${section}.entry`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Checks that the CLI lists `choices` in its help and turns each into a config of `name`. */
export function checkCli(kind: "loss" | "miner", name: string, choices: readonly string[]): void {
  for (const choice of choices) {
    assert.match(EXPERIMENT_HELP, new RegExp(`[ |(]${choice}[ |)\n]`), `${choice} in --help`);
    const partial = configFromFlags({ data: "synthetic", [kind]: choice });
    assert.equal(partial[kind]?.name, name);
  }
}

/** Asserts that conformance mapped and computed the entry: FAIL lines only (a wrong value). */
export function assertMapped(lines: string[], what: string): void {
  assert.ok(lines.length > 0 && lines.every((l) => l.startsWith("FAIL ")), `${what}: ${lines}`);
}
