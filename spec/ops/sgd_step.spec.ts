import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { randn, tensor, zeros, Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { sgdHyper, sgdStep, sgdStepInPlace, sgdStepOp } from "../../src/ops/sgd_step.js";
import { findOp } from "../../src/ops/registry.js";
import { fcParams } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";

const f64 = (v: number[]) => tensor(v, "float64");
const closeAll = (actual: ArrayLike<number>, expected: number[], tol = 1e-15) => {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `[${i}]: expected ${expected[i]}, got ${actual[i]}`);
  }
};

test("plain SGD by hand: W ← W − lr·∇", () => {
  const r = sgdStep(f64([1, 2]), f64([0.5, -1]), null, { lr: 0.1 });
  closeAll(r.param.data, [0.95, 2.1]);
  assert.is(r.buffer, null);
});

test("weight decay by hand: ∇ + wd·W, and wd = 2λ is 001's L2 term", () => {
  // d = [0.5 + 0.1·1, −1 + 0.1·2] = [0.6, −0.8]
  closeAll(sgdStep(f64([1, 2]), f64([0.5, -1]), null, { lr: 0.1, weightDecay: 0.1 }).param.data, [0.94, 2.08]);
  // 001: ∂/∂W (λ Σ W²) = 2λW. Adding it to the gradient by hand gives the same step.
  const lambda = 0.03, W = f64([0.7, -1.3, 2]), g = f64([0.2, 0.4, -0.6]);
  const byHand = f64([...g.data].map((gi, i) => gi + 2 * lambda * W.data[i]));
  closeAll(sgdStep(W, g, null, { lr: 0.5, weightDecay: 2 * lambda }).param.data, [...sgdStep(W, byHand, null, { lr: 0.5 }).param.data], 1e-15);
});

test("momentum, PyTorch's first step: the buffer is the gradient, undampened", () => {
  const r = sgdStep(f64([1, 2]), f64([0.5, -1]), null, { lr: 0.1, momentum: 0.9, dampening: 0.5 });
  closeAll(r.buffer!.data, [0.5, -1]);
  closeAll(r.param.data, [0.95, 2.1]);
  // second step: V = 0.9·V + (1 − 0.5)·g = [0.45 + 0.1, −0.9 + 0.25] = [0.55, −0.65]
  const r2 = sgdStep(r.param, f64([0.2, 0.5]), r.buffer, { lr: 0.1, momentum: 0.9, dampening: 0.5 });
  closeAll(r2.buffer!.data, [0.55, -0.65]);
  closeAll(r2.param.data, [0.95 - 0.055, 2.1 + 0.065]);
});

test("Nesterov by hand: d = ∇ + μ·V", () => {
  // V = 0.9·[1, 1] + [0.5, −1] = [1.4, −0.1]; d = [0.5 + 1.26, −1 − 0.09] = [1.76, −1.09]
  const r = sgdStep(f64([1, 2]), f64([0.5, -1]), f64([1, 1]), { lr: 0.1, momentum: 0.9, nesterov: true });
  closeAll(r.buffer!.data, [1.4, -0.1]);
  closeAll(r.param.data, [1 - 0.176, 2 + 0.109]);
});

test("001's momentum: dampening = momentum = μ from V₀ = 0 gives V ← μV + (1 − μ)∇, W ← W − εV", () => {
  const mu = 0.8, eps = 0.5;
  const g1 = [1, -2], g2 = [3, 0.5];
  const V1 = g1.map((g) => (1 - mu) * g); // [0.2, −0.4]
  const V2 = V1.map((v, i) => mu * v + (1 - mu) * g2[i]); // [0.76, −0.22]
  const W1 = [1, 1].map((w, i) => w - eps * V1[i]);
  const W2 = W1.map((w, i) => w - eps * V2[i]);
  const hyper = { lr: eps, momentum: mu, dampening: mu };
  const s1 = sgdStep(f64([1, 1]), f64(g1), zeros([2], "float64"), hyper);
  closeAll(s1.buffer!.data, V1, 1e-15);
  closeAll(s1.param.data, W1, 1e-15);
  const s2 = sgdStep(s1.param, f64(g2), s1.buffer, hyper);
  closeAll(s2.buffer!.data, V2, 1e-15);
  closeAll(s2.param.data, W2, 1e-15);
});

test("without momentum the step is W − lr(∇ + wd·W) for any inputs (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true }), (seed, lr, wd) => {
      const rng = new Random(seed);
      const W = randn([7], rng, { dtype: "float64" }), g = randn([7], rng, { dtype: "float64" });
      const r = sgdStep(W, g, null, { lr, weightDecay: wd });
      closeAll(r.param.data, [...W.data].map((w, i) => w - lr * (g.data[i] + wd * w)), 1e-14);
    }),
    fcParams(100),
  );
});

test("the in-place variant gives the tensor variant's result and does not allocate a buffer of its own", () => {
  const rng = new Random(3);
  const W = randn([5], rng), g = randn([5], rng), V = randn([5], rng);
  const hyper = sgdHyper({ lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 });
  const expected = sgdStep(W, g, V, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 });
  const p = W.data.slice() as Float32Array, b = V.data.slice() as Float32Array;
  sgdStepInPlace(p, g.data as Float32Array, b, hyper, false);
  assert.equal([...p], [...expected.param.data]);
  assert.equal([...b], [...expected.buffer!.data]);
  // first step: the buffer's old contents are not read
  const fresh = new Float32Array(5).fill(NaN);
  const p2 = W.data.slice() as Float32Array;
  sgdStepInPlace(p2, g.data as Float32Array, fresh, hyper, true);
  assert.equal([...p2], [...sgdStep(W, g, null, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }).param.data]);
  assert.throws(() => sgdStepInPlace(p2, g.data as Float32Array, null, hyper, true), /sgdStepInPlace: momentum 0.9 needs a buffer of 5 elements, got none/);
});

test("inputs are never modified", () => {
  const W = f64([1, 2]), g = f64([3, 4]), V = f64([5, 6]);
  sgdStep(W, g, V, { lr: 0.1, momentum: 0.5 });
  assert.equal([...W.data, ...g.data, ...V.data], [1, 2, 3, 4, 5, 6]);
});

test("the OpDef: PyTorch's defaults, outputs, forward-only, registered", () => {
  assert.is(findOp("sgd_step"), sgdStepOp);
  assert.equal(sgdStepOp.attrs({}), { lr: 1e-3, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false });
  assert.equal(sgdStepOp.grads, []);
  assert.is(sgdStepOp.backward, undefined);
  const noMomentum = sgdStepOp.forward({ param: f64([1]), grad: f64([1]) }, sgdStepOp.attrs({ lr: 0.5 }));
  assert.equal(Object.keys(noMomentum.outputs), ["param"]);
  assert.equal([...noMomentum.outputs.param.data], [0.5]);
  const withMomentum = sgdStepOp.forward({ param: f64([1]), grad: f64([1]) }, sgdStepOp.attrs({ lr: 0.5, momentum: 0.9 }));
  assert.equal(Object.keys(withMomentum.outputs).sort(), ["momentum_buffer", "param"]);
});

test("float32 and float64 agree", () => {
  checkFloat32Agreement(sgdStepOp, 30);
  assert.is(sgdStep(tensor([1]), tensor([1]), null, { lr: 0.1 }).param.dtype, "float32");
});

test("every OpError path", () => {
  const W = f64([1, 2]), g = f64([1, 1]);
  assert.throws(() => sgdStepOp.attrs({ momentum: 0.9, dampening: 0.1, nesterov: true }), /sgd_step: nesterov: expected momentum > 0 and dampening 0 \(Nesterov momentum\), got momentum 0.9, dampening 0.1/);
  assert.throws(() => sgdStepOp.attrs({ nesterov: true }), /sgd_step: nesterov: expected momentum > 0 and dampening 0 \(Nesterov momentum\), got momentum 0, dampening 0/);
  assert.throws(() => sgdStepOp.attrs({ lr: -0.1 }), /sgd_step: lr: expected a number in \[0, Infinity\], got -0.1/);
  assert.throws(() => sgdStepOp.attrs({ momentum: -0.5 }), /sgd_step: momentum: expected a number in \[0, Infinity\], got -0.5/);
  assert.throws(() => sgdStepOp.attrs({ weight_decay: -1 }), /sgd_step: weight_decay: expected a number in \[0, Infinity\], got -1/);
  assert.throws(() => sgdStepOp.attrs({ nesterov: 1 }), /sgd_step: nesterov: expected true or false, got 1/);
  assert.throws(() => sgdStep(W, g, f64([0, 0]), { lr: 0.1 }), /sgd_step: momentum_buffer: expected no momentum buffer when momentum is 0, got a buffer of shape \[2\]/);
  assert.throws(() => sgdStep(W, f64([1]), null, { lr: 0.1 }), /sgd_step: grad: expected shape \[2\] \(the shape of param\), got shape \[1\]/);
  assert.throws(() => sgdStep(W, tensor([1, 1]), null, { lr: 0.1 }), /sgd_step: grad: expected dtype float64 \(the dtype of the first input\), got float32/);
  assert.throws(() => sgdStep(W, g, f64([1]), { lr: 0.1, momentum: 0.5 }), /sgd_step: momentum_buffer: expected shape \[2\] \(the shape of param\), got shape \[1\]/);
  assert.throws(() => sgdStep(tensor([1], "int32"), g, null, { lr: 0.1 }), /sgd_step: param: expected a float32 or float64 tensor, got int32 tensor of shape \[1\]/);
  assert.throws(() => sgdStep(W, undefined as unknown as Tensor, null, { lr: 0.1 }), /sgd_step: grad: expected a tensor, got nothing/);
});

test.run();
