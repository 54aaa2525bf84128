import assert from "node:assert/strict";
import { childArgs } from "../../tasks/_sweep_runner.ts";

Deno.test("childArgs() passes the sweep's arguments on without --jobs and --threads, in either form", () => {
  const args = [
    "--",
    "--config",
    "grid.json",
    "--jobs",
    "2",
    "--threads=4",
    "--backend",
    "cpu",
    "--jobs=3",
    "--threads",
    "2",
    "--quiet",
  ];
  assert.deepEqual(childArgs("/x/sweep.ts", args, 1, 7), [
    "run",
    "-A",
    "/x/sweep.ts",
    "--config",
    "grid.json",
    "--backend",
    "cpu",
    "--quiet",
    "--threads",
    "1",
    "--cell",
    "7",
  ]);
});
