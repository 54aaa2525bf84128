/**
 * Class hierarchies (TT100K's `class, top, family, value, meaning` table) and the tree
 * distance between classes.
 *
 * @module
 */
import type { ClassInfo } from "../types.ts";

const REQUIRED = ["class", "top", "family"] as const;

/**
 * Parses a tab-separated class hierarchy with the header `class top family value meaning`.
 *
 * Columns are found by their header names (`value` and `meaning` are optional and may be
 * empty); blank lines are skipped and Windows line ends accepted.
 *
 * @param text The TSV text.
 * @param name The file name, for error messages.
 * @returns One entry per row, in file order; empty `value`/`meaning` are left out.
 * @throws {SyntaxError} When the header lacks `class`, `top` or `family`, a row has the wrong
 * number of fields or an empty required field, or a class appears twice (naming the line).
 *
 * @example
 * ```ts
 * import { parseHierarchyTsv } from "./hierarchy.ts";
 * const rows = parseHierarchyTsv(
 *   "class\ttop\tfamily\tvalue\tmeaning\npl40\tprohibitory\tspeed-limit\t40\tSpeed limit 40\n",
 *   "classes.tsv",
 * );
 * if (rows[0].family !== "speed-limit" || rows[0].value !== "40") throw new Error();
 * ```
 */
export function parseHierarchyTsv(text: string, name: string): ClassInfo[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const headerAt = lines.findIndex((line) => line.trim() !== "");
  if (headerAt < 0) throw new SyntaxError(`Cannot parse hierarchy "${name}": the file is empty`);
  const header = lines[headerAt].split("\t").map((h) => h.trim());
  for (const column of REQUIRED) {
    if (!header.includes(column)) {
      throw new SyntaxError(
        `Cannot parse hierarchy "${name}" line ${headerAt + 1}: header has no "${column}" ` +
          `column (expected "class top family value meaning", tab-separated)`,
      );
    }
  }
  const at = (column: string) => header.indexOf(column);
  const [iClass, iTop, iFamily, iValue, iMeaning] = [
    at("class"),
    at("top"),
    at("family"),
    at("value"),
    at("meaning"),
  ];
  const rows: ClassInfo[] = [];
  const seen = new Set<string>();
  for (let l = headerAt + 1; l < lines.length; l++) {
    if (lines[l].trim() === "") continue;
    const fields = lines[l].split("\t").map((f) => f.trim());
    const where = `Cannot parse hierarchy "${name}" line ${l + 1}`;
    if (fields.length > header.length || fields.length < Math.max(iClass, iTop, iFamily) + 1) {
      throw new SyntaxError(
        `${where}: ${fields.length} fields, expected ${header.length} (tab-separated)`,
      );
    }
    const info: ClassInfo = { class: fields[iClass], top: fields[iTop], family: fields[iFamily] };
    for (const column of REQUIRED) {
      if (info[column] === "") throw new SyntaxError(`${where}: empty "${column}"`);
    }
    if (seen.has(info.class)) throw new SyntaxError(`${where}: class "${info.class}" repeated`);
    seen.add(info.class);
    if (iValue >= 0 && fields[iValue]) info.value = fields[iValue];
    if (iMeaning >= 0 && fields[iMeaning]) info.meaning = fields[iMeaning];
    rows.push(info);
  }
  return rows;
}

/**
 * Reads and parses a class hierarchy TSV file (see {@linkcode parseHierarchyTsv}).
 *
 * @param path The file path.
 * @returns The hierarchy rows.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @throws {SyntaxError} When the file is malformed.
 *
 * @example
 * ```ts
 * import { readHierarchy } from "./hierarchy.ts";
 * const path = await Deno.makeTempFile({ suffix: ".tsv" });
 * await Deno.writeTextFile(path, "class\ttop\tfamily\tvalue\tmeaning\npn\tprohibitory\tspecial\t\t\n");
 * const rows = await readHierarchy(path);
 * await Deno.remove(path);
 * if (rows[0].class !== "pn") throw new Error();
 * ```
 */
export async function readHierarchy(path: string): Promise<ClassInfo[]> {
  return parseHierarchyTsv(await Deno.readTextFile(path), path);
}

/**
 * Tree distance between two classes of a hierarchy: 0 for the same class, 1 for the same
 * family (within the same top category), 2 for the same top category, 3 otherwise or when
 * either class is unknown.
 *
 * @param a The first class, or `undefined` when not in the hierarchy.
 * @param b The second class, or `undefined`.
 * @returns 0, 1, 2 or 3.
 *
 * @example
 * ```ts
 * import { treeDistance } from "./hierarchy.ts";
 * const pl40 = { class: "pl40", top: "prohibitory", family: "speed-limit" };
 * const pl50 = { class: "pl50", top: "prohibitory", family: "speed-limit" };
 * if (treeDistance(pl40, pl50) !== 1 || treeDistance(pl40, undefined) !== 3) throw new Error();
 * ```
 */
export function treeDistance(a: ClassInfo | undefined, b: ClassInfo | undefined): number {
  if (!a || !b) return 3;
  if (a.class === b.class) return 0;
  if (a.top !== b.top) return 3;
  return a.family === b.family ? 1 : 2;
}

/**
 * Looks up each class name in a hierarchy.
 *
 * @param classNames The dataset's class names, indexed by label.
 * @param hierarchy The hierarchy rows.
 * @returns For each class name, its row or `undefined` when the hierarchy lacks it.
 *
 * @example
 * ```ts
 * import { hierarchyFor } from "./hierarchy.ts";
 * const rows = [{ class: "pn", top: "prohibitory", family: "special" }];
 * const infos = hierarchyFor(["pn", "xx"], rows);
 * if (infos[0]?.family !== "special" || infos[1] !== undefined) throw new Error();
 * ```
 */
export function hierarchyFor(
  classNames: readonly string[],
  hierarchy: readonly ClassInfo[],
): (ClassInfo | undefined)[] {
  const byName = new Map(hierarchy.map((info) => [info.class, info]));
  return classNames.map((name) => byName.get(name));
}
