import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { encodeIdx } from "../../src/data/idx.js";

const bin = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));
const dir = await mkdtemp(join(tmpdir(), "nnref-train-"));

function nnref(...args: Array<string | { timeout: number }>) {
  const options = typeof args[args.length - 1] === "object" ? (args.pop() as { timeout: number }) : {};
  const r = spawnSync(process.execPath, ["--import", "tsx", bin, ...(args as string[])], { encoding: "utf8", ...options });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.trimEnd().split("\n") };
}

const quick = ["--train-size", "300", "--test-size", "100", "--batch", "50"];

test("a quick run: plain lines (not a terminal), a final line, JSON last, and the files in --out", async () => {
  const out = join(dir, "mlp");
  const r = nnref("train", "mlp", "--epochs", "1", ...quick, "--json", "--out", out);
  assert.is(r.status, 0, r.stderr);
  assert.not.ok(r.stdout.includes("\r"), "no progress bar when stdout is not a terminal");
  const result = JSON.parse(r.lines[r.lines.length - 1]);
  for (const key of ["testAccuracy", "testLoss", "imagesPerSecond", "seconds", "epochs"]) assert.type(result[key], "number", key);
  assert.is(result.epochs, 1);
  assert.is(result.trainImages, 300);
  assert.is(result.testImages, 100);
  assert.ok(result.testAccuracy > 0.3, `accuracy ${result.testAccuracy} after one epoch on 300 images`);
  assert.match(r.lines[r.lines.length - 2], /^test accuracy 0\.\d{4} \| \d+ images\/s \| \d+\.\d s$/);
  assert.ok(r.lines.some((l) => /^epoch 1\/1 \| train loss .* \| test loss .* acc .* top-5 err/.test(l)));
  const model = decodeSafetensors(new Uint8Array(await readFile(join(out, "model.safetensors"))));
  assert.equal([...model.tensors.keys()].sort(), ["1.bias", "1.weight", "3.bias", "3.weight"]);
  assert.match(await readFile(join(out, "curves.svg"), "utf8"), /^<svg /);
  const ckpt = decodeSafetensors(new Uint8Array(await readFile(join(out, "checkpoint.safetensors"))));
  assert.is(ckpt.metadata.epoch, "1");
  assert.is(ckpt.metadata.model, "mlp");
});

test("--resume continues to --epochs with the saved options", () => {
  const out = join(dir, "mlp");
  const r = nnref("train", "mlp", "--epochs", "2", ...quick, "--json", "--out", out, "--resume", join(out, "checkpoint.safetensors"), "--backend", "js");
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming after epoch 1/);
  assert.match(r.stdout, /backend js/);
  const result = JSON.parse(r.lines[r.lines.length - 1]);
  assert.is(result.epochs, 2);
  assert.is(result.history.length, 2);
  assert.is(result.batchSize, 50);
  const again = nnref("train", "mlp", "--epochs", "2", ...quick, "--out", out, "--resume", join(out, "checkpoint.safetensors"));
  assert.is(again.status, 1);
  assert.match(again.stderr, /already trained 2 epochs; ask for more with --epochs/);
  const other = nnref("train", "lenet5", "--epochs", "3", ...quick, "--out", out, "--resume", join(out, "checkpoint.safetensors"));
  assert.is(other.status, 1);
  assert.match(other.stderr, /is a checkpoint of mlp, not lenet5/);
});

test("--threads 2 trains LeNet-5 to the same bits as one thread; a bad count exits 2", () => {
  const runs = ["1", "2"].map((threads) => {
    const r = nnref("train", "lenet5", "--epochs", "1", ...quick, "--json", "--threads", threads, "--out", join(dir, `lenet5-threads-${threads}`));
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(r.lines[r.lines.length - 1]);
  });
  assert.is(runs[0].threads, 1);
  assert.is(runs[1].threads, 2);
  const results = (run: { history: { train: unknown; test: unknown }[] }) => run.history.map((h) => ({ train: h.train, test: h.test }));
  assert.equal(results(runs[1]), results(runs[0]), "losses and accuracies of every epoch equal");
  const bad = nnref("train", "mlp", "--threads", "0");
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--threads: expected an integer from 1 to 8, got "0"/);
});

test("bad arguments exit 2 with the reason; missing data exits 1 naming the file", () => {
  const unknown = nnref("train", "resnet");
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown model "resnet": expected lenet5 or mlp/);
  const epochs = nnref("train", "mlp", "--epochs", "0");
  assert.is(epochs.status, 2);
  assert.match(epochs.stderr, /--epochs: expected a positive integer, got "0"/);
  const lr = nnref("train", "mlp", "--lr", "fast");
  assert.is(lr.status, 2);
  assert.match(lr.stderr, /--lr: expected a positive number, got "fast"/);
  const data = nnref("train", "mlp", "--data", join(dir, "nowhere"), "--out", join(dir, "x"));
  assert.is(data.status, 1);
  assert.match(data.stderr, /nowhere: expected train-images-idx3-ubyte or train-images-idx3-ubyte\.gz/);
});

test("a label outside the model's classes exits 1 naming the file, the index and the label; --classes widens the model", async () => {
  const data = join(dir, "labels-200");
  await mkdir(data);
  const images = encodeIdx({ type: "uint8", dims: [4, 2, 3], data: new Uint8Array(24).map((_, i) => i * 10) });
  await writeFile(join(data, "train-images-idx3-ubyte"), images);
  await writeFile(join(data, "train-labels-idx1-ubyte"), encodeIdx({ type: "uint8", dims: [4], data: new Uint8Array([0, 1, 2, 3]) }));
  await writeFile(join(data, "t10k-images-idx3-ubyte"), images);
  await writeFile(join(data, "t10k-labels-idx1-ubyte"), encodeIdx({ type: "uint8", dims: [4], data: new Uint8Array([3, 2, 200, 0]) }));
  const r = nnref("train", "mlp", "--data", data, "--epochs", "1", "--out", join(dir, "labels-out"));
  assert.is(r.status, 1, r.stdout);
  assert.match(r.stderr, /t10k-labels-idx1-ubyte: label 200 at index 2 is not one of the model's 10 classes \(expected 0 … 9\)/);
  const wide = nnref("train", "mlp", "--data", data, "--epochs", "1", "--classes", "201", "--json", "--out", join(dir, "labels-out"));
  assert.is(wide.status, 0, wide.stderr);
  assert.is(JSON.parse(wide.lines[wide.lines.length - 1]).classes, 201);
  const model = decodeSafetensors(new Uint8Array(await readFile(join(dir, "labels-out", "model.safetensors"))));
  assert.equal([...model.tensors.get("3.weight")!.shape], [201, 128]);
});

test("--out that cannot take the results exits 1 at once naming the path (/proc/x spun at 100 % CPU; a bad folder lost an epoch)", async () => {
  const started = performance.now();
  const proc = nnref("train", "mlp", "--epochs", "1", ...quick, "--out", "/proc/x", { timeout: 30_000 });
  assert.is(proc.status, 1, `exit status ${proc.status} after ${((performance.now() - started) / 1000).toFixed(1)} s (null: killed by the timeout, still spinning)`);
  assert.match(proc.stderr, /^nnref train: --out: \/proc\/x: cannot create directory: its parent \/proc exists but refuses it/);
  const out = join(dir, "blocked");
  await mkdir(join(out, "checkpoint.safetensors"), { recursive: true });
  const blocked = nnref("train", "mlp", "--epochs", "1", ...quick, "--out", out, "--resume", dir);
  assert.is(blocked.status, 1);
  assert.match(blocked.stderr, new RegExp(`^nnref train: ${dir}: cannot read: it is a directory \\(EISDIR\\)`), "--resume DIR names the path");
  const lost = nnref("train", "mlp", "--epochs", "1", ...quick, "--out", out);
  assert.is(lost.status, 1);
  assert.match(lost.stderr, /blocked\/checkpoint\.safetensors: cannot write the run's results there: it exists and is not a regular file/);
  assert.not.match(lost.stdout, /epoch 1/, "no epoch is trained before the check");
});

test.after(async () => {
  await rm(dir, { recursive: true });
});

test.run();
