import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { randn, tensor } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import { Linear, ReLU, Sequential, layerOutputs } from "../../src/nn/index.js";
import { lenet5 } from "../../src/models/lenet5.js";

test("layerOutputs: every layer's output of a hand-checked 2-2-1 network", () => {
  const rng = new Random(1);
  const first = new Linear(2, 2, rng, { dtype: "float64" });
  const second = new Linear(2, 1, rng, { dtype: "float64" });
  first.loadStateDict({ weight: tensor([[1, -1], [2, 1]], "float64"), bias: tensor([0, -10], "float64") });
  second.loadStateDict({ weight: tensor([[3, 5]], "float64"), bias: tensor([1], "float64") });
  const net = new Sequential(first, new ReLU(), second);
  const outs = layerOutputs(net, tensor([[3, 1]], "float64"));
  // z = [3 − 1, 6 + 1 − 10] = [2, −3]; ReLU → [2, 0]; 3·2 + 5·0 + 1 = 7.
  assert.equal(outs.map((o) => o.name), ["0", "1", "2"]);
  assert.equal(outs.map((o) => [...o.output.data]), [[2, -3], [2, 0], [7]]);
  assert.match(outs[1].layer, /ReLU/);
});

test("layerOutputs: LeNet-5's shapes layer by layer; the last equals forward", () => {
  const net = lenet5(new Random(3));
  net.eval();
  const x = randn([2, 1, 28, 28], new Random(4));
  const outs = layerOutputs(net, new Variable(x, true));
  assert.equal(outs.map((o) => o.output.shape), [
    [2, 6, 24, 24], [2, 6, 24, 24], [2, 6, 12, 12], [2, 16, 8, 8], [2, 16, 8, 8], [2, 16, 4, 4],
    [2, 256], [2, 120], [2, 120], [2, 84], [2, 84], [2, 10],
  ]);
  assert.equal([...outs[11].output.data], [...net.forward(new Variable(x)).value.data]);
  assert.match(outs[0].layer, /^Conv2d\(1, 6/);
});

test.run();
