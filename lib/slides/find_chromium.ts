/**
 * Finding a Chromium executable to rasterise figures and print the deck with.
 *
 * @module
 */
import { join } from "node:path";

/** Where Chromium usually is, after `$CHROMIUM`: Debian's and Ubuntu's package paths. */
export const CHROMIUM_PATHS: readonly string[] = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/**
 * Finds Chromium: the given path only, when one is given; otherwise `$CHROMIUM`, then
 * {@linkcode CHROMIUM_PATHS}, then `chromium` and `chromium-browser` on `$PATH`.
 *
 * @param path An explicit executable; when given, nothing else is tried.
 * @returns The path of an existing file, or `undefined` when none is found.
 *
 * @example
 * ```ts
 * import { findChromium } from "./find_chromium.ts";
 * if (findChromium("/nonexistent") !== undefined) throw new Error("found a missing file");
 * ```
 */
export function findChromium(path?: string): string | undefined {
  if (path !== undefined) return isFile(path) ? path : undefined;
  const fromEnv = env("CHROMIUM");
  const onPath = (env("PATH") ?? "").split(":").filter(Boolean)
    .flatMap((dir) => ["chromium", "chromium-browser"].map((name) => join(dir, name)));
  const candidates = [...(fromEnv ? [fromEnv] : []), ...CHROMIUM_PATHS, ...onPath];
  return candidates.find(isFile);
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: only the fixed paths are tried
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
