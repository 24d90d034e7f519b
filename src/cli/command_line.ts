/**
 * The argument handling every `nnref COMMAND` starts with: node:util's
 * parseArgs (strict: unknown options are errors), a usage message for bad
 * arguments, and `--help`. Node-only, like the rest of src/cli.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** What parseArgs returns for `config`: `{ values, positionals }`. */
export type CommandLine<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * Parses `config.args` (the argv after the command name) for `nnref COMMAND`.
 * Returns the parsed `{ values, positionals }`, or the exit status to stop
 * with: 2 after printing `nnref COMMAND: <parse error>`, a blank line and
 * `usage` to stderr; 0 after printing `usage` to stdout when `values.help` is
 * set (the config declares `help: { type: "boolean", short: "h" }`).
 */
export function parseCommandLine<T extends ParseArgsConfig>(command: string, usage: string, config: T): CommandLine<T> | number {
  let parsed: CommandLine<T>;
  try {
    parsed = parseArgs(config);
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
