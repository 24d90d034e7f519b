// The argument handling every command shares (src/cli/command_line.ts):
// negative numbers as option values reach the command's own validation
// instead of parseArgs' "ambiguous" error.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { joinNegativeValues } from "../../src/cli/command_line.js";
import { main } from "../../src/cli/main.js";

/** Runs the CLI in-process and captures what it prints. */
async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: await main(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test("joinNegativeValues: a string option followed by a negative number takes it; nothing else changes", () => {
  const options = { lr: { type: "string" as const }, seed: { type: "string" as const, short: "s" }, json: { type: "boolean" as const } };
  assert.equal(joinNegativeValues(["--lr", "-1", "--seed", "-3"], options), ["--lr=-1", "--seed=-3"]);
  assert.equal(joinNegativeValues(["-s", "-0.5", "--lr", "-.5", "--lr", "-1e-3", "--lr", "-Infinity"], options), ["-s=-0.5", "--lr=-.5", "--lr=-1e-3", "--lr=-Infinity"]);
  // not numbers, boolean options, values already joined, and everything after "--" stay as they were
  assert.equal(joinNegativeValues(["--lr", "--seed", "1"], options), ["--lr", "--seed", "1"]);
  assert.equal(joinNegativeValues(["--json", "-1", "--lr=-2", "--", "--lr", "-1"], options), ["--json", "-1", "--lr=-2", "--", "--lr", "-1"]);
  assert.equal(joinNegativeValues(["--lr", "-x"], options), ["--lr", "-x"]);
});

test("nnref train --lr -1: the command's own message (positive), not parseArgs' 'ambiguous'; exit 2", async () => {
  const r = await cli(["train", "mlp", "--lr", "-1"]);
  assert.is(r.code, 2);
  assert.match(r.err[0], /^nnref train: --lr: expected a positive number, got "-1"/);
  assert.not.match(r.err.join("\n"), /ambiguous/);
  const wd = await cli(["train", "mlp", "--weight-decay", "-0.1"]);
  assert.match(wd.err[0], /^nnref train: --weight-decay: expected a number ≥ 0, got "-0\.1"/);
});

test("nnref train --seed -3 is accepted (an integer seed): the next bad option is what stops it", async () => {
  const r = await cli(["train", "mlp", "--seed", "-3", "--epochs", "0"]);
  assert.is(r.code, 2);
  assert.match(r.err[0], /^nnref train: --epochs: expected a positive integer, got "0"/);
});

test("nnref vectors --count -2 / --seed -3: validated by the command", async () => {
  const count = await cli(["vectors", "--op", "relu", "--count", "-2"]);
  assert.is(count.code, 2);
  assert.equal(count.err, ['nnref vectors: --count: expected an integer ≥ 1, got "-2"']);
  const seed = await cli(["vectors", "--op", "relu", "--seed", "-3"]);
  assert.equal(seed.err, ['nnref vectors: --seed: expected an integer ≥ 0, got "-3"']);
});

test.run();
