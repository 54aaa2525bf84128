import assert from "node:assert/strict";
import { childArgs, withRunBy } from "../../tasks/_sweep_runner.ts";

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

Deno.test("withRunBy() adds a column saying which process ran each run", () => {
  const at = "2025-01-02T10:00:00.000Z";
  const by = { host: "node7", pid: 42, startedAt: at, heartbeatAt: at, token: "t" };
  const table = "a  b\n-  -\n1  2\n3  4\n5  6";
  assert.equal(
    withRunBy(table, [
      { dir: "x", summary: {} },
      { dir: "y", summary: {}, skipped: true },
      { dir: "z", summary: {}, skipped: true, by },
    ]),
    [
      "a  b  run by",
      "-  -  ------------",
      "1  2  here",
      "3  4  before",
      "5  6  node7 pid 42",
    ].join("\n"),
  );
});
