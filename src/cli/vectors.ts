/**
 * `nnref vectors --op NAME [--op NAME2 …] [--count K] [--seed S] [--all] [--out FILE]`
 *
 * Writes test vectors from the reference ops (makeVectors in
 * src/check/vectors.ts) as one nnref-vectors file, to FILE or stdout.
 */
import { writeFile } from "node:fs/promises";
import { formatOpNames, makeVectors, vectorOpNames } from "../check/vectors.js";
import { writeVectors, type VectorCase } from "../io/vectors.js";
import { parseCommandLine } from "./command_line.js";

const USAGE = `usage: nnref vectors (--op NAME [--op NAME2 ...] | --all) [--count K] [--seed S] [--out FILE]

Writes test vectors (an nnref-vectors file, see docs/vectors/README.md) from
the reference ops, so that another implementation can be checked against them.

  --op NAME      an op to write cases for (repeatable); any registered op
                 but dropout, including nnref's own (e.g. add, concat)
  --all          every op of the format's table (docs/vectors/format.md)
  --count K      cases per op (default 3)
  --seed S       seed of the case generator (default 0)
  --out FILE     write to FILE instead of stdout`;

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new Error(`${flag}: expected an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Runs `nnref vectors` with `argv` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("vectors", USAGE, {
    args: argv,
    options: {
      op: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      count: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  let count: number, seed: number;
  try {
    count = integer("--count", values.count, 3, 1);
    seed = integer("--seed", values.seed, 0, 0);
  } catch (err) {
    console.error(`nnref vectors: ${(err as Error).message}`);
    return 2;
  }
  const names = [...(values.all ? formatOpNames() : []), ...(values.op ?? [])];
  const ops = [...new Set(names)];
  if (ops.length === 0) {
    console.error(`nnref vectors: name at least one --op, or --all\n\n${USAGE}`);
    return 2;
  }
  const known = new Set(vectorOpNames());
  for (const name of ops) {
    if (!known.has(name)) {
      const why = name === "dropout" ? "dropout is not a vector op (its randomness is checked by properties)" : `unknown op ${JSON.stringify(name)}`;
      console.error(`nnref vectors: ${why}; ops with vectors: ${[...known].join(", ")}`);
      return 1;
    }
  }
  const cases: VectorCase[] = [];
  let source = "";
  for (const name of ops) {
    const file = makeVectors(name, { count, seed });
    source = file.source;
    cases.push(...(file.cases as VectorCase[]));
  }
  const text = writeVectors(cases, `${source}; seed ${seed}`);
  if (values.out !== undefined) {
    await writeFile(values.out, text);
    console.error(`nnref vectors: wrote ${cases.length} cases of ${ops.length} op${ops.length === 1 ? "" : "s"} to ${values.out}`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
