/**
 * The rules that keep the code base one a maintainer can change: files and functions of
 * bounded size, tfjs's internals read in one module, native libraries called from the
 * backend folder only, and backend internals out of the public API.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import * as metriclab from "../mod.ts";
import { LOSSES } from "../lib/losses/registry.ts";
import { MINERS } from "../lib/miners/registry.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Functions allowed over the limit: data tables, not logic. */
const DATA_TABLES = new Set(["lib/data/synthetic.ts designs"]);
const MAX_FILE_LINES = 800, MAX_FUNCTION_LINES = 150;

function sources(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) walk(path);
      else if (entry.name.endsWith(".ts")) found.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, folder));
  return found.sort();
}

const FILES = [...sources("lib"), ...sources("tasks")];

Deno.test("no file in lib/ or tasks/ is over 800 lines", () => {
  const long = FILES.map((file) => ({
    file,
    lines: Deno.readTextFileSync(join(ROOT, file)).split("\n").length,
  })).filter((f) => f.lines > MAX_FILE_LINES);
  assert.deepEqual(long, []);
});

Deno.test("no function in lib/ or tasks/ is over 150 lines, data tables aside", () => {
  const long: string[] = [];
  for (const file of FILES) {
    const text = Deno.readTextFileSync(join(ROOT, file));
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && "body" in node && node.body) {
        const from = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const to = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const parent = node.parent;
        const name = node.name?.getText() ??
          (ts.isVariableDeclaration(parent) ? parent.name.getText() : `<anonymous>`);
        if (to - from + 1 > MAX_FUNCTION_LINES && !DATA_TABLES.has(`${file} ${name}`)) {
          long.push(`${file}:${from + 1} ${name} (${to - from + 1} lines)`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.deepEqual(long, []);
});

Deno.test("tfjs's engine and wasm internals are read in lib/backend/_engine.ts only", () => {
  const internals =
    /\bdataIdMap\b|\bHEAPU8\b|\b_malloc\b|\b_free\(|\bisTapeOn\b|makeTensorFromTensorInfo|\bengine\(\)|\bbackend\.wasm\b|\.incRef\(|\bmakeOutput\(/;
  const readers = FILES.filter((file) =>
    Deno.readTextFileSync(join(ROOT, file)).split("\n")
      .some((line) => !/^\s*(\*|\/\/)/.test(line) && internals.test(line))
  );
  assert.deepEqual(readers, ["lib/backend/_engine.ts"]);
});

Deno.test("native libraries are called through FFI from lib/backend only", () => {
  const ffi = /\bDeno\.(dlopen|UnsafePointer|UnsafePointerView)\b/;
  const callers = FILES.filter((file) => ffi.test(Deno.readTextFileSync(join(ROOT, file))));
  assert.ok(callers.length > 0);
  for (const file of callers) assert.ok(file.startsWith("lib/backend/"), file);
});

Deno.test("the public API exports no backend internals", () => {
  for (
    const name of [
      "loadOneDnn",
      "installBlasKernels",
      "uninstallBlasKernels",
      "installFastGradients",
      "convTrunk",
      "engineVersionProblem",
      "runKernel",
    ]
  ) {
    assert.ok(!(name in metriclab), name);
  }
  assert.ok("selectBackend" in metriclab);
});

Deno.test("a loss's or miner's name is written in its own file only (and the exercise's questions)", () => {
  // The exercise asks "contrastive or triplet?" by name, and PML's reduction kinds include
  // "triplet" (lib/types.ts); nothing else in lib/ may name one.
  const allowed = new Set(["lib/report/_findings_questions.ts", "lib/types.ts"]);
  const code = (file: string) =>
    Deno.readTextFileSync(join(ROOT, file)).split("\n")
      .filter((line) => !/^\s*(\*|\/\/|\/\*\*)/.test(line)).join("\n");
  const libFiles = FILES.filter((file) => file.startsWith("lib/"));
  for (const [kind, list] of [["losses", LOSSES], ["miners", MINERS]] as const) {
    for (const d of list) {
      const naming = libFiles.filter((file) =>
        code(file).includes(`"${d.name}"`) && !allowed.has(file) &&
        // a loss and a miner may share a name (multi-similarity): each in its own folder
        !(file.startsWith(`lib/${kind === "losses" ? "miners" : "losses"}/`))
      );
      assert.equal(naming.length, 1, `${d.name}: ${naming.join(", ")}`);
      assert.ok(naming[0].startsWith(`lib/${kind}/`), naming[0]);
    }
  }
});
