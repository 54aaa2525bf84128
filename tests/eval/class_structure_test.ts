import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import {
  analyzeClassStructure,
  averageLinkage,
  centroidDistances,
  classCentroids,
  meanPairwiseDistances,
  neighborLabelShare,
  silhouette,
  treeDistanceMatrix,
} from "../../lib/eval/class_structure.ts";
import { createRng } from "../../lib/random.ts";
import type { ClassInfo } from "../../lib/types.ts";

const oneD = (xs: number[]) => ({ data: new Float64Array(xs), rows: xs.length, dim: 1 });

Deno.test("silhouette() matches values solved by hand on a 1-D set", () => {
  // Class 0 at {0, 2}, class 1 at {6, 10}, singleton class 2 at {20}.
  // x=0: a 2, b 8 -> 0.75; x=2: a 2, b 6 -> 2/3; x=6: a 4, b 5 -> 0.2; x=10: a 4, b 9 -> 5/9;
  // x=20: singleton -> 0.
  const r = silhouette(oneD([0, 2, 6, 10, 20]), new Int32Array([0, 0, 1, 1, 2]));
  assertClose(r.overall, (0.75 + 2 / 3 + 0.2 + 5 / 9) / 5, { atol: 1e-12 });
  assertClose(r.perClass[0], (0.75 + 2 / 3) / 2, { atol: 1e-12 });
  assertClose(r.perClass[1], (0.2 + 5 / 9) / 2, { atol: 1e-12 });
  assert.equal(r.perClass[2], 0);
  const withEmpty = silhouette(oneD([0, 2, 6, 10]), new Int32Array([0, 0, 2, 2]), {
    numClasses: 4,
  });
  assert.deepEqual(withEmpty.perClass.map((v) => v === null), [false, true, false, true]);
  assert.throws(() => silhouette(oneD([0, 1]), new Int32Array([1, 1])), RangeError);
});

Deno.test("silhouette() matches a brute-force loop", () => {
  const rng = createRng(5);
  const n = 30, dim = 3;
  const data = Float64Array.from({ length: n * dim }, () => rng.normal());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
  const dist = (i: number, j: number) =>
    Math.hypot(...Array.from({ length: dim }, (_, d) => data[i * dim + d] - data[j * dim + d]));
  let total = 0;
  for (let i = 0; i < n; i++) {
    const mean = (k: number) => {
      const others = [...Array(n).keys()].filter((j) => j !== i && labels[j] === k);
      return others.reduce((s, j) => s + dist(i, j), 0) / others.length;
    };
    const a = mean(labels[i]);
    const b = Math.min(...[0, 1, 2, 3].filter((k) => k !== labels[i]).map(mean));
    total += (b - a) / Math.max(a, b);
  }
  assertClose(silhouette({ data, rows: n, dim }, labels).overall, total / n, { atol: 1e-12 });
});

Deno.test("neighborLabelShare() counts same-label neighbours, self excluded", () => {
  // Points 0, 1, 2 (class 0) and 2.4, 10 (class 1). k = 2:
  // 0 -> {1, 2}: 1; 1 -> {0, 2}: 1; 2 -> {2.4, 1}: 1/2; 2.4 -> {2, 1}: 0; 10 -> {2.4, 2}: 1/2.
  const r = neighborLabelShare(oneD([0, 1, 2, 2.4, 10]), new Int32Array([0, 0, 0, 1, 1]), {
    k: 2,
  });
  assertClose(r.overall, (1 + 1 + 0.5 + 0 + 0.5) / 5, { atol: 1e-12 });
  assertClose(r.perClass[0], 2.5 / 3, { atol: 1e-12 });
  assertClose(r.perClass[1], 0.25, { atol: 1e-12 });
  // k larger than rows - 1 is lowered.
  const all = neighborLabelShare(oneD([0, 1, 5]), new Int32Array([0, 0, 1]), { k: 10 });
  assertClose(all.overall, (0.5 + 0.5 + 0) / 3, { atol: 1e-12 });
});

Deno.test("classCentroids(), centroidDistances() and meanPairwiseDistances() by hand", () => {
  const m = { data: new Float64Array([0, 0, 2, 0, 3, 4, 3, 8]), rows: 4, dim: 2 };
  const labels = new Int32Array([0, 0, 1, 1]);
  assert.deepEqual([...classCentroids(m, labels, 3)].slice(0, 4), [1, 0, 3, 6]);
  assert.ok(Number.isNaN(classCentroids(m, labels, 3)[4]));
  const d = centroidDistances(m, labels, 2);
  assertClose(d[1], Math.hypot(2, 6), { atol: 1e-12 });
  assert.equal(d[0], 0);
  assert.equal(d[1], d[2]);
  const mp = meanPairwiseDistances(m, labels, 2);
  assertClose(mp[0], 2, { atol: 1e-12 });
  assertClose(mp[3], 4, { atol: 1e-12 });
  // Cross pairs: (0,0)-(3,4) 5, (0,0)-(3,8) sqrt(73), (2,0)-(3,4) sqrt(17), (2,0)-(3,8) sqrt(65).
  assertClose(mp[1], (5 + Math.sqrt(73) + Math.sqrt(17) + Math.sqrt(65)) / 4, { atol: 1e-12 });
  assert.throws(() => classCentroids(m, new Int32Array([0, 0, 1, 3]), 2), RangeError);
});

Deno.test("averageLinkage() solves a 4-point example like scipy", () => {
  // Points 0, 1, 4, 10. Merge {0,1} at 1 -> id 4; d(4,2) = (4+3)/2 = 3.5, d(4,3) = 9.5;
  // merge {2,4} at 3.5 -> id 5; d(5,3) = (2*9.5 + 6)/3 = 25/3; merge {3,5}.
  const xs = [0, 1, 4, 10];
  const dist = Float64Array.from({ length: 16 }, (_, i) => Math.abs(xs[i >> 2] - xs[i & 3]));
  const { merges, order } = averageLinkage(dist, 4);
  assert.deepEqual(merges.slice(0, 2), [
    { a: 0, b: 1, height: 1, size: 2 },
    { a: 2, b: 4, height: 3.5, size: 3 },
  ]);
  assert.deepEqual([merges[2].a, merges[2].b, merges[2].size], [3, 5, 4]);
  assertClose(merges[2].height, 25 / 3, { atol: 1e-12 });
  assert.deepEqual(order, [3, 2, 0, 1]);
  assert.deepEqual(averageLinkage(new Float64Array([0]), 1), { merges: [], order: [0] });
  assert.throws(() => averageLinkage(new Float64Array(3), 2), TypeError);
});

const HIERARCHY: ClassInfo[] = [
  { class: "pl40", top: "prohibitory", family: "speed-limit" },
  { class: "pl50", top: "prohibitory", family: "speed-limit" },
  { class: "pn", top: "prohibitory", family: "special" },
  { class: "w55", top: "warning", family: "pictogram" },
  { class: "w57", top: "warning", family: "pictogram" },
];

Deno.test("treeDistanceMatrix() follows the hierarchy", () => {
  const t = treeDistanceMatrix(["pl40", "pl50", "pn", "w55", "zz"], HIERARCHY);
  assert.deepEqual([...t.slice(0, 5)], [0, 1, 2, 3, 3]);
  assert.equal(t[3 * 5 + 4], 3);
});

Deno.test("analyzeClassStructure() finds clusters that follow the tree", () => {
  // Centroids along x: the two speed limits close, pn near them, the warnings far away.
  const names = ["pl40", "pl50", "pn", "w55", "w57"];
  const centres = [0, 2, 6, 30, 33];
  const rng = createRng(1);
  const perClass = 6;
  const data: number[] = [];
  const labels: number[] = [];
  centres.forEach((x, k) => {
    for (let i = 0; i < perClass; i++) {
      data.push(x + 0.2 * rng.normal(), 0.2 * rng.normal());
      labels.push(k);
    }
  });
  const m = { data: new Float64Array(data), rows: labels.length, dim: 2 };
  const confusion: number[][] = names.map((_, a) => names.map((_, b) => (a === b ? 6 : 0)));
  confusion[0][1] = 2;
  confusion[1][0] = 1;
  confusion[4][3] = 1;
  const r = analyzeClassStructure(m, Int32Array.from(labels), names, {
    hierarchy: HIERARCHY,
    k: 3,
    permutations: 99,
    seed: 2,
    confusion,
  });
  assert.ok(r.silhouette!.overall > 0.6, `silhouette ${r.silhouette!.overall}`);
  assert.equal(r.neighborLabelShare!.overall, 1);
  assert.equal(r.neighborLabelShare!.k, 3);
  assert.ok(r.hierarchyCorrelation!.spearman! > 0.5, JSON.stringify(r.hierarchyCorrelation));
  assert.ok(r.hierarchyCorrelation!.mantelPValue! < 0.2);
  assert.equal(r.hierarchyCorrelation!.permutations, 99);
  assert.deepEqual(
    r.mostConfusedPairs,
    [{ a: 0, b: 1, count: 3, treeDistance: 1 }, { a: 3, b: 4, count: 1, treeDistance: 1 }],
  );
  assert.deepEqual([r.closestPairs[0].a, r.closestPairs[0].b, r.closestPairs[0].treeDistance], [
    0,
    1,
    1,
  ]);
  assert.equal(r.closestPairs.length, 10);
  assert.equal(r.linkage.merges.length, 4);
  assert.deepEqual(r.linkage.leaves, [0, 1, 2, 3, 4]);
  assert.deepEqual([...r.linkage.order].sort(), [0, 1, 2, 3, 4]);
  assert.equal(r.linkage.orderNames.length, 5);
  assert.equal(r.centroidDistances.length, 5);
  // JSON round trip keeps everything (no typed arrays, no NaN).
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  assert.deepEqual(r.warnings, []);
});

Deno.test("analyzeClassStructure() leaves out empty classes with a warning", () => {
  const m = oneD([0, 1, 10, 11, 20, 21]);
  const r = analyzeClassStructure(m, new Int32Array([0, 0, 2, 2, 3, 3]), ["a", "b", "c", "d"]);
  assert.equal(r.centroidDistances[1][0], null);
  assert.deepEqual(r.linkage.leaves, [0, 2, 3]);
  assert.equal(r.neighborLabelShare!.k, 5);
  assert.equal(r.counts[1], 0);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.hierarchyCorrelation, undefined);
  assert.throws(
    () => analyzeClassStructure(m, new Int32Array([0, 0, 2, 2, 3, 3]), ["a", "b", "c"]),
    RangeError,
  );
});
