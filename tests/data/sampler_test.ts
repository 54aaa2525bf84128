import assert from "node:assert/strict";
import { createMPerClassSampler, createRandomSampler } from "../../lib/data/sampler.ts";

// 6 classes: sizes 10, 10, 10, 10, 3 (fewer than m) and 1; class c's samples are c*100+k.
const sizes = [10, 10, 10, 10, 3, 1];
const labels = new Int32Array(600).fill(-1);
const indices: number[] = [];
sizes.forEach((n, c) => {
  for (let k = 0; k < n; k++) {
    labels[c * 100 + k] = c;
    indices.push(c * 100 + k);
  }
});
const pool = Int32Array.from(indices);

Deno.test("createMPerClassSampler() makes batches of batchSize/m distinct classes, m samples each", () => {
  const sampler = createMPerClassSampler(labels, pool, { m: 4, batchSize: 12, seed: 1 });
  const batches = sampler.epoch(0);
  assert.equal(batches.length, Math.floor(pool.length / 12));
  assert.equal(sampler.batchesPerEpoch, batches.length);
  const seen = new Set<number>();
  for (const batch of batches) {
    assert.equal(batch.length, 12);
    const classes: number[] = [];
    for (let j = 0; j < 12; j += 4) {
      const c = labels[batch[j]];
      for (let s = 0; s < 4; s++) {
        assert.equal(labels[batch[j + s]], c, "a group of m mixes classes");
        assert.ok(pool.includes(batch[j + s]), "sample outside the indices");
      }
      classes.push(c);
      // Classes with at least m samples draw m distinct ones.
      if (sizes[c] >= 4) assert.equal(new Set(batch.subarray(j, j + 4)).size, 4);
    }
    assert.equal(new Set(classes).size, 3, "a class appears twice in one batch");
    classes.forEach((c) => seen.add(c));
  }
  assert.ok(seen.size >= 4, "classes are not varied across batches");
});

Deno.test("createMPerClassSampler() is deterministic in (seed, epoch)", () => {
  const options = { m: 2, batchSize: 8, seed: 7 };
  const a = createMPerClassSampler(labels, pool, options);
  const b = createMPerClassSampler(labels, pool, options);
  assert.deepEqual(a.epoch(3), b.epoch(3));
  assert.notDeepEqual(a.epoch(0), a.epoch(1));
  const other = createMPerClassSampler(labels, pool, { ...options, seed: 8 });
  assert.notDeepEqual(a.epoch(0), other.epoch(0));
  assert.deepEqual(a.config(), { name: "m-per-class", m: 2, batchSize: 8, seed: 7 });
});

Deno.test("createMPerClassSampler() uses all classes when there are fewer than batchSize/m", () => {
  const few = Int32Array.from(indices.filter((i) => labels[i] < 2));
  const sampler = createMPerClassSampler(labels, few, { m: 4, batchSize: 16, seed: 0 });
  const batches = sampler.epoch(0);
  assert.equal(batches.length, 1);
  assert.equal(batches[0].length, 8);
  assert.deepEqual(new Set([...batches[0]].map((i) => labels[i])), new Set([0, 1]));
});

Deno.test("createMPerClassSampler() covers a class before repeating its samples", () => {
  // One class of 8 and one of 8, m = 4: two batches use all 16 samples once each.
  const small = Int32Array.from(indices.filter((i) => labels[i] < 2 && i % 100 < 8));
  const sampler = createMPerClassSampler(labels, small, { m: 4, batchSize: 8, seed: 2 });
  const used = sampler.epoch(0).flatMap((b) => [...b]).sort((x, y) => x - y);
  assert.deepEqual(used, [...small]);
});

Deno.test("createMPerClassSampler() rejects invalid sizes", () => {
  const make = (m: number, batchSize: number) => () =>
    createMPerClassSampler(labels, pool, { m, batchSize, seed: 0 });
  assert.throws(make(4, 10), /Invalid batch size 10 for m=4: must be a multiple of m/);
  assert.throws(make(4, 4), RangeError);
  assert.throws(make(0, 8), /Invalid m 0/);
  assert.throws(make(2, 0), /Invalid batch size 0/);
  assert.throws(
    () => createMPerClassSampler(labels, new Int32Array(), { batchSize: 8, seed: 0 }),
    /no samples/,
  );
});

Deno.test("createRandomSampler() shuffles every index once per epoch", () => {
  const sampler = createRandomSampler(pool, { batchSize: 10, seed: 4 });
  const batches = sampler.epoch(0);
  assert.deepEqual(batches.map((b) => b.length), [10, 10, 10, 10, 4]);
  const flat = batches.flatMap((b) => [...b]);
  assert.deepEqual([...flat].sort((x, y) => x - y), [...pool]);
  assert.notDeepEqual(flat, [...pool]);
  assert.deepEqual(
    sampler.epoch(0),
    createRandomSampler(pool, { batchSize: 10, seed: 4 }).epoch(0),
  );
  assert.notDeepEqual(sampler.epoch(1), batches);
  const dropped = createRandomSampler(pool, { batchSize: 10, seed: 4, dropLast: true });
  assert.deepEqual(dropped.epoch(0).map((b) => b.length), [10, 10, 10, 10]);
  assert.throws(() => createRandomSampler(pool, { batchSize: -1, seed: 0 }), RangeError);
});
