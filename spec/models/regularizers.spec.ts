// The MLP and LeNet-5 with the optional batch norm and dropout layers: the
// layer order (and so the state-dict names) of the same PyTorch nn.Sequential,
// the published networks unchanged without the options, and bad options refused.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { randn } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import { mlp } from "../../src/models/mlp.js";
import { lenet5 } from "../../src/models/lenet5.js";
import type { Sequential } from "../../src/nn/sequential.js";

const layerNames = (m: Sequential) => Array.from({ length: m.length }, (_, i) => m.at(i).constructor.name);
const weightNames = (m: Sequential) => [...m.stateDict().keys()].filter((k) => k.endsWith("weight"));

test("mlp: without options the published 784-128-10; with both, Linear → BatchNorm1d → ReLU → Dropout → Linear", () => {
  assert.equal(layerNames(mlp(new Random(1))), ["Flatten", "Linear", "ReLU", "Linear"]);
  const m = mlp(new Random(1), { batchNorm: true, dropout: 0.25 });
  assert.equal(layerNames(m), ["Flatten", "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear"]);
  assert.equal(weightNames(m), ["1.weight", "2.weight", "5.weight"]);
  assert.ok(m.stateDict().has("2.running_mean"));
  assert.is((m.at(4) as unknown as { p: number }).p, 0.25);
  assert.equal(m.forward(new Variable(randn([3, 1, 28, 28], new Random(2)))).shape, [3, 10]);
});

test("lenet5: with both options, batch norm before every hidden ReLU and dropout after the hidden linear layers", () => {
  assert.equal(layerNames(lenet5(new Random(1))), ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear"]);
  const m = lenet5(new Random(1), { batchNorm: true, dropout: 0.5 });
  assert.equal(layerNames(m), [
    "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten",
    "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear",
  ]);
  assert.equal(weightNames(m), ["0.weight", "1.weight", "4.weight", "5.weight", "9.weight", "10.weight", "13.weight", "14.weight", "17.weight"]);
  assert.equal(m.forward(new Variable(randn([2, 1, 28, 28], new Random(2)))).shape, [2, 10]);
});

test("batch norm alone leaves the weight draws of the other layers unchanged (it draws nothing)", () => {
  const plain = lenet5(new Random(7)).stateDict();
  const bn = lenet5(new Random(7), { batchNorm: true }).stateDict();
  assert.equal([...bn.get("4.weight")!.data], [...plain.get("3.weight")!.data]);
  assert.equal([...bn.get("15.bias")!.data], [...plain.get("11.bias")!.data]);
});

test("bad regularizer options name the model and the option", () => {
  assert.throws(() => mlp(new Random(1), { dropout: 1 }), /mlp: dropout: expected a drop probability in \[0, 1\), got 1/);
  assert.throws(() => lenet5(new Random(1), { dropout: -0.1 }), /lenet5: dropout/);
  assert.throws(() => lenet5(new Random(1), { batchNorm: "yes" as unknown as boolean }), /lenet5: batchNorm: expected true or false, got "yes"/);
});

test.run();
