/**
 * Checking {@linkcode crossBatchMemory} against PML 2.8.1's `CrossBatchMemory` sequences
 * (`xbm_cases.json`): loss, gradient, index tuple and queue state after every step.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { ComponentDescription, IndicesTuple } from "../types.ts";
import { LOSSES } from "../losses/registry.ts";
import { MINERS } from "../miners/registry.ts";
import { crossBatchMemory } from "../losses/cross_batch_memory.ts";
import { compareArrays, flatten, LOSS_TOL } from "./_compare.ts";
import type { CheckCounts } from "./_counts.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

/** The file {@linkcode runXbmConformance} reads. */
export const XBM_CASES_FILE = "xbm_cases.json";

/** The outcome of {@linkcode runXbmConformance}. */
export interface XbmConformanceResult extends CheckCounts {
  /** The names of the cases checked. */
  cases: string[];
}

/**
 * PML hyper-parameters of a case: its `loss_hyperparameters` / `miner_hyperparameters`
 * when present, else read from its name as the generator wrote them (`triplet0.1`: a
 * triplet margin of 0.1; `_semihard_`: semihard triplets), PML's defaults otherwise.
 */
function hyperparameters(c: Obj): { loss: Obj; miner: Obj } {
  const name = String(c.name);
  const loss: Obj = { ...(c.loss_hyperparameters ?? {}) };
  const miner: Obj = { ...(c.miner_hyperparameters ?? {}) };
  const margin = /^triplet(\d+(?:\.\d+)?)/.exec(name);
  if (margin && c.loss_hyperparameters === undefined) loss.margin = Number(margin[1]);
  const type = /_(semihard|hard|easy)_/.exec(name);
  if (type && c.miner_hyperparameters === undefined) miner.type_of_triplets = type[1];
  return { loss, miner };
}

/** Our component for a PML class name and PML hyper-parameters, or a reason it has none. */
function build<T>(
  kind: string,
  descriptions: readonly ComponentDescription<T>[],
  pmlName: string,
  pml: Obj,
): T | string {
  const d = descriptions.find((x) => x.pmlName === pmlName);
  if (d === undefined) return `${kind} ${pmlName} is not implemented`;
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pml)) {
    const option = Object.entries(d.options).find(([, spec]) => spec.pml === key);
    if (option === undefined) return `${kind} ${pmlName}: hyper-parameter ${key} is not mapped`;
    options[option[0]] = value;
  }
  return d.create(options);
}

/** The index lists of a tuple, in PML's order: (a1, p, a2, n) or (a, p, n). */
function lists(t: IndicesTuple | undefined): number[][] {
  if (t === undefined) return [];
  const ls = t.kind === "pairs"
    ? [t.posAnchors, t.positives, t.negAnchors, t.negatives]
    : [t.anchors, t.positives, t.negatives];
  return ls.map((l) => Array.from(l));
}

/** One step's checks: loss, gradient, index tuple (exact, PML's order), queue state. */
function checkStep(
  xbm: ReturnType<typeof crossBatchMemory>,
  step: Obj,
  check: (what: string, why: string | undefined) => void,
): void {
  const labels = Int32Array.from(step.labels as number[]);
  const x = tf.tensor2d(step.embeddings as number[][]);
  const mask = step.enqueue_mask as boolean[] | null;
  try {
    const f = (e: tf.Tensor) =>
      mask === null
        ? xbm.compute(e as tf.Tensor2D, labels)
        : xbm.computeMasked(e as tf.Tensor2D, labels, mask);
    const { value, grad } = tf.valueAndGrad(f)(x);
    check("loss", compareArrays(value.dataSync(), [step.loss], LOSS_TOL));
    check("grad", compareArrays(grad.dataSync(), flatten(step.grad), LOSS_TOL));
    value.dispose();
    grad.dispose();
  } finally {
    x.dispose();
  }
  if (Array.isArray(step.indices_tuple)) {
    const got = JSON.stringify(lists(xbm.lastIndices()));
    const want = JSON.stringify(step.indices_tuple);
    check("indices_tuple", got === want ? undefined : `got ${got}, expected ${want}`);
  }
  const s = xbm.state();
  const got = JSON.stringify([s.queueIdx, s.hasBeenFilled, Array.from(s.labels)]);
  const want = JSON.stringify([step.queue_idx, step.has_been_filled, step.memory_labels]);
  check(
    "queue state [queue_idx, has_been_filled, memory_labels]",
    got === want ? undefined : `got ${got}, expected ${want}`,
  );
}

/** Runs one case's sequence on a fresh memory; one check per loss, gradient, tuple, state. */
function runCase(c: Obj, r: XbmConformanceResult): void {
  const where = `${XBM_CASES_FILE}: ${c.name}`;
  const fail = (what: string, why: string) => {
    r.failed++;
    r.lines.push(`FAIL ${where}${what}: ${why}`);
  };
  const pml = hyperparameters(c);
  const loss = build("loss", LOSSES, c.loss, pml.loss);
  const miner = c.miner === null || c.miner === undefined
    ? undefined
    : build("miner", MINERS, c.miner, pml.miner);
  if (typeof loss === "string") return fail("", loss);
  if (typeof miner === "string") return fail("", miner);
  let xbm;
  try {
    xbm = crossBatchMemory(loss, {
      memorySize: c.memory_size,
      embeddingSize: c.embedding_dim,
      miner,
    });
  } catch (e) {
    return fail("", e instanceof Error ? e.message : String(e));
  }
  for (const step of c.steps as Obj[]) {
    const check = (what: string, why: string | undefined) => {
      if (why === undefined) r.passed++;
      else fail(` step ${step.step} ${what}`, why);
    };
    try {
      checkStep(xbm, step, check);
    } catch (e) {
      fail(` step ${step.step}`, e instanceof Error ? e.message : String(e));
    }
  }
}

/**
 * Loads `xbm_cases.json` from `dir` (PML 2.8.1's CrossBatchMemory sequences) and replays
 * every case on a fresh {@linkcode crossBatchMemory}: per step, the loss and its gradient
 * with respect to the batch (1e-6 absolute + 1e-5 relative), the index tuple passed to
 * the loss (exactly, in PML's order) and the queue state (`queue_idx`,
 * `has_been_filled`, the slots' labels). Nothing is skipped: a case that cannot be built
 * fails.
 *
 * @param dir The folder holding `xbm_cases.json`.
 * @returns The counts and one line per failed check.
 * @throws {TypeError} When the file cannot be read or is not a list of cases.
 *
 * @example
 * ```ts ignore
 * import { runXbmConformance } from "./xbm.ts";
 * const r = await runXbmConformance("../shared/vectors/pml_xbm");
 * console.log(`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
 * ```
 */
export async function runXbmConformance(dir: string): Promise<XbmConformanceResult> {
  const path = `${dir.replace(/\/+$/, "")}/${XBM_CASES_FILE}`;
  let doc: Obj;
  try {
    doc = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new TypeError(`Cannot run the CrossBatchMemory conformance on "${path}": ${why}`);
  }
  if (!Array.isArray(doc?.cases)) {
    throw new TypeError(
      `Cannot run the CrossBatchMemory conformance on "${path}": no "cases" list`,
    );
  }
  const r: XbmConformanceResult = { passed: 0, failed: 0, skipped: 0, lines: [], cases: [] };
  for (const c of doc.cases as Obj[]) {
    r.cases.push(String(c?.name));
    runCase(c, r);
  }
  return r;
}

/** Whether `dir` holds `xbm_cases.json`. */
export async function hasXbmCases(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(`${dir.replace(/\/+$/, "")}/${XBM_CASES_FILE}`)).isFile;
  } catch {
    return false;
  }
}
