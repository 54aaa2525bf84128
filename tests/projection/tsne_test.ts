import assert from "node:assert/strict";
import { projectTsne } from "../../lib/projection/tsne.ts";
import { clusters, separation } from "./_clusters.ts";

Deno.test("projectTsne() gives the same layout for the same seed and restores Math.random", () => {
  const { m } = clusters(30, 4, 3);
  const random = Math.random;
  const a = projectTsne(m, { seed: 7, perplexity: 5, iterations: 120 });
  assert.equal(Math.random, random);
  const b = projectTsne(m, { seed: 7, perplexity: 5, iterations: 120 });
  const c = projectTsne(m, { seed: 8, perplexity: 5, iterations: 120 });
  assert.deepEqual([a.x, a.y], [b.x, b.y]);
  assert.notDeepEqual(a.x, c.x);
  assert.ok(a.x.every(Number.isFinite) && a.y.every(Number.isFinite));
});

Deno.test("projectTsne() keeps well-separated clusters apart", () => {
  const { m, labels } = clusters(45, 4, 3, 2);
  const r = projectTsne(m, { seed: 0, perplexity: 8, iterations: 200 });
  const { within, between } = separation(r.x, r.y, labels);
  assert.ok(within * 3 < between, `within ${within}, between ${between}`);
  assert.deepEqual(r.options, { seed: 0, perplexity: 8, iterations: 200, learningRate: 50 });
  assert.deepEqual(r.warnings, []);
});

Deno.test("projectTsne() lowers the perplexity for few points, with a warning", () => {
  const { m } = clusters(40, 4, 2);
  const seen: number[] = [];
  const r = projectTsne(m, { seed: 0, iterations: 110, onProgress: (d, t) => seen.push(d / t) });
  assert.equal(r.options.perplexity, 13);
  assert.match(r.warnings[0], /perplexity lowered from 30 to 13: only 40 points/);
  assert.equal(seen.at(-1), 1);
  const two = projectTsne({ data: new Float64Array(8), rows: 2, dim: 4 }, { seed: 0 });
  assert.deepEqual([...two.x, ...two.y], [0, 1, 0, 0]);
});

Deno.test("projectTsne() rejects bad options", () => {
  const { m } = clusters(10, 2, 2);
  assert.throws(() => projectTsne(m, { seed: 0, perplexity: 0 }), RangeError);
  assert.throws(() => projectTsne(m, { seed: 0, iterations: 0 }), RangeError);
  assert.throws(() => projectTsne(m, { seed: 0, learningRate: -1 }), RangeError);
  assert.throws(() => projectTsne({ ...m, dim: 3 }, { seed: 0 }), RangeError);
});
