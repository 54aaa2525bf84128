/**
 * What every task shares: argument parsing, one-line user errors, progress with an ETA.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { flagOf, OptionError } from "../lib/_errors.ts";

/** Exit codes of every task (130: stopped by Ctrl-C, as shells report SIGINT). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** An error the user can fix: printed as one line, without a stack trace. */
export class UsageError extends Error {}

/** A run stopped by Ctrl-C: `runTask` prints the message as it is and exits 130. */
export class Interrupted extends Error {}

/**
 * Ctrl-C for long tasks: the first SIGINT (or SIGTERM) aborts the returned signal, so that
 * the run stops at its next safe point (the task then throws {@linkcode Interrupted}); a
 * second one exits at once with 130 (claims are still given back, on `unload`).
 *
 * @returns The signal to pass to `runExperiment`.
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) Deno.exit(EXIT.interrupted);
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", stop);
  // SIGTERM (a scheduler stopping a job, `kill`) stops the same way: the run stays
  // resumable and its claim is given back.
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  return controller.signal;
}

/**
 * Parses `Deno.args` (a leading `--` from `deno task x -- ...` is dropped).
 *
 * @param options `parseArgs` option specs.
 * @param args The arguments. @default Deno.args
 * @returns The values and positionals.
 * @throws {UsageError} On an unknown flag or a missing value.
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  options: T,
  args: string[] = Deno.args,
) {
  const given = args[0] === "--" ? args.slice(1) : args;
  // `--epochs -1` would read as two flags: a negative number after a value flag is its value.
  const list: string[] = [];
  for (let i = 0; i < given.length; i++) {
    const name = /^--([^=]+)$/.exec(given[i])?.[1];
    const next = given[i + 1];
    if (name && options[name]?.type === "string" && next !== undefined && /^-\.?\d/.test(next)) {
      list.push(`--${name}=${next}`);
      i++;
    } else list.push(given[i]);
  }
  try {
    return parseArgs({ args: list, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Parses a numeric flag, naming the flag when it is not a number.
 *
 * @param flag The flag name, for the message.
 * @param value The raw value (undefined: use the default).
 * @param fallback The default.
 * @returns The number.
 * @throws {UsageError} When the value is not a finite number.
 */
export function numberFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new UsageError(`Invalid --${flag} "${value}": not a number`);
  }
  return n;
}

/**
 * Parses a duration flag: `90s`, `10m`, `1h`, or a bare number of seconds.
 *
 * @param flag The flag name, for the message.
 * @param value The raw value (undefined: use the default).
 * @param fallback The default, in milliseconds.
 * @returns Milliseconds.
 * @throws {UsageError} When the value is not a positive duration.
 */
export function durationFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(value);
  const seconds = match ? Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] ?? "s"]! : NaN;
  if (!(seconds > 0)) {
    throw new UsageError(`Invalid --${flag} "${value}": give a duration such as 90s, 10m or 1h`);
  }
  return seconds * 1000;
}

/** The flags whose names are not the kebab-case of the option they set. */
const FLAGS: Record<string, string> = {
  learningRate: "--lr",
  ks: "--k",
  samplesPerClass: "--m",
  syntheticPerClass: "--per-class",
};

/**
 * The flag that sets a library option (`testFraction` gives `--test-fraction`): how the
 * tasks show the options lib errors name.
 *
 * @param option The option, as the library names it.
 * @returns The flag.
 */
export function flagName(option: string): string {
  return FLAGS[option] ?? flagOf(option);
}

/**
 * An error's message as a task shows it: options named by their flags.
 *
 * @param error What was thrown.
 * @returns The message.
 */
export function messageOf(error: unknown): string {
  if (error instanceof OptionError) return error.as(flagName);
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs a task's main function: user errors and bad input print one line and exit
 * non-zero; anything else prints its stack (a bug) and exits 1.
 *
 * @param main The task body.
 */
export async function runTask(main: () => Promise<number | void>): Promise<void> {
  try {
    Deno.exit((await main()) ?? EXIT.ok);
  } catch (error) {
    if (error instanceof Interrupted) {
      console.error(error.message);
      Deno.exit(EXIT.interrupted);
    }
    if (error instanceof OptionError) {
      console.error(`error: ${messageOf(error).split("\n")[0]}`);
      Deno.exit(EXIT.failed);
    }
    if (
      error instanceof UsageError || error instanceof RangeError || error instanceof TypeError ||
      error instanceof SyntaxError || error instanceof Deno.errors.NotFound ||
      (error instanceof Error && /^Cannot /.test(error.message))
    ) {
      console.error(`error: ${error.message.split("\n")[0]}`);
      Deno.exit(error instanceof UsageError ? EXIT.usage : EXIT.failed);
    }
    throw error;
  }
}

/** Whether standard error is a terminal (progress bars) or a log (plain lines). */
const isTty = Deno.stderr.isTerminal();

/**
 * A duration for an ETA: `42s`, `7m05s`, `1h14m` (rounded to the second, then cut).
 *
 * @param s Seconds.
 * @returns The text; `?` for a non-finite value.
 */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  const m = Math.floor(t / 60);
  return m < 60
    ? `${m}m${String(t % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * A progress reporter with an ETA: a redrawn bar on a terminal, a plain line every 10%
 * otherwise (CI logs get no control codes). Writes to standard error.
 *
 * @param label What is progressing.
 * @param quiet Print nothing.
 * @returns `update(done, total)` and `done()`.
 */
export function progress(label: string, quiet = false) {
  const started = performance.now();
  let lastDecile = -1;
  let lastDraw = 0;
  const encoder = new TextEncoder();
  return {
    update(done: number, total: number) {
      if (quiet || total <= 0) return;
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
      const pct = Math.floor((100 * done) / total);
      if (isTty) {
        const now = performance.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const width = 24;
        const fill = Math.round((width * done) / total);
        const bar = "#".repeat(fill) + "-".repeat(width - fill);
        Deno.stderr.writeSync(
          encoder.encode(
            `\r${label} [${bar}] ${pct}% ${done}/${total} ETA ${formatSeconds(eta)}   `,
          ),
        );
      } else {
        const decile = Math.floor(pct / 10);
        if (decile === lastDecile) return;
        lastDecile = decile;
        console.error(`${label}: ${pct}% (${done}/${total}), ETA ${formatSeconds(eta)}`);
      }
    },
    done() {
      if (!quiet && isTty) Deno.stderr.writeSync(encoder.encode("\n"));
    },
  };
}
