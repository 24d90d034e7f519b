import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import type { Tensor } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import { Dropout, Flatten, Linear, ReLU, Sequential } from "../../src/nn/index.js";
import type { Module } from "../../src/nn/module.js";
import { SGD } from "../../src/optim/sgd.js";
import { firstImages, type TrainTestData } from "../../src/data/dataset.js";
import { loadEmbeddedDataset } from "../../src/data/node_files.js";
import { makeBatch } from "../../src/data/batches.js";
import { Trainer, type EpochReport } from "../../src/train/train.js";
import { recipeTrainer } from "../../src/train/recipe.js";
import { checkpointTrainer, resumeTrainer } from "../../src/train/checkpoint.js";

// Small slices of the embedded Fashion-MNIST subset keep every run well under a second (reference ops).
const embedded = await loadEmbeddedDataset();
const small: TrainTestData = { train: firstImages(embedded.train, 400), test: firstImages(embedded.test, 200), source: "embedded slice" };

function weights(m: Module): Map<string, Tensor> {
  return new Map([...m.stateDict()].map(([k, t]) => [k, t.clone()]));
}

function sameBits(a: Map<string, Tensor>, b: Map<string, Tensor>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, t] of a) {
    const u = b.get(k);
    if (!u || u.size !== t.size) return false;
    const x = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const y = new Uint8Array(u.data.buffer, u.data.byteOffset, u.data.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/** A small MLP with dropout, so resuming must also restore a module's own Random. */
function dropoutNet(seed: number): Sequential {
  const rng = new Random(seed);
  return new Sequential(new Flatten(), new Linear(784, 32, rng), new ReLU(), new Dropout(0.3, rng), new Linear(32, 10, rng));
}

function dropoutTrainer(seed: number, data: TrainTestData): Trainer {
  const model = dropoutNet(seed);
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
  return new Trainer(model, optimizer, data, { batchSize: 32, rng: new Random(seed + 100), augmentation: { flip: true, cropPadding: 2 } });
}

test("recipeTrainer checks every label against the model's classes (10 unless given) before building the model", () => {
  const labels = Uint8Array.from(small.test.labels);
  labels[7] = 12;
  const bad: TrainTestData = { ...small, test: { ...small.test, labels, classes: 13 } };
  assert.throws(() => recipeTrainer(bad, { model: "mlp" }), /embedded slice: test labels: label 12 at index 7 is not one of the model's 10 classes \(expected 0 … 9\)/);
  const t = recipeTrainer(bad, { model: "mlp", classes: 13 });
  assert.equal([...t.model.stateDict().get("3.weight")!.shape], [13, 128]);
});

test("a short run on a few hundred embedded images lifts test accuracy far above chance", () => {
  const t = recipeTrainer(small, { model: "mlp", seed: 3 });
  const before = t.evaluate(small.test);
  assert.ok(before.accuracy < 0.3, `untrained accuracy ${before.accuracy}`);
  const reports = t.run(4);
  assert.is(reports.length, 4);
  assert.is(t.epoch, 4);
  const after = reports[3].test;
  assert.ok(after.accuracy > 0.55, `accuracy after 4 epochs ${after.accuracy} (chance: 0.1)`);
  assert.ok(after.loss < before.loss, `loss ${before.loss} → ${after.loss}`);
  assert.ok(reports[3].train.loss < reports[0].train.loss);
  assert.is(reports[0].train.count, 400);
  assert.is(reports[0].test.count, 200);
  assert.ok(after.topKError <= 1 - after.accuracy, "top-5 error never exceeds top-1 error");
});

test("evaluation uses eval mode and no graph, and leaves the mode as it was", () => {
  const t = dropoutTrainer(1, small);
  const m1 = t.evaluate(small.test);
  const m2 = t.evaluate(small.test);
  assert.equal(m1, m2, "dropout is off in eval mode: two evaluations agree exactly");
  assert.ok(t.model.training);
  const batch = makeBatch(small.test, Int32Array.from([0, 1]), t.standardization);
  assert.ok(t.model.forward(new Variable(batch.input)).requiresGrad, "outside evaluation the graph is recorded again");
});

test("the callbacks see every step and every epoch", () => {
  const t = recipeTrainer({ ...small, train: firstImages(small.train, 150) }, { model: "mlp", seed: 1, batchSize: 64 });
  const steps: number[] = [];
  const epochs: EpochReport[] = [];
  t.run(2, { onStep: (p) => steps.push(p.step), onEpoch: (r) => epochs.push(r) });
  assert.equal(steps, [1, 2, 3, 1, 2, 3]); // ⌈150/64⌉ = 3 batches per epoch, the last one partial
  assert.equal(epochs.map((r) => r.epoch), [1, 2]);
  assert.equal(t.history, epochs);
});

test("one seed gives bit-identical weights; another seed does not", () => {
  const run = (seed: number) => {
    const t = dropoutTrainer(seed, small);
    t.run(2);
    return weights(t.model);
  };
  const a = run(7);
  assert.ok(sameBits(a, run(7)));
  assert.not.ok(sameBits(a, run(8)));
  const lenet = (seed: number) => {
    const t = recipeTrainer({ ...small, train: firstImages(small.train, 64), test: firstImages(small.test, 50) }, { model: "lenet5", seed, batchSize: 32 });
    t.run(1);
    return weights(t.model);
  };
  assert.ok(sameBits(lenet(2), lenet(2)), "LeNet-5 too");
});

test("resuming from a checkpoint continues exactly as an uninterrupted run", () => {
  const straight = dropoutTrainer(5, small);
  straight.run(3);

  const first = dropoutTrainer(5, small);
  first.run(1);
  const bytes = checkpointTrainer(first, { model: "dropout-net" });

  // A fresh trainer with other initial weights and another data seed: the checkpoint must overwrite all of it.
  const resumed = dropoutTrainer(99, small);
  const state = resumeTrainer(resumed, bytes, "ckpt.safetensors");
  assert.is(state.epoch, 1);
  assert.is(resumed.epoch, 1);
  assert.is(resumed.history.length, 1);
  resumed.run(3);

  assert.ok(sameBits(weights(resumed.model), weights(straight.model)), "weights after epoch 3 are bit-identical");
  const buffers = (t: Trainer) => new Map(t.optimizer.stateDict().state.map((s, i) => [String(i), s.tensors.momentum_buffer]));
  assert.ok(sameBits(buffers(resumed), buffers(straight)), "momentum buffers too");
  assert.equal(resumed.history.map((r) => r.test), straight.history.map((r) => r.test));
  assert.equal(resumed.history.map((r) => r.train), straight.history.map((r) => r.train));
});

test.run();
