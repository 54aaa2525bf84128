import assert from "node:assert/strict";
import { join } from "node:path";
import { parseHierarchyTsv } from "../../lib/data/hierarchy.ts";
import { TT100K_CLASSES_TSV } from "../../lib/data/_tt100k_classes.ts";
import {
  isTt100kClassNames,
  resolveHierarchy,
  TT100K_HIERARCHY,
  TT100K_HIERARCHY_SOURCE,
  tt100kHierarchyFor,
} from "../../lib/data/tt100k.ts";
import * as data from "../../lib/data/mod.ts";

const TSV_URL = new URL("../../lib/data/tt100k_classes.tsv", import.meta.url);
const MODULE_URL = new URL("../../lib/data/_tt100k_classes.ts", import.meta.url);

/** The text of `lib/data/_tt100k_classes.ts` for a TSV text (as `deno fmt` leaves it). */
function renderModule(tsv: string): string {
  const lines = tsv.replace(/\n$/, "").split("\n");
  return [
    "// Generated from tt100k_classes.tsv by `deno run -A tests/data/tt100k_test.ts`: do not edit.",
    "// tests/data/tt100k_test.ts checks that the two agree.",
    "",
    "/**",
    " * The text of `tt100k_classes.tsv`: TT100K's class codes with their top category, family,",
    " * value and meaning, tab-separated, embedded so that no file is read at run time.",
    " */",
    "export const TT100K_CLASSES_TSV: string = [",
    ...lines.map((line) => `  ${JSON.stringify(line)},`),
    '].join("\\n") + "\\n";',
    "",
  ].join("\n");
}

// `deno run -A tests/data/tt100k_test.ts` regenerates the module (Deno.test does nothing there).
if (import.meta.main) {
  Deno.writeTextFileSync(MODULE_URL, renderModule(Deno.readTextFileSync(TSV_URL)));
  console.log(`wrote ${MODULE_URL.pathname}`);
}

const ROW_PL50 = "pl50\tprohibitory\tspeed-limit\t50\tSpeed limit 50 km/h\n";

async function withFile(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".tsv" });
  try {
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("TT100K_CLASSES_TSV is tt100k_classes.tsv, and its module is generated from it", () => {
  const tsv = Deno.readTextFileSync(TSV_URL);
  assert.equal(
    TT100K_CLASSES_TSV,
    tsv,
    "lib/data/_tt100k_classes.ts is stale: run deno run -A tests/data/tt100k_test.ts",
  );
  assert.equal(Deno.readTextFileSync(MODULE_URL), renderModule(tsv));
});

Deno.test("TT100K_HIERARCHY has TT100K's 182 classes in three top categories", () => {
  assert.equal(TT100K_HIERARCHY.length, 182);
  assert.equal(new Set(TT100K_HIERARCHY.map((c) => c.class)).size, 182);
  assert.deepEqual(
    [...new Set(TT100K_HIERARCHY.map((c) => c.top))].sort(),
    ["mandatory", "prohibitory", "warning"],
  );
  const pl50 = TT100K_HIERARCHY.find((c) => c.class === "pl50");
  assert.deepEqual(pl50, {
    class: "pl50",
    top: "prohibitory",
    family: "speed-limit",
    value: "50",
    meaning: "Speed limit 50 km/h",
  });
  assert.ok(Object.isFrozen(TT100K_HIERARCHY) && Object.isFrozen(pl50), "the table is mutable");
});

Deno.test("TT100K_HIERARCHY matches the shared table when present", async () => {
  const shared = new URL("../../../shared/data/tt100k_classes_all.tsv", import.meta.url);
  let text: string;
  try {
    text = await Deno.readTextFile(shared);
  } catch {
    return; // The project's copy is the reference; the shared one is only a cross-check.
  }
  assert.deepEqual(TT100K_HIERARCHY, parseHierarchyTsv(text, "tt100k_classes_all.tsv"));
});

Deno.test("isTt100kClassNames() wants at least 2 names, at least 90% of them TT100K codes", () => {
  assert.equal(isTt100kClassNames(["pl50", "pl60", "i2"]), true);
  assert.equal(isTt100kClassNames(["pl50"]), false, "one name is too little evidence");
  assert.equal(isTt100kClassNames([]), false);
  assert.equal(isTt100kClassNames(["pl50", "cat"]), false);
  const codes = TT100K_HIERARCHY.slice(0, 9).map((c) => c.class);
  assert.equal(isTt100kClassNames([...codes, "other"]), true, "9 of 10 is enough");
  assert.equal(isTt100kClassNames([...codes.slice(0, 8), "x", "y"]), false, "8 of 10 is not");
  assert.equal(isTt100kClassNames(["0", "1", "2", "3"]), false);
  assert.equal(isTt100kClassNames(["PL50", "PL60"]), false, "codes are case-sensitive");
});

Deno.test("tt100kHierarchyFor() gives copies of the rows of the given classes, in label order", () => {
  const codes = ["w13", "pl50", "i2", "pl60", "pl70", "pl80", "p1", "p2", "p3"];
  const rows = tt100kHierarchyFor([...codes.slice(0, 2), "xx", ...codes.slice(2)])!;
  assert.deepEqual(rows.map((r) => r.class), codes, "xx left out, the order kept");
  rows[0].top = "changed";
  assert.equal(TT100K_HIERARCHY.find((c) => c.class === "w13")!.top, "warning");
  assert.equal(tt100kHierarchyFor(["a", "b"]), undefined);
});

Deno.test("resolveHierarchy() auto: the dataset's own, else TT100K's for TT100K codes, else none", async () => {
  const own = [{ class: "pl50", top: "t", family: "f" }];
  const a = await resolveHierarchy("auto", ["pl50"], own, { ownSource: "synthetic" });
  assert.deepEqual(a, { hierarchy: own, source: "synthetic", warnings: [] });

  const b = await resolveHierarchy(undefined, ["pl60", "pl50", "i2"]);
  assert.equal(b.source, TT100K_HIERARCHY_SOURCE);
  assert.equal(b.source, "tt100k (built-in)");
  assert.deepEqual(b.hierarchy!.map((r) => r.class), ["pl60", "pl50", "i2"]);
  assert.deepEqual(b.warnings, []);

  const c = await resolveHierarchy("auto", ["cat", "dog", "bird"]);
  assert.deepEqual(c, { hierarchy: undefined, source: null, warnings: [] });
});

Deno.test("resolveHierarchy() auto warns of the classes TT100K's table lacks", async () => {
  const codes = TT100K_HIERARCHY.slice(0, 10).map((c) => c.class);
  const r = await resolveHierarchy("auto", [...codes, "other"]);
  assert.equal(r.hierarchy!.length, 10);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /1 of 11 classes/);
  assert.match(r.warnings[0], /"other"/);
});

Deno.test("resolveHierarchy() none turns the hierarchy off, even the dataset's own", async () => {
  const own = [{ class: "pl50", top: "t", family: "f" }];
  assert.deepEqual(await resolveHierarchy("none", ["pl50", "pl60"], own), {
    hierarchy: undefined,
    source: "none",
    warnings: [],
  });
});

Deno.test("resolveHierarchy() reads a file, keeps the dataset's classes and warns of missing ones", async () => {
  const text = "class\ttop\tfamily\tvalue\tmeaning\n" + ROW_PL50 +
    "zz\tprohibitory\tother\t\t\ni2\tmandatory\tdirection\t\t\n";
  await withFile(text, async (path) => {
    const own = [{ class: "i2", top: "own", family: "own" }];
    const r = await resolveHierarchy(path, ["i2", "pl50", "a", "b", "c", "d"], own);
    assert.equal(r.source, path);
    assert.deepEqual(r.hierarchy!.map((h) => [h.class, h.top]), [
      ["i2", "mandatory"],
      ["pl50", "prohibitory"],
    ]);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], new RegExp(`"${path}" has no row for 4 of 6 classes`));
    assert.match(r.warnings[0], /"a", "b", "c", \.\.\./);
  });
});

Deno.test("resolveHierarchy() without any of the dataset's classes in the file: none, with a warning", async () => {
  await withFile("class\ttop\tfamily\nzz\tp\tq\n", async (path) => {
    const r = await resolveHierarchy(path, ["a", "b"]);
    assert.equal(r.hierarchy, undefined);
    assert.equal(r.source, path);
    assert.match(r.warnings[0], /none of the 2 classes/);
  });
});

Deno.test("resolveHierarchy() names the file it cannot read, in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = join(dir, "missing.tsv");
    await assert.rejects(
      () => resolveHierarchy(missing, ["pl50"]),
      (e: unknown) => {
        assert.ok(e instanceof Deno.errors.NotFound, String(e));
        assert.equal(e.message, `Cannot read hierarchy "${missing}": file not found`);
        return true;
      },
    );
    await assert.rejects(
      () => resolveHierarchy(dir, ["pl50"]),
      (e: unknown) => {
        assert.ok(e instanceof Error && !(e instanceof Deno.errors.NotFound), String(e));
        assert.match(e.message, new RegExp(`^Cannot read hierarchy "${dir}": `));
        assert.doesNotMatch(e.message, /\n/);
        return true;
      },
    );
    const bad = join(dir, "bad.tsv");
    await Deno.writeTextFile(bad, "class\ttop\npl50\tprohibitory\n");
    await assert.rejects(() => resolveHierarchy(bad, ["pl50"]), {
      name: "SyntaxError",
      message: new RegExp(`Cannot parse hierarchy "${bad}" line 1: header has no "family"`),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveHierarchy() rejects an empty spec", async () => {
  await assert.rejects(() => resolveHierarchy("", ["pl50"]), RangeError);
});

Deno.test("lib/data/mod.ts exports the TT100K table and resolveHierarchy()", () => {
  assert.equal(data.TT100K_HIERARCHY, TT100K_HIERARCHY);
  assert.equal(data.resolveHierarchy, resolveHierarchy);
  assert.equal(data.isTt100kClassNames, isTt100kClassNames);
});
