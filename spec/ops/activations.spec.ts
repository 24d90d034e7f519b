import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { randn, tensor, Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import {
  activationOps, implicitSoftmaxDim, leakyRelu, leakyReluBackward, leakyReluOp, logSoftmax, logSoftmaxBackward, logSoftmaxOp,
  relu, reluOp, sigmoid, sigmoidOp, softmax, softmaxBackward, softmaxOp, tanh, tanhBackward, tanhOp,
} from "../../src/ops/activations.js";
import { findOp } from "../../src/ops/registry.js";
import { checkGradientsOfEach, fcParams } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";

const close = (actual: number, expected: number, tol = 1e-15) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
const closeAll = (actual: ArrayLike<number>, expected: number[], tol = 1e-15) => {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol);
};

test("relu zeroes negatives and keeps dtype", () => {
  const y = relu(tensor([-2, 0, 3], "float64"));
  assert.equal([...y.data], [0, 0, 3]);
  assert.is(y.dtype, "float64");
});

test("sigmoid is finite and exact at ±50 (no overflow)", () => {
  const s = sigmoid(tensor([-50, 0, 50], "float64"));
  assert.is(s.data[1], 0.5);
  assert.ok(Math.abs(s.data[0] - Math.exp(-50)) / Math.exp(-50) < 1e-15);
  assert.is(s.data[2], 1);
});

test("tanh by hand: tanh(½ ln 3) = (3 − 1)/(3 + 1) = ½, and tanh′ = 1 − tanh² = ¾ (002)", () => {
  const z = 0.5 * Math.log(3);
  const y = tanh(tensor([0, z, -z], "float64"));
  closeAll(y.data, [0, 0.5, -0.5]);
  const dz = tanhBackward(tensor([2, 2, 1], "float64"), y);
  closeAll(dz.data, [2, 1.5, 0.75]);
  assert.equal([...tanh(tensor([-30, 30], "float32")).data], [-1, 1]);
});

test("leaky_relu by hand, with leaky_relu′(0) = slope as in PyTorch", () => {
  const x = tensor([-2, 0, 3], "float64");
  closeAll(leakyRelu(x, 0.1).data, [-0.2, 0, 3]);
  closeAll(leakyReluBackward(tensor([1, 1, 1], "float64"), x, 0.1).data, [0.1, 0.1, 1]);
  // The default slope is PyTorch's 0.01.
  assert.equal(leakyReluOp.attrs({}), { negative_slope: 0.01 });
  closeAll(leakyReluOp.forward({ input: x }, leakyReluOp.attrs({})).outputs.output.data, [-0.02, 0, 3]);
});

test("softmax and log_softmax by hand: [0, ln 3] → [¼, ¾] (002, 003)", () => {
  const x = tensor([0, Math.log(3)], "float64");
  closeAll(softmax(x).data, [0.25, 0.75]);
  closeAll(logSoftmax(x).data, [-Math.log(4), Math.log(0.75)]);
  closeAll(softmax(tensor([0, Math.log(2), Math.log(3)], "float64")).data, [1 / 6, 2 / 6, 3 / 6]);
});

test("softmax and log_softmax backward by hand", () => {
  const x = tensor([0, Math.log(3)], "float64");
  // y = [¼, ¾], g = [1, 0]: y ⊙ (g − Σ g y) = [¼·¾, ¾·(−¼)]
  closeAll(softmaxBackward(tensor([1, 0], "float64"), softmax(x)).data, [3 / 16, -3 / 16]);
  // g − softmax · Σ g = [1 − ¼, −¾]
  closeAll(logSoftmaxBackward(tensor([1, 0], "float64"), logSoftmax(x)).data, [0.75, -0.75]);
});

test("logits of ±50 give exact finite results; ±1000 give no NaN", () => {
  const x = tensor([50, -50], "float64");
  // log(1 + e^(−100)) = e^(−100) − e^(−200)/2 + … = e^(−100) to double precision.
  const e100 = Math.exp(-100);
  assert.equal([...logSoftmax(x).data], [-e100, -100]);
  assert.equal([...softmax(x).data], [1, e100]);
  assert.equal([...softmax(tensor([1000, -1000, 1000], "float64")).data], [0.5, 0, 0.5]);
  assert.equal([...logSoftmax(tensor([-1000, 1000], "float32")).data], [-2000, 0]);
  const f32 = logSoftmax(tensor([50, -50], "float32"));
  assert.equal([...f32.data], [Math.fround(-e100), -100]);
});

test("a NaN or an infinite maximum makes the whole slice NaN (PyTorch); other slices are unaffected", () => {
  const y = softmax(tensor([[Infinity, 1], [NaN, 2], [-Infinity, -Infinity], [0, 0]], "float64"), 1);
  assert.ok([...y.data.subarray(0, 6)].every(Number.isNaN));
  assert.equal([...y.data.subarray(6)], [0.5, 0.5]);
  assert.ok([...logSoftmax(tensor([1, NaN, 2], "float64")).data].every(Number.isNaN));
});

test("softmax agrees with the naive formula exp(x)/Σexp(x) and sums to 1 (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const n = 1 + rng.int(6);
      const x = randn([n], rng, { std: 3, dtype: "float64" });
      let sum = 0;
      for (const v of x.data) sum += Math.exp(v);
      const y = softmax(x), l = logSoftmax(x);
      let total = 0;
      for (let i = 0; i < n; i++) {
        close(y.data[i], Math.exp(x.data[i]) / sum, 1e-13);
        close(l.data[i], x.data[i] - Math.log(sum), 1e-13);
        total += y.data[i];
      }
      close(total, 1, 1e-14);
    }),
    fcParams(100),
  );
});

test("PyTorch's implicit dim: 0 for rank 0, 1, 3; else 1", () => {
  assert.equal([0, 1, 2, 3, 4].map(implicitSoftmaxDim), [0, 0, 1, 0, 1]);
  assert.equal([...softmax(tensor(3, "float64")).data], [1]);
  assert.equal([...logSoftmax(tensor(3, "float64")).data], [0]);
  // rank 3 [2, 1, 2]: with dim 0 each pair x[0, 0, j], x[1, 0, j] sums to 1.
  const x = tensor([[[0, 1]], [[Math.log(3), 1]]], "float64");
  const y = softmaxOp.forward({ input: x }, softmaxOp.attrs({})).outputs.output;
  closeAll(y.data, [0.25, 0.5, 0.75, 0.5]);
  // rank 2: dim 1 (rows sum to 1)
  closeAll(softmax(tensor([[0, Math.log(3)], [1, 1]], "float64")).data, [0.25, 0.75, 0.5, 0.5]);
});

test("negative dims count from the end", () => {
  const rng = new Random(5);
  const x = randn([2, 3, 4], rng, { dtype: "float64" });
  for (let d = 0; d < 3; d++) {
    assert.equal([...softmax(x, d - 3).data], [...softmax(x, d).data]);
    assert.equal([...logSoftmax(x, d - 3).data], [...logSoftmax(x, d).data]);
  }
  const y = softmax(x, 1);
  for (let a = 0; a < 2; a++) for (let c = 0; c < 4; c++) close(y.at(a, 0, c) + y.at(a, 1, c) + y.at(a, 2, c), 1, 1e-15);
});

test("gradcheck: every activation (float64, rel. error < 1e-6)", () => {
  checkGradientsOfEach([reluOp, sigmoidOp, tanhOp, leakyReluOp, softmaxOp, logSoftmaxOp], 100);
});

test("float32 and float64 agree, forward and backward", () => {
  for (const op of activationOps) checkFloat32Agreement(op, 15);
});

test("registered by name", () => {
  for (const name of ["relu", "sigmoid", "tanh", "leaky_relu", "softmax", "log_softmax"]) assert.ok(findOp(name), name);
});

test("bad input names the op and what came", () => {
  assert.throws(() => relu(tensor([1, 2], "int32")), /relu: input: expected a float32 or float64 tensor, got int32 tensor of shape \[2\]/);
  assert.throws(() => tanh(undefined as unknown as Tensor), /tanh: input: expected a tensor, got nothing/);
  assert.throws(() => softmax(tensor([[1, 2]], "float64"), 2), /softmax: dim: expected an integer in \[-2, 1\] for an input of rank 2, got 2/);
  assert.throws(() => logSoftmax(tensor([1, 2], "float64"), -2), /log_softmax: dim: expected an integer in \[-1, 0\] for an input of rank 1, got -2/);
  assert.throws(() => softmaxOp.attrs({ dim: 0.5 }), /softmax: dim: expected an integer, got 0.5/);
  assert.throws(() => logSoftmaxOp.attrs({ dim: "1" }), /log_softmax: dim: expected an integer, got "1"/);
  assert.throws(() => leakyReluOp.attrs({ negative_slope: "x" }), /leaky_relu: negative_slope: expected a finite number, got "x"/);
  assert.throws(() => tanhBackward(tensor([1, 2, 3], "float64"), tensor([1, 2], "float64")), /tanh: upstream: expected shape \[2\] \(the shape of the output\), got shape \[3\]/);
  assert.throws(() => softmaxBackward(tensor([1, 2], "float32"), tensor([0.5, 0.5], "float64")), /softmax: upstream: expected dtype float64 \(the dtype of the first input\), got float32/);
});

test.run();
