/**
 * Checks metriclab's distances, miners and losses against the reference vectors of
 * pytorch-metric-learning 2.8.1.
 *
 *     deno run -A tasks/conformance.ts [DIR]
 *
 * Prints one line per failed or skipped check, then `N passed, M failed, K skipped`; then
 * the same for the CrossBatchMemory sequences (`xbm: N passed, ...`) when DIR holds
 * `xbm_cases.json` (by default: ../shared/vectors/pml_xbm, when it exists).
 * Exit status: 0 when nothing failed, 1 when a check failed, 2 for a usage error.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import * as tf from "../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import { hasXbmCases, runConformance, runXbmConformance } from "../lib/conformance/mod.ts";

const USAGE = `Usage: deno run -A tasks/conformance.ts [DIR]

Checks distances, miners, losses and gradients against the pytorch-metric-learning
reference vectors in DIR (default: ../shared/vectors/pml next to the repository), and
CrossBatchMemory against the sequences of DIR/xbm_cases.json (default:
../shared/vectors/pml_xbm, when it exists). Prints one line per failed or skipped check
and a summary line per set (the CrossBatchMemory one starts with "xbm:").
Exit status: 0 all passed or skipped, 1 some check failed, 2 usage error.`;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: args.filter((a) => a !== "--"),
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.positionals.length > 1) {
    console.error(
      `Expected at most one DIR, got ${parsed.positionals.length}: ${parsed.positionals.join(" ")}`,
    );
    return 2;
  }
  const given = parsed.positionals[0];
  const shared = (name: string) =>
    fileURLToPath(new URL(`../../shared/vectors/${name}`, import.meta.url));
  const xbmDir = given ?? shared("pml_xbm");
  const withXbm = await hasXbmCases(xbmDir);
  // A DIR of CrossBatchMemory sequences only is not a folder of PML vectors.
  const withPml = given === undefined || !withXbm || await hasOtherJson(given);
  await tf.setBackend("cpu");
  let failed = 0;
  try {
    if (withPml) {
      const result = await runConformance(given ?? shared("pml"));
      for (const line of result.lines) console.log(line);
      console.log(`${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
      failed += result.failed;
    }
    if (withXbm) {
      const xbm = await runXbmConformance(xbmDir);
      for (const line of xbm.lines) console.log(line);
      console.log(`xbm: ${xbm.passed} passed, ${xbm.failed} failed, ${xbm.skipped} skipped`);
      failed += xbm.failed;
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 2;
  }
  return failed > 0 ? 1 : 0;
}

/** Whether `dir` holds a `.json` file other than `xbm_cases.json`. */
async function hasOtherJson(dir: string): Promise<boolean> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".json") && e.name !== "xbm_cases.json") return true;
  }
  return false;
}

Deno.exit(await main(Deno.args));
