import { test } from "uvu";
import * as assert from "uvu/assert";
import { randn, tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { Adam, adamStep } from "../../src/optim/adam.js";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

// Three steps by hand, non-default β₁ = 0.8, β₂ = 0.9, ε = 1e-3, lr = 0.1,
// L2 weight decay 0.5, θ₀ = 1, gradients 2, −1, 0.5 (before decay).
// Written out number by number from Kingma & Ba (m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)):
//  t=1: g = 2 + 0.5·1 = 2.5;     m = 0.5;  v = 0.625
//       m̂ = 0.5/0.2 = 2.5;  v̂ = 0.625/0.1 = 6.25;  θ = 1 − 0.1·2.5/(2.5 + 0.001) = 1 − 0.25/2.501
test("Adam over 3 steps equals the hand computation with bias correction (non-default settings)", () => {
  const theta = new Variable(tensor([1], "float64"), true);
  const opt = new Adam([theta], { lr: 0.1, betas: [0.8, 0.9], eps: 1e-3, weightDecay: 0.5 });
  const grads = [2, -1, 0.5];
  // Independent scalar recomputation of the published algorithm.
  let th = 1, m = 0, v = 0;
  const b1 = 0.8, b2 = 0.9, lr = 0.1, eps = 1e-3, wd = 0.5;
  for (let t = 1; t <= 3; t++) {
    const g = grads[t - 1] + wd * th;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const mHat = m / (1 - b1 ** t);
    const vHat = v / (1 - b2 ** t);
    th = th - (lr * mHat) / (Math.sqrt(vHat) + eps);
    theta.grad = tensor([grads[t - 1]], "float64");
    opt.step();
    close(theta.value.data[0], th, 1e-14, `θ after step ${t}`);
    if (t === 1) close(theta.value.data[0], 1 - 0.25 / 2.501, 1e-14, "θ₁ written out by hand");
  }
});

// With a constant gradient g, bias correction makes m̂ = g and v̂ = g² exactly
// at every t, so with ε = 0 each step moves lr·sign(g). Without the correction
// (or with the wrong t) the steps would be far smaller at first.
test("bias correction: a constant gradient moves exactly lr·sign(g) at every step", () => {
  const theta = new Variable(tensor([0, 0], "float64"), true);
  const opt = new Adam([theta], { lr: 0.01, betas: [0.7, 0.95], eps: 0 });
  for (let t = 1; t <= 6; t++) {
    theta.grad = tensor([3, -0.2], "float64");
    opt.step();
    close(theta.value.data[0], -0.01 * t, 1e-13, `θ[0] at t=${t}`);
    close(theta.value.data[1], 0.01 * t, 1e-13, `θ[1] at t=${t}`);
  }
});

test("each parameter counts its own steps (a late parameter starts at t = 1)", () => {
  const a = new Variable(tensor([0], "float64"), true);
  const b = new Variable(tensor([0], "float64"), true);
  const opt = new Adam([a, b], { lr: 0.1, eps: 0 });
  for (let t = 0; t < 3; t++) {
    a.grad = tensor([1], "float64");
    opt.step();
  }
  b.grad = tensor([5], "float64");
  a.grad = null;
  opt.step();
  close(b.value.data[0], -0.1, 1e-15, "b's first step is lr·sign(g)");
  close(a.value.data[0], -0.3, 1e-13, "a has no gradient and stays");
  assert.equal(opt.stateDict().state.map((s) => s.step), [3, 1]);
});

// AdamW: θ ← θ(1 − lr·wd) − lr·m̂/(√v̂ + ε); first step with ε = 0: θ₀(1 − lr·wd) − lr·sign(g).
test("decoupled weight decay (AdamW) on the first step", () => {
  const theta = new Variable(tensor([2], "float64"), true);
  const opt = new Adam([theta], { lr: 0.1, eps: 0, weightDecay: 0.5, decoupled: true });
  theta.grad = tensor([-7], "float64");
  opt.step();
  close(theta.value.data[0], 2 * (1 - 0.05) + 0.1, 1e-15, "θ₁");
});

test("adamStep (tensors) equals the Adam class and leaves its inputs unchanged", () => {
  const rng = new Random(11);
  const p = new Variable(randn([2, 3], rng), true);
  const opt = new Adam([p], { lr: 0.03, betas: [0.85, 0.99], weightDecay: 0.1 });
  let param = p.value.clone();
  let m = null, v = null;
  for (let t = 1; t <= 3; t++) {
    const g = randn([2, 3], rng);
    const before = [...param.data];
    const r = adamStep(param, g, m, v, t, { lr: 0.03, betas: [0.85, 0.99], weightDecay: 0.1 });
    assert.equal([...param.data], before, "input not modified");
    param = r.param; m = r.expAvg; v = r.expAvgSq;
    p.grad = g;
    opt.step();
    assert.equal([...p.value.data], [...param.data]);
  }
  assert.is(p.value.dtype, "float32");
});

test("stateDict/loadStateDict resume Adam exactly", () => {
  const rng = new Random(12);
  const a = [new Variable(randn([4], rng), true), new Variable(randn([2, 2], rng), true)];
  const b = a.map((p) => new Variable(p.value.clone(), true));
  const options = { lr: 0.02, betas: [0.8, 0.9] as [number, number], eps: 1e-6 };
  const optA = new Adam(a, options);
  const grads = Array.from({ length: 5 }, () => a.map((p) => randn(p.shape, rng)));
  const stepWith = (params: Variable[], opt: Adam, t: number) => { params.forEach((p, i) => (p.grad = grads[t][i])); opt.step(); };
  for (let t = 0; t < 2; t++) stepWith(a, optA, t);
  const saved = optA.stateDict();
  b.forEach((p, i) => p.value.data.set(a[i].value.data));
  const optB = new Adam(b, options);
  optB.loadStateDict(saved);
  for (let t = 2; t < 5; t++) { stepWith(a, optA, t); stepWith(b, optB, t); }
  a.forEach((p, i) => assert.equal([...b[i].value.data], [...p.value.data]));
  assert.equal(saved.state.map((s) => s.step), [2, 2], "the saved copy still says step 2");
  assert.throws(() => optB.loadStateDict({ ...saved, hyper: { ...saved.hyper, beta1: 0.9 } }), /beta1: this optimizer has 0.8, the state has 0.9/);
  assert.throws(() => optB.loadStateDict({ ...saved, optimizer: "SGD" }), /expected the state of a Adam optimizer/);
});

test("bad hyper-parameters are refused", () => {
  const p = new Variable(tensor([1]), true);
  assert.throws(() => new Adam([p], { betas: [0.9, 1] }), /Adam: betas: expected two numbers in \[0, 1\), got \[0.9,1\]/);
  assert.throws(() => new Adam([p], { lr: NaN }), /Adam: lr/);
  assert.throws(() => new Adam([p], { eps: -1 }), /Adam: eps/);
});

test.run();
