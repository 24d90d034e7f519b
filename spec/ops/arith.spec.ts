import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensor, zeros, Tensor } from "../../src/tensor.js";
import {
  add, addBackward, addOp, arithOps, concat, concatBackward, concatOp, mean, meanBackward, meanOp, mul, mulBackward, mulOp, mulScalar,
  mulScalarBackward, mulScalarOp, reshape, reshapeBackward, reshapeOp, scaleChannels, scaleChannelsBackward, scaleChannelsOp, sum,
  sumBackward, sumOp,
} from "../../src/ops/arith.js";
import { findOp } from "../../src/ops/registry.js";
import { checkGradientsOfEach } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";

const f64 = (v: Parameters<typeof tensor>[0]) => tensor(v, "float64");
const values = (t: Tensor) => [...t.data];

test("add, mul, mul_scalar by hand, with their backward", () => {
  const a = f64([1, 2, 3]), b = f64([4, -5, 0.5]), g = f64([1, 10, 100]);
  assert.equal(values(add(a, b)), [5, -3, 3.5]);
  assert.equal(values(mul(a, b)), [4, -10, 1.5]);
  assert.equal(values(mulScalar(a, -2)), [-2, -4, -6]);
  const ga = addBackward(g, a);
  assert.equal([values(ga.a), values(ga.b)], [[1, 10, 100], [1, 10, 100]]);
  assert.ok(ga.a.data !== g.data && ga.b.data !== ga.a.data, "add's gradients are copies");
  const gm = mulBackward(g, a, b);
  assert.equal([values(gm.a), values(gm.b)], [[4, -50, 50], [1, 20, 300]]);
  assert.equal(values(mulScalarBackward(g, a, -2)), [-2, -20, -200]);
});

test("scale_channels by hand (squeeze-and-excitation)", () => {
  // input [N=1, C=2, L=2], scale [1, 2]
  const x = f64([[[1, 2], [3, 4]]]), s = f64([[10, 100]]);
  assert.equal(values(scaleChannels(x, s)), [10, 20, 300, 400]);
  const g = scaleChannelsBackward(f64([[[1, 1], [1, 2]]]), x, s);
  assert.equal(values(g.input), [10, 10, 100, 200]);
  assert.equal(values(g.scale), [1 + 2, 3 + 8]);
  assert.equal([...g.scale.shape], [1, 2]);
  // [N, C] alone: one element per plane
  assert.equal(values(scaleChannels(f64([[1, 2]]), f64([[3, 4]]))), [3, 8]);
});

test("concat by hand along 0, 1 and −1, and the split backward", () => {
  const a = f64([[1, 2], [3, 4]]), b = f64([[5, 6]]), c = f64([[7], [8]]);
  assert.equal(concat(a, b).toArray(), [[1, 2], [3, 4], [5, 6]]);
  assert.equal(concat(a, c, 1).toArray(), [[1, 2, 7], [3, 4, 8]]);
  assert.equal(concat(a, c, -1).toArray(), [[1, 2, 7], [3, 4, 8]]);
  const g = concatBackward(f64([[10, 20, 70], [30, 40, 80]]), a, c, 1);
  assert.equal(g.a.toArray(), [[10, 20], [30, 40]]);
  assert.equal(g.b.toArray(), [[70], [80]]);
  // channels of [N, C, H, W], as Inception joins its branches
  const x = zeros([2, 1, 2, 2], "float64"), y = tensor(Array.from({ length: 2 }, () => [[[1, 1], [1, 1]], [[2, 2], [2, 2]]]), "float64");
  const z = concat(x, y, 1);
  assert.equal([...z.shape], [2, 3, 2, 2]);
  assert.equal([z.at(1, 0, 1, 1), z.at(1, 1, 0, 0), z.at(1, 2, 1, 0)], [0, 1, 2]);
});

test("reshape keeps order, infers −1, is a view (as PyTorch's); backward restores the shape in a copy", () => {
  const x = f64([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  const y = reshape(x, [2, -1]);
  assert.equal(y.toArray(), [[1, 2, 3, 4], [5, 6, 7, 8]]);
  assert.equal([...x.shape], [2, 2, 2], "the input keeps its shape");
  y.data[0] = 99;
  assert.is(x.data[0], 99, "a view, not a copy");
  const dy = f64([[1, 2, 3, 4], [5, 6, 7, 8]]);
  const g = reshapeBackward(dy, x, [2, -1]);
  assert.equal([...g.shape], [2, 2, 2]);
  assert.equal(values(g), [1, 2, 3, 4, 5, 6, 7, 8]);
  g.data[0] = -1;
  assert.is(dy.data[0], 1, "the gradient is a copy");
  assert.equal([...reshape(f64([5]), []).shape], []);
});

test("sum and mean by hand; mean of nothing is NaN (PyTorch)", () => {
  const x = f64([[1, 2, 3], [4, 5, 6]]);
  assert.equal([...sum(x).shape], []);
  assert.equal(values(sum(x)), [21]);
  assert.equal(values(mean(x)), [3.5]);
  assert.equal(values(sumBackward(f64(2), x)), [2, 2, 2, 2, 2, 2]);
  assert.equal(values(meanBackward(f64(3), x)), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.ok(Number.isNaN(mean(zeros([0], "float64")).data[0]));
  assert.equal(values(sum(zeros([0], "float64"))), [0]);
});

test("gradcheck: every arithmetic op (float64, rel. error < 1e-6)", () => {
  checkGradientsOfEach(arithOps, 60);
});

test("float32 and float64 agree", () => {
  for (const op of arithOps) checkFloat32Agreement(op, 10);
});

test("the OpDefs use the argument names the graph applies them with", () => {
  for (const [op, inputs] of [[addOp, ["a", "b"]], [mulOp, ["a", "b"]], [concatOp, ["a", "b"]], [scaleChannelsOp, ["input", "scale"]], [mulScalarOp, ["input"]], [reshapeOp, ["input"]], [sumOp, ["input"]], [meanOp, ["input"]]] as const) {
    assert.is(findOp(op.name), op);
    assert.equal(op.inputs, inputs);
    assert.equal(op.grads, inputs);
  }
  assert.equal(concatOp.attrs({}), { dim: 0 });
  assert.equal(reshapeOp.attrs({ shape: [2, -1] }), { shape: [2, -1] });
});

test("every OpError path", () => {
  const a = f64([1, 2]);
  assert.throws(() => add(a, f64([1, 2, 3])), /add: b: expected shape \[2\] \(the shape of a\), got shape \[3\]/);
  assert.throws(() => mul(a, tensor([1, 2])), /mul: b: expected dtype float64 \(the dtype of the first input\), got float32/);
  assert.throws(() => add(tensor([1], "int32"), a), /add: a: expected a float32 or float64 tensor, got int32 tensor of shape \[1\]/);
  assert.throws(() => addBackward(f64([1]), a), /add: upstream: expected shape \[2\] \(the shape of the output\), got shape \[1\]/);
  assert.throws(() => mulScalarOp.attrs({}), /mul_scalar: value: expected a finite number, got nothing/);
  assert.throws(() => scaleChannels(f64([1, 2]), f64([1])), /scale_channels: input: expected rank ≥ 2 \[N, C, …\], got shape \[2\]/);
  assert.throws(() => scaleChannels(zeros([2, 3, 4], "float64"), f64([[1, 2, 3]])), /scale_channels: scale: expected shape \[2, 3\] \(\[N, C\] of the input\), got shape \[1, 3\]/);
  assert.throws(() => concat(f64([[1, 2]]), f64([[1, 2, 3]])), /concat: b: expected shape \[\*, 2\] \(the shape of a except along dim 0\), got shape \[1, 3\]/);
  assert.throws(() => concat(f64([[1, 2]]), f64([1, 2])), /concat: b: expected rank 2 \(the rank of a, \[1, 2\]\), got shape \[2\]/);
  assert.throws(() => concat(f64([1]), f64([2]), 1), /concat: dim: expected an integer in \[-1, 0\] for rank 1, got 1/);
  assert.throws(() => concat(f64(1), f64(2)), /concat: a: expected rank ≥ 1 \(a zero-dimensional tensor cannot be concatenated\), got shape \[\]/);
  assert.throws(() => concatOp.attrs({ dim: "0" }), /concat: dim: expected an integer, got "0"/);
  assert.throws(() => reshape(zeros([2, 3], "float64"), [4, -1]), /reshape: shape: expected a shape whose −1 can be inferred for 6 elements \(input \[2, 3\]\), got \[4, -1\]/);
  assert.throws(() => reshape(zeros([2, 3], "float64"), [5]), /reshape: shape: expected a shape of 6 elements \(input \[2, 3\]\), got \[5\]/);
  assert.throws(() => reshapeOp.attrs({ shape: [-1, -1] }), /reshape: shape: expected an array of non-negative integers with at most one −1, got \[-1,-1\]/);
  assert.throws(() => reshapeOp.attrs({}), /reshape: shape: expected an array of non-negative integers with at most one −1, got nothing/);
  assert.throws(() => sumBackward(f64([1]), a), /sum: upstream: expected shape \[\] \(the shape of the output\), got shape \[1\]/);
  assert.throws(() => meanBackward(tensor(1), a), /mean: upstream: expected dtype float64 \(the dtype of the output\), got float32/);
});

test.run();
