/**
 * Checking metriclab against the reference vectors of pytorch-metric-learning 2.8.1.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type {
  ComponentDescription,
  Distance,
  EmbeddingMatrix,
  IndicesTuple,
  MetricLoss,
  Miner,
} from "../types.ts";
import { lpDistance } from "../distances/lp_distance.ts";
import { cosineSimilarity } from "../distances/cosine_similarity.ts";
import { dotProductSimilarity } from "../distances/dot_product_similarity.ts";
import { canonicalIndices, toTriplets } from "../miners/tuples.ts";
import { MINERS } from "../miners/registry.ts";
import { LOSSES } from "../losses/registry.ts";
import {
  compareArrays,
  DISTANCE_ARRAY_TOL,
  DISTANCE_TENSOR_TOL,
  flatten,
  GRAD_TOL,
  LOSS_TOL,
} from "./_compare.ts";
import type { CheckCounts } from "./_counts.ts";
import { checkAccuracy } from "./check_accuracy.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

/** The outcome of {@linkcode runConformance}. */
export interface ConformanceResult extends CheckCounts {
  /** The reference files read, by name. */
  files: string[];
}

const KNOWN_SECTIONS = new Set([
  "provenance",
  "case",
  "embeddings",
  "labels",
  "distances",
  "miners",
  "losses",
  "custom_indices",
  "losses_custom_indices",
  "accuracy",
]);

/** Our distance for a PML distance spec, or a reason it cannot be mapped. */
function distanceOf(spec: Obj | undefined): Distance | string {
  if (!spec || typeof spec !== "object") return "no distance spec";
  const normalize = spec.normalize_embeddings ?? true;
  if (spec.class === "LpDistance") {
    if ((spec.p ?? 2) !== 2) return `LpDistance p=${spec.p} is not supported`;
    return lpDistance({ normalize, p: 2, power: spec.power ?? 1 });
  }
  if ((spec.power ?? 1) !== 1) return `${spec.class} power=${spec.power} is not supported`;
  if (spec.class === "CosineSimilarity") return cosineSimilarity();
  if (spec.class === "DotProductSimilarity" && !normalize) return dotProductSimilarity();
  return `distance ${JSON.stringify(spec)} is not supported`;
}

/**
 * Our component for a PML reference entry, through its description (found by PML name):
 * the options by their `pml` names, the distance, and the description's limits (fixed
 * hyper-parameters, reducer, distance); or a reason it cannot be mapped.
 */
function fromPml<T>(
  kind: "loss" | "miner",
  descriptions: readonly ComponentDescription<T>[],
  pmlName: unknown,
  entry: Obj,
  extra: () => Obj = () => ({}),
): T | string {
  const distance = distanceOf(entry.distance);
  if (typeof distance === "string") return distance;
  const d = descriptions.find((d) => d.pmlName === pmlName);
  if (d === undefined || d.pml?.comparable === false) return `${kind} ${pmlName} is not supported`;
  const h: Obj = entry.hyperparameters ?? {};
  for (const [key, only] of Object.entries(d.pml?.fixed ?? {})) {
    const got = h[key] ?? null;
    if (only === null ? got !== null : got !== null && got !== only) {
      return `${d.pmlName} ${JSON.stringify(h)} is not supported`;
    }
  }
  const reducer = JSON.stringify(entry.reducer ?? {});
  if (!(d.pml?.reducers ?? []).every((n) => reducer.includes(`"${n}"`))) {
    return `reducer ${reducer} is not supported`;
  }
  const only = d.pml?.distance;
  if (only !== undefined && distance.config().name !== only) {
    return `${d.pmlName} with a non-${only} distance is not supported`;
  }
  const options: Obj = extra();
  for (const [key, spec] of Object.entries(d.options)) {
    if (spec.kind === "distance") options[key] = distance;
    else if (spec.pml !== undefined) options[key] = h[spec.pml];
  }
  return d.create(options);
}

/** Our miner for a `miners` entry, or a reason it cannot be mapped. */
function minerOf(entry: Obj): Miner | string {
  return fromPml("miner", MINERS, entry.miner, entry);
}

/** Our loss for a `losses` entry (with weights loaded), or a reason it cannot be mapped. */
function lossOf(entry: Obj): MetricLoss | string {
  const learns = LOSSES.find((d) => d.pmlName === entry.loss)?.learnsClassWeights;
  return fromPml(
    "loss",
    LOSSES,
    entry.loss,
    entry,
    () => learns ? { weights: flatten(entry.weights) } : {},
  );
}

/** Reads an index tuple in any of the stored forms, or undefined when unrecognised. */
function indicesOf(value: unknown): IndicesTuple | undefined {
  const i32 = (v: unknown) => Int32Array.from(v as number[]);
  if (Array.isArray(value)) {
    if (value.length === 3) {
      return {
        kind: "triplets",
        anchors: i32(value[0]),
        positives: i32(value[1]),
        negatives: i32(value[2]),
      };
    }
    if (value.length === 4) {
      return {
        kind: "pairs",
        posAnchors: i32(value[0]),
        positives: i32(value[1]),
        negAnchors: i32(value[2]),
        negatives: i32(value[3]),
      };
    }
    return undefined;
  }
  if (!value || typeof value !== "object") return undefined;
  const o = value as Obj;
  if (Array.isArray(o.anchors) && Array.isArray(o.positives) && Array.isArray(o.negatives)) {
    return {
      kind: "triplets",
      anchors: i32(o.anchors),
      positives: i32(o.positives),
      negatives: i32(o.negatives),
    };
  }
  if (Array.isArray(o.pos_anchors) && Array.isArray(o.neg_anchors)) {
    return {
      kind: "pairs",
      posAnchors: i32(o.pos_anchors),
      positives: i32(o.positives),
      negAnchors: i32(o.neg_anchors),
      negatives: i32(o.negatives),
    };
  }
  return undefined;
}

function sameIndices(got: IndicesTuple, want: IndicesTuple): string | undefined {
  if (got.kind !== want.kind) return `got ${got.kind}, expected ${want.kind}`;
  const g = canonicalIndices(got) as unknown as Obj;
  const w = canonicalIndices(want) as unknown as Obj;
  const keys = got.kind === "pairs"
    ? ["posAnchors", "positives", "negAnchors", "negatives"]
    : ["anchors", "positives", "negatives"];
  for (const k of keys) {
    const a: Int32Array = g[k], b: Int32Array = w[k];
    if (a.length !== b.length) return `${k}: ${a.length} entries, expected ${b.length}`;
    const i = a.findIndex((v, j) => v !== b[j]);
    if (i >= 0) return `${k}[${i}] (canonical order): got ${a[i]}, expected ${b[i]}`;
  }
  return undefined;
}

/** Reads a tensor with `await` (GPU backends cannot read synchronously), then disposes it. */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return Float32Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

/**
 * Runs every check of one parsed reference file.
 *
 * @param json The parsed file.
 * @param file Its name, for the lines.
 * @returns Counts and one line per failed or skipped check.
 */
async function checkFile(json: Obj, file: string): Promise<CheckCounts> {
  const r: CheckCounts = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const pass = () => r.passed++;
  const fail = (what: string, why: string) => {
    r.failed++;
    r.lines.push(`FAIL ${file}: ${what}: ${why}`);
  };
  const skip = (what: string, why: string) => {
    r.skipped++;
    r.lines.push(`SKIP ${file}: ${what}: ${why}`);
  };
  const check = (what: string, problem: string | undefined) =>
    problem ? fail(what, problem) : pass();
  const guard = async (what: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (e) {
      fail(what, `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
  };

  for (const key of Object.keys(json)) {
    if (!KNOWN_SECTIONS.has(key)) skip(key, "unknown section, no check maps to it");
  }
  const rows: number[][] = json.embeddings;
  const labels = Int32Array.from(json.labels ?? []);
  if (!Array.isArray(rows) || rows.length !== labels.length || rows.length === 0) {
    fail("embeddings", "missing, empty, or not one row per label");
    return r;
  }
  const dim = rows[0].length;
  const matrix: EmbeddingMatrix = { data: Float64Array.from(rows.flat()), rows: rows.length, dim };

  for (const [name, entry] of Object.entries<Obj>(json.distances ?? {})) {
    const what = `distances.${name}`;
    const distance = distanceOf(entry.spec);
    if (typeof distance === "string") {
      skip(`${what} matrix()`, distance);
      skip(`${what} matrixArray()`, distance);
      continue;
    }
    const want = flatten(entry.matrix);
    await guard(`${what} matrix()`, async () => {
      const got = await readAndDispose(tf.tidy(() => distance.matrix(tf.tensor2d(rows))));
      check(`${what} matrix()`, compareArrays(got, want, DISTANCE_TENSOR_TOL));
    });
    await guard(`${what} matrixArray()`, () => {
      check(
        `${what} matrixArray()`,
        compareArrays(distance.matrixArray(matrix), want, DISTANCE_ARRAY_TOL),
      );
    });
  }

  for (const [name, entry] of Object.entries<Obj>(json.miners ?? {})) {
    const what = `miners.${name}`;
    const miner = minerOf(entry);
    const want = indicesOf(entry.output);
    if (typeof miner === "string") skip(what, miner);
    else if (want === undefined) skip(what, "output has an unknown form");
    else await guard(what, () => check(what, sameIndices(miner.mine(matrix, labels), want)));
  }

  const custom: Obj = json.custom_indices ?? {};
  for (const section of ["losses", "losses_custom_indices"]) {
    for (const [name, entry] of Object.entries<Obj>(json[section] ?? {})) {
      const what = `${section}.${name}`;
      const n = 1 + (entry.grad_embeddings ? 1 : 0) + (entry.grad_W || entry.grad_proxies ? 1 : 0) +
        (entry.triplets_formed_from_pairs ? 1 : 0);
      const skipAll = (why: string) => {
        for (let i = 0; i < n; i++) skip(what, why);
      };
      let indices: IndicesTuple | undefined;
      const source = entry.indices_tuple_from_miner;
      if (source !== null && source !== undefined) {
        const stored = json.miners?.[source]?.output ?? custom[source]?.as_passed ?? custom[source];
        indices = indicesOf(stored);
        if (indices === undefined) {
          skipAll(`indices "${source}" not found or of an unknown form`);
          continue;
        }
      }
      const loss = lossOf(entry);
      if (typeof loss === "string") {
        skipAll(loss);
        continue;
      }
      await guard(`${what} value`, async () => {
        const got = await readAndDispose(
          tf.tidy(() => loss.compute(tf.tensor2d(rows), labels, indices)),
        );
        check(`${what} value`, compareArrays([got[0]], [entry.value], LOSS_TOL));
      });
      if (entry.grad_embeddings) {
        await guard(`${what} grad_embeddings`, async () => {
          const got = await readAndDispose(
            tf.tidy(() =>
              tf.grad((x: tf.Tensor) => loss.compute(x as tf.Tensor2D, labels, indices))(
                tf.tensor2d(rows),
              )
            ),
          );
          check(
            `${what} grad_embeddings`,
            compareArrays(got, flatten(entry.grad_embeddings), GRAD_TOL),
          );
        });
      }
      const gradW = entry.grad_W ?? entry.grad_proxies;
      if (gradW) {
        const key = entry.grad_W ? "grad_W" : "grad_proxies";
        await guard(`${what} ${key}`, async () => {
          const vars = loss.trainableVariables?.() ?? [];
          if (vars.length !== 1) {
            return fail(`${what} ${key}`, `the loss has ${vars.length} variables, expected 1`);
          }
          const got = await readAndDispose(tf.tidy(() => {
            const { grads } = tf.variableGrads(
              () => loss.compute(tf.tensor2d(rows), labels, indices),
              vars,
            );
            return grads[vars[0].name];
          }));
          check(`${what} ${key}`, compareArrays(got, flatten(gradW), GRAD_TOL));
        });
      }
      if (entry.triplets_formed_from_pairs) {
        await guard(`${what} triplets_formed_from_pairs`, () => {
          const want = indicesOf(entry.triplets_formed_from_pairs);
          if (want === undefined) return skip(`${what} triplets_formed_from_pairs`, "unknown form");
          check(
            `${what} triplets_formed_from_pairs`,
            sameIndices(toTriplets(indices, labels), want),
          );
        });
      }
      (loss as { dispose?: () => void }).dispose?.();
    }
  }

  const acc = checkAccuracy(json, file);
  r.passed += acc.passed;
  r.failed += acc.failed;
  r.skipped += acc.skipped;
  r.lines.push(...acc.lines);
  return r;
}

/**
 * Loads every `*.json` file of `dir` (the reference vectors of pytorch-metric-learning
 * 2.8.1, see their README) and checks, on the current tfjs backend: every distance matrix
 * (`matrix()` in float32: 1e-6 + 1e-5 relative; `matrixArray()` in float64: 1e-7), every
 * miner output (exact index multisets, compared in canonical order), every loss value
 * (1e-6 + 1e-5 relative), its gradient with respect to the embeddings and, for ArcFace and
 * ProxyAnchor, with respect to W or the proxies (1e-4 + 1e-4 relative), and the triplets
 * formed from pairs. Entries that cannot be mapped to a metriclab component count as
 * SKIPPED with a line naming them, never as passed. The `accuracy` section goes through
 * lib/eval (k-NN order, AccuracyCalculator metrics, k-NN classification, NMI and AMI).
 * A file that cannot be parsed is one failure.
 *
 * @param dir The folder of reference files.
 * @returns Counts, the files read, and one line per failed or skipped check.
 * @throws {TypeError} When `dir` is not a readable folder or holds no JSON file.
 *
 * @example
 * ```ts ignore
 * import { runConformance } from "./run_conformance.ts";
 * const r = await runConformance("../shared/vectors/pml");
 * console.log(`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
 * ```
 */
export async function runConformance(dir: string): Promise<ConformanceResult> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".json")) names.push(e.name);
    }
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such folder"
      : e instanceof Error
      ? e.message
      : String(e);
    throw new TypeError(`Cannot run conformance on "${dir}": ${why}`);
  }
  if (names.length === 0) {
    throw new TypeError(`Cannot run conformance on "${dir}": no .json reference files found`);
  }
  names.sort();
  const result: ConformanceResult = { passed: 0, failed: 0, skipped: 0, lines: [], files: names };
  for (const name of names) {
    let json: Obj;
    try {
      json = JSON.parse(await Deno.readTextFile(`${dir}/${name}`));
    } catch (e) {
      result.failed++;
      result.lines.push(
        `FAIL ${name}: cannot be read as JSON: ${e instanceof Error ? e.message : e}`,
      );
      continue;
    }
    const r = await checkFile(json, name);
    result.passed += r.passed;
    result.failed += r.failed;
    result.skipped += r.skipped;
    result.lines.push(...r.lines);
  }
  return result;
}
