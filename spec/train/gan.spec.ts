/**
 * GAN training (000): V(D, G) as on the slide, k₁ discriminator and k₂
 * generator iterations, the minimax vs non-saturating generator gradients by
 * hand, D frozen during G's steps, determinism, and a 1-D toy run in which
 * the generated distribution moves to N(3, 0.5²).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randn, Tensor, type Shape } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import type { Variable } from "../../src/autograd/variable.js";
import { LeakyReLU, Linear, Module, Sequential, Tanh } from "../../src/nn/index.js";
import { SGD } from "../../src/optim/sgd.js";
import { Adam } from "../../src/optim/adam.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import { generateSamples, rowSampler, trainGan } from "../../src/train/gan.js";
import { stats } from "../../docs/examples/sample_stats.js";

const sigma = (z: number) => 1 / (1 + Math.exp(-z));

/** Linear(1, 1) with the given weight and bias, float64. */
function scalarLinear(w: number, b: number): Linear {
  const l = new Linear(1, 1, new Random(0), { dtype: "float64" });
  l.weight.value.data[0] = w;
  l.bias!.value.data[0] = b;
  return l;
}

test("a D that ignores its input: V̂ = log σ(b) + log(1 − σ(b)); minimax loss log(1 − σ(b)), non-saturating −log σ(b)", () => {
  for (const generatorLoss of ["minimax", "non-saturating"] as const) {
    const G = scalarLinear(1, 0);
    const D = scalarLinear(0, 0.3);
    const reports = trainGan({
      generator: G, discriminator: D, real: randn([10, 1], new Random(1), { dtype: "float64" }), latentDim: 1, iterations: 1, batchSize: 4, rng: new Random(2), generatorLoss,
      generatorOptimizer: new SGD(G.parameters(), { lr: 0 }), discriminatorOptimizer: new SGD(D.parameters(), { lr: 0 }),
    });
    const r = reports[0];
    const s = sigma(0.3);
    assert.ok(Math.abs(r.value - (Math.log(s) + Math.log(1 - s))) < 1e-12, `V̂ ${r.value}`);
    assert.ok(Math.abs(r.discriminatorLoss + r.value) < 1e-15);
    assert.ok(Math.abs(r.realScore - s) < 1e-12 && Math.abs(r.fakeScore - s) < 1e-12);
    const expected = generatorLoss === "minimax" ? Math.log(1 - s) : -Math.log(s);
    assert.ok(Math.abs(r.generatorLoss - expected) < 1e-12, `${generatorLoss}: ${r.generatorLoss} vs ${expected}`);
  }
});

test("when D rejects the fakes, the minimax generator's gradient is σ/(1 − σ) times the non-saturating one (by hand)", () => {
  // G(z) = 0·z + g (bias g = −2), D(x) = σ(3x): ℓ = −6, D(G(z)) = σ(−6) ≈ 0.0025.
  // d/dg of the minimax loss log(1 − σ(3g)) = −3σ(3g); of the non-saturating −log σ(3g) = −3(1 − σ(3g)).
  const step = (generatorLoss: "minimax" | "non-saturating") => {
    const G = scalarLinear(0, -2);
    const D = scalarLinear(3, 0);
    trainGan({
      generator: G, discriminator: D, real: new Tensor(new Float64Array([1]), [1, 1]), latentDim: 1, iterations: 1, batchSize: 8, rng: new Random(3), generatorLoss,
      generatorOptimizer: new SGD(G.parameters(), { lr: 1 }), discriminatorOptimizer: new SGD(D.parameters(), { lr: 0 }),
    });
    return G.bias!.value.data[0] - -2; // the update −lr·dL/dg
  };
  const s = sigma(-6);
  const minimax = step("minimax"), nonSaturating = step("non-saturating");
  assert.ok(Math.abs(minimax - 3 * s) < 1e-12, `minimax step ${minimax} vs ${3 * s}`);
  assert.ok(Math.abs(nonSaturating - 3 * (1 - s)) < 1e-12, `non-saturating step ${nonSaturating} vs ${3 * (1 - s)}`);
  assert.ok(minimax > 0 && nonSaturating > 300 * minimax, "both raise G(z) toward where D says real; minimax barely moves");
});

/** Counts forward calls. */
class Counting extends Module {
  calls = 0;
  constructor(readonly inner: Module) {
    super();
    this.registerModule("inner", inner);
  }
  forward(x: Variable): Variable {
    this.calls++;
    return this.inner.forward(x);
  }
  outputShape(s: Shape): Shape {
    return this.inner.outputShape(s);
  }
}

/** Records, at every step, the gradient tensors it applied. */
class Recording implements Optimizer {
  lastGrads: Array<Tensor | null> = [];
  steps = 0;
  constructor(readonly inner: Optimizer) {}
  get lr() { return this.inner.lr; }
  set lr(v: number) { this.inner.lr = v; }
  get params() { return this.inner.params; }
  step() { this.steps++; this.lastGrads = this.params.map((p) => p.grad); this.inner.step(); }
  zeroGrad() { this.inner.zeroGrad(); }
  stateDict() { return this.inner.stateDict(); }
  loadStateDict(s: ReturnType<Optimizer["stateDict"]>) { this.inner.loadStateDict(s); }
}

test("k₁ discriminator iterations then k₂ generator iterations; D gets no gradient during G's steps", () => {
  const rng = new Random(4);
  const G = new Counting(new Sequential(new Linear(2, 4, rng), new Tanh(), new Linear(4, 1, rng)));
  const D = new Counting(new Sequential(new Linear(1, 4, rng), new Tanh(), new Linear(4, 1, rng)));
  const optD = new Recording(new Adam(D.parameters(), { lr: 1e-3 }));
  const optG = new Recording(new Adam(G.parameters(), { lr: 1e-3 }));
  const reports = trainGan({ generator: G, discriminator: D, real: randn([50, 1], rng), latentDim: 2, iterations: 2, batchSize: 8, k1: 3, k2: 2, rng, generatorOptimizer: optG, discriminatorOptimizer: optD });
  assert.is(reports.length, 2);
  assert.equal(reports.map((r) => r.iteration), [1, 2]);
  assert.is(optD.steps, 6);
  assert.is(optG.steps, 4);
  assert.is(D.calls, 2 * (3 * 2 + 2), "each D step sees a real and a fake batch; each G step one fake batch");
  assert.is(G.calls, 2 * (3 + 2));
  // The last step was G's: D's gradients are still the very tensors its own last step applied.
  D.parameters().forEach((p, i) => assert.is(p.grad, optD.lastGrads[i], `D parameter ${i} untouched by G's steps`));
  assert.ok(D.parameters().every((p) => p.requiresGrad), "D is trainable again after G's steps");
});

test("determinism: one seed, one run", () => {
  const run = () => {
    const rng = new Random(5);
    const G = new Sequential(new Linear(1, 4, rng), new Tanh(), new Linear(4, 1, rng));
    const D = new Sequential(new Linear(1, 4, rng), new LeakyReLU(0.2), new Linear(4, 1, rng));
    const reports = trainGan({ generator: G, discriminator: D, real: (n, r) => randn([n, 1], r, { mean: 3 }), latentDim: 1, iterations: 15, batchSize: 16, rng, generatorLoss: "non-saturating" });
    return { reports, weights: [...G.stateDict().values(), ...D.stateDict().values()].map((t) => Array.from(t.data)) };
  };
  assert.equal(run(), run());
});

test("1-D toy: the generated distribution moves from near 0 to N(3, 0.5²) within 500 iterations (both generator losses)", () => {
  for (const generatorLoss of ["minimax", "non-saturating"] as const) {
    const rng = new Random(1);
    const G = new Sequential(new Linear(1, 16, rng), new Tanh(), new Linear(16, 1, rng));
    const D = new Sequential(new Linear(1, 32, rng), new LeakyReLU(0.2), new Linear(32, 32, rng), new LeakyReLU(0.2), new Linear(32, 1, rng));
    const before = stats(generateSamples(G, 2000, 1, new Random(99)));
    trainGan({
      generator: G, discriminator: D, real: (n, r) => randn([n, 1], r, { mean: 3, std: 0.5 }), latentDim: 1, iterations: 500, batchSize: 64, k1: 2, rng, generatorLoss,
      generatorOptimizer: new Adam(G.parameters(), { lr: 2e-3, betas: [0.5, 0.999] }), discriminatorOptimizer: new Adam(D.parameters(), { lr: 2e-3, betas: [0.5, 0.999] }),
    });
    const after = stats(generateSamples(G, 2000, 1, new Random(99)));
    assert.ok(Math.abs(before.mean - 3) > 2, `${generatorLoss}: starts away from the data (mean ${before.mean})`);
    assert.ok(Math.abs(after.mean - 3) < 0.2, `${generatorLoss}: mean ${before.mean} → ${after.mean}`);
    assert.ok(after.std > 0.25 && after.std < 0.8, `${generatorLoss}: std ${before.std} → ${after.std}`);
  }
});

test("errors and the row sampler", () => {
  const rng = new Random(6);
  const G = new Linear(1, 1, rng), D = new Linear(1, 1, rng);
  const base = { generator: G, discriminator: D, real: randn([4, 1], rng), latentDim: 1, iterations: 1, batchSize: 2, rng };
  assert.throws(() => trainGan({ ...base, k1: 0 }), /trainGan: k1: expected an integer ≥ 1, got 0/);
  assert.throws(() => trainGan({ ...base, latentDim: 1.5 }), /latentDim: expected an integer ≥ 1/);
  assert.throws(() => trainGan({ ...base, generatorLoss: "wasserstein" as "minimax" }), /generatorLoss: expected "minimax" or "non-saturating", got "wasserstein"/);
  assert.throws(() => trainGan({ ...base, real: 3 as unknown as Tensor }), /real: expected a tensor of examples or a sampler function/);
  const data = new Tensor(Float32Array.from([10, 20, 30]), [3, 1]);
  const drawn = rowSampler(data)(200, new Random(7));
  assert.equal(drawn.shape, [200, 1]);
  const seen = new Set(Array.from(drawn.data));
  assert.equal([...seen].sort((a, b) => a - b), [10, 20, 30], "draws rows of the data, all of them over 200 draws");
});

test.run();
