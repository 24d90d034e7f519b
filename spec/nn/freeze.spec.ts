/**
 * Freezing (004, "Fine-tuning freezes the first layers") and head replacement
 * (000, "Transfer Learning"): frozen parameters get no graph node, no
 * gradient and no update — bit-identical after training steps under SGD with
 * momentum and weight decay, and Adam — while the head trains.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randn, Tensor, type Shape } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import * as F from "../../src/autograd/functional.js";
import { Conv2d, Flatten, Linear, ReLU, Sequential, freeze, isFrozen, trainableParameters, unfreeze, type Module } from "../../src/nn/index.js";
import { SGD } from "../../src/optim/sgd.js";
import { Adam } from "../../src/optim/adam.js";
import { lenet5 } from "../../src/models/lenet5.js";
import { resnet18 } from "../../src/models/resnet.js";
import { vgg16 } from "../../src/models/vgg.js";
import { replaceHead } from "../../src/models/transfer.js";
import { NamedSequential } from "../../src/models/named_sequential.js";

const snapshot = (m: Module): Map<string, Float32Array | Float64Array | Int32Array> => new Map([...m.stateDict()].map(([k, t]) => [k, t.data.slice()]));
const labels = (n: number, classes: number) => new Tensor(Int32Array.from({ length: n }, (_, i) => i % classes), [n]);

function mlp(rng: Random): Sequential {
  return new Sequential(new Linear(6, 8, rng), new ReLU(), new Linear(8, 8, rng), new ReLU(), new Linear(8, 3, rng));
}

test("freeze: requiresGrad off, gradients cleared, counts returned; unfreeze restores", () => {
  const rng = new Random(1);
  const model = mlp(rng);
  const x = new Variable(randn([4, 6], rng));
  F.crossEntropy(model.forward(x), labels(4, 3)).backward();
  const first = model.at(0) as Linear;
  assert.ok(first.weight.grad !== null);
  assert.is(freeze(first), 6 * 8 + 8);
  assert.is(first.weight.requiresGrad, false);
  assert.is(first.weight.grad, null, "freeze clears a stale gradient, so no optimizer applies it");
  assert.ok(isFrozen(first));
  assert.not.ok(isFrozen(model));
  assert.is(trainableParameters(model).length, 4);
  assert.is(unfreeze(first), 56);
  assert.ok(first.weight.requiresGrad && first.bias!.requiresGrad);
  assert.is(trainableParameters(model).length, 6);
  assert.is(freeze([first.bias!]), 8);
  assert.is(trainableParameters(model).length, 5);
  assert.ok(isFrozen(new ReLU()), "a module without parameters counts as frozen");
});

test("the graph does not record through frozen leaves: a frozen stem yields no node; the frozen weight gets no gradient", () => {
  const rng = new Random(2);
  const model = mlp(rng);
  freeze(model.at(0));
  freeze(model.at(2));
  const x = new Variable(randn([4, 6], rng));
  const stem = model.at(3).forward(model.at(2).forward(model.at(1).forward(model.at(0).forward(x))));
  assert.is(stem.node, null, "all inputs of the stem's ops are frozen or data: nothing recorded");
  assert.is(stem.requiresGrad, false);
  const loss = F.crossEntropy(model.forward(x), labels(4, 3));
  loss.backward();
  for (const [name, p] of model.namedParameters()) {
    if (name.startsWith("4.")) assert.ok(p.grad !== null, `${name} trains`);
    else assert.is(p.grad, null, `${name} is frozen`);
  }
  // A frozen weight between a trainable input and the loss: the input still gets its gradient.
  const layer = new Linear(3, 2, rng, { dtype: "float64" });
  freeze(layer);
  const input = new Variable(randn([5, 3], rng, { dtype: "float64" }), true);
  F.sum(layer.forward(input)).backward();
  assert.is(layer.weight.grad, null);
  // d Σ(x Wᵀ + b)/dx[n, i] = Σ_o W[o, i]
  const W = layer.weight.value.data;
  for (let n = 0; n < 5; n++) for (let i = 0; i < 3; i++) assert.ok(Math.abs(input.grad!.data[n * 3 + i] - (W[i] + W[3 + i])) < 1e-12);
});

test("only leaves can change requiresGrad; it must be a boolean", () => {
  const rng = new Random(3);
  const w = new Variable(randn([2, 2], rng), true);
  const y = F.relu(w);
  assert.throws(() => { y.requiresGrad = false; }, /only a leaf variable's flag can be changed/);
  assert.throws(() => { (w as { requiresGrad: unknown }).requiresGrad = 0; }, /requiresGrad: expected true or false, got 0/);
  w.requiresGrad = false;
  assert.is(F.relu(w).node, null);
});

test("fine-tuning with frozen early layers: frozen parameters bit-identical after SGD (momentum, weight decay) and Adam steps; the head trains", () => {
  for (const kind of ["sgd", "adam"] as const) {
    const rng = new Random(4);
    const model = mlp(rng);
    // The optimizer is built over ALL parameters before freezing: it must skip the frozen ones.
    const optimizer = kind === "sgd" ? new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-2 }) : new Adam(model.parameters(), { lr: 3e-2, weightDecay: 1e-2 });
    const x = new Variable(randn([12, 6], rng));
    const t = labels(12, 3);
    // one step with everything trainable (momentum buffers and Adam moments exist for the early layers)
    optimizer.zeroGrad();
    F.crossEntropy(model.forward(x), t).backward();
    optimizer.step();
    freeze(model.at(0));
    freeze(model.at(2));
    const before = snapshot(model);
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      optimizer.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), t);
      loss.backward();
      optimizer.step();
      losses.push(loss.value.data[0]);
    }
    const after = snapshot(model);
    for (const [name, data] of before) {
      const same = data.every((v, i) => Object.is(v, after.get(name)![i]));
      if (name.startsWith("4.")) assert.not.ok(same, `${kind}: head ${name} changed`);
      else assert.ok(same, `${kind}: frozen ${name} is bit-identical`);
    }
    assert.ok(losses[59] < 0.9 * losses[0], `${kind}: the head alone lowers the loss (${losses[0]} → ${losses[59]})`);
  }
});

test("an optimizer refuses frozen parameters; trainableParameters gives the ones to pass", () => {
  const rng = new Random(5);
  const model = mlp(rng);
  freeze(model.at(0));
  assert.throws(() => new SGD(model.parameters(), { lr: 0.1 }), /params\[0\]: expected a variable that requires a gradient/);
  const sgd = new SGD(trainableParameters(model), { lr: 0.1 });
  assert.is(sgd.params.length, 4);
});

test("replaceHead on a Sequential (LeNet-5): new Linear(84, 4), the other layers are the same objects, names unchanged", () => {
  const rng = new Random(6);
  const old = lenet5(rng);
  const { model, head } = replaceHead(old, 4, rng);
  assert.ok(model instanceof Sequential);
  assert.is(head.inFeatures, 84);
  assert.is(head.outFeatures, 4);
  assert.is(model.at(11), head);
  for (let i = 0; i < 11; i++) assert.is(model.at(i), old.at(i));
  assert.equal([...model.stateDict().keys()], [...old.stateDict().keys()]);
  assert.equal(model.stateDict().get("11.weight")!.shape, [4, 84]);
  assert.equal(model.outputShape([2, 1, 28, 28]), [2, 4]);
  assert.equal(model.forward(new Variable(randn([2, 1, 28, 28], rng))).shape, [2, 4]);
  assert.equal(old.outputShape([2, 1, 28, 28]), [2, 10], "the original model keeps its head");
});

test("replaceHead on NamedSequential models: ResNet's fc and VGG's nested classifier.6", () => {
  const rng = new Random(7);
  const resnet = resnet18(rng, { width: 1 / 16, inputSize: [3, 32, 32], numClasses: 10 });
  const r = replaceHead(resnet, 3, rng);
  assert.ok(r.model instanceof NamedSequential);
  assert.is(r.model.get("fc"), r.head);
  assert.is(r.model.get("layer1"), resnet.get("layer1"));
  assert.equal(r.model.outputShape([1, 3, 32, 32]), [1, 3]);
  assert.equal([...r.model.stateDict().keys()], [...resnet.stateDict().keys()]);

  const vgg = vgg16(rng, { width: 1 / 16, hidden: 8, inputSize: [3, 32, 32], numClasses: 10 });
  const v = replaceHead(vgg, 2, rng, { init: "normal0.1" });
  const classifier = v.model.get("classifier") as Sequential;
  assert.is(classifier.at(6), v.head);
  assert.is(classifier.at(0), (vgg.get("classifier") as Sequential).at(0));
  assert.is(v.model.get("features"), vgg.get("features"));
  assert.equal(v.model.stateDict().get("classifier.6.weight")!.shape, [2, 8]);
});

test("replaceHead then freeze everything but the head: one training step changes only the head", () => {
  const rng = new Random(8);
  const { model, head } = replaceHead(lenet5(rng, { width: 0.5 }), 2, rng);
  freeze(model);
  unfreeze(head);
  const before = snapshot(model);
  const adam = new Adam(trainableParameters(model), { lr: 1e-2 });
  const loss = F.crossEntropy(model.forward(new Variable(randn([4, 1, 28, 28], rng))), labels(4, 2));
  loss.backward();
  adam.step();
  for (const [name, data] of snapshot(model)) {
    const same = data.every((v, i) => Object.is(v, before.get(name)![i]));
    assert.is(same, !name.startsWith("11."), name);
  }
});

test("replaceHead errors: no Linear, a parameterized non-Linear last, not a chain, bad class count", () => {
  const rng = new Random(9);
  assert.throws(() => replaceHead(new Sequential(new ReLU(), new Flatten()), 2, rng), /replaceHead: expected a Linear layer in the model, found none/);
  assert.throws(() => replaceHead(new Sequential(new Linear(4, 4, rng), new Conv2d(1, 1, 1, rng)), 2, rng), /expected the last layer with parameters to be a Linear .* got 1: Conv2d/);
  assert.throws(() => replaceHead(new Linear(2, 2, rng) as unknown as Sequential, 2, rng), /expected a Sequential or NamedSequential model, got Linear/);
  assert.throws(() => replaceHead(new Sequential(new Linear(2, 2, rng)), 0, rng), /numClasses: expected a positive integer, got 0/);
  const shape: Shape = replaceHead(new Sequential(new Linear(2, 5, rng), new Flatten()), 3, rng).model.outputShape([1, 2]);
  assert.equal(shape, [1, 3], "a head followed by a parameter-free layer is found");
});

test.run();
