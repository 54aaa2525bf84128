/**
 * Checks metriclab's distances, miners and losses against the reference vectors of
 * pytorch-metric-learning 2.8.1.
 *
 *     deno run -A tasks/conformance.ts [DIR]
 *
 * Prints one line per failed or skipped check, then `N passed, M failed, K skipped`.
 * Exit status: 0 when nothing failed, 1 when a check failed, 2 for a usage error.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import * as tf from "../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import { runConformance } from "../lib/conformance/mod.ts";

const USAGE = `Usage: deno run -A tasks/conformance.ts [DIR]

Checks distances, miners, losses and gradients against the pytorch-metric-learning
reference vectors in DIR (default: ../shared/vectors/pml next to the repository).
Prints one line per failed or skipped check and a summary line.
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
  const dir = parsed.positionals[0] ??
    fileURLToPath(new URL("../../shared/vectors/pml", import.meta.url));
  await tf.setBackend("cpu");
  let result;
  try {
    result = await runConformance(dir);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 2;
  }
  for (const line of result.lines) console.log(line);
  console.log(`${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
  return result.failed > 0 ? 1 : 0;
}

Deno.exit(await main(Deno.args));
