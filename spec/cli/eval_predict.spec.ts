// `nnref eval`, `nnref predict` and `nnref train --weights/--resume` with model-only files, run in
// this process through the CLI's `main` (console output captured), against the same weights in memory.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { main } from "../../src/cli/main.js";
import { runCommand } from "../support/cli.js";
import { getBackend, setBackend } from "../../src/backend/dispatch.js";
import { Random } from "../../src/random.js";
import { firstImages, type TrainTestData } from "../../src/data/dataset.js";
import { loadEmbeddedDataset } from "../../src/data/node_files.js";
import { buildModel } from "../../src/models/index.js";
import { recipeTrainer } from "../../src/train/recipe.js";
import { encodeModel } from "../../src/train/checkpoint.js";
import { evaluateClassifier } from "../../src/train/evaluate.js";
import { predictClasses } from "../../src/train/predict.js";
import { tensorBytes, writeSafetensors } from "../support/safetensors_writer.js";
import { chunk } from "../support/png_writer.js";

const dir = await mkdtemp(join(tmpdir(), "nnref-eval-"));
const embedded = await loadEmbeddedDataset();
const data: TrainTestData = { ...embedded, train: firstImages(embedded.train, 500) };
const test200 = firstImages(embedded.test, 200);

/** Runs `nnref ARGS…` in this process; returns the exit status and what it printed. */
async function nnref(...args: string[]): Promise<{ status: number; stdout: string; stderr: string; lines: string[] }> {
  const backend = getBackend();
  try {
    const { code, out, err } = await runCommand(main, args);
    return { status: code, stdout: out, stderr: err, lines: out.split("\n") };
  } finally {
    setBackend(backend);
  }
}

// An MLP trained for one epoch on 500 images, saved as `nnref train` saves it.
const trainer = recipeTrainer(data, { model: "mlp", seed: 3, batchSize: 50 });
trainer.run(1);
const mlpFile = join(dir, "mlp.safetensors");
await writeFile(mlpFile, encodeModel(trainer.model, { model: "mlp", standardization: JSON.stringify(trainer.standardization) }));

test("nnref eval: the accuracy, loss and confusion of the weights in memory; text, SVG and a JSON last line", async () => {
  const r = await nnref("eval", "mlp", "--weights", mlpFile, "--test-size", "200", "--backend", "js", "--json", "--out", join(dir, "eval"));
  assert.is(r.status, 0, r.stderr);
  setBackend("js");
  const inMemory = evaluateClassifier(trainer.model, test200, { standardization: trainer.standardization });
  const result = JSON.parse(r.lines[r.lines.length - 1]);
  assert.is(result.testAccuracy, inMemory.accuracy);
  assert.is(result.testLoss, inMemory.loss);
  assert.is(result.testAccuracy, trainer.evaluate(test200).accuracy, "the trainer's own evaluation agrees");
  assert.ok(result.testAccuracy > 0.5, `accuracy ${result.testAccuracy}`);
  assert.equal(result.standardization, trainer.standardization);
  assert.is(result.standardizationFrom, "the file's metadata");
  const confusion: number[][] = result.confusion;
  assert.is(confusion.flat().reduce((a, b) => a + b), 200);
  assert.is(confusion.reduce((s, row, i) => s + row[i], 0) / 200, result.testAccuracy);
  confusion.forEach((row, t) => assert.is(result.perClassAccuracy[t], row[t] / row.reduce((a, b) => a + b)));
  assert.match(r.stdout, new RegExp(`test loss ${inMemory.loss.toFixed(4)} \\| accuracy ${inMemory.accuracy.toFixed(4)} \\| top-5 error`));
  assert.match(r.stdout, /true \\ predicted +0 +1 +2 +3 +4 +5 +6 +7 +8 +9\n0 T-shirt\/top +\d+/);
  assert.match(r.stdout, /per-class accuracy\nclass +images +accuracy\n0 T-shirt\/top +\d+ +[01]\.\d{4}/);
  assert.match(r.stdout, /9 Ankle boot +\d+ +[01]\.\d{4}/);
  const svg = await readFile(join(dir, "eval", "confusion.svg"), "utf8");
  assert.match(svg, /^<svg [^>]*viewBox/);
  assert.match(svg, /Ankle boot/);
  assert.is((svg.match(/<rect [^>]*><title>/g) ?? []).length, 100, "one cell per (true, predicted) pair");
});

test("a PyTorch-style state dict (torch names, I64 num_batches_tracked, no metadata) evaluates as the same weights in memory", async () => {
  const options = { inputSize: [1, 28, 28] as const, numClasses: 10, width: 0.0625 };
  const model = buildModel("resnet18", new Random(5), options);
  const rng = new Random(6);
  const entries = [...model.stateDict()].map(([name, t]) => {
    if (name.endsWith("running_var")) t.data.forEach((_, i) => (t.data[i] = 0.5 + rng.uniform()));
    if (name.endsWith("running_mean")) t.data.forEach((_, i) => (t.data[i] = 0.2 * rng.normal()));
    if (name.endsWith("num_batches_tracked")) t.data[0] = 938;
    const dtype = t.dtype === "int32" ? "I64" : "F32";
    return { name, dtype, shape: [...t.shape], bytes: tensorBytes(t, dtype) };
  });
  assert.ok(entries.some((e) => e.name === "layer1.0.bn1.num_batches_tracked" && e.dtype === "I64"), "torchvision names");
  const file = join(dir, "resnet18_torch.safetensors");
  await writeFile(file, writeSafetensors(entries, { format: "pt" }));

  const missing = await nnref("eval", "resnet18", "--width", "0.0625", "--weights", file, "--test-size", "100");
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /resnet18_torch\.safetensors: has no "standardization" metadata: pass the input standardization the model was trained with as --mean X --std Y \(this data's training set gives --mean 0\.\d{4} --std 0\.\d{4}\)/);

  const r = await nnref("eval", "resnet18", "--width", "0.0625", "--weights", file, "--mean", "0.286", "--std", "0.353", "--test-size", "100", "--backend", "js", "--json");
  assert.is(r.status, 0, r.stderr);
  setBackend("js");
  const inMemory = evaluateClassifier(model, firstImages(embedded.test, 100), { standardization: { mean: 0.286, std: 0.353 } });
  const result = JSON.parse(r.lines[r.lines.length - 1]);
  assert.is(result.testAccuracy, inMemory.accuracy);
  assert.is(result.testLoss, inMemory.loss);
  assert.equal(result.confusion.flat(), Array.from(inMemory.confusion));
  assert.is(result.standardizationFrom, "--mean/--std");
});

test("weights that do not fit, bad flags and unknown models: exit 1 naming every problem, or 2 with the usage", async () => {
  const r = await nnref("eval", "lenet5", "--weights", mlpFile, "--test-size", "10");
  assert.is(r.status, 1);
  assert.match(r.stderr, /mlp\.safetensors: the weights do not fit the model \(the file says it holds mlp\): 12 problems/);
  for (const name of ["0.weight", "0.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias"]) assert.match(r.stderr, new RegExp(`\n  missing ${name.replace(".", "\\.")} \\(the model has float32 \\[`));
  assert.match(r.stderr, /\n  wrong shape 3\.weight: the model has \[16, 6, 5, 5\], the file F32 \[10, 128\]/);
  assert.match(r.stderr, /\n  wrong shape 3\.bias: the model has \[16\], the file F32 \[10\]/);
  assert.match(r.stderr, /\n  unexpected 1\.bias \(F32 \[128\], not in the model\)\n  unexpected 1\.weight \(F32 \[128, 784\], not in the model\)$/);
  const noWeights = await nnref("eval", "mlp");
  assert.is(noWeights.status, 2);
  assert.match(noWeights.stderr, /--weights FILE is required/);
  const halfStd = await nnref("eval", "mlp", "--weights", mlpFile, "--mean", "0.3");
  assert.is(halfStd.status, 2);
  assert.match(halfStd.stderr, /--mean and --std go together/);
  const unknown = await nnref("predict", "resnet7", "--weights", mlpFile, "x.png");
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown model "resnet7"/);
});

/** A 3× enlarged, inverted (dark on white), RGB PNG of a 28×28 gray test image. */
function pngOf(pixels: Uint8Array): Uint8Array {
  const side = 84;
  const rows = new Uint8Array(side * (1 + 3 * side));
  for (let y = 0; y < side; y++) {
    rows[y * (1 + 3 * side)] = 0;
    for (let x = 0; x < side; x++) {
      const v = 255 - pixels[Math.floor(y / 3) * 28 + Math.floor(x / 3)];
      rows.set([v, v, v], y * (1 + 3 * side) + 1 + 3 * x);
    }
  }
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, side);
  new DataView(ihdr.buffer).setUint32(4, side);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", new Uint8Array(0))];
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

test("nnref predict: PNG and PGM inputs give the probabilities of the same pixels in memory; a corrupt image names its file", async () => {
  const images = [0, 1, 2].map((i) => test200.images.slice(i * 784, (i + 1) * 784));
  const files = [join(dir, "a.png"), join(dir, "b.png"), join(dir, "c.pgm")];
  await writeFile(files[0], pngOf(images[0]));
  await writeFile(files[1], pngOf(images[1]));
  await writeFile(files[2], Buffer.concat([Buffer.from("P5\n# a test image as is\n28 28\n255\n"), Buffer.from(images[2])]));
  const r = await nnref("predict", "mlp", "--weights", mlpFile, ...files, "--top", "3", "--backend", "js", "--json");
  assert.is(r.status, 0, r.stderr);
  setBackend("js");
  const expected = predictClasses(trainer.model, images, { inputSize: [1, 28, 28], standardization: trainer.standardization, topK: 3, classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"] });
  const result = JSON.parse(r.lines[r.lines.length - 1]);
  assert.equal(result.images.map((i: { inverted: boolean }) => i.inverted), [true, true, false]);
  result.images.forEach((img: { file: string; top: Array<{ class: number; name: string; probability: number }> }, n: number) => {
    assert.is(img.file, files[n]);
    assert.equal(img.top.map((t) => [t.class, t.name, t.probability]), expected[n].map((c) => [c.index, c.name, c.probability]), files[n]);
    assert.ok(img.top[0].probability >= img.top[1].probability && img.top[1].probability >= img.top[2].probability);
  });
  assert.match(r.lines[0], new RegExp(`^${files[0].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: ${expected[0][0].name.replace("/", "\\/")} \\d+\\.\\d%, .* \\(inverted: light background\\)$`));

  const corrupt = pngOf(images[0]);
  corrupt[50] ^= 0xff; // a byte of the IDAT data (the chunk starts at byte 33)
  await writeFile(join(dir, "bad.png"), corrupt);
  const bad = await nnref("predict", "mlp", "--weights", mlpFile, files[0], join(dir, "bad.png"));
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /^nnref predict: .*bad\.png: chunk IDAT at byte 33: CRC mismatch/, bad.stderr);
  assert.is(bad.stdout, "", "nothing is predicted when one image is bad");
});

test("nnref train: --resume with a model-only file says what it is and where to go; --weights starts from it", async () => {
  const resume = await nnref("train", "mlp", "--resume", mlpFile, "--out", join(dir, "resumed"));
  assert.is(resume.status, 1);
  assert.match(resume.stderr, /mlp\.safetensors: is a model-only weights file of mlp \(a state dict: no optimizer state, epoch or data order\), not a training checkpoint/);
  assert.match(resume.stderr, /`nnref eval MODEL --weights .*mlp\.safetensors`.*`nnref train MODEL --weights .*mlp\.safetensors`/);
  const both = await nnref("train", "mlp", "--resume", mlpFile, "--weights", mlpFile);
  assert.is(both.status, 2);

  // One epoch at a negligible step size from the weights: the test accuracy is theirs.
  const tuned = await nnref("train", "mlp", "--weights", mlpFile, "--epochs", "1", "--lr", "1e-12", "--momentum", "0", "--train-size", "100", "--test-size", "200", "--backend", "js", "--json", "--out", join(dir, "tuned"));
  assert.is(tuned.status, 0, tuned.stderr);
  assert.match(tuned.stdout, /starting from the weights in .*mlp\.safetensors/);
  const result = JSON.parse(tuned.lines[tuned.lines.length - 1]);
  setBackend("js");
  assert.is(result.testAccuracy, evaluateClassifier(trainer.model, test200, { standardization: trainer.standardization }).accuracy);
  const again = await nnref("eval", "mlp", "--weights", join(dir, "tuned", "model.safetensors"), "--test-size", "200", "--backend", "js", "--json");
  assert.match(again.stdout, /from the file's metadata/);
  assert.equal(JSON.parse(again.lines[again.lines.length - 1]).standardization, trainer.standardization, "the weights' standardization was kept");
  // Resuming that run keeps the weights' standardization (this data's 100 training images would give another).
  const resumed = await nnref("train", "mlp", "--resume", join(dir, "tuned", "checkpoint.safetensors"), "--epochs", "2", "--train-size", "100", "--test-size", "200", "--backend", "js", "--json", "--out", join(dir, "tuned"));
  assert.is(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming after epoch 1/);
  const lenet = await nnref("train", "lenet5", "--weights", mlpFile, "--out", join(dir, "x"));
  assert.is(lenet.status, 1);
  assert.match(lenet.stderr, /holds weights of mlp, not lenet5/);
});

test.after(async () => {
  await rm(dir, { recursive: true });
});

test.run();
