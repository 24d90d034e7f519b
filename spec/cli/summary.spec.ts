/**
 * `nnref summary`: the table, `--json` (one parseable object with integer
 * totals.params and totals.macs and a layers array), and the exit status of
 * bad arguments. Most cases call the command's `run` in-process with
 * console output captured; one runs the real executable.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { run } from "../../src/cli/summary.js";
import { runCommand, type CommandOutput } from "../support/cli.js";

/** Runs `nnref summary ARGS` in-process; returns exit status and what it printed. */
async function summary(...args: string[]): Promise<CommandOutput> {
  return runCommand(run, args);
}

test("--json prints one object with integer totals and a layers array", async () => {
  const { code, out } = await summary("alexnet", "--json");
  assert.is(code, 0);
  const j = JSON.parse(out);
  assert.is(j.model, "alexnet");
  assert.ok(Number.isInteger(j.totals.params) && Number.isInteger(j.totals.macs));
  assert.is(j.totals.params, 62_378_344);
  assert.is(j.totals.macs, 1_135_256_096);
  assert.ok(Array.isArray(j.layers));
  assert.equal(j.layers[0], { name: "features.0", layer: "Conv2d(3, 96, kernel=11, stride=4, padding=0)", outputShape: [1, 96, 55, 55], params: 34_944, macs: 105_415_200, activations: 290_400 });
  assert.equal(j.inputShape, [1, 3, 227, 227]);
  assert.equal(j.receptiveField.size, [163, 163]);
});

test("--variant, --input and --batch reach the model", async () => {
  const orig = JSON.parse((await summary("resnet152", "--variant", "original", "--json")).out);
  assert.is(orig.variant, "original");
  assert.is(orig.totals.macs, 11_282_415_616);
  const small = JSON.parse((await summary("resnet18", "--input", "3,112,112", "--batch", "2", "--json")).out);
  assert.equal(small.inputShape, [2, 3, 112, 112]);
  assert.equal(small.outputShape, [2, 1000]);
  const one = JSON.parse((await summary("resnet18", "--input", "3,112,112", "--json")).out);
  assert.is(small.totals.macs, 2 * one.totals.macs);
  assert.ok(one.totals.macs < 1_814_073_344 / 3, "112×112 needs about a quarter of 224×224's MACs");
  // AlexNet sizes FC6 from --input: 3×67×67 ends in 1×1×256.
  const alex = JSON.parse((await summary("alexnet", "--input", "3,67,67", "--classes", "10", "--json")).out);
  assert.equal(alex.layers.find((r: { name: string }) => r.name === "classifier.0").layer, "Linear(256, 4096)");
  assert.equal(alex.outputShape, [1, 10]);
});

test("the table shows rows and totals", async () => {
  const { code, out } = await summary("lenet5");
  assert.is(code, 0);
  assert.match(out, /^lenet5: summary for input \[1, 1, 28, 28\]/);
  assert.match(out, /Conv2d\(1, 6, kernel=5, stride=1, padding=0\)\s+\[1, 6, 24, 24\]\s+156\s+86,400\s+3,456/);
  assert.match(out, /parameters\s+44,426/);
  assert.match(out, /multiply-accumulates\s+281,640/);
  assert.match(out, /receptive field\s+14×14 pixels at layer 3/);
});

test("--list names every model", async () => {
  const { code, out } = await summary("--list");
  assert.is(code, 0);
  for (const name of ["lenet5", "alexnet", "zfnet", "vgg16", "vgg19", "googlenet", "resnet18", "resnet152", "se-resnet50"]) assert.match(out, new RegExp(`^${name}\\s`, "m"));
});

test("bad arguments: exit status 2 with a message", async () => {
  for (const [args, message] of [
    [[], /expected one MODEL, got none/],
    [["resnet9"], /unknown model "resnet9"; expected one of mlp, lenet5/],
    [["resnet18", "--input", "3,224"], /--input: expected C,H,W/],
    [["resnet18", "--batch", "0"], /--batch: expected a positive integer, got "0"/],
    [["resnet18", "--frobnicate"], /Unknown option '--frobnicate'/],
  ] as Array<[string[], RegExp]>) {
    const { code, err } = await summary(...args);
    assert.is(code, 2, args.join(" "));
    assert.match(err, message);
  }
});

test("a bad variant or an input too small for the model is an error naming it", async () => {
  let message = "";
  try {
    await summary("resnet50", "--variant", "v2");
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /resnet50: variant: expected "torchvision" or "original", got "v2"/);
  message = "";
  try {
    await summary("alexnet", "--input", "3,32,32");
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /alexnet: inputSize \[3, 32, 32\] does not fit the convolutional layers: MaxPool2d: input size 2/);
});

test("the executable prints parseable JSON", () => {
  const bin = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--import", "tsx", bin, "summary", "lenet5", "--json"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.totals.params, 44_426);
  assert.is(j.totals.macs, 281_640);
  assert.is(j.layers.length, 12);
});

test.run();
