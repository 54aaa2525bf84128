import assert from "node:assert/strict";
import { generateSynthetic, SYNTHETIC_HIERARCHY } from "../../lib/data/synthetic.ts";
import type { ImageDataset } from "../../lib/types.ts";

/** Per-pixel mean image of one class, as floats. */
function classMean(data: ImageDataset, label: number): Float64Array {
  const n = data.height * data.width * data.channels;
  const mean = new Float64Array(n);
  let count = 0;
  for (let k = 0; k < data.labels.length; k++) {
    if (data.labels[k] !== label) continue;
    count++;
    for (let i = 0; i < n; i++) mean[i] += data.images[k * n + i];
  }
  return mean.map((v) => v / count);
}

function meanAbsDiff(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

Deno.test("generateSynthetic() returns NHWC RGB bytes with class-major labels", () => {
  const data = generateSynthetic({ perClass: 3, size: 12, classes: ["w57", "pl50"] });
  assert.equal(data.source, "synthetic");
  assert.equal(data.channels, 3);
  assert.equal(data.height, 12);
  assert.equal(data.width, 12);
  assert.ok(data.images instanceof Uint8Array);
  assert.ok(data.labels instanceof Int32Array);
  assert.equal(data.images.length, 6 * 12 * 12 * 3);
  assert.deepEqual([...data.labels], [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(data.classNames, ["w57", "pl50"]);
  assert.deepEqual(data.warnings, []);
  assert.deepEqual(data.hierarchy?.map((h) => h.class), ["w57", "pl50"]);
});

Deno.test("generateSynthetic() uses defaults of 40 images per class at 64x64", () => {
  const data = generateSynthetic({ classes: ["pne"] });
  assert.equal(data.labels.length, 40);
  assert.equal(data.images.length, 40 * 64 * 64 * 3);
});

Deno.test("generateSynthetic() is deterministic for a seed and differs across seeds", () => {
  const options = { perClass: 2, size: 16, classes: ["pl60", "i10", "w13"] };
  const a = generateSynthetic({ ...options, seed: 5 });
  const b = generateSynthetic({ ...options, seed: 5 });
  const c = generateSynthetic({ ...options, seed: 6 });
  assert.deepEqual(a.images, b.images);
  assert.notDeepEqual(a.images, c.images);
  // and every image differs from its seed-6 twin, not just a few
  const n = 16 * 16 * 3;
  for (let k = 0; k < a.labels.length; k++) {
    assert.notDeepEqual(
      a.images.subarray(k * n, (k + 1) * n),
      c.images.subarray(k * n, (k + 1) * n),
    );
  }
});

Deno.test("generateSynthetic() keeps earlier images when taking a class subset or more per class", () => {
  const n = 16 * 16 * 3;
  const small = generateSynthetic({ seed: 3, perClass: 2, size: 16, classes: ["ph4", "pg"] });
  const large = generateSynthetic({ seed: 3, perClass: 4, size: 16, classes: ["i2", "pg", "ph4"] });
  // small: ph4 #0, #1, pg #0, #1; large: i2 x4, pg x4, ph4 x4
  assert.deepEqual(small.images.subarray(0, 2 * n), large.images.subarray(8 * n, 10 * n));
  assert.deepEqual(small.images.subarray(2 * n, 4 * n), large.images.subarray(4 * n, 6 * n));
});

Deno.test("SYNTHETIC_HIERARCHY has >= 30 unique TT100K-like classes in 3 top categories", () => {
  const names = SYNTHETIC_HIERARCHY.map((c) => c.class);
  assert.ok(names.length >= 30, `only ${names.length} classes`);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(
    [...new Set(SYNTHETIC_HIERARCHY.map((c) => c.top))].sort(),
    ["mandatory", "prohibitory", "warning"],
  );
  for (const c of SYNTHETIC_HIERARCHY) {
    assert.match(c.class, /^[a-z]+[0-9.]*$/);
    assert.ok(c.family.length > 0 && (c.meaning ?? "").length > 0, c.class);
  }
  // the near-identical families the dataset is built around
  for (const name of ["pl50", "pl60", "pl80", "ph4", "ph4.5", "i10", "i12", "pn", "pnl"]) {
    assert.ok(names.includes(name), name);
  }
  const pl = SYNTHETIC_HIERARCHY.filter((c) => c.family === "speed-limit");
  assert.ok(pl.length >= 6 && pl.every((c) => c.class === `pl${c.value}`));
});

Deno.test("generateSynthetic() attaches a hierarchy that covers exactly its classNames", () => {
  const data = generateSynthetic({ perClass: 1, size: 8 });
  assert.deepEqual(data.classNames, SYNTHETIC_HIERARCHY.map((c) => c.class));
  assert.deepEqual(data.hierarchy, SYNTHETIC_HIERARCHY);
  // a copy: editing the dataset's hierarchy leaves the export alone
  assert.notEqual(data.hierarchy![0], SYNTHETIC_HIERARCHY[0]);
});

Deno.test("generateSynthetic() draws near-identical classes closer than classes of other tops", () => {
  const classes = ["pl50", "pl60", "pl80", "w57", "il50"];
  const data = generateSynthetic({ seed: 1, perClass: 30, size: 24, classes });
  const [pl50, pl60, pl80, w57, il50] = classes.map((_, label) => classMean(data, label));
  const fine = meanAbsDiff(pl50, pl60);
  assert.ok(fine < meanAbsDiff(pl50, w57) / 1.25, `pl50-pl60 ${fine} vs pl50-w57`);
  assert.ok(meanAbsDiff(pl50, pl80) < meanAbsDiff(pl50, il50) / 1.25);
});

Deno.test("generateSynthetic({ clean: true }) shows near-identical classes differ only a little", () => {
  const classes = [
    "pl50",
    "pl60",
    "pl80",
    "ph4",
    "ph4.5",
    "i10",
    "i12",
    "pn",
    "pnl",
    "w57",
    "il50",
  ];
  const data = generateSynthetic({ clean: true, perClass: 2, size: 32, classes });
  const n = 32 * 32 * 3;
  assert.deepEqual(data.images.subarray(0, n), data.images.subarray(n, 2 * n));
  const proto = (name: string) => classMean(data, classes.indexOf(name));
  const far = meanAbsDiff(proto("pl50"), proto("w57"));
  for (
    const [a, b] of [["pl50", "pl60"], ["pl50", "pl80"], ["ph4", "ph4.5"], ["i10", "i12"], [
      "pn",
      "pnl",
    ]]
  ) {
    const d = meanAbsDiff(proto(a), proto(b));
    assert.ok(d > 1 && d < far / 2, `${a}-${b} ${d} vs pl50-w57 ${far}`);
  }
  assert.ok(meanAbsDiff(proto("pl50"), proto("il50")) > meanAbsDiff(proto("pl50"), proto("pl60")));
});

Deno.test("generateSynthetic() rejects invalid options with RangeError", () => {
  assert.throws(() => generateSynthetic({ perClass: 0 }), RangeError);
  assert.throws(
    () => generateSynthetic({ perClass: 1.5 }),
    /perClass must be an integer >= 1, got 1.5/,
  );
  assert.throws(() => generateSynthetic({ size: 7 }), /size must be an integer >= 8, got 7/);
  assert.throws(() => generateSynthetic({ size: 8.5 }), RangeError);
  assert.throws(() => generateSynthetic({ seed: 0.5 }), /seed must be an integer/);
  assert.throws(() => generateSynthetic({ classes: [] }), RangeError);
  assert.throws(
    () => generateSynthetic({ classes: ["pl50", "pl55"] }),
    (e: unknown) =>
      e instanceof RangeError && /unknown class "pl55"; did you mean "pl50"\?/.test(e.message),
  );
  assert.throws(() => generateSynthetic({ classes: ["PNE"] }), /did you mean "pne"/);
  assert.throws(() => generateSynthetic({ classes: ["pg", "pg"] }), /"pg" is listed twice/);
});

Deno.test("generateSynthetic() does not mutate its options", () => {
  const classes = ["i13", "i5"];
  const options = Object.freeze({
    perClass: 1,
    size: 8,
    classes: Object.freeze(classes) as string[],
  });
  const data = generateSynthetic(options);
  data.classNames.push("x");
  assert.deepEqual(classes, ["i13", "i5"]);
});
