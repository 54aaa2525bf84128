import assert from "node:assert/strict";
import {
  hierarchyFor,
  parseHierarchyTsv,
  readHierarchy,
  treeDistance,
} from "../../lib/data/hierarchy.ts";

const TSV_PATH = new URL("../../../shared/data/tt100k_classes.tsv", import.meta.url).pathname;
const hasTsv = (() => {
  try {
    return Deno.statSync(TSV_PATH).isFile;
  } catch {
    return false;
  }
})();

const text = [
  "class\ttop\tfamily\tvalue\tmeaning",
  "pl40\tprohibitory\tspeed-limit\t40\tSpeed limit 40 km/h",
  "pl50\tprohibitory\tspeed-limit\t50\tSpeed limit 50 km/h",
  "pn\tprohibitory\tspecial\t\tNo parking",
  "",
  "i2\tmandatory\tpictogram\t\t",
].join("\r\n");

Deno.test("parseHierarchyTsv() reads rows and leaves out empty optional fields", () => {
  const rows = parseHierarchyTsv(text, "t.tsv");
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[0], {
    class: "pl40",
    top: "prohibitory",
    family: "speed-limit",
    value: "40",
    meaning: "Speed limit 40 km/h",
  });
  assert.deepEqual(rows[2], {
    class: "pn",
    top: "prohibitory",
    family: "special",
    meaning: "No parking",
  });
  assert.deepEqual(rows[3], { class: "i2", top: "mandatory", family: "pictogram" });
});

Deno.test("parseHierarchyTsv() names the line of a malformed row", () => {
  const bad = (body: string) => `class\ttop\tfamily\tvalue\tmeaning\n${body}`;
  assert.throws(
    () => parseHierarchyTsv(bad("pl40\tprohibitory\tspeed-limit\n\npl50 prohibitory"), "x.tsv"),
    (error: unknown) =>
      error instanceof SyntaxError &&
      error.message ===
        'Cannot parse hierarchy "x.tsv" line 4: 1 fields, expected 5 (tab-separated)',
  );
  assert.throws(() => parseHierarchyTsv(bad("a\tb\tc\td\te\tf"), "x.tsv"), /line 2: 6 fields/);
  assert.throws(() => parseHierarchyTsv(bad("a\t\tc"), "x.tsv"), /line 2: empty "top"/);
  assert.throws(
    () => parseHierarchyTsv(bad("a\tb\tc\na\tb\tc"), "x.tsv"),
    /line 3: class "a" repeated/,
  );
  assert.throws(
    () => parseHierarchyTsv("name\ttop\tfamily\n", "x.tsv"),
    /line 1: header has no "class"/,
  );
  assert.throws(() => parseHierarchyTsv("\n\n", "x.tsv"), /empty/);
});

Deno.test("treeDistance() is 0 same class, 1 same family, 2 same top, 3 otherwise", () => {
  const [pl40, pl50, pn, i2] = parseHierarchyTsv(text, "t.tsv");
  assert.equal(treeDistance(pl40, pl40), 0);
  assert.equal(treeDistance(pl40, pl50), 1);
  assert.equal(treeDistance(pl40, pn), 2);
  assert.equal(treeDistance(pl40, i2), 3);
  assert.equal(treeDistance(undefined, pl40), 3);
  assert.equal(treeDistance(undefined, undefined), 3);
  // Same family name under another top category is not the same family.
  assert.equal(treeDistance(i2, { class: "p11", top: "prohibitory", family: "pictogram" }), 3);
});

Deno.test("hierarchyFor() maps class names to rows, undefined when unknown", () => {
  const rows = parseHierarchyTsv(text, "t.tsv");
  const infos = hierarchyFor(["pn", "zz", "pl40"], rows);
  assert.deepEqual(infos.map((i) => i?.class), ["pn", undefined, "pl40"]);
});

Deno.test({
  name: "readHierarchy() reads the TT100K class table",
  ignore: !hasTsv,
  fn: async () => {
    const rows = await readHierarchy(TSV_PATH);
    assert.equal(rows.length, 71);
    const [pl40, pl100, pn] = hierarchyFor(["pl40", "pl100", "pn"], rows);
    assert.equal(treeDistance(pl40, pl100), 1);
    assert.equal(treeDistance(pl40, pn), 2);
  },
});
