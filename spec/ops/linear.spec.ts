import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { randn, tensor, zeros, Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { linear, linearBackward, linearOp, linearShapes } from "../../src/ops/linear.js";
import { gemm } from "../../src/ops/gemm.js";
import { findOp } from "../../src/ops/registry.js";
import { checkGradientsProperty, fcParams } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";

test("forward by hand: y = x Wᵀ + b", () => {
  const x = tensor([[1, 2]], "float64");
  const W = tensor([[1, 0], [0, 1], [1, 1]], "float64");
  const b = tensor([0.5, -1, 0], "float64");
  const y = linear(x, W, b);
  assert.equal([...y.shape], [1, 3]);
  assert.equal([...y.data], [1.5, 1, 3]);
  assert.equal([...linear(x, W).data], [1, 2, 3]);
});

test("000's 2-layer feedforward: p_j = Σ_l W⁽¹⁾_lj x_l + b_j with W = W⁽¹⁾ᵀ", () => {
  // d = 2 inputs, h = 2 hidden units; W⁽¹⁾ [d, h] as the lecture indexes it.
  const W1 = [[0.5, -1], [2, 0.25]]; // W⁽¹⁾_lj
  const b1 = [0.1, -0.2];
  const x = [3, -1];
  const p = [0, 1].map((j) => W1[0][j] * x[0] + W1[1][j] * x[1] + b1[j]); // [−0.4, −3.45]
  const weight = tensor([[W1[0][0], W1[1][0]], [W1[0][1], W1[1][1]]], "float64"); // [h, d] = W⁽¹⁾ᵀ
  const y = linear(tensor(x, "float64"), weight, tensor(b1, "float64"));
  assert.equal([...y.shape], [2]);
  for (let j = 0; j < 2; j++) assert.ok(Math.abs(y.data[j] - p[j]) < 1e-15);
});

test("backward by hand: dx = dy W, dW = dyᵀ x, db = Σ dy", () => {
  const x = tensor([[1, 2]], "float64");
  const W = tensor([[1, 0], [0, 1], [1, 1]], "float64");
  const g = linearBackward(tensor([[1, 2, 3]], "float64"), x, W, true);
  assert.equal([...g.input.data], [4, 5]);
  assert.equal([...g.weight.data], [1, 2, 2, 4, 3, 6]);
  assert.equal([...g.bias!.data], [1, 2, 3]);
  assert.is(linearBackward(tensor([[1, 2, 3]], "float64"), x, W, false).bias, undefined);
});

test("agrees with the reference GEMM (an independent computation), leading dims flattened", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const lead = [1 + rng.int(3), 1 + rng.int(3)], inF = 1 + rng.int(6), outF = 1 + rng.int(6);
      const x = randn([...lead, inF], rng, { dtype: "float64" });
      const W = randn([outF, inF], rng, { dtype: "float64" });
      const b = randn([outF], rng, { dtype: "float64" });
      const rows = lead[0] * lead[1];
      const expected = new Float64Array(rows * outF);
      for (let r = 0; r < rows; r++) expected.set(b.data, r * outF);
      gemm(false, true, rows, outF, inF, 1, x.data as Float64Array, inF, W.data as Float64Array, inF, 1, expected, outF);
      const y = linear(x, W, b);
      assert.equal([...y.shape], [...lead, outF]);
      for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(y.data[i] - expected[i]) < 1e-12);
      // dW = dyᵀ x, again through GEMM
      const dy = randn(y.shape, rng, { dtype: "float64" });
      const dW = new Float64Array(outF * inF);
      gemm(true, false, outF, inF, rows, 1, dy.data as Float64Array, outF, x.data as Float64Array, inF, 0, dW, inF);
      const g = linearBackward(dy, x, W, true);
      for (let i = 0; i < dW.length; i++) assert.ok(Math.abs(g.weight.data[i] - dW[i]) < 1e-12);
      assert.equal([...g.input.shape], [...x.shape]);
    }),
    fcParams(30),
  );
});

test("an empty batch gives an empty output and zero weight gradient", () => {
  const W = tensor([[1, 2], [3, 4], [5, 6]], "float32");
  const y = linear(zeros([0, 2]), W, tensor([1, 1, 1]));
  assert.equal([...y.shape], [0, 3]);
  const g = linearBackward(zeros([0, 3]), zeros([0, 2]), W, true);
  assert.equal([...g.weight.data], [0, 0, 0, 0, 0, 0]);
  assert.equal([...g.bias!.data], [0, 0, 0]);
});

test("gradcheck: linear with and without bias, any leading dims (float64, rel. error < 1e-6)", () => {
  const worst = checkGradientsProperty(linearOp, 100);
  console.log(`  gradcheck linear: worst relative error ${worst.toExponential(2)}`);
});

test("float32 and float64 agree, forward and backward", () => {
  checkFloat32Agreement(linearOp, 20);
  const y = linear(tensor([[1, 2]]), tensor([[3, 4]]));
  assert.is(y.dtype, "float32");
});

test("the OpDef: names, optional bias, registered", () => {
  assert.is(findOp("linear"), linearOp);
  assert.equal(linearOp.inputs, ["input", "weight", "bias"]);
  assert.equal(linearOp.optional, ["bias"]);
  const x = tensor([[1, 2]], "float64"), W = tensor([[1, 1]], "float64");
  const r = linearOp.forward({ input: x, weight: W }, linearOp.attrs({}));
  const g = linearOp.backward!({ output: tensor([[1]], "float64") }, r.cache, {});
  assert.equal(Object.keys(g).sort(), ["input", "weight"]);
  assert.equal(linearShapes(randn([2, 3, 4], new Random(1)), zeros([5, 4])), { rows: 6, inFeatures: 4, outFeatures: 5, outputShape: [2, 3, 5] });
});

test("bad input names the op, the argument, what was expected and what came", () => {
  const x = tensor([[1, 2]], "float64");
  const W = tensor([[1, 0], [0, 1], [1, 1]], "float64");
  assert.throws(() => linear(tensor(1, "float64"), W), /linear: input: expected rank ≥ 1 \[\*, in_features\], got shape \[\]/);
  assert.throws(() => linear(x, tensor([1, 2], "float64")), /linear: weight: expected rank 2 \[out_features, in_features\], got shape \[2\]/);
  assert.throws(() => linear(x, tensor([[1, 2, 3]], "float64")), /linear: weight: expected shape \[out_features, 2\] \(in_features = the input's last dimension\), got shape \[1, 3\]/);
  assert.throws(() => linear(x, W, tensor([1, 2], "float64")), /linear: bias: expected shape \[3\] \(\[out_features\]\), got shape \[2\]/);
  assert.throws(() => linear(x, W.astype("float32")), /linear: weight: expected dtype float64 \(the dtype of the first input\), got float32/);
  assert.throws(() => linear(x, W, tensor([1, 2, 3], "float32")), /linear: bias: expected dtype float64/);
  assert.throws(() => linear(tensor([[1, 2]], "int32"), W), /linear: input: expected a float32 or float64 tensor, got int32 tensor of shape \[1, 2\]/);
  assert.throws(() => linearBackward(tensor([[1, 2]], "float64"), x, W, true), /linear: upstream: expected shape \[1, 3\] \(the shape of the output\), got shape \[1, 2\]/);
  assert.throws(() => linear(x, undefined as unknown as Tensor), /linear: weight: expected a tensor, got nothing/);
});

test.run();
