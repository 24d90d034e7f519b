// Weight decay on the connection weights only, and a λ per layer (001 Introduction
// to ML week 6, "Training objective for classification": Σ_l λ_l Σ_{k,m} (W^l_{k,m})²
// over "connection weights"): parameter groups in SGD and Adam, and
// weightDecayGroups that builds them from a model.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { Tensor } from "../../src/tensor.js";
import { Sequential } from "../../src/nn/sequential.js";
import { Linear } from "../../src/nn/linear.js";
import { BatchNorm1d } from "../../src/nn/batch_norm.js";
import { ReLU } from "../../src/nn/activations.js";
import { SGD } from "../../src/optim/sgd.js";
import { Adam } from "../../src/optim/adam.js";
import { weightDecayGroups } from "../../src/optim/weight_decay_groups.js";
import type { Variable } from "../../src/autograd/variable.js";

function model(): Sequential {
  const rng = new Random(3);
  return new Sequential(new Linear(3, 4, rng, { dtype: "float64" }), new BatchNorm1d(4, { dtype: "float64" }), new ReLU(), new Linear(4, 2, rng, { dtype: "float64" }));
}

/** Every parameter gets the gradient 1 everywhere; returns copies of the values before the step. */
function setGradients(params: readonly Variable[]): Float64Array[] {
  return params.map((p) => {
    p.grad = new Tensor(new Float64Array(p.value.size).fill(1), p.value.shape);
    return Float64Array.from(p.value.data);
  });
}

test("weightDecayGroups(model, 2λ): the connection weights decay; biases and batch norm's γ, β do not; the model's order is kept", () => {
  const net = model();
  const groups = weightDecayGroups(net, 0.01);
  const names = new Map(net.namedParameters().map(([n, p]) => [p as object, n]));
  assert.equal(groups.map((g) => [[...g.params].map((p) => names.get(p)), g.weightDecay]), [
    [["0.weight"], 0.01],
    [["0.bias", "1.weight", "1.bias"], 0],
    [["3.weight"], 0.01],
    [["3.bias"], 0],
  ]);
  const sgd = new SGD(groups, { lr: 0.1 });
  assert.equal(sgd.params, net.parameters(), "the optimizer's parameters are the model's, in order");
  assert.equal(sgd.weightDecays, [0.01, 0, 0, 0, 0.01, 0]);
});

test("SGD with groups: a decayed weight steps by −ε(∇ + 2λW), a bias or γ by −ε∇ exactly", () => {
  const net = model();
  const sgd = new SGD(weightDecayGroups(net, 0.5), { lr: 0.1 });
  const before = setGradients(sgd.params);
  sgd.step();
  sgd.params.forEach((p, i) => {
    const decay = sgd.weightDecays[i];
    for (let k = 0; k < p.value.size; k++) {
      const expected = before[i][k] - 0.1 * (1 + decay * before[i][k]);
      assert.ok(Math.abs(p.value.data[k] - expected) < 1e-15, `param ${i}[${k}]: ${p.value.data[k]} vs ${expected}`);
    }
    if (decay === 0) for (let k = 0; k < p.value.size; k++) assert.is(p.value.data[k], before[i][k] - 0.1);
  });
});

test("a λ per layer: weightDecayGroups(model, (name) → decay), and explicit groups overriding the default", () => {
  const net = model();
  const perLayer = weightDecayGroups(net, (name, p) => (p.value.rank < 2 ? 0 : name.startsWith("0.") ? 0.2 : 0.02));
  const sgd = new SGD(perLayer, { lr: 1, weightDecay: 7 });
  assert.equal(sgd.weightDecays, [0.2, 0, 0, 0, 0.02, 0]);
  const [first, , , , last] = net.parameters();
  const explicit = new SGD([{ params: [first], weightDecay: 0.3 }, { params: [last] }], { lr: 1, weightDecay: 0.05 });
  assert.equal(explicit.weightDecays, [0.3, 0.05], "a group without weightDecay takes the optimizer's");
  const w = Float64Array.from(last.value.data);
  setGradients(explicit.params);
  explicit.step();
  for (let k = 0; k < w.length; k++) assert.ok(Math.abs(last.value.data[k] - (w[k] - (1 + 0.05 * w[k]))) < 1e-15);
});

test("Adam with groups: a group with weightDecay 0 steps exactly as Adam without decay", () => {
  const a = model(), b = model();
  const grouped = new Adam(weightDecayGroups(a, 0.1), { lr: 0.01, weightDecay: 0.1 });
  const plain = new Adam(b.parameters(), { lr: 0.01 });
  setGradients(grouped.params);
  setGradients(plain.params);
  grouped.step();
  plain.step();
  grouped.params.forEach((p, i) => {
    const q = plain.params[i];
    const same = [...p.value.data].every((x, k) => x === q.value.data[k]);
    assert.is(same, grouped.weightDecays[i] === 0, `param ${i} (decay ${grouped.weightDecays[i]})`);
  });
});

test("bad groups are clear errors", () => {
  const [w, b] = model().parameters();
  assert.throws(() => new SGD([{ params: [w] }, b] as never, { lr: 1 }), /^SGD: params\[1\]: expected a parameter group \{ params, weightDecay \} like the others/);
  assert.throws(() => new SGD([{ params: [w], weightDecay: -1 }], { lr: 1 }), /^SGD: params\[0\]\.weightDecay: expected a finite number ≥ 0, got -1$/);
  assert.throws(() => new SGD([{ params: [w] }, { params: [w] }], { lr: 1 }), /the same parameter appears more than once/);
  assert.throws(() => weightDecayGroups(model(), () => Number.NaN), /weightDecayGroups: the function gave NaN for 0\.weight/);
  assert.throws(() => weightDecayGroups(model(), -2), /weightDecayGroups: weightDecay: expected a finite number ≥ 0 or a function, got -2/);
});

test.run();
