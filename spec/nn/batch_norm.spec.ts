import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, randn, tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { BatchNorm1d, BatchNorm2d } from "../../src/nn/batch_norm.js";
import { Sequential } from "../../src/nn/sequential.js";
import { assertClose } from "../support/assertions.js";

/** Per-channel mean, biased and unbiased variance of [N, C, H, W] (or [N, C]), computed here independently. */
function channelStats(x: Tensor) {
  const [N, C] = x.shape;
  const S = x.size / (N * C);
  const mean: number[] = [], biased: number[] = [], unbiased: number[] = [];
  for (let c = 0; c < C; c++) {
    const vals: number[] = [];
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) vals.push(x.data[(n * C + c) * S + s]);
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    const ss = vals.reduce((a, v) => a + (v - m) ** 2, 0);
    mean.push(m); biased.push(ss / vals.length); unbiased.push(ss / (vals.length - 1));
  }
  return { mean, biased, unbiased, S };
}

/** γ·(x − μ)/√(σ² + ε) + β per channel, computed here. */
function normalizeBy(x: Tensor, mu: number[], variance: number[], gamma: number[], beta: number[], eps: number): number[] {
  const [N, C] = x.shape;
  const S = x.size / (N * C);
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) {
    out.push(gamma[c] * (x.data[(n * C + c) * S + s] - mu[c]) / Math.sqrt(variance[c] + eps) + beta[c]);
  }
  return out;
}

test("BatchNorm2d: running statistics over 3 training steps at momentum 0.3 (unbiased running variance)", () => {
  const bn = new BatchNorm2d(3, { momentum: 0.3, eps: 1e-3, dtype: "float64" });
  bn.weight!.value.data.set([1.5, -0.5, 2]);
  bn.bias!.value.data.set([0.1, 0.2, -0.3]);
  const rng = new Random(4);
  let rm = [0, 0, 0], rv = [1, 1, 1];
  for (let step = 1; step <= 3; step++) {
    const x = randn([2, 3, 2, 3], rng, { dtype: "float64", mean: step, std: 2 });
    const y = bn.forward(new Variable(x));
    const { mean, biased, unbiased } = channelStats(x);
    assertClose(y.value.data, normalizeBy(x, mean, biased, [1.5, -0.5, 2], [0.1, 0.2, -0.3], 1e-3), 1e-12, `output at step ${step}`);
    rm = rm.map((r, c) => 0.7 * r + 0.3 * mean[c]);
    rv = rv.map((r, c) => 0.7 * r + 0.3 * unbiased[c]);
    assertClose(bn.runningMean.data, rm, 1e-13, `running_mean at step ${step}`);
    assertClose(bn.runningVar.data, rv, 1e-13, `running_var at step ${step}`);
    assert.is(bn.numBatchesTracked, step);
  }
  // eval: the running estimates replace the batch statistics, and nothing is updated
  bn.eval();
  const x = randn([4, 3, 1, 2], rng, { dtype: "float64" });
  const y = bn.forward(new Variable(x));
  assertClose(y.value.data, normalizeBy(x, rm, rv, [1.5, -0.5, 2], [0.1, 0.2, -0.3], 1e-3), 1e-12, "eval output");
  assertClose(bn.runningMean.data, rm, 0, "running_mean unchanged in eval");
  assert.is(bn.numBatchesTracked, 3);
  // eval works for a single sample too (no batch statistics needed)
  assert.equal(bn.forward(new Variable(randn([1, 3, 1, 1], rng, { dtype: "float64" }))).shape, [1, 3, 1, 1]);
});

test("momentum null: the running mean is the plain average of the batch means", () => {
  const bn = new BatchNorm1d(2, { momentum: null, dtype: "float64" });
  const batches = [tensor([[1, 10], [3, 20]], "float64"), tensor([[5, 0], [7, 0]], "float64"), tensor([[0, 4], [0, 8]], "float64")];
  for (const b of batches) bn.forward(new Variable(b));
  // batch means: (2, 15), (6, 0), (0, 6) → averages (8/3, 7)
  assertClose(bn.runningMean.data, [8 / 3, 7], 1e-15, "running_mean");
  // unbiased variances: (2, 50), (2, 0), (0, 8) → averages (4/3, 58/3)
  assertClose(bn.runningVar.data, [4 / 3, 58 / 3], 1e-14, "running_var");
});

test("BatchNorm1d on [N, C, L] equals BatchNorm2d on [N, C, L, 1]; [N, C] works", () => {
  const rng = new Random(5);
  const x = randn([3, 2, 4], rng, { dtype: "float64" });
  const a = new BatchNorm1d(2, { dtype: "float64", momentum: 0.2 });
  const b = new BatchNorm2d(2, { dtype: "float64", momentum: 0.2 });
  const ya = a.forward(new Variable(x));
  const yb = b.forward(new Variable(x.reshape([3, 2, 4, 1])));
  assert.equal(ya.shape, [3, 2, 4]);
  assertClose(ya.value.data, yb.value.data, 1e-15, "outputs");
  assertClose(a.runningVar.data, b.runningVar.data, 1e-15, "running_var");
  const flat = new BatchNorm1d(4).forward(new Variable(randn([5, 4], rng)));
  assert.equal(flat.shape, [5, 4]);
});

// dL/dβ_c = Σ upstream over channel c; with upstream 1 everywhere: N·H·W.
test("gradients reach γ and β through the op's backward", () => {
  const bn = new BatchNorm2d(2, { dtype: "float64" });
  const x = new Variable(randn([2, 2, 3, 1], new Random(6), { dtype: "float64" }), true);
  const y = bn.forward(x);
  y.backward(new Tensor(new Float64Array(12).fill(1), [2, 2, 3, 1]));
  assertClose(bn.bias!.grad!.data, [6, 6], 1e-15, "dβ");
  // Σ x̂ = 0 per channel in training, so dγ = Σ x̂ = 0 and dx = 0 for a constant upstream
  assertClose(bn.weight!.grad!.data, [0, 0], 1e-12, "dγ");
  assertClose(x.grad!.data, new Array(12).fill(0), 1e-12, "dx");
});

test("stateDict after training restores the same evaluation outputs", () => {
  const rng = new Random(7);
  const a = new Sequential(new BatchNorm2d(3, { momentum: 0.5 }));
  for (let i = 0; i < 4; i++) a.forward(new Variable(randn([4, 3, 2, 2], rng, { mean: i })));
  const b = new Sequential(new BatchNorm2d(3, { momentum: 0.5 }));
  b.loadStateDict(a.stateDict());
  assert.equal([...b.stateDict().get("0.num_batches_tracked")!.data], [4]);
  a.eval(); b.eval();
  const x = new Variable(randn([2, 3, 2, 2], rng));
  assert.equal([...b.forward(x).value.data], [...a.forward(x).value.data]);
});

test("errors: wrong channels or rank, one value per channel in training, bad options", () => {
  const bn = new BatchNorm2d(3);
  assert.throws(() => bn.outputShape([2, 4, 5, 5]), /BatchNorm2d: expected input \[N, 3, H, W\], got \[2, 4, 5, 5\]/);
  assert.throws(() => new BatchNorm1d(3).outputShape([2, 3, 4, 4]), /BatchNorm1d: expected input \[N, 3\] or \[N, 3, L\], got \[2, 3, 4, 4\]/);
  assert.throws(() => bn.forward(new Variable(randn([1, 3, 1, 1], new Random(0)))), /BatchNorm2d: expected more than one value per channel in training mode, got input \[1, 3, 1, 1\]/);
  assert.is(bn.numBatchesTracked, 0, "a refused batch is not counted");
  assert.throws(() => new BatchNorm2d(3, { momentum: 1.5 }), /BatchNorm2d: momentum: expected a number in \[0, 1\] or null, got 1.5/);
  assert.throws(() => new BatchNorm2d(0), /BatchNorm2d: numFeatures: expected a positive integer, got 0/);
  assert.is(new BatchNorm2d(8, { momentum: 0.3 }).describe(), "BatchNorm2d(8, momentum=0.3)");
  assert.equal(bn.outputShape([2, 3, 5, 5]), [2, 3, 5, 5]);
  assert.is(bn.macs(), 0);
});

test.run();
