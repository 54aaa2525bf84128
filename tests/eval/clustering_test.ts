import assert from "node:assert/strict";
import {
  adjustedMutualInfo,
  clusteringMetrics,
  kMeans,
  normalizedMutualInfo,
} from "../../lib/eval/clustering.ts";
import { createRng } from "../../lib/random.ts";
import type { EmbeddingMatrix } from "../../lib/types.ts";

const VECTORS = new URL("../fixtures/pml/", import.meta.url);

/** Entropy, MI and EMI from the textbook definitions, with dense tables and summed logs. */
function reference(a: number[], b: number[]) {
  const n = a.length;
  const ua = [...new Set(a)], ub = [...new Set(b)];
  const table = ua.map((x) => ub.map((y) => a.filter((v, i) => v === x && b[i] === y).length));
  const rows = table.map((r) => r.reduce((s, v) => s + v, 0));
  const cols = ub.map((_, j) => table.reduce((s, r) => s + r[j], 0));
  const h = (sizes: number[]) => -sizes.reduce((s, v) => s + (v / n) * Math.log(v / n), 0);
  let mi = 0;
  table.forEach((r, i) =>
    r.forEach((v, j) => {
      if (v > 0) mi += (v / n) * Math.log((n * v) / (rows[i] * cols[j]));
    })
  );
  const logFact = [0];
  for (let k = 1; k <= n; k++) logFact.push(logFact[k - 1] + Math.log(k));
  const logChoose = (m: number, k: number) => logFact[m] - logFact[k] - logFact[m - k];
  let emi = 0;
  for (const ai of rows) {
    for (const bj of cols) {
      for (let nij = Math.max(1, ai + bj - n); nij <= Math.min(ai, bj); nij++) {
        const p = Math.exp(logChoose(ai, nij) + logChoose(n - ai, bj - nij) - logChoose(n, bj));
        emi += p * (nij / n) * Math.log((n * nij) / (ai * bj));
      }
    }
  }
  const mean = (h(rows) + h(cols)) / 2;
  return { nmi: mi / mean, ami: (mi - emi) / (mean - emi) };
}

function randomLabels(n: number, classes: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.int(classes));
}

Deno.test("normalizedMutualInfo() and adjustedMutualInfo() match the textbook definitions", () => {
  for (
    const [n, ca, cb, seed] of [[12, 3, 4, 1], [60, 5, 5, 2], [400, 8, 11, 3], [3000, 24, 20, 4]]
  ) {
    const a = randomLabels(n, ca, seed);
    // Half of b copies a, so that MI is well above its expectation.
    const b = randomLabels(n, cb, seed + 100).map((v, i) => (i % 2 === 0 ? a[i] : v));
    const expected = reference(a, b);
    const nmi = normalizedMutualInfo(Int32Array.from(a), Int32Array.from(b));
    const ami = adjustedMutualInfo(Int32Array.from(a), Int32Array.from(b));
    assert.ok(Math.abs(nmi - expected.nmi) < 1e-12, `NMI n=${n}: ${nmi} vs ${expected.nmi}`);
    assert.ok(Math.abs(ami - expected.ami) < 1e-10, `AMI n=${n}: ${ami} vs ${expected.ami}`);
  }
});

Deno.test("normalizedMutualInfo() and adjustedMutualInfo() handle sklearn's limit cases", () => {
  const same = [4, 4, 9, 9, 1, 1];
  const renamed = [0, 0, 2, 2, 5, 5];
  assert.ok(Math.abs(normalizedMutualInfo(same, renamed) - 1) < 1e-15);
  assert.ok(Math.abs(adjustedMutualInfo(same, renamed) - 1) < 1e-12);
  // Both single clusters, or empty: a perfect match by convention.
  assert.equal(normalizedMutualInfo([3, 3, 3], [1, 1, 1]), 1);
  assert.equal(adjustedMutualInfo([3, 3, 3], [1, 1, 1]), 1);
  assert.equal(normalizedMutualInfo([], []), 1);
  assert.equal(adjustedMutualInfo([], []), 1);
  // One side a single cluster: no information.
  assert.equal(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 0, 0]), 0);
  assert.equal(adjustedMutualInfo([0, 0, 1, 1], [0, 0, 0, 0]), 0);
  // Independent balanced labellings: MI = 0 exactly.
  assert.equal(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1]), 0);
  assert.ok(adjustedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1]) < 0);
  assert.throws(
    () => normalizedMutualInfo([0, 1], [0]),
    /second labelling has 1 entries for 2 rows/,
  );
  assert.throws(() => adjustedMutualInfo([0.5], [0]), /not an integer/);
});

Deno.test({
  name: "normalizedMutualInfo() and adjustedMutualInfo() match the PML vectors' cluster labels",
  fn() {
    let checked = 0;
    for (const entry of Deno.readDirSync(VECTORS)) {
      if (!entry.name.endsWith(".json")) continue;
      const accuracy = JSON.parse(Deno.readTextFileSync(new URL(entry.name, VECTORS))).accuracy;
      if (accuracy === undefined) continue;
      const { query_labels: truth, clustering } = accuracy;
      const nmi = normalizedMutualInfo(truth, clustering.cluster_labels);
      const ami = adjustedMutualInfo(truth, clustering.cluster_labels);
      assert.ok(Math.abs(nmi - clustering.NMI) < 1e-10, `${entry.name} NMI`);
      assert.ok(Math.abs(ami - clustering.AMI) < 1e-10, `${entry.name} AMI`);
      checked++;
    }
    assert.ok(checked >= 2, `only ${checked} files with an accuracy section`);
  },
});

/** Three tight blobs on a line, 4 points each, shuffled. */
function blobs(seed: number): { data: EmbeddingMatrix; labels: Int32Array } {
  const rng = createRng(seed);
  const labels = rng.shuffle(Int32Array.from({ length: 12 }, (_, i) => i % 3));
  const data = new Float64Array(24);
  labels.forEach((l, i) => {
    data[i * 2] = l * 10 + rng.normal() * 0.1;
    data[i * 2 + 1] = -l * 5 + rng.normal() * 0.1;
  });
  return { data: { data, rows: 12, dim: 2 }, labels };
}

Deno.test("kMeans() recovers well-separated blobs", () => {
  const { data, labels } = blobs(1);
  const result = kMeans(data, 3, { seed: 3 });
  assert.equal(normalizedMutualInfo(labels, result.labels), 1);
  assert.equal(result.centers.rows, 3);
  assert.equal(result.centers.dim, 2);
  assert.ok(result.inertia < 12 * 2 * 0.1, `inertia ${result.inertia}`);
  const metrics = clusteringMetrics(data, labels, { seed: 3 });
  assert.equal(metrics.numClusters, 3);
  assert.ok(Math.abs(metrics.nmi - 1) < 1e-12 && Math.abs(metrics.ami - 1) < 1e-12);
});

Deno.test("kMeans() is deterministic for a seed", () => {
  const rng = createRng(9);
  const data = {
    data: Float64Array.from({ length: 200 * 3 }, () => rng.normal()),
    rows: 200,
    dim: 3,
  };
  const a = kMeans(data, 5, { seed: 4, nInit: 3 });
  const b = kMeans(data, 5, { seed: 4, nInit: 3 });
  assert.deepEqual(a, b);
  // More restarts never end worse than the first of them (same seed, same first run).
  const one = kMeans(data, 5, { seed: 4, nInit: 1 });
  assert.ok(a.inertia <= one.inertia);
});

Deno.test("kMeans() handles duplicate points and k = rows without empty or NaN centres", () => {
  const data = { data: Float64Array.from([1, 1, 1, 1, 5, 5]), rows: 6, dim: 1 };
  const result = kMeans(data, 3, { seed: 0, nInit: 2 });
  assert.ok([...result.centers.data].every(Number.isFinite));
  assert.equal(result.inertia, 0);
  // Two distinct values cannot fill three clusters; sklearn warns the same way.
  assert.deepEqual(result.warnings, [
    "k-means found 2 distinct clusters for k=3: the data has too few distinct rows",
  ]);
  const all = kMeans({ data: Float64Array.from([3, 1, 2]), rows: 3, dim: 1 }, 3);
  assert.equal(all.inertia, 0);
  assert.deepEqual(all.warnings, []);
});

Deno.test("kMeans() rejects bad k, nInit and maxIter", () => {
  const data = { data: Float64Array.from([0, 1, 2]), rows: 3, dim: 1 };
  assert.throws(() => kMeans(data, 4), /k 4 must be an integer in \[1, 3\]/);
  assert.throws(() => kMeans(data, 0), RangeError);
  assert.throws(() => kMeans(data, 2, { nInit: 0 }), /nInit 0/);
  assert.throws(() => kMeans(data, 2, { maxIter: 1.5 }), /maxIter 1.5/);
});
