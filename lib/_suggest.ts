/**
 * Suggesting the closest valid name when a registry is given an unknown one.
 *
 * @module
 */

/** Edit distance (insertions, deletions, substitutions; Levenshtein) between two strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidate closest to `name` by edit distance (case-insensitive); ties go to the
 * earlier candidate.
 *
 * @param name The unknown name.
 * @param candidates The valid names.
 * @returns The closest candidate, or `undefined` when there are none.
 *
 * @example
 * ```ts
 * import { closestName } from "./_suggest.ts";
 * if (closestName("triplett", ["contrastive", "triplet"]) !== "triplet") throw new Error();
 * ```
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const score = editDistance(lower, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The `RangeError` a registry throws for an unknown name, with the closest valid name.
 *
 * @param kind What was looked up (`"loss"`, `"miner"`).
 * @param name The unknown name.
 * @param candidates The valid names.
 * @returns The error (not thrown).
 *
 * @example
 * ```ts
 * import { unknownNameError } from "./_suggest.ts";
 * const e = unknownNameError("loss", "triplett", ["contrastive", "triplet"]);
 * if (e.message !== 'Unknown loss "triplett": did you mean "triplet"?') throw new Error(e.message);
 * ```
 */
export function unknownNameError(
  kind: string,
  name: unknown,
  candidates: readonly string[],
): RangeError {
  const text = typeof name === "string" ? name : String(name);
  const best = closestName(text, candidates);
  const hint = best === undefined ? "" : `: did you mean "${best}"?`;
  return new RangeError(`Unknown ${kind} "${text}"${hint}`);
}
