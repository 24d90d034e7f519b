// Training stops with an error naming the parameter when a step or a loaded
// checkpoint leaves a NaN or infinite weight (issue 9, item 2), instead of
// training on (or evaluating and saving) a broken model.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { tensor } from "../../src/tensor.js";
import { BatchNorm2d, Flatten, Linear, ReLU, Sequential } from "../../src/nn/index.js";
import { SGD } from "../../src/optim/sgd.js";
import { firstImages, type TrainTestData } from "../../src/data/dataset.js";
import { loadEmbeddedDataset } from "../../src/data/node_files.js";
import { DivergenceError, Trainer } from "../../src/train/train.js";
import { checkpointTrainer, resumeTrainer } from "../../src/train/checkpoint.js";
import { fitClassifier } from "../../src/train/fit.js";
import { findNonFiniteParameter, NonFiniteParameterError } from "../../src/train/finite_parameters.js";

const embedded = await loadEmbeddedDataset();
const small: TrainTestData = { train: firstImages(embedded.train, 64), test: firstImages(embedded.test, 32), source: "embedded slice" };

function trainer(seed: number): Trainer {
  const rng = new Random(seed);
  const model = new Sequential(new Flatten(), new Linear(784, 16, rng), new ReLU(), new Linear(16, 10, rng));
  return new Trainer(model, new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), small, { batchSize: 16, rng: new Random(seed + 1) });
}

test("a NaN weight left by an epoch's last step stops the run after that epoch, naming the parameter", () => {
  const t = trainer(1);
  let evaluated = false;
  const error = (() => {
    try {
      t.run(2, {
        onStep: (p) => { if (p.step === p.batches) t.model.namedParameters().find(([n]) => n === "3.weight")![1].value.data[7] = NaN; },
        onEpoch: () => { evaluated = true; },
      });
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.ok(error instanceof NonFiniteParameterError, `got ${String(error)}`);
  assert.match((error as Error).message, /^training stopped: 3\.weight\[7\] is NaN after epoch 1 \(4 steps\)/);
  assert.equal((error as NonFiniteParameterError).entry, { name: "3.weight", index: 7, value: NaN });
  assert.not.ok(evaluated, "the broken model was neither evaluated nor reported");
  assert.is(t.epoch, 0);
});

test("a −∞ weight in the middle of an epoch: the next loss is NaN (relu propagates it) and DivergenceError names a non-finite weight", () => {
  const t = trainer(2);
  assert.throws(
    // That step's update has already spread NaN through the layer (the loss is checked after the step): some 1.weight is named.
    () => t.run(1, { onStep: (p) => { if (p.step === 1) t.model.namedParameters()[0][1].value.data[3] = -Infinity; } }),
    (e: unknown) => e instanceof DivergenceError && /loss NaN at epoch 1, step 2; 1\.weight\[\d+\] is (NaN|-?Infinity) /.test((e as Error).message),
  );
});

test("resuming from a checkpoint that holds a non-finite weight fails before training, naming the file and the weight", () => {
  const t = trainer(3);
  t.run(1);
  t.model.namedParameters()[1][1].value.data[5] = Infinity; // 1.bias
  const bytes = checkpointTrainer(t);
  const fresh = trainer(3);
  assert.throws(() => resumeTrainer(fresh, bytes, "runs/x/checkpoint.safetensors"),
    (e: unknown) => e instanceof NonFiniteParameterError && /1\.bias\[5\] is Infinity in checkpoint runs\/x\/checkpoint\.safetensors/.test((e as Error).message));
});

test("findNonFiniteParameter: parameters first, then float buffers (batch norm's running statistics); null when all finite", () => {
  const rng = new Random(4);
  const model = new Sequential(new BatchNorm2d(3), new Flatten(), new Linear(12, 2, rng));
  assert.is(findNonFiniteParameter(model), null);
  model.namedBuffers().find(([n]) => n === "0.running_var")![1].data[2] = NaN;
  assert.equal(findNonFiniteParameter(model), { name: "0.running_var", index: 2, value: NaN });
  model.namedParameters()[2][1].value.data[0] = -Infinity;
  assert.equal(findNonFiniteParameter(model), { name: "2.weight", index: 0, value: -Infinity });
});

test("fitClassifier checks the parameters after each epoch too", () => {
  const rng = new Random(5);
  const model = new Sequential(new Linear(2, 2, rng));
  const x = tensor([[1, 0], [0, 1], [1, 1], [0, 0]]);
  const labels = tensor([0, 1, 0, 1], "int32");
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  const step = optimizer.step.bind(optimizer);
  let steps = 0;
  optimizer.step = () => { step(); if (++steps === 2) model.namedParameters()[1][1].value.data[1] = NaN; }; // the epoch's last step
  assert.throws(() => fitClassifier(model, x, labels, { epochs: 2, batchSize: 2, rng: new Random(6), optimizer }),
    (e: unknown) => e instanceof NonFiniteParameterError && /0\.bias\[1\] is NaN after epoch 1/.test((e as Error).message));
});

test.run();
