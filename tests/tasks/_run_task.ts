/**
 * Running the task scripts as a user does, for the task-level tests.
 *
 * @module
 */

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** The tasks' decode cache goes to a temporary folder, not the user's ~/.cache. */
const CACHE = await Deno.makeTempDir({ prefix: "metriclab-cache-" });
addEventListener("unload", () => Deno.removeSync(CACHE, { recursive: true }));

/** What a finished task printed, and its exit code. */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts `deno run -A tasks/<script> ...args` from the repository root, output piped. */
export function spawnTask(script: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `tasks/${script}`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", METRICLAB_CACHE_DIR: CACHE },
  }).spawn();
}

/** Runs a task to its end. */
export async function runTask(script: string, args: string[]): Promise<Outcome> {
  const { code, stdout, stderr } = await spawnTask(script, args).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}
