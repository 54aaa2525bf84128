import assert from "node:assert/strict";
import { join } from "node:path";
import { claimRun, readRunClaim, RunHeldError } from "../../lib/run/run_claim.ts";
import { RUN_FILES } from "../../lib/run/run_folder.ts";

const tmp = await Deno.makeTempDir({ prefix: "metriclab-claim-" });
addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));
let folders = 0;
const fresh = () => join(tmp, `run-${folders++}`);

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

async function writeLock(dir: string, content: string, ageSeconds = 0): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const lock = join(dir, RUN_FILES.lock);
  await Deno.writeTextFile(lock, content);
  const when = new Date(Date.now() - ageSeconds * 1000);
  await Deno.utime(lock, when, when);
}

const lockOf = (host: string, pid: number) =>
  JSON.stringify({ host, pid, startedAt: "2025-01-02T10:00:00.000Z", token: "t-" + pid });

Deno.test("claimRun() holds a folder once, names the holder, and release() gives it back", async () => {
  const dir = fresh();
  const claim = await claimRun(dir);
  assert.deepEqual(claim.warnings, []);
  const state = await readRunClaim(dir);
  assert.equal(state.status, "live");
  assert.equal(state.status === "live" && state.holder.pid, Deno.pid);
  const error = await claimRun(dir).then(() => undefined, (e) => e);
  assert(error instanceof RunHeldError);
  assert.match(
    error.message,
    new RegExp(
      `^Cannot train run ".*": it is held by host ${Deno.hostname()} pid ${Deno.pid} since \\d{4}-`,
    ),
  );
  await claim.release();
  assert.equal((await readRunClaim(dir)).status, "free");
  // The claim created the folder and nothing else was written: it goes too.
  assert.equal(await Deno.stat(dir).then(() => true, () => false), false);
});

Deno.test("claimRun() takes over at once a claim whose process is gone on this host", async () => {
  const dir = fresh();
  const pid = await deadPid();
  await writeLock(dir, lockOf(Deno.hostname(), pid));
  const state = await readRunClaim(dir);
  assert.equal(state.status, "stale");
  assert.match(state.status === "stale" ? state.reason : "", new RegExp(`process ${pid} is gone`));
  const claim = await claimRun(dir);
  assert.equal(claim.warnings.length, 1);
  assert.match(claim.warnings[0], new RegExp(`^Took over run ".*" from host .* pid ${pid} `));
  assert.equal(claim.holder.pid, Deno.pid);
  await claim.release();
  // The folder existed before: it stays, without the claim or the one set aside.
  assert.deepEqual([...Deno.readDirSync(dir)], []);
});

Deno.test("claimRun() takes over a claim of its own pid that it does not hold (a reused pid) and one whose pid is another process now", async () => {
  const dir = fresh();
  await writeLock(dir, lockOf(Deno.hostname(), Deno.pid));
  const state = await readRunClaim(dir);
  assert.equal(state.status, "stale");
  assert.match(state.status === "stale" ? state.reason : "", /is this one, which does not hold it/);
  const claim = await claimRun(dir);
  assert.equal(claim.warnings.length, 1);
  await claim.release();
  // A live pid whose recorded start time is not its own: the holder died, the pid was reused.
  const other = fresh();
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    await writeLock(
      other,
      JSON.stringify({ ...JSON.parse(lockOf(Deno.hostname(), child.pid)), processStart: "1" }),
    );
    const reused = await readRunClaim(other);
    assert.equal(reused.status, "stale");
    assert.match(reused.status === "stale" ? reused.reason : "", /is another process now/);
    await writeLock(other, lockOf(Deno.hostname(), child.pid));
    assert.equal((await readRunClaim(other)).status, "live", "no start time recorded: alive");
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("readRunClaim() judges another host's claim by its heartbeat and --stale-after", async () => {
  const dir = fresh();
  await writeLock(dir, lockOf("elsewhere", 1), 120);
  assert.equal((await readRunClaim(dir)).status, "live");
  assert.equal((await readRunClaim(dir, { staleAfter: 60_000 })).status, "stale");
  await assert.rejects(claimRun(dir), RunHeldError);
  const claim = await claimRun(dir, { staleAfter: 60_000 });
  assert.match(claim.warnings[0], /from host elsewhere pid 1 .*heartbeat is 12\d s old/);
  await claim.release();
});

Deno.test("claimRun() waits out a claim file cut short by a kill, then takes it over", async () => {
  const dir = fresh();
  await writeLock(dir, "");
  await assert.rejects(claimRun(dir), RunHeldError);
  await writeLock(dir, '{"host":"x","p', 60);
  const claim = await claimRun(dir);
  assert.match(claim.warnings[0], /empty or cut short/);
  await claim.release();
});

Deno.test("claimRun() lets exactly one of many takers have a stale claim", async () => {
  for (let round = 0; round < 5; round++) {
    const dir = fresh();
    await writeLock(dir, lockOf(Deno.hostname(), await deadPid()));
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => claimRun(dir)));
    const won = outcomes.flatMap((o) => o.status === "fulfilled" ? [o.value] : []);
    assert.equal(won.length, 1, `round ${round}`);
    for (const o of outcomes) {
      if (o.status === "rejected") assert(o.reason instanceof RunHeldError, String(o.reason));
    }
    const state = await readRunClaim(dir);
    assert.equal(state.status === "live" && state.holder.token, won[0].holder.token);
    await won[0].release();
  }
});

Deno.test("RunClaim.heartbeat() refreshes the claim, and aborts lost when another took it", async () => {
  const dir = fresh();
  const claim = await claimRun(dir);
  const lock = join(dir, RUN_FILES.lock);
  const old = new Date(Date.now() - 3600_000);
  await Deno.utime(lock, old, old);
  assert.equal(await claim.heartbeat(), true);
  assert((await Deno.stat(lock)).mtime!.getTime() > old.getTime(), "the heartbeat left the mtime");
  await Deno.writeTextFile(lock, lockOf("elsewhere", 7));
  assert.equal(await claim.heartbeat(), false);
  assert(claim.lost.aborted);
  assert(claim.lost.reason instanceof RunHeldError);
  assert.match(claim.lost.reason.message, /its claim was taken over by host elsewhere pid 7/);
  await claim.release();
  // Not ours: left in place.
  assert.equal((await readRunClaim(dir)).status, "live");
});

Deno.test("a claim does not outlive a process that exits at once (Deno.exit)", async () => {
  const dir = fresh();
  const url = new URL("../../lib/run/run_claim.ts", import.meta.url).href;
  const code = `import { claimRun } from "${url}";
await Deno.mkdir(${JSON.stringify(dir)}, { recursive: true });
await claimRun(${JSON.stringify(dir)});
console.log("claimed");
Deno.exit(130);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "claimed");
  assert.equal(out.code, 130);
  assert.equal((await readRunClaim(dir)).status, "free");
});
