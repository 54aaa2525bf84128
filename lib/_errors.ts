/**
 * Errors that name an option: the library names it as its options object does (`epochs`,
 * `testFraction`), and the tasks show the same error with their flag (`--epochs`,
 * `--test-fraction`), so neither reads in the other's terms.
 *
 * @module
 */

/** Names an option (the library: as it is; a task: its flag). */
export type OptionNamer = (option: string) => string;

/**
 * An error whose message names options: an option's value is invalid, or setting one is
 * the remedy. `message` names them as the library does; {@linkcode OptionError.as} gives
 * the message with other names for them (a task's flags).
 *
 * @example
 * ```ts
 * import { invalidOption } from "./_errors.ts";
 * const e = invalidOption("testFraction", 1.5, "must be between 0 and 1");
 * if (e.message !== "Invalid testFraction 1.5: must be between 0 and 1") throw new Error();
 * const flag = (option: string) => option === "testFraction" ? "--test-fraction" : option;
 * if (!e.as(flag).startsWith("Invalid --test-fraction 1.5")) throw new Error();
 * ```
 */
export class OptionError extends RangeError {
  /** The option, as the library's options name it. */
  readonly option: string;
  readonly #format: (name: OptionNamer) => string;

  /**
   * @param option The option at fault, as the library's options name it.
   * @param format The message, given how to name options.
   */
  constructor(option: string, format: (name: OptionNamer) => string) {
    super(format((o) => o));
    this.name = "RangeError";
    this.option = option;
    this.#format = format;
  }

  /** The message with options named by `name`. */
  as(name: OptionNamer): string {
    return this.#format(name);
  }
}

/**
 * The usual {@linkcode OptionError}: `Invalid <option> <value>: <rule>`.
 *
 * @param option The option's name in the library.
 * @param value The value given (numbers as they are, anything else as JSON).
 * @param rule What it must be (a function where it names other options).
 * @returns The error, to throw.
 */
export function invalidOption(
  option: string,
  value: unknown,
  rule: string | ((name: OptionNamer) => string),
): OptionError {
  const shown = typeof value === "number" ? String(value) : JSON.stringify(value);
  return new OptionError(
    option,
    (name) => `Invalid ${name(option)} ${shown}: ${typeof rule === "string" ? rule : rule(name)}`,
  );
}

/**
 * A library option name as a task's flag: `learningRate` gives `--learning-rate`.
 *
 * @param option The option's name (camelCase).
 * @returns The flag.
 */
export function flagOf(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
