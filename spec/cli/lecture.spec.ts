/**
 * `nnref lecture`: the listing by deck, an unknown name (exit 2 with the
 * list), a run's table, claims and closing JSON line, figures written to
 * --out, and bad arguments. In-process with console output captured.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/lecture.js";
import { EXPERIMENTS } from "../../src/lecture/experiments/index.js";
import { writeExperimentFigures } from "../../src/lecture/experiments/files.js";
import { runCommand, type CommandOutput } from "../support/cli.js";

async function lecture(...args: string[]): Promise<CommandOutput> {
  return runCommand(run, args);
}

test("no NAME lists every experiment under its deck, decks in order", async () => {
  const { code, out } = await lecture();
  assert.is(code, 0);
  for (const e of EXPERIMENTS) assert.ok(out.includes(`  ${e.name} `), e.name);
  const decks = out.split("\n").filter((l) => /^\d{3} /.test(l)).map((l) => l.slice(0, 3));
  assert.equal(decks, [...decks].sort());
  assert.ok(out.includes('"Tensorflow: Layout"'));
});

test("an unknown NAME exits 2 and lists the experiments; extra or bad arguments exit 2", async () => {
  const unknown = await lecture("no-such-experiment");
  assert.is(unknown.code, 2);
  assert.match(unknown.err, /unknown experiment "no-such-experiment"; the experiments are:/);
  assert.ok(unknown.err.includes("tensorflow-example"));
  assert.is((await lecture("a", "b")).code, 2);
  assert.is((await lecture("tensorflow-example", "--seed", "x")).code, 2);
  assert.is((await lecture("--bogus")).code, 2);
  const quickRecord = await lecture("tensorflow-example", "--record", "--quick");
  assert.is(quickRecord.code, 2);
  assert.match(quickRecord.err, /--record stores a full run; drop --quick/);
});

test("a run prints the table and the claims and ends with one JSON line (the record)", async () => {
  const { code, out } = await lecture("tensorflow-example", "--quick", "--json", "--seed", "5");
  assert.is(code, 0);
  assert.match(out, /quantity\s+lecture\s+nnref\s+note/);
  assert.match(out, /loss at x = \[2, 1\]\s+17\s+17/);
  assert.match(out, /^holds {10}the loss starts at 17\.0$/m);
  const record = JSON.parse(out.split("\n").pop()!);
  assert.is(record.name, "tensorflow-example");
  assert.equal(record.options, { quick: true, seed: 5 });
  assert.is(record.rows[0].nnref, 17);
  assert.ok(record.claims.every((c: { holds: boolean }) => c.holds));
});

test("figures are written into the folder, PNG bytes and SVG text as they are", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nnref-lecture-"));
  try {
    const png = Uint8Array.from([137, 80, 78, 71]);
    const paths = await writeExperimentFigures({ rows: [], claims: [], data: {}, figures: [
      { file: "a.png", kind: "png", data: png, caption: "a" },
      { file: "b.svg", kind: "svg", data: "<svg/>", caption: "b" },
    ] }, join(dir, "sub"));
    assert.equal(paths, [join(dir, "sub", "a.png"), join(dir, "sub", "b.svg")]);
    assert.equal([...readFileSync(paths[0])], [...png]);
    assert.is(readFileSync(paths[1], "utf8"), "<svg/>");
    assert.equal(readdirSync(join(dir, "sub")).sort(), ["a.png", "b.svg"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
