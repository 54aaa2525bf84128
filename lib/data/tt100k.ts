/**
 * TT100K's class hierarchy, shipped with the project (`tt100k_classes.tsv`: the 182 class
 * codes with their top category, family, value and meaning), and the choice of the
 * hierarchy a run's analysis uses: the dataset's own, TT100K's for TT100K class codes, a
 * TSV file, or none.
 *
 * @module
 */
import type { ClassInfo } from "../types.ts";
import { parseHierarchyTsv, readHierarchy } from "./hierarchy.ts";
import { TT100K_CLASSES_TSV } from "./_tt100k_classes.ts";
import { invalidOption } from "../_errors.ts";

/**
 * TT100K's 182 classes (`class, top, family, value, meaning`), in the order of
 * `tt100k_classes.tsv`. Frozen: take copies (see {@linkcode tt100kHierarchyFor}) to edit.
 *
 * @example
 * ```ts
 * import { TT100K_HIERARCHY } from "./tt100k.ts";
 * const pl50 = TT100K_HIERARCHY.find((c) => c.class === "pl50");
 * if (TT100K_HIERARCHY.length !== 182 || pl50?.family !== "speed-limit") throw new Error();
 * ```
 */
export const TT100K_HIERARCHY: readonly ClassInfo[] = Object.freeze(
  parseHierarchyTsv(TT100K_CLASSES_TSV, "tt100k_classes.tsv").map((row) => Object.freeze(row)),
);

/** The `source` that {@linkcode resolveHierarchy} and the report give TT100K's table. */
export const TT100K_HIERARCHY_SOURCE = "tt100k (built-in)";

const TT100K_BY_CLASS = new Map(TT100K_HIERARCHY.map((row) => [row.class, row]));

/** Share of the class names that must be TT100K codes for {@linkcode isTt100kClassNames}. */
const MIN_SHARE = 0.9;

/**
 * Whether class names are TT100K codes: at least 2 names, and at least 90% of them in
 * {@linkcode TT100K_HIERARCHY} (case-sensitive). The 10% leeway lets a TT100K folder
 * hold a stray class of its own (`other`); a single name is too little evidence.
 *
 * @param classNames The dataset's class names.
 * @returns True when the names are TT100K codes.
 *
 * @example
 * ```ts
 * import { isTt100kClassNames } from "./tt100k.ts";
 * if (!isTt100kClassNames(["pl50", "pl60", "i2"])) throw new Error("TT100K codes");
 * if (isTt100kClassNames(["cat", "dog"])) throw new Error("not TT100K codes");
 * ```
 */
export function isTt100kClassNames(classNames: readonly string[]): boolean {
  if (classNames.length < 2) return false;
  const known = classNames.filter((name) => TT100K_BY_CLASS.has(name)).length;
  return known >= MIN_SHARE * classNames.length;
}

/**
 * TT100K's rows of the given classes, in label order (copies; classes the table lacks are
 * left out), when the names are TT100K codes (see {@linkcode isTt100kClassNames}).
 *
 * @param classNames The dataset's class names, indexed by label.
 * @returns The rows, or `undefined` when the names are not TT100K codes.
 *
 * @example
 * ```ts
 * import { tt100kHierarchyFor } from "./tt100k.ts";
 * const rows = tt100kHierarchyFor(["pl60", "i2"]);
 * if (rows?.map((r) => r.top).join() !== "prohibitory,mandatory") throw new Error();
 * ```
 */
export function tt100kHierarchyFor(classNames: readonly string[]): ClassInfo[] | undefined {
  if (!isTt100kClassNames(classNames)) return undefined;
  return rowsOf(classNames, TT100K_BY_CLASS).rows;
}

function rowsOf(
  classNames: readonly string[],
  byClass: ReadonlyMap<string, ClassInfo>,
): { rows: ClassInfo[]; missing: string[] } {
  const rows: ClassInfo[] = [], missing: string[] = [];
  for (const name of classNames) {
    const row = byClass.get(name);
    if (row) rows.push({ ...row });
    else missing.push(name);
  }
  return { rows, missing };
}

/** Up to three names, quoted, then `...` when there are more. */
function examples(names: readonly string[]): string {
  const shown = names.slice(0, 3).map((n) => JSON.stringify(n));
  return names.length > 3 ? `${shown.join(", ")}, ...` : shown.join(", ");
}

/** What {@linkcode resolveHierarchy} returns. */
export interface ResolvedHierarchy {
  /** The rows of the dataset's classes, in label order; `undefined` for no hierarchy. */
  hierarchy: ClassInfo[] | undefined;
  /**
   * Where the rows came from: the dataset's own (its `ownSource`, e.g. `"synthetic"`),
   * {@linkcode TT100K_HIERARCHY_SOURCE}, the file path, `"none"` when turned off, or `null`
   * when `auto` found none.
   */
  source: string | null;
  /** Classes the chosen table lacks, and the like, for the caller to print. */
  warnings: string[];
}

/** Options of {@linkcode resolveHierarchy}. */
export interface ResolveHierarchyOptions {
  /** The `source` to report for the dataset's own hierarchy. @default "dataset" */
  ownSource?: string;
}

/**
 * Chooses the class hierarchy of a run's analysis from a `--hierarchy` value:
 *
 * - `"auto"` (also `undefined`): the dataset's own hierarchy when it has one (the
 *   synthetic signs do), else TT100K's built-in table when the class names are TT100K
 *   codes ({@linkcode isTt100kClassNames}), else none (`source: null`);
 * - `"none"`: no hierarchy, not even the dataset's own (`source: "none"`);
 * - anything else: a TSV file path (`class top family value meaning`, see
 *   `readHierarchy`); name a file called `auto` or `none` as `./auto`.
 *
 * Of a table, only the rows of the dataset's classes are kept, in label order (a run of
 * 24 classes does not carry TT100K's 182); classes the table lacks give one warning with
 * their number and a few examples (their tree distance to every class counts as the
 * largest, 3). The dataset's own hierarchy is returned as it is.
 *
 * @param spec `"auto"`, `"none"` or a TSV path.
 * @param classNames The dataset's class names, indexed by label.
 * @param own The dataset's own hierarchy, if any.
 * @param options The source name of the dataset's own hierarchy.
 * @returns The rows (or `undefined`), their source and warnings.
 * @throws {RangeError} When `spec` is an empty string.
 * @throws {Deno.errors.NotFound} `Cannot read hierarchy "<path>": file not found`.
 * @throws {Error} `Cannot read hierarchy "<path>": ...` when the file cannot be read.
 * @throws {SyntaxError} `Cannot parse hierarchy "<path>" line N: ...` when it is malformed.
 *
 * @example
 * ```ts
 * import { resolveHierarchy } from "./tt100k.ts";
 * const { hierarchy, source } = await resolveHierarchy("auto", ["pl50", "pl60", "w13"]);
 * if (source !== "tt100k (built-in)" || hierarchy?.length !== 3) throw new Error();
 * const off = await resolveHierarchy("none", ["pl50", "pl60", "w13"]);
 * if (off.hierarchy !== undefined || off.source !== "none") throw new Error();
 * ```
 */
export async function resolveHierarchy(
  spec: string | undefined,
  classNames: readonly string[],
  own?: ClassInfo[],
  options: ResolveHierarchyOptions = {},
): Promise<ResolvedHierarchy> {
  const mode = spec ?? "auto";
  if (typeof mode !== "string" || mode === "") {
    throw invalidOption("hierarchy", mode, "expected auto, none or a TSV file path");
  }
  if (mode === "none") return { hierarchy: undefined, source: "none", warnings: [] };
  if (mode === "auto") {
    if (own) return { hierarchy: own, source: options.ownSource ?? "dataset", warnings: [] };
    if (!isTt100kClassNames(classNames)) {
      return { hierarchy: undefined, source: null, warnings: [] };
    }
    return fromTable(TT100K_BY_CLASS, classNames, TT100K_HIERARCHY_SOURCE, "TT100K's table");
  }
  let rows: ClassInfo[];
  try {
    rows = await readHierarchy(mode);
  } catch (error) {
    if (error instanceof SyntaxError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot read hierarchy "${mode}": file not found`);
    }
    const why = error instanceof Deno.errors.IsADirectory ||
        (error instanceof Error && /directory/i.test(error.message))
      ? "it is a folder, not a TSV file"
      : error instanceof Error
      ? error.message.split("\n")[0]
      : String(error);
    throw new Error(`Cannot read hierarchy "${mode}": ${why}`);
  }
  return fromTable(
    new Map(rows.map((row) => [row.class, row])),
    classNames,
    mode,
    `Hierarchy "${mode}"`,
  );
}

function fromTable(
  byClass: ReadonlyMap<string, ClassInfo>,
  classNames: readonly string[],
  source: string,
  what: string,
): ResolvedHierarchy {
  const { rows, missing } = rowsOf(classNames, byClass);
  if (rows.length === 0 && classNames.length > 0) {
    return {
      hierarchy: undefined,
      source,
      warnings: [
        `${what} has none of the ${classNames.length} classes (${
          examples(classNames)
        }): no hierarchy analysis`,
      ],
    };
  }
  const warnings = missing.length
    ? [
      `${what} has no row for ${missing.length} of ${classNames.length} classes (${
        examples(missing)
      }): their tree distance to every other class counts as 3`,
    ]
    : [];
  return { hierarchy: rows, source, warnings };
}
