/**
 * fitClassifier / classifierAccuracy (src/train/fit.ts): the supervised
 * fine-tuning loop of the pretraining recipes, on rows and on pixels.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randn, Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Conv2d, Dropout, Linear, ReLU, Sequential, freeze } from "../../src/nn/index.js";
import { SGD } from "../../src/optim/sgd.js";
import { classifierAccuracy, fitClassifier } from "../../src/train/fit.js";

/** Two Gaussian blobs in 2-D, centred at (±1.5, 0), labels 0 and 1. */
function blobs(n: number, rng: Random): { x: Tensor; y: Tensor } {
  const x = randn([n, 2], rng, { std: 0.5, dtype: "float64" });
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    x.data[2 * i] += y[i] === 1 ? 1.5 : -1.5;
  }
  return { x, y: new Tensor(y, [n]) };
}

test("fitClassifier separates two blobs; the loss falls; accuracy counts argmax hits; modes restored", () => {
  const rng = new Random(1);
  const { x, y } = blobs(200, rng);
  const model = new Sequential(new Linear(2, 8, rng, { dtype: "float64" }), new ReLU(), new Dropout(0.1, rng), new Linear(8, 2, rng, { dtype: "float64" }));
  const epochs: number[] = [];
  const losses = fitClassifier(model, x, y, { epochs: 15, batchSize: 20, rng, lr: 1e-2, onEpoch: (e) => epochs.push(e) });
  assert.equal(epochs, Array.from({ length: 15 }, (_, i) => i + 1));
  assert.ok(losses[14] < 0.5 * losses[0], `loss ${losses[0]} → ${losses[14]}`);
  assert.ok(model.training, "fitClassifier leaves the model in training mode");
  const acc = classifierAccuracy(model, x, y, 64);
  assert.ok(acc > 0.95, `accuracy ${acc}`);
  assert.ok(model.training, "classifierAccuracy restores the mode it found");
  // accuracy by hand: a model that always says class 1 is right on every odd row
  const always1 = new Linear(2, 2, rng, { dtype: "float64" });
  always1.weight.value.data.fill(0);
  always1.bias!.value.data.set([0, 1]);
  assert.is(classifierAccuracy(always1, x, y), 0.5);
});

test("fitClassifier trains only unfrozen parameters with its default Adam; a given optimizer is used as is", () => {
  const rng = new Random(2);
  const { x, y } = blobs(40, rng);
  const model = new Sequential(new Linear(2, 4, rng, { dtype: "float64" }), new ReLU(), new Linear(4, 2, rng, { dtype: "float64" }));
  freeze(model.at(0));
  const before = Array.from((model.at(0) as Linear).weight.value.data);
  fitClassifier(model, x, y, { epochs: 2, batchSize: 8, rng });
  assert.equal(Array.from((model.at(0) as Linear).weight.value.data), before);
  const head = model.at(2) as Linear;
  const headBefore = Array.from(head.weight.value.data);
  fitClassifier(model, x, y, { epochs: 1, batchSize: 8, rng, optimizer: new SGD([head.weight], { lr: 0 }) });
  assert.equal(Array.from(head.weight.value.data), headBefore, "lr 0: the given optimizer, not a default one");
});

test("per-pixel labels [N, H, W] with logits [N, C, H, W]; errors for labels that do not fit", () => {
  const rng = new Random(3);
  const x = randn([6, 1, 4, 4], rng, { dtype: "float64" });
  const y = new Tensor(Int32Array.from(x.data, (v) => (v > 0 ? 1 : 0)), [6, 4, 4]);
  const model = new Conv2d(1, 2, 1, rng, { dtype: "float64" });
  const losses = fitClassifier(model, x, y, { epochs: 30, batchSize: 3, rng, lr: 5e-2 });
  assert.ok(losses[29] < 0.5 * losses[0], `per-pixel loss ${losses[0]} → ${losses[29]}`);
  assert.throws(() => fitClassifier(model, x, new Tensor(new Int32Array(5), [5]), { epochs: 1, batchSize: 2, rng }), /labels: expected int32 \[6, …\]/);
  assert.throws(() => fitClassifier(model, x, y.astype("float32"), { epochs: 1, batchSize: 2, rng }), /labels: expected int32/);
  assert.throws(() => fitClassifier(model, x, y, { epochs: -1, batchSize: 2, rng }), /epochs: expected an integer ≥ 0, got -1/);
});

test.run();
