import { test } from "uvu";
import * as assert from "uvu/assert";
import { fromArray, randn, tensor, type Shape } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { LeakyReLU, ReLU, Sigmoid, Tanh } from "../../src/nn/activations.js";
import { Flatten } from "../../src/nn/flatten.js";
import { Residual } from "../../src/nn/residual.js";
import { LocalResponseNorm } from "../../src/nn/local_response_norm.js";
import { Linear } from "../../src/nn/linear.js";
import { Conv2d } from "../../src/nn/conv.js";
import { BatchNorm2d } from "../../src/nn/batch_norm.js";
import { Sequential } from "../../src/nn/sequential.js";
import type { Module, Tracer } from "../../src/nn/module.js";
import { assertClose } from "../support/assertions.js";

const v = (values: number[]) => new Variable(tensor(values, "float64"));

test("activation layers (hand-checked values), shapes pass through, no MACs", () => {
  assert.equal([...new ReLU().forward(v([-2, 0, 3])).value.data], [0, 0, 3]);
  assert.equal([...new LeakyReLU(0.2).forward(v([-2, 3])).value.data], [-0.4, 3]);
  assert.equal([...new LeakyReLU().forward(v([-100])).value.data], [-1]);
  assertClose(new Sigmoid().forward(v([0, Math.log(3)])).value.data, [0.5, 0.75], 1e-15, "σ");
  assertClose(new Tanh().forward(v([0, Math.log(2)])).value.data, [0, 0.6], 1e-15, "tanh"); // (4 − 1)/(4 + 1)
  for (const m of [new ReLU(), new Sigmoid(), new Tanh(), new LeakyReLU(0.1)]) {
    assert.equal(m.outputShape([2, 3, 4]), [2, 3, 4]);
    assert.is(m.macs(), 0);
    assert.is(m.parameterCount(), 0);
  }
  assert.is(new LeakyReLU(0.1).describe(), "LeakyReLU(0.1)");
});

test("Flatten keeps row-major order: [N, C, H, W] → [N, C·H·W]; the gradient comes back in shape", () => {
  const x = new Variable(fromArray(Array.from({ length: 24 }, (_, i) => i), [2, 3, 2, 2], "float64"), true);
  const f = new Flatten();
  const y = f.forward(x);
  assert.equal(y.shape, [2, 12]);
  assert.equal([...y.value.data], Array.from({ length: 24 }, (_, i) => i));
  y.backward(fromArray(Array.from({ length: 24 }, (_, i) => -i), [2, 12], "float64"));
  assert.equal(x.grad!.shape, [2, 3, 2, 2]);
  assert.equal(x.grad!.data[23], -23);
  assert.equal(f.outputShape([5, 16, 5, 5]), [5, 400]); // LeNet-5's 16×5×5 features
  assert.equal(f.outputShape([7]), [7, 1]);
  assert.throws(() => f.outputShape([]), /Flatten: expected input \[N, …\] with a batch dimension, got \[\]/);
});

test("Residual: y = body(x) + x, or body(x) + shortcut(x); gradients through both paths", () => {
  const rng = new Random(1);
  const body = new Linear(3, 3, rng, { dtype: "float64" });
  const block = new Residual(body);
  const x = new Variable(randn([2, 3], rng, { dtype: "float64" }), true);
  const y = block.forward(x);
  const direct = body.forward(x);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(y.value.data[i] - (direct.value.data[i] + x.value.data[i])) < 1e-15);
  // L = Σ y: dL/dx = Wᵀ·1 + 1 per row
  y.backward(tensor([[1, 1, 1], [1, 1, 1]], "float64"));
  const W = body.weight.value.data;
  for (let j = 0; j < 3; j++) {
    const colSum = W[j] + W[3 + j] + W[6 + j];
    assert.ok(Math.abs(x.grad!.data[j] - (colSum + 1)) < 1e-14);
  }
  const projected = new Residual(new Linear(3, 2, rng, { dtype: "float64" }), new Linear(3, 2, rng, { dtype: "float64", bias: false }));
  const z = projected.forward(new Variable(randn([4, 3], rng, { dtype: "float64" })));
  assert.equal(z.shape, [4, 2]);
  assert.is(projected.macs([4, 3]), 4 * 3 * 2 + 4 * 3 * 2);
  assert.throws(() => new Residual(new Linear(3, 2, rng)).outputShape([4, 3]), /Residual: the body gives \[4, 2\] but the identity shortcut gives \[4, 3\] for input \[4, 3\]/);
});

test("Residual traces body and shortcut from the same input and joins them with add", () => {
  const rng = new Random(2);
  const block = new Sequential(new Residual(new Sequential(new Conv2d(4, 8, 3, rng, { stride: 2, padding: 1 }), new BatchNorm2d(8)), new Conv2d(4, 8, 1, rng, { stride: 2 })), new ReLU());
  const visited: string[] = [];
  const tracer: Tracer<Shape> = {
    leaf: (name: string, m: Module, input: Shape) => { visited.push(`${name}:${m.describe()}`); return m.outputShape(input); },
    join: (name: string, kind: string, inputs: Shape[]) => { visited.push(`${name}:${kind}(${inputs.map((s) => `[${s}]`).join(", ")})`); return inputs[0]; },
  };
  const out = block.trace([1, 4, 8, 8] as Shape, tracer);
  assert.equal(out, [1, 8, 4, 4]);
  assert.equal(visited, [
    "0.body.0:Conv2d(4, 8, kernel=3, stride=2, padding=1)",
    "0.body.1:BatchNorm2d(8)",
    "0.shortcut:Conv2d(4, 8, kernel=1, stride=2, padding=0)",
    "0:add([1,8,4,4], [1,8,4,4])",
    "1:ReLU()",
  ]);
});

// b_c = a_c / (k + (α/n)·Σ_window a²)^β with PyTorch's window c−1 … c+1 for n = 3 (zeros beyond the edges).
test("LocalResponseNorm across channels (hand-checked): size 3, α = 0.3, β = 0.5, k = 2", () => {
  const lrn = new LocalResponseNorm(3, { alpha: 0.3, beta: 0.5, k: 2 });
  const y = lrn.forward(new Variable(tensor([[[[1]], [[2]], [[3]]]], "float64")));
  assertClose(y.value.data, [1 / Math.sqrt(2 + 0.1 * 5), 2 / Math.sqrt(2 + 0.1 * 14), 3 / Math.sqrt(2 + 0.1 * 13)], 1e-15, "b");
  assert.equal(lrn.outputShape([2, 96, 55, 55]), [2, 96, 55, 55]);
  assert.is(new LocalResponseNorm(5).describe(), "LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=1)");
  assert.throws(() => lrn.outputShape([4, 3]), /LocalResponseNorm: expected input \[N, C, L\], \[N, C, H, W\] or \[N, C, D, H, W\], got \[4, 3\]/);
  assert.throws(() => new LocalResponseNorm(0), /LocalResponseNorm: size: expected a positive integer, got 0/);
});

test("Linear: outputShape, MACs (rows·in·out) and a wrong width", () => {
  const fc = new Linear(400, 120, new Random(0));
  assert.equal(fc.outputShape([5, 400]), [5, 120]);
  assert.is(fc.macs([5, 400]), 5 * 400 * 120);
  assert.throws(() => fc.outputShape([5, 399]), /Linear: expected input \[\*, 400\], got \[5, 399\]/);
});

test("Sequential: MACs and shapes add up through the chain (LeNet-5-like, by hand)", () => {
  const rng = new Random(3);
  const net = new Sequential(new Conv2d(1, 6, 5, rng, { padding: 2 }), new ReLU(), new Conv2d(6, 16, 5, rng), new Flatten(), new Linear(16 * 24 * 24, 10, rng));
  assert.equal(net.outputShape([2, 1, 28, 28]), [2, 10]);
  const macs = 2 * 6 * 28 * 28 * 25 + 2 * 16 * 24 * 24 * 6 * 25 + 2 * 16 * 24 * 24 * 10;
  assert.is(net.macs([2, 1, 28, 28]), macs);
});

test.run();
