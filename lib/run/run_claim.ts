/**
 * Claiming a run folder, so that several processes, on one machine or on many sharing a
 * file system, never train the same run at the same time.
 *
 * A claim is the file `run.lock` in the run folder, created with an exclusive create (it
 * fails when the file exists, atomically, on local file systems and on NFS v3 and later):
 * a hard link from a file already written, so that it is never seen half written.
 * It holds the holder's host, pid, start time and a random token, written once; its
 * modification time is the heartbeat, refreshed each minute and at each epoch. Because the
 * content never changes after the create, a refresh can never overwrite the claim of a
 * process that took over.
 *
 * A claim is stale when its holder is gone: on the same host, as soon as its pid is not a
 * running process; from another host, when its heartbeat is older than `staleAfter`. A
 * stale claim is taken over by one taker only: the one whose exclusive create of
 * `run.lock.takeover-<token>-1` succeeds; it moves the stale claim aside, checks that it
 * moved that claim, and creates its own exclusively. (A takeover file older than 10 s is a
 * taker that died: the next number is free to win.)
 *
 * @module
 */
import { join } from "node:path";
import { asDiskWriteError, RUN_FILES } from "./run_folder.ts";

/** Who holds a run folder, as its claim says. */
export interface RunClaimHolder {
  /** The holder's host name (`Deno.hostname()`); `unknown` for a claim cut short. */
  host: string;
  /** The holder's process id (0 when unknown). */
  pid: number;
  /** When the holder claimed the run (ISO 8601). */
  startedAt: string;
  /** The last heartbeat: the claim file's modification time (ISO 8601). */
  heartbeatAt: string;
  /** The claim's own random token ("" when unknown). */
  token: string;
}

/** What {@linkcode readRunClaim} finds. */
export type RunClaimState =
  | { status: "free" }
  | { status: "live"; holder: RunClaimHolder }
  | { status: "stale"; holder: RunClaimHolder; reason: string };

/** Options of {@linkcode readRunClaim} and {@linkcode claimRun}. */
export interface RunClaimOptions {
  /**
   * Milliseconds after which a claim from another host, whose heartbeat stopped, is stale.
   * @default {600000} (10 minutes)
   */
  staleAfter?: number;
  /**
   * Milliseconds between heartbeats while the claim is held (also refreshed by
   * {@linkcode RunClaim.heartbeat}, at each epoch).
   * @default {60000}
   */
  heartbeatEvery?: number;
  /** This process's host name, as claims record it. @default Deno.hostname() */
  host?: string;
}

/** The default of {@linkcode RunClaimOptions.staleAfter}: 10 minutes. */
export const DEFAULT_STALE_AFTER = 10 * 60 * 1000;
/** A claim file without readable content (a kill between create and write) is stale after this. */
const TORN_GRACE = 10 * 1000;

/**
 * A run folder that another process holds. Callers catch it on purpose: a sweep moves on to
 * the next run, `train` prints the message.
 */
export class RunHeldError extends Error {
  /** The run folder. */
  readonly dir: string;
  /** Who holds it. */
  readonly holder: RunClaimHolder;
  /**
   * An error for a run folder that `holder` holds.
   *
   * @param dir The run folder.
   * @param holder Who holds it.
   * @param message The message. @default `Cannot train run "<dir>": it is held by <holder>`
   */
  constructor(dir: string, holder: RunClaimHolder, message?: string) {
    super(message ?? `Cannot train run "${dir}": it is held by ${describeHolder(holder)}`);
    this.name = "RunHeldError";
    this.dir = dir;
    this.holder = holder;
  }
}

/**
 * A holder in words: `host vm pid 412 since 2025-01-02 10:00:00Z`.
 *
 * @param holder The holder.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { describeHolder } from "./run_claim.ts";
 * const at = "2025-01-02T10:00:00.000Z";
 * const text = describeHolder({ host: "vm", pid: 4, startedAt: at, heartbeatAt: at, token: "" });
 * if (text !== "host vm pid 4 since 2025-01-02 10:00:00Z") throw new Error(text);
 * ```
 */
export function describeHolder(holder: RunClaimHolder): string {
  return `host ${holder.host} pid ${holder.pid} since ${shortTime(holder.startedAt)}`;
}

/** `2025-01-02 10:00:00Z` from an ISO time. */
function shortTime(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/**
 * Whether process `pid` runs on this machine (a zombie does not count). Reads /proc where
 * there is one, else asks `kill -0`; when neither answers, says true, so that only the
 * heartbeat can make the claim stale.
 */
/** A process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), if known. */
function processStartTicks(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (in parentheses, may hold spaces): state is field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The state follows the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      try {
        Deno.statSync("/proc/self");
        return false; // Linux: /proc works and has no such process.
      } catch {
        // No /proc (macOS, BSD): ask kill below.
      }
    }
  }
  try {
    return new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" }).outputSync()
      .success;
  } catch {
    return true;
  }
}

function thisHost(options: RunClaimOptions): string {
  return options.host ?? Deno.hostname();
}

/** The claim at `lock` with its file identity, or undefined when there is none. */
async function readLock(
  lock: string,
): Promise<
  { holder: RunClaimHolder; torn: boolean; ino: number | null; processStart?: string } | undefined
> {
  let info: Deno.FileInfo;
  let text: string;
  try {
    info = await Deno.stat(lock);
    text = await Deno.readTextFile(lock);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const heartbeatAt = (info.mtime ?? new Date()).toISOString();
  try {
    const c = JSON.parse(text);
    if (
      typeof c.host === "string" && Number.isInteger(c.pid) && typeof c.startedAt === "string" &&
      typeof c.token === "string"
    ) {
      const holder = {
        host: c.host,
        pid: c.pid,
        startedAt: c.startedAt,
        heartbeatAt,
        token: c.token,
      };
      const processStart = typeof c.processStart === "string" ? c.processStart : undefined;
      return { holder, torn: false, ino: info.ino, processStart };
    }
  } catch {
    // Torn: created, and its holder killed before it wrote the content.
  }
  const holder = { host: "unknown", pid: 0, startedAt: heartbeatAt, heartbeatAt, token: "" };
  return { holder, torn: true, ino: info.ino };
}

/** Whether a claim read from `lock` is stale, and why. */
function judge(
  found: { holder: RunClaimHolder; torn: boolean; processStart?: string },
  options: RunClaimOptions,
  now: number,
): string | undefined {
  const { holder, torn } = found;
  const age = now - Date.parse(holder.heartbeatAt);
  if (torn) {
    return age > TORN_GRACE ? "its claim file is empty or cut short" : undefined;
  }
  if (holder.host === thisHost(options)) {
    if (!processAlive(holder.pid)) return `process ${holder.pid} is gone`;
    // A pid is reused after a restart (in a container, deno is often pid 1 each time).
    if (holder.pid === Deno.pid && !ownTokens.has(holder.token)) {
      return `process ${holder.pid} is this one, which does not hold it: the holder is gone`;
    }
    const start = found.processStart;
    if (start && processStartTicks(holder.pid) && processStartTicks(holder.pid) !== start) {
      return `process ${holder.pid} is another process now: the holder is gone`;
    }
    return undefined;
  }
  const staleAfter = options.staleAfter ?? DEFAULT_STALE_AFTER;
  return age > staleAfter
    ? `its last heartbeat is ${Math.round(age / 1000)} s old (--stale-after ${
      Math.round(staleAfter / 1000)
    } s)`
    : undefined;
}

/**
 * Reads who holds a run folder, without touching it.
 *
 * @param dir The run folder.
 * @param options `staleAfter` and `host`.
 * @returns `free`, `live` with the holder, or `stale` with the holder and why.
 *
 * @example
 * ```ts
 * import { claimRun, readRunClaim } from "./run_claim.ts";
 * const dir = await Deno.makeTempDir();
 * if ((await readRunClaim(dir)).status !== "free") throw new Error("not free");
 * const claim = await claimRun(dir);
 * if ((await readRunClaim(dir)).status !== "live") throw new Error("not held");
 * await claim.release();
 * ```
 */
export async function readRunClaim(
  dir: string,
  options: RunClaimOptions = {},
): Promise<RunClaimState> {
  const found = await readLock(join(dir, RUN_FILES.lock));
  if (!found) return { status: "free" };
  const reason = judge(found, options, Date.now());
  return reason === undefined
    ? { status: "live", holder: found.holder }
    : { status: "stale", holder: found.holder, reason };
}

/** Claims held by this process: removed by `unload` when the process exits at once. */
const held = new Set<RunClaim>();

/**
 * Tokens of the claim files this process has created or is creating: a claim of this
 * process's pid with another token belongs to an earlier process that had the same pid.
 */
const ownTokens = new Set<string>();
let unloadListening = false;

function releaseAllSync(): void {
  for (const claim of held) claim.releaseSync();
}

/**
 * A run folder held by this process: refresh it with {@linkcode RunClaim.heartbeat} (a
 * timer also does, each minute) and give it back with {@linkcode RunClaim.release}.
 */
export class RunClaim {
  /** The run folder. */
  readonly dir: string;
  /** This claim's content. */
  readonly holder: RunClaimHolder;
  /** Warnings: the stale claim taken over, if any. */
  readonly warnings: string[];
  /** Aborted, with a {@linkcode RunHeldError}, when another process took the claim. */
  readonly lost: AbortSignal;
  #lost = new AbortController();
  #timer: ReturnType<typeof setInterval>;
  #createdDir: boolean;
  #released = false;

  /** Use {@linkcode claimRun}. */
  constructor(
    dir: string,
    holder: RunClaimHolder,
    warnings: string[],
    createdDir: boolean,
    heartbeatEvery: number,
  ) {
    this.dir = dir;
    this.holder = holder;
    this.warnings = warnings;
    this.lost = this.#lost.signal;
    this.#createdDir = createdDir;
    this.#timer = setInterval(() => void this.heartbeat(), heartbeatEvery);
    // The heartbeat alone must not keep a finished process alive.
    Deno.unrefTimer(this.#timer);
    held.add(this);
    if (!unloadListening) {
      addEventListener("unload", releaseAllSync);
      unloadListening = true;
    }
  }

  get #lock(): string {
    return join(this.dir, RUN_FILES.lock);
  }

  /** Whether the claim file is still this one (read twice, apart, before saying no). */
  async #stillMine(): Promise<{ mine: boolean; other?: RunClaimHolder }> {
    let found = await readLock(this.#lock).catch(() => undefined);
    if (found?.holder.token === this.holder.token) return { mine: true };
    // A taker that moved a live claim aside by mistake puts it back at once.
    await new Promise((resolve) => setTimeout(resolve, 100));
    found = await readLock(this.#lock).catch(() => undefined);
    return found?.holder.token === this.holder.token
      ? { mine: true }
      : { mine: false, other: found?.holder };
  }

  /**
   * Refreshes the heartbeat (the claim file's modification time). When the claim is no
   * longer this process's, aborts {@linkcode RunClaim.lost} instead.
   *
   * @returns True while the claim is held.
   */
  async heartbeat(): Promise<boolean> {
    if (this.#released || this.lost.aborted) return false;
    const { mine, other } = await this.#stillMine();
    if (this.#released) return false;
    if (!mine) {
      const by = other ? `taken over by ${describeHolder(other)}` : "removed";
      this.#lost.abort(
        new RunHeldError(
          this.dir,
          other ?? this.holder,
          `Cannot continue run "${this.dir}": its claim was ${by}`,
        ),
      );
      return false;
    }
    const now = new Date();
    await Deno.utime(this.#lock, now, now).catch(() => {});
    return true;
  }

  /**
   * Gives the run folder back: stops the heartbeat and removes the claim file when it is
   * still this one (and the folder, when the claim created it and nothing else is in it).
   *
   * @returns Nothing.
   */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    held.delete(this);
    ownTokens.delete(this.holder.token);
    const found = await readLock(this.#lock).catch(() => undefined);
    if (found?.holder.token === this.holder.token) {
      await removeTakeoverFiles(this.dir);
      await Deno.remove(this.#lock).catch(() => {});
    }
    if (this.#createdDir) await Deno.remove(this.dir).catch(() => {});
  }

  /** {@linkcode RunClaim.release} for an exiting process (`unload`), synchronously. */
  releaseSync(): void {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    held.delete(this);
    ownTokens.delete(this.holder.token);
    try {
      const content = JSON.parse(Deno.readTextFileSync(this.#lock));
      if (content.token === this.holder.token) Deno.removeSync(this.#lock);
    } catch {
      // Gone or not ours: nothing to give back.
    }
  }

  /** Releases the claim (`await using claim = await claimRun(dir)`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

/**
 * Creates the claim file exclusively, whole: its content goes to a file of this process's
 * own, which is then hard-linked to the claim's name (a link fails when the name exists, as
 * an exclusive create does), so that a kill never leaves half a claim. Where hard links are
 * not supported, an exclusive create and one write.
 */
async function createClaimFile(
  lock: string,
  holder: RunClaimHolder,
): Promise<"created" | "exists" | "gone"> {
  const { host, pid, startedAt, token } = holder;
  // The kernel's start time of the process tells a reused pid from the holder (Linux).
  const processStart = processStartTicks(pid);
  const bytes = new TextEncoder().encode(
    JSON.stringify({ host, pid, startedAt, token, ...(processStart ? { processStart } : {}) }) +
      "\n",
  );
  const own = `${lock}.new-${pid}-${token.slice(0, 8)}`;
  const failed = (error: unknown, path: string) => {
    if (error instanceof Deno.errors.NotFound) return "gone" as const;
    if (error instanceof Deno.errors.AlreadyExists) return "exists" as const;
    throw asDiskWriteError(error, path) ?? error;
  };
  try {
    await Deno.writeFile(own, bytes, { createNew: true });
  } catch (error) {
    await Deno.remove(own).catch(() => {});
    return failed(error, lock);
  }
  try {
    await Deno.link(own, lock);
    return "created";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.AlreadyExists) {
      return failed(error, lock);
    }
  } finally {
    await Deno.remove(own).catch(() => {});
  }
  // No hard links here: create and write (a kill in between leaves a claim cut short,
  // stale after 10 s).
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lock, { createNew: true, write: true });
  } catch (error) {
    return failed(error, lock);
  }
  try {
    let done = 0;
    while (done < bytes.length) done += await file.write(bytes.subarray(done));
  } catch (error) {
    file.close();
    await Deno.remove(lock).catch(() => {});
    throw asDiskWriteError(error, lock) ?? error;
  }
  file.close();
  return "created";
}

/**
 * Whether this process is the one taker of the stale claim `key`: it created the takeover
 * file `run.lock.takeover-<key>-<n>`. A takeover file older than the grace period is the
 * trace of a taker that died; the next number is then free to win.
 */
async function winTakeover(dir: string, key: string): Promise<boolean> {
  for (let n = 1; n <= 100; n++) {
    const path = join(dir, `${RUN_FILES.lock}.takeover-${key}-${n}`);
    try {
      (await Deno.open(path, { createNew: true, write: true })).close();
      return true;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) {
        throw asDiskWriteError(error, path) ?? error;
      }
    }
    const info = await Deno.stat(path).catch(() => undefined);
    if (!info || Date.now() - (info.mtime?.getTime() ?? 0) < TORN_GRACE) return false;
  }
  return false;
}

/** Removes the takeover files of a folder (their stale claims are gone). */
async function removeTakeoverFiles(dir: string): Promise<void> {
  const prefix = `${RUN_FILES.lock}.takeover-`;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(prefix)) await Deno.remove(join(dir, e.name)).catch(() => {});
    }
  } catch {
    // The folder is gone: so are they.
  }
}

/**
 * Claims a run folder (creating it when missing) before anything of the run is written.
 *
 * @param dir The run folder.
 * @param options `staleAfter`, `heartbeatEvery`, `host`.
 * @returns The claim; its `warnings` name a stale claim that was taken over.
 * @throws {RunHeldError} When a live process holds the folder.
 * @throws {DiskWriteError} When the claim cannot be written (a full disk, no permission).
 *
 * @example
 * ```ts
 * import { claimRun, RunHeldError } from "./run_claim.ts";
 * const dir = await Deno.makeTempDir();
 * const claim = await claimRun(dir);
 * const second = await claimRun(dir).then(() => "claimed", (e) => e instanceof RunHeldError);
 * await claim.release();
 * if (second !== true) throw new Error("claimed twice");
 * ```
 */
export async function claimRun(dir: string, options: RunClaimOptions = {}): Promise<RunClaim> {
  const lock = join(dir, RUN_FILES.lock);
  const warnings: string[] = [];
  let createdDir = false;
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      await Deno.stat(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      try {
        await Deno.mkdir(dir, { recursive: true });
      } catch (error) {
        throw asDiskWriteError(error, dir) ?? error;
      }
      createdDir = true;
    }
    const holder: RunClaimHolder = {
      host: thisHost(options),
      pid: Deno.pid,
      startedAt: new Date().toISOString(),
      heartbeatAt: new Date().toISOString(),
      token: crypto.randomUUID(),
    };
    ownTokens.add(holder.token);
    const created = await createClaimFile(lock, holder).catch((error) => {
      ownTokens.delete(holder.token);
      throw error;
    });
    if (created === "created") {
      return new RunClaim(dir, holder, warnings, createdDir, options.heartbeatEvery ?? 60_000);
    }
    ownTokens.delete(holder.token);
    if (created === "gone") continue; // the folder went: make it again
    const found = await readLock(lock);
    if (!found) continue; // released meanwhile
    const reason = judge(found, options, Date.now());
    if (reason === undefined) throw new RunHeldError(dir, found.holder);
    // Take over. One taker per stale claim: the one that creates its takeover file.
    const key = found.holder.token ||
      `torn-${found.ino ?? 0}-${Date.parse(found.holder.heartbeatAt)}`;
    if (!(await winTakeover(dir, key))) {
      await new Promise((resolve) => setTimeout(resolve, 50 + 50 * attempt));
      continue;
    }
    // Move it aside under a name of our own and check that it is the claim judged stale
    // (its holder, alive after all, may have released it and a new claim come meanwhile).
    const aside = `${lock}.stale-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await Deno.rename(lock, aside);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw asDiskWriteError(error, lock) ?? error;
    }
    const moved = await readLock(aside);
    const same = moved !== undefined && moved.holder.token === found.holder.token &&
      (moved.ino === null || found.ino === null || moved.ino === found.ino);
    if (!same) {
      // Put the new claim back, unless a third process claimed in between (the one
      // moved then finds its claim lost at its next heartbeat and stops).
      await Deno.link(aside, lock).catch(() => {});
      await Deno.remove(aside).catch(() => {});
      continue;
    }
    await Deno.remove(aside).catch(() => {});
    warnings.push(
      `Took over run "${dir}" from ${describeHolder(found.holder)}: ${reason}`,
    );
  }
  const state = await readRunClaim(dir, options);
  if (state.status !== "free") throw new RunHeldError(dir, state.holder);
  throw new Error(`Cannot claim run "${dir}": its claim file keeps changing`);
}
