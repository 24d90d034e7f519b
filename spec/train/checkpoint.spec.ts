import { test } from "uvu";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { Tensor } from "../../src/tensor.js";
import { BatchNorm1d, Linear, Sequential } from "../../src/nn/index.js";
import { SGD } from "../../src/optim/sgd.js";
import { Adam } from "../../src/optim/adam.js";
import { makeDataset } from "../../src/data/dataset.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { lenet5 } from "../../src/models/lenet5.js";
import { Trainer } from "../../src/train/train.js";
import { decodeCheckpoint, encodeCheckpoint, encodeModel, restoreCheckpoint, resumeTrainer, checkpointTrainer } from "../../src/train/checkpoint.js";

const state = { epoch: 2, rng: new Random(1).state(), standardization: { mean: 0.3, std: 0.35 }, history: [] };

test("a LeNet-5 checkpoint holds PyTorch's names, the momentum buffers and the metadata", () => {
  const model = lenet5(new Random(1));
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  for (const p of model.parameters()) p.grad = new Tensor(new Float32Array(p.value.size).fill(0.01), p.value.shape);
  opt.step();
  const file = decodeSafetensors(encodeCheckpoint(model, opt, state, { model: "lenet5" }));
  const names = [...file.tensors.keys()];
  const params = ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias"];
  assert.equal(names.filter((n) => !n.startsWith("optimizer.")).sort(), [...params].sort());
  assert.equal(names.filter((n) => n.startsWith("optimizer.")).sort(), params.map((p) => `optimizer.${p}.momentum_buffer`).sort());
  assert.equal([...file.tensors.get("3.weight")!.shape], [16, 6, 5, 5]);
  assert.is(file.metadata.format, "pt");
  assert.is(file.metadata.model, "lenet5");
  assert.is(file.metadata.epoch, "2");
  assert.equal(JSON.parse(file.metadata.optimizer).hyper.lr, 0.05);
  // PyTorch's first momentum step copies the gradient into the buffer: 0.01 everywhere (in float32).
  assert.ok([...file.tensors.get("optimizer.0.weight.momentum_buffer")!.data].every((v) => v === Math.fround(0.01)));
});

test("decodeCheckpoint reads a Buffer from readFileSync (a view into Node's pool, as docs/training.md shows)", () => {
  const model = new Sequential(new Linear(3, 2, new Random(2)));
  const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const dir = mkdtempSync(join(tmpdir(), "nnref-ckpt-"));
  try {
    writeFileSync(join(dir, "c.safetensors"), encodeCheckpoint(model, opt, state));
    const buffer = readFileSync(join(dir, "c.safetensors"));
    const back = decodeCheckpoint(buffer, "c.safetensors");
    assert.equal([...back.model.get("0.weight")!.data], [...model.namedParameters()[0][1].value.data]);
    assert.is(back.state.epoch, 2);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("encodeModel writes the state dict alone, integer buffers as I64 (PyTorch's num_batches_tracked)", () => {
  const rng = new Random(2);
  const model = new Sequential(new Linear(3, 4, rng), new BatchNorm1d(4));
  const file = decodeSafetensors(encodeModel(model));
  assert.equal([...file.tensors.keys()].sort(), ["0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight"]);
  assert.is(file.dtypes.get("1.num_batches_tracked"), "I64");
  assert.is(file.dtypes.get("0.weight"), "F32");
  const twin = new Sequential(new Linear(3, 4, new Random(7)), new BatchNorm1d(4));
  twin.loadStateDict(file.tensors);
  assert.equal([...twin.stateDict().get("0.weight")!.data], [...model.stateDict().get("0.weight")!.data]);
  assert.throws(() => decodeCheckpoint(encodeModel(model), "model.safetensors"), /model\.safetensors: is a model-only weights file \(a state dict: no optimizer state, epoch or data order\), not a training checkpoint, so it cannot resume a run/);
  assert.throws(() => decodeCheckpoint(encodeModel(model, { model: "bn-net" }), "model.safetensors"), /is a model-only weights file of bn-net .*`nnref eval MODEL --weights model\.safetensors`/);
  assert.throws(() => decodeCheckpoint(encodeModel(model, { nnref: "checkpoint-0" }), "old.safetensors"), /old\.safetensors: expected metadata nnref = "checkpoint-1", got "checkpoint-0" \(not an nnref checkpoint, or written by another version\)/);
});

test("Adam's moments and step counts survive a checkpoint", () => {
  const model = lenet5(new Random(3));
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  for (let s = 0; s < 2; s++) {
    for (const p of model.parameters()) p.grad = new Tensor(Float32Array.from({ length: p.value.size }, (_, i) => Math.sin(i + s)), p.value.shape);
    opt.step();
  }
  const bytes = encodeCheckpoint(model, opt, state);
  const other = lenet5(new Random(4));
  const opt2 = new Adam(other.parameters(), { lr: 1e-3 });
  restoreCheckpoint(decodeCheckpoint(bytes), other, opt2);
  const a = opt.stateDict();
  const b = opt2.stateDict();
  assert.equal(b.state.map((s) => s.step), a.state.map((s) => s.step));
  assert.equal([...b.state[4].tensors.exp_avg_sq.data], [...a.state[4].tensors.exp_avg_sq.data]);
  assert.equal([...other.parameters()[2].value.data], [...model.parameters()[2].value.data]);
});

test("mismatches are reported, not loaded", () => {
  const model = lenet5(new Random(1));
  const bytes = encodeCheckpoint(model, new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), state);
  const wider = lenet5(new Random(1), { numClasses: 5 });
  assert.throws(() => restoreCheckpoint(decodeCheckpoint(bytes), wider, new SGD(wider.parameters(), { lr: 0.05, momentum: 0.9 }), "c.st"),
    /c\.st: the model does not match the checkpoint: loadStateDict: wrong shape 11\.weight: expected \[5, 84\], got \[10, 84\]/);
  const same = lenet5(new Random(1));
  assert.throws(() => restoreCheckpoint(decodeCheckpoint(bytes), same, new SGD(same.parameters(), { lr: 0.05, momentum: 0.5 }), "c.st"),
    /c\.st: the optimizer does not match the checkpoint: SGD\.loadStateDict: momentum: this optimizer has 0\.5, the state has 0\.9/);
  assert.throws(() => restoreCheckpoint(decodeCheckpoint(bytes), same, new Adam(same.parameters(), { lr: 0.05 }), "c.st"),
    /the optimizer does not match the checkpoint: .*expected the state of a Adam optimizer, got "SGD"/);
  // a trainer on other data (other pixel statistics) refuses to resume
  const images = Uint8Array.from({ length: 4 * 784 }, (_, i) => (i * 7) % 256);
  const data = { train: makeDataset(images, new Uint8Array([0, 1, 2, 3]), { height: 28, width: 28, classes: 10 }), test: makeDataset(images, new Uint8Array([0, 1, 2, 3]), { height: 28, width: 28, classes: 10 }), source: "" };
  const trainer = new Trainer(same, new SGD(same.parameters(), { lr: 0.05, momentum: 0.9 }), data, { batchSize: 2, rng: new Random(1) });
  assert.throws(() => resumeTrainer(trainer, bytes, "c.st"), /c\.st: was trained with inputs standardized by mean 0\.3, std 0\.35, but this run's training set gives mean/);
  // and a checkpoint of that trainer resumes into a twin
  const twin = lenet5(new Random(9));
  const twinTrainer = new Trainer(twin, new SGD(twin.parameters(), { lr: 0.05, momentum: 0.9 }), data, { batchSize: 2, rng: new Random(2) });
  resumeTrainer(twinTrainer, checkpointTrainer(trainer), "twin");
  assert.equal(twinTrainer.rng.state(), trainer.rng.state());
  assert.equal([...twin.parameters()[0].value.data], [...same.parameters()[0].value.data]);
});

test.run();
