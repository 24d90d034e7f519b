/**
 * The argument handling every `nnref COMMAND` starts with: node:util's
 * parseArgs (strict: unknown options are errors), a usage message for bad
 * arguments, and `--help`. Node-only, like the rest of src/cli.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The `options` table of a parseArgs config. */
type OptionsTable = NonNullable<ParseArgsConfig["options"]>;

/** What parseArgs returns for `config`: `{ values, positionals }`. */
export type CommandLine<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** A token that reads as a negative number: -1, -0.5, -.5, -1e-3, -Infinity. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * `args` with every string option that is followed by a negative number
 * joined to it (`--lr -1` → `--lr=-1`, `-s -3` → `-s=-3` for a short alias),
 * because node:util's parseArgs refuses a value that starts with a dash as
 * "ambiguous". A boolean option followed by a negative number is left alone
 * (that number is then a positional or an error, as before). The command
 * then validates the value (e.g. "--lr: expected a positive number").
 */
export function joinNegativeValues(args: readonly string[], options: ParseArgsConfig["options"] = {}): string[] {
  const stringOptions = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== "string") continue;
    stringOptions.add(`--${name}`);
    if (o.short) stringOptions.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (stringOptions.has(args[i]) && i + 1 < args.length && NEGATIVE_NUMBER.test(args[i + 1])) {
      out.push(`${args[i]}=${args[i + 1]}`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

/**
 * Parses `config.args` (the argv after the command name) for `nnref COMMAND`.
 * A string option may take a negative number as its next argument
 * (`--seed -3`; see joinNegativeValues).
 * Returns the parsed `{ values, positionals }`, or the exit status to stop
 * with: 2 after printing `nnref COMMAND: <parse error>`, a blank line and
 * `usage` to stderr; 0 after printing `usage` to stdout when `values.help` is
 * set (the config declares `help: { type: "boolean", short: "h" }`).
 */
export function parseCommandLine<T extends ParseArgsConfig>(command: string, usage: string, config: T): CommandLine<T> | number {
  let parsed: CommandLine<T>;
  try {
    parsed = parseArgs<T>({ ...config, args: joinNegativeValues(config.args ?? [], config.options) } as T);
  } catch (err) {
    console.error(`nnref ${command}: ${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return 2;
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    console.log(usage);
    return 0;
  }
  return parsed;
}

/** The parseArgs options `commandOptions` builds: string options, boolean flags (default false) and -h/--help. */
export type CommandOptions<S extends string, B extends string> = {
  [K in S | B | "help"]: K extends "help" ? { type: "boolean"; short: "h"; default: false } : K extends B ? { type: "boolean"; default: false } : { type: "string" };
};

/**
 * The parseArgs options of a command: each name in `strings` takes a value
 * (`--name VALUE`), each in `flags` is a boolean that defaults to false, and
 * `-h`/`--help` prints the usage. Options of another form (a default value,
 * a boolean that stays undefined when absent) are added to the result by the caller.
 */
export function commandOptions<const S extends string, const B extends string = never>(strings: readonly S[], flags: readonly B[] = []): CommandOptions<S, B> {
  const options: Record<string, { type: "string" | "boolean"; short?: string; default?: boolean }> = {};
  for (const name of strings) options[name] = { type: "string" };
  for (const name of flags) options[name] = { type: "boolean", default: false };
  options.help = { type: "boolean", short: "h", default: false };
  return options as CommandOptions<S, B>;
}

/**
 * `parseCommandLine` for a command that takes positional arguments: parses
 * `argv` (after the command name) with `options` (see `commandOptions`).
 * Returns `{ values, positionals }`, or the exit status to stop with (2 for a
 * parse error, 0 after --help).
 */
export function parseCommand<O extends OptionsTable>(command: string, usage: string, argv: string[], options: O): CommandLine<{ args: string[]; allowPositionals: true; options: O }> | number {
  return parseCommandLine(command, usage, { args: argv, allowPositionals: true, options });
}
