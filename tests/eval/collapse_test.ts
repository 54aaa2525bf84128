import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { join } from "node:path";
import {
  COLLAPSE_THRESHOLDS,
  collapseOfRunFolder,
  type CollapseResult,
  detectCollapse,
} from "../../lib/eval/collapse.ts";
import { writeFloat32, writeJsonAtomic } from "../../lib/run/run_folder.ts";
import { createRng } from "../../lib/random.ts";

/** `rows x dim` embeddings, each row filled by `row(i, values)`. */
function matrix(rows: number, dim: number, row: (i: number, values: number[]) => void) {
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const values = new Array<number>(dim).fill(0);
    row(i, values);
    data.set(values, i * dim);
  }
  return data;
}

/** Clusters, one per class, at `scale` along class-specific axes, with Gaussian noise. */
function clusters(classes: number, perClass: number, dim: number, scale: number, noise: number) {
  const rng = createRng(classes * 7 + dim);
  const rows = classes * perClass;
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    labels[i] = c;
    for (let d = 0; d < dim; d++) data[i * dim + d] = noise * rng.normal();
    data[i * dim + (c % dim)] += c < dim ? scale : -scale;
  }
  return { m: { data, rows, dim }, labels };
}

function assertJsonFriendly(result: CollapseResult) {
  const text = JSON.stringify(result);
  assert.ok(!text.includes("NaN") && !text.includes("Infinity"), text);
  assert.deepEqual(JSON.parse(text), result);
}

Deno.test("detectCollapse() solves a square of unit vectors by hand", () => {
  // (1,0), (0,1), (-1,0), (0,-1): four pairs sqrt 2 apart, two pairs 2 apart.
  const m = { data: new Float32Array([1, 0, 0, 1, -1, 0, 0, -1]), rows: 4, dim: 2 };
  const { collapsed, reasons, evidence } = detectCollapse(m, [0, 1, 2, 3]);
  const mean = (4 * Math.SQRT2 + 2 * 2) / 6;
  const sd = Math.sqrt((4 * (Math.SQRT2 - mean) ** 2 + 2 * (2 - mean) ** 2) / 6);
  assertClose(evidence.meanNormalizedDistance, mean, { atol: 1e-12 });
  assertClose(evidence.distanceSpread, sd, { atol: 1e-12 });
  // Covariance diag(1/2, 1/2): half the variance per axis, two effective dimensions.
  assertClose(evidence.topComponentShare, 0.5, { atol: 1e-9 });
  assertClose(evidence.effectiveRank, 2, { atol: 1e-12 });
  assertClose(evidence.meanNorm, 1, { atol: 1e-12 });
  assertClose(evidence.chanceAccuracy, 0.25, { atol: 1e-15 });
  assert.equal(evidence.points, 4);
  assert.equal(evidence.accuracy, undefined);
  assert.equal(collapsed, false);
  assert.deepEqual(reasons, []);
});

Deno.test("detectCollapse() flags points near one point with tiny noise", () => {
  const rng = createRng(1);
  const centre = Array.from({ length: 16 }, () => rng.normal());
  const data = matrix(60, 16, (_, r) => {
    for (let d = 0; d < 16; d++) r[d] = 10 * centre[d] + 1e-3 * rng.normal();
  });
  const labels = Array.from({ length: 60 }, (_, i) => i % 6);
  const result = detectCollapse({ data, rows: 60, dim: 16 }, labels, { accuracy: 0.2 });
  assert.equal(result.collapsed, true);
  assert.ok(result.evidence.meanNormalizedDistance < 1e-3);
  assert.ok(result.evidence.distanceSpread < 1e-3);
  // Isotropic noise around the point: not a line, so only the direction criterion fires.
  assert.ok(result.evidence.topComponentShare! < COLLAPSE_THRESHOLDS.topComponentShare);
  assert.equal(result.reasons.length, 2, result.reasons.join("\n"));
  assert.match(result.reasons[0], /nearly one direction/);
  assert.match(result.reasons[1], /accuracy is 20\.0% \(chance 16\.7%\)/);
  assert.equal(result.evidence.accuracy, 0.2);
  assertJsonFriendly(result);
});

Deno.test("detectCollapse() flags points on a line through the origin", () => {
  // Both sides of the origin: directions differ (distances 0 or 2), yet it is rank-1.
  const rng = createRng(3);
  const axis = Array.from({ length: 8 }, () => rng.normal());
  const data = matrix(50, 8, (i, r) => {
    const t = (i % 2 ? 1 : -1) * (1 + rng.next() * 4);
    for (let d = 0; d < 8; d++) r[d] = t * axis[d] + 1e-3 * rng.normal();
  });
  const result = detectCollapse({ data, rows: 50, dim: 8 }, new Int32Array(50));
  assert.equal(result.collapsed, true);
  assert.ok(result.evidence.meanNormalizedDistance > 0.5);
  assert.ok(result.evidence.topComponentShare! > 0.999);
  assertClose(result.evidence.effectiveRank, 1, { atol: 1e-3 });
  assert.equal(result.reasons.length, 1);
  assert.match(result.reasons[0], /of the variance lies on one direction \(near rank-1/);
  assertJsonFriendly(result);
});

Deno.test("detectCollapse() flags a ray from the origin on both criteria", () => {
  const data = new Float32Array([1, 1, 2, 2, 3, 3, 4, 4.01, 5, 5, 6, 6]);
  const result = detectCollapse({ data, rows: 6, dim: 2 }, [0, 0, 1, 1, 2, 2]);
  assert.equal(result.collapsed, true);
  assert.equal(result.reasons.length, 2);
  assert.ok(result.evidence.topComponentShare! > 0.9999);
});

Deno.test("detectCollapse() passes well-separated clusters and a random cloud", () => {
  const { m, labels } = clusters(10, 12, 16, 5, 0.3);
  const separated = detectCollapse(m, labels, { accuracy: 1 });
  assert.equal(separated.collapsed, false);
  assert.deepEqual(separated.reasons, []);
  assert.ok(separated.evidence.meanNormalizedDistance > 1);
  assert.ok(separated.evidence.effectiveRank! > 5);
  assertClose(separated.evidence.chanceAccuracy, 0.1, { atol: 1e-15 });
  assertJsonFriendly(separated);
  // An untrained-like cloud: no structure, but no collapse either.
  const rng = createRng(5);
  const cloud = Float32Array.from({ length: 100 * 8 }, () => rng.normal());
  const random = detectCollapse({ data: cloud, rows: 100, dim: 8 }, new Int32Array(100));
  assert.equal(random.collapsed, false);
});

Deno.test("detectCollapse() leaves the decision to geometry, not accuracy", () => {
  const { m, labels } = clusters(4, 10, 8, 3, 0.5);
  // Accuracy at chance does not make healthy geometry collapsed.
  const r = detectCollapse(m, labels, { accuracy: 0.25, numClasses: 8 });
  assert.equal(r.collapsed, false);
  assert.equal(r.evidence.accuracy, 0.25);
  assertClose(r.evidence.chanceAccuracy, 1 / 8, { atol: 1e-15 });
});

Deno.test("detectCollapse() handles identical and all-zero rows without NaN", () => {
  const same = detectCollapse(
    { data: new Float32Array([3, 4, 3, 4, 3, 4]), rows: 3, dim: 2 },
    [0, 1, 2],
  );
  assert.equal(same.collapsed, true);
  assert.equal(same.evidence.topComponentShare, null);
  assert.equal(same.evidence.effectiveRank, null);
  assert.equal(same.evidence.meanNormalizedDistance, 0);
  assertClose(same.evidence.meanNorm, 5, { atol: 1e-12 });
  assert.match(same.reasons[0], /all 3 rows analysed are the same point/);
  assertJsonFriendly(same);
  const zeros = detectCollapse({ data: new Float64Array(8), rows: 4, dim: 2 }, [0, 0, 1, 1]);
  assert.equal(zeros.collapsed, true);
  assert.equal(zeros.evidence.meanNorm, 0);
  assertJsonFriendly(zeros);
});

Deno.test("detectCollapse() subsamples deterministically per seed", () => {
  const { m, labels } = clusters(5, 40, 8, 4, 0.5);
  const full = detectCollapse(m, labels);
  const a = detectCollapse(m, labels, { maxPoints: 80, seed: 3 });
  const b = detectCollapse(m, labels, { maxPoints: 80, seed: 3 });
  assert.deepEqual(a, b);
  assert.equal(a.evidence.points, 80);
  assert.equal(full.evidence.points, 200);
  assert.notDeepEqual(detectCollapse(m, labels, { maxPoints: 80, seed: 4 }).evidence, a.evidence);
  // A subsample estimates the same geometry.
  assert.ok(
    Math.abs(a.evidence.meanNormalizedDistance - full.evidence.meanNormalizedDistance) < 0.1,
  );
  assert.equal(a.collapsed, full.collapsed);
});

Deno.test("detectCollapse() rejects bad input", () => {
  const m = { data: new Float32Array([1, 0, 0, 1]), rows: 2, dim: 2 };
  assert.throws(
    () => detectCollapse({ ...m, rows: 1, data: new Float32Array(2) }, [0]),
    RangeError,
  );
  assert.throws(
    () => detectCollapse({ data: new Float32Array(3), rows: 3, dim: 1 }, [0, 0, 0]),
    /dim is 1, need >= 2/,
  );
  assert.throws(() => detectCollapse(m, [0]), TypeError);
  assert.throws(
    () => detectCollapse({ ...m, data: new Float32Array([1, NaN, 0, 1]) }, [0, 1]),
    RangeError,
  );
  assert.throws(() => detectCollapse(m, [0, 1], { accuracy: 1.5 }), RangeError);
  assert.throws(() => detectCollapse(m, [0, 1], { numClasses: 0 }), RangeError);
  assert.throws(() => detectCollapse(m, [0, 1], { maxPoints: 1 }), RangeError);
});

Deno.test("collapseOfRunFolder() reads test embeddings and the k=1 accuracy", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const dim = 4;
    // Test rows all along one ray: collapsed; train rows are never read for the verdict.
    const test = new Float32Array(6 * dim);
    for (let i = 0; i < 6; i++) for (let d = 0; d < dim; d++) test[i * dim + d] = (i + 1) * (d + 1);
    test[3] += 0.01;
    await writeFloat32(join(dir, "embeddings/train.f32"), new Float32Array(2 * dim).fill(1));
    await writeFloat32(join(dir, "embeddings/test.f32"), test);
    await writeJsonAtomic(join(dir, "embeddings/meta.json"), {
      dim,
      dtype: "float32-le",
      classNames: ["a", "b", "c", "d"],
      trainLabels: [0, 1],
      testLabels: [0, 0, 1, 1, 2, 2],
    });
    const unfinished = await collapseOfRunFolder(dir);
    assert.equal(unfinished.collapsed, true);
    assert.equal(unfinished.evidence.accuracy, undefined);
    assertClose(unfinished.evidence.chanceAccuracy, 0.25, { atol: 1e-15 });
    await writeJsonAtomic(join(dir, "summary.json"), { test: { knnAccuracy: { "1": 0.5 } } });
    const finished = await collapseOfRunFolder(dir);
    assert.equal(finished.evidence.accuracy, 0.5);
    assert.match(finished.reasons.at(-1)!, /k=1 test accuracy is 50\.0% \(chance 25\.0%\)/);
    assertJsonFriendly(finished);
    await assert.rejects(
      () => collapseOfRunFolder(join(dir, "missing")),
      /Cannot check run for collapse/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("detectCollapse() flags the real triplet + batch-hard run and none of the demo's four runs", async () => {
  // Test embeddings of real runs (deno task demo's settings: synthetic signs at 32x32, d=32,
  // 8 epochs, seed 0), kept in tests/fixtures/collapse.
  const dir = new URL("../fixtures/collapse/", import.meta.url);
  const verdicts: Record<string, boolean> = {};
  for (
    const name of [
      "contrastive-none",
      "contrastive-semihard",
      "triplet-none",
      "triplet-semihard",
      "triplet-batch-hard",
    ]
  ) {
    const meta = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, dir)));
    const bytes = await Deno.readFile(new URL(`${name}.f32`, dir));
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const r = detectCollapse(
      { data, rows: meta.testLabels.length, dim: meta.dim },
      meta.testLabels,
      { accuracy: meta.accuracy, numClasses: 37 },
    );
    verdicts[name] = r.collapsed;
    if (r.collapsed) assert.ok(r.reasons.length >= 2, r.reasons.join("; "));
  }
  assert.deepEqual(verdicts, {
    "contrastive-none": false,
    "contrastive-semihard": false,
    "triplet-none": false,
    "triplet-semihard": false,
    "triplet-batch-hard": true,
  });
});
