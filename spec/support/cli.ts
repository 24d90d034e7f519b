/**
 * Runs a CLI command's `run(argv)` in-process, capturing what it prints:
 * the specs of the commands call this instead of spawning `nnref`.
 */

/** What a command returned and printed. */
export interface CommandOutput {
  code: number;
  out: string;
  err: string;
}

/** Calls `run(args)` with console.log / console.error captured; restores them afterwards. */
export async function runCommand(run: (argv: string[]) => Promise<number>, args: string[]): Promise<CommandOutput> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    const code = await run(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}
