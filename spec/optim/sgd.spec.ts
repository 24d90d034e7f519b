import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, randn, tensor, type FloatDType } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { sgdStep, type SgdOptions } from "../../src/ops/sgd_step.js";
import { SGD, lectureMomentum } from "../../src/optim/sgd.js";

/** Parameters of a few shapes in `dtype`, with seeded values. */
function makeParams(rng: Random, dtype: FloatDType): Variable[] {
  return [[3], [2, 2], [1, 4, 1]].map((s) => new Variable(randn(s, rng, { dtype }), true));
}

/** Runs `steps` optimizer steps with seeded gradients and, beside it, the chain of sgd_step calls; returns both parameter lists. */
function runBoth(options: SgdOptions, steps: number, dtype: FloatDType) {
  const rng = new Random(7);
  const params = makeParams(rng, dtype);
  const expected = params.map((p) => ({ param: p.value.clone(), buffer: null as Tensor | null }));
  const opt = new SGD(params, options);
  const gradRng = new Random(99);
  for (let t = 0; t < steps; t++) {
    params.forEach((p, i) => {
      const g = randn(p.shape, gradRng, { dtype });
      p.grad = g;
      const r = sgdStep(expected[i].param, g, expected[i].buffer, options);
      expected[i] = { param: r.param, buffer: r.buffer };
    });
    opt.step();
  }
  return { params, expected };
}

const settings: Array<[string, SgdOptions]> = [
  ["plain with weight decay", { lr: 0.07, weightDecay: 0.03 }],
  ["momentum, dampening, weight decay", { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01 }],
  ["nesterov with weight decay", { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.02 }],
  ["dampening = momentum", { lr: 0.2, momentum: 0.6, dampening: 0.6 }],
];

for (const [name, options] of settings) {
  test(`SGD steps equal the sgd_step rule exactly: ${name}`, () => {
    for (const dtype of ["float32", "float64"] as const) {
      const { params, expected } = runBoth(options, 5, dtype);
      params.forEach((p, i) => {
        assert.is(p.value.dtype, dtype);
        assert.equal([...p.value.data], [...expected[i].param.data], `${dtype} param ${i}`);
      });
    }
  });
}

// 001, "(S)GD + momentum": V_{t+1} = μV_t + (1 − μ)∇, W_{t+1} = W_t − εV_{t+1}, V₀ = 0.
// W₀ = 1, μ = 0.5, ε = 0.1, gradients 2 then −4 (by hand):
//   V₁ = 0.5·0 + 0.5·2 = 1,      W₁ = 1 − 0.1·1 = 0.9
//   V₂ = 0.5·1 + 0.5·(−4) = −1.5, W₂ = 0.9 + 0.15 = 1.05
test("lectureMomentum reproduces 001's momentum from V₀ = 0 (hand computation)", () => {
  const w = new Variable(tensor([1], "float64"), true);
  const opt = new SGD([w], { lr: 0.1, ...lectureMomentum(0.5) });
  w.grad = tensor([2], "float64");
  opt.step();
  assert.ok(Math.abs(w.value.data[0] - 0.9) < 1e-15, `W₁ = ${w.value.data[0]}`);
  w.grad = tensor([-4], "float64");
  opt.step();
  assert.ok(Math.abs(w.value.data[0] - 1.05) < 1e-15, `W₂ = ${w.value.data[0]}`);
});

// PyTorch's first step copies the gradient into V undampened: W₁ = 1 − 0.1·2 = 0.8.
test("PyTorch's default first step: V₁ = ∇ (undampened)", () => {
  const w = new Variable(tensor([1], "float64"), true);
  const opt = new SGD([w], { lr: 0.1, momentum: 0.5, dampening: 0.5 });
  w.grad = tensor([2], "float64");
  opt.step();
  assert.ok(Math.abs(w.value.data[0] - 0.8) < 1e-15);
  // V₂ = 0.5·2 + 0.5·(−4) = −1, W₂ = 0.8 + 0.1 = 0.9
  w.grad = tensor([-4], "float64");
  opt.step();
  assert.ok(Math.abs(w.value.data[0] - 0.9) < 1e-15);
});

// 001: the L2 term λΣW² adds 2λW to the gradient — weightDecay = 2λ.
test("weight decay 2λ is the gradient of λΣW²", () => {
  const w = new Variable(tensor([3, -2], "float64"), true);
  const opt = new SGD([w], { lr: 0.5, weightDecay: 2 * 0.1 });
  w.grad = tensor([0, 0], "float64");
  opt.step(); // W ← W − 0.5·0.2·W = 0.9 W
  assert.ok(Math.abs(w.value.data[0] - 2.7) < 1e-15 && Math.abs(w.value.data[1] + 1.8) < 1e-15);
});

test("parameters without a gradient are skipped; zeroGrad clears every gradient", () => {
  const a = new Variable(tensor([1], "float64"), true);
  const b = new Variable(tensor([1], "float64"), true);
  const opt = new SGD([a, b], { lr: 1, momentum: 0.9 });
  a.grad = tensor([0.5], "float64");
  opt.step();
  assert.is(a.value.data[0], 0.5);
  assert.is(b.value.data[0], 1);
  opt.zeroGrad();
  assert.is(a.grad, null);
  assert.is(b.grad, null);
  // b's buffer starts on its own first step (V = ∇), not from a's history.
  b.grad = tensor([0.25], "float64");
  opt.step();
  assert.is(b.value.data[0], 0.75);
  assert.is(a.value.data[0], 0.5, "a has no gradient now and stays");
});

test("a changed lr (what schedules do) is used by the next step", () => {
  const w = new Variable(tensor([1], "float64"), true);
  const opt = new SGD([w], { lr: 1 });
  opt.lr = 0.25;
  w.grad = tensor([2], "float64");
  opt.step();
  assert.is(w.value.data[0], 0.5);
});

test("stateDict/loadStateDict resume exactly; the saved state is a copy", () => {
  const options: SgdOptions = { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 };
  const rng = new Random(3);
  const a = makeParams(rng, "float32");
  const b = a.map((p) => new Variable(p.value.clone(), true));
  const optA = new SGD(a, options);
  const gradRng = new Random(4);
  const grads = Array.from({ length: 6 }, () => a.map((p) => randn(p.shape, gradRng)));
  const stepWith = (params: Variable[], opt: SGD, t: number) => {
    params.forEach((p, i) => (p.grad = grads[t][i]));
    opt.step();
  };
  for (let t = 0; t < 3; t++) stepWith(a, optA, t);
  optA.lr = 0.02;
  const saved = optA.stateDict();
  const savedCopy = saved.state.map((s) => [...s.tensors.momentum_buffer.data]);
  // b catches up to a's parameters, then gets a's optimizer state.
  b.forEach((p, i) => p.value.data.set(a[i].value.data));
  const optB = new SGD(b, options);
  optB.loadStateDict(saved);
  assert.is(optB.lr, 0.02);
  for (let t = 3; t < 6; t++) {
    stepWith(a, optA, t);
    stepWith(b, optB, t);
  }
  a.forEach((p, i) => assert.equal([...b[i].value.data], [...p.value.data]));
  saved.state.forEach((s, i) => assert.equal([...s.tensors.momentum_buffer.data], savedCopy[i], "stateDict is not changed by later steps"));
});

test("loadStateDict refuses another optimizer's state, wrong counts, shapes and hyper-parameters", () => {
  const rng = new Random(5);
  const params = makeParams(rng, "float32");
  const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
  params.forEach((p) => (p.grad = randn(p.shape, rng)));
  opt.step();
  const good = opt.stateDict();
  assert.throws(() => opt.loadStateDict({ ...good, optimizer: "Adam" }), /expected the state of a SGD optimizer, got "Adam"/);
  assert.throws(() => opt.loadStateDict({ ...good, state: good.state.slice(1) }), /expected state for 3 parameters, got 2/);
  const badShape = { ...good, state: [{ tensors: { momentum_buffer: randn([4], rng) } }, ...good.state.slice(1)] };
  assert.throws(() => opt.loadStateDict(badShape), /state\[0\]\.momentum_buffer: expected shape \[3\], got \[4\]/);
  assert.throws(() => opt.loadStateDict({ ...good, hyper: { ...good.hyper, momentum: 0.5 } }), /momentum: this optimizer has 0.9, the state has 0.5/);
  assert.throws(() => new SGD(params, { lr: 0.1, momentum: 0, nesterov: true }), /sgd_step: nesterov: expected momentum > 0 and dampening 0/);
  assert.throws(() => new SGD([], { lr: 0.1 }), /SGD: params: expected at least one parameter/);
  assert.throws(() => new SGD(params, { lr: -1 }), /sgd_step: lr/);
});

test("a gradient of another dtype or size is an error, not a silent step", () => {
  const w = new Variable(tensor([1, 2], "float32"), true);
  const opt = new SGD([w], { lr: 0.1 });
  w.grad = tensor([1, 2], "float64");
  assert.throws(() => opt.step(), /SGD: params\[0\]: gradient float64 \[2\] does not match the parameter float32 \[2\]/);
});

test.run();
