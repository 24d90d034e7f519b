/**
 * `nnref COMMAND [options]` — the command-line front. Argument parsing and
 * printing only: every command is a call into the library that a program
 * could make too. Each command lives in its own file and exports
 * `run(argv): Promise<number>` (the exit status).
 */
interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const commands: Record<string, Command> = {
  train: { summary: "train a model (mlp, lenet5) on Fashion-MNIST", load: () => import("./train.js") },
  check: { summary: "check a test-vectors file against the library", load: () => import("./check.js") },
  vectors: { summary: "write test vectors from the reference ops", load: () => import("./vectors.js") },
  summary: { summary: "print a model's layers, parameters, MACs and memory", load: () => import("./summary.js") },
  lecture: { summary: "list or run the lectures' experiments, with their figures", load: () => import("./lecture.js") },
  run: { summary: "evaluate an ONNX model on an input (.npy, .safetensors) with nnref's ops", load: () => import("./run.js") },
  export: { summary: "write a zoo model with its weights as an ONNX file", load: () => import("./export.js") },
  eval: { summary: "evaluate a model's weights on a test set (accuracy, confusion matrix)", load: () => import("./eval.js") },
  predict: { summary: "classify PNG/PGM images with a model's weights", load: () => import("./predict.js") },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    "usage: nnref COMMAND [options]     (nnref COMMAND --help for its options)",
    "",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`nnref: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (err) {
    // Expected errors (bad input, bad files) print their message, not a stack.
    console.error(`nnref ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.NNREF_DEBUG && err instanceof Error) console.error(err.stack);
    return 1;
  }
}
