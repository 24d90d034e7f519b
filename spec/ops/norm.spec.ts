import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randn, tensor, zeros, ones, type Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { batchNorm, batchNormBackward, batchNormOp, localResponseNorm, localResponseNormOp } from "../../src/ops/norm.js";
import { checkGradientsProperty, fcParams } from "../support/properties.js";
import { assertClose, throwsOpError } from "../support/assertions.js";

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = "") => assertClose(actual, expected, tol, what);

/** Values of channel c of x [N, C, …], gathered by explicit index arithmetic. */
function channelValues(x: Tensor, c: number): number[] {
  const [N, C] = x.shape;
  const S = x.size / (N * C);
  const out: number[] = [];
  for (let i = 0; i < N; i++) for (let s = 0; s < S; s++) out.push(x.data[i * C * S + c * S + s]);
  return out;
}
const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const biasedVar = (v: number[]) => meanOf(v.map((x) => (x - meanOf(v)) ** 2));

// ───────────── batch_norm ─────────────

test("batch_norm, training: a hand-worked channel and its running-statistic update", () => {
  // x = [1, 2, 3, 6]: μ_B = 3, σ²_B = (4 + 1 + 0 + 9)/4 = 3.5, unbiased 14/3.
  const x = fromArray([1, 2, 3, 6], [4, 1], "float64");
  const r = batchNorm(x, { running_mean: zeros([1], "float64"), running_var: ones([1], "float64") }, { training: true, momentum: 0.1, eps: 0 });
  const s = Math.sqrt(3.5);
  close(r.output.data, [-2 / s, -1 / s, 0, 3 / s]);
  close(r.running_mean!.data, [0.9 * 0 + 0.1 * 3]);
  close(r.running_var!.data, [0.9 * 1 + 0.1 * (14 / 3)]);
});

test("batch_norm, training: each channel of the output has mean β and biased variance γ² (over N, H, W)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const C = 1 + rng.int(4);
      const shape = rng.bernoulli(0.5) ? [2 + rng.int(5), C] : [1 + rng.int(3), C, 1 + rng.int(4), 2 + rng.int(3)];
      const x = randn(shape, rng, { dtype: "float64", mean: 3, std: 2 });
      const plain = batchNorm(x, {}, { training: true, eps: 0 }).output;
      const weight = randn([C], rng, { dtype: "float64" }), bias = randn([C], rng, { dtype: "float64" });
      const affine = batchNorm(x, { weight, bias }, { training: true, eps: 0 }).output;
      for (let c = 0; c < C; c++) {
        close([meanOf(channelValues(plain, c)), biasedVar(channelValues(plain, c))], [0, 1], 1e-10, `channel ${c}`);
        close([meanOf(channelValues(affine, c)), biasedVar(channelValues(affine, c))], [bias.data[c], weight.data[c] ** 2], 1e-10, `affine channel ${c}`);
      }
    }),
    fcParams(40),
  );
});

test("batch_norm, evaluation: y = γ (x − running_mean)/√(running_var + ε) + β, statistics returned unchanged, inputs untouched", () => {
  const x = tensor([[[[1, 2]], [[3, 4]]], [[[5, 6]], [[7, 8]]]], "float64"); // [2, 2, 1, 2]
  const rm = fromArray([1, -1], [2], "float64"), rv = fromArray([4, 0.25], [2], "float64");
  const w = fromArray([2, 3], [2], "float64"), b = fromArray([0.5, -0.5], [2], "float64");
  const saved = [...x.data, ...rm.data, ...rv.data];
  const r = batchNorm(x, { running_mean: rm, running_var: rv, weight: w, bias: b }, { training: false, eps: 0 });
  // channel 0: 2·(x − 1)/2 + 0.5 = x − 0.5; channel 1: 3·(x + 1)/0.5 − 0.5 = 6x + 5.5
  close(r.output.data, [0.5, 1.5, 23.5, 29.5, 4.5, 5.5, 47.5, 53.5]);
  assert.equal([...r.running_mean!.data], [1, -1]);
  assert.equal([...r.running_var!.data], [4, 0.25]);
  assert.ok(r.running_mean !== rm && r.running_var !== rv);
  // The eval backward is the affine map's: dL/dx = γ/√(var + ε) · dL/dy.
  const g = batchNormBackward(ones([2, 2, 1, 2], "float64"), r.cache);
  close(g.input.data, [1, 1, 6, 6, 1, 1, 6, 6]);
  close(g.weight!.data, [(0 + 0.5 + 2 + 2.5), (8 + 10 + 16 + 18)]); // Σ x̂ per channel
  close(g.bias!.data, [4, 4]);
  assert.equal([...x.data, ...rm.data, ...rv.data], saved);
});

test("batch_norm, training backward: dL/dx is orthogonal to 1 and to x̂ in every channel (γ constant)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const C = 1 + rng.int(3);
      const x = randn([2 + rng.int(3), C, 2, 3], rng, { dtype: "float64" });
      const r = batchNorm(x, { weight: randn([C], rng, { dtype: "float64" }) }, { training: true, eps: 0 }); // with ε > 0, Σ x̂² = nσ²/(σ² + ε) ≠ n
      const dy = randn(x.shape, rng, { dtype: "float64" });
      const dx = batchNormBackward(dy, r.cache).input;
      for (let c = 0; c < C; c++) {
        const d = channelValues(dx, c), xh = channelValues(r.output, c).map((v) => v / r.cache.gamma[c]);
        const scale = Math.max(...d.map(Math.abs));
        close([meanOf(d) / scale, meanOf(d.map((v, i) => v * xh[i])) / scale], [0, 0], 1e-12, `channel ${c}`);
      }
    }),
    fcParams(30),
  );
});

test("batch_norm: float32 in, float32 out; outputs of the op without running statistics", () => {
  const rng = new Random(4);
  const x = randn([5, 3], rng, { dtype: "float64" });
  const y32 = batchNorm(x.astype("float32"), {}, { training: true }).output;
  assert.is(y32.dtype, "float32");
  close(y32.data, batchNorm(x, {}, { training: true }).output.data, 1e-5);
  const out = batchNormOp.forward({ input: x }, batchNormOp.attrs({ training: true })).outputs;
  assert.equal(Object.keys(out), ["output"]);
  assert.equal(batchNormOp.attrs({}), { training: false, momentum: 0.1, eps: 1e-5 });
});

// ───────────── local_response_norm ─────────────

test("local_response_norm by hand: PyTorch's window c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋ and α/n", () => {
  const x = fromArray([1, 2, 3], [1, 3, 1], "float64");
  // n = 2, α = 2 (α/n = 1), β = 1, k = 1: windows {c−1, c}
  // D = [1 + 1, 1 + 1 + 4, 1 + 4 + 9] = [2, 6, 14]
  close(localResponseNorm(x, { size: 2, alpha: 2, beta: 1, k: 1 }).data, [1 / 2, 2 / 6, 3 / 14]);
  // n = 3, α = 3 (α/n = 1), β = 0.5, k = 2: windows {c−1, c, c+1}
  // D = [2 + 1 + 4, 2 + 1 + 4 + 9, 2 + 4 + 9] = [7, 16, 15]
  close(localResponseNorm(x, { size: 3, alpha: 3, beta: 0.5, k: 2 }).data, [1 / Math.sqrt(7), 2 / 4, 3 / Math.sqrt(15)]);
  // defaults α = 1e-4, β = 0.75, k = 1 with n = 1: y = x / (1 + 1e-4 x²)^0.75
  close(localResponseNorm(x, { size: 1 }).data, [1, 2, 3].map((v) => v / Math.pow(1 + 1e-4 * v * v, 0.75)));
});

test("local_response_norm normalizes each spatial position on its own", () => {
  const rng = new Random(9);
  const x = randn([2, 4, 3, 2], rng, { dtype: "float64" });
  const y = localResponseNorm(x, { size: 3, alpha: 1, beta: 0.75, k: 2 });
  // Position (n=1, h=2, w=0) alone, as a [1, 4, 1] input, gives the same four values.
  const at = (t: Tensor, c: number) => t.data[((1 * 4 + c) * 3 + 2) * 2 + 0];
  const column = fromArray([0, 1, 2, 3].map((c) => at(x, c)), [1, 4, 1], "float64");
  close([0, 1, 2, 3].map((c) => at(y, c)), localResponseNorm(column, { size: 3, alpha: 1, beta: 0.75, k: 2 }).data);
});

// ───────────── gradients ─────────────

test("gradcheck: batch_norm (training and evaluation, with and without γ, β) and local_response_norm (float64, < 1e-6)", () => {
  const a = checkGradientsProperty(batchNormOp, 100);
  const b = checkGradientsProperty(localResponseNormOp, 60);
  console.log(`  worst gradcheck error: batch_norm ${a.toExponential(1)}, local_response_norm ${b.toExponential(1)}`);
});

// ───────────── errors ─────────────

test("errors name the op, the argument, what was expected and what came", () => {
  const x = zeros([4, 3]);
  throwsOpError(() => batchNorm(x), /^batch_norm: running_mean: expected a tensor \[C\] when training is false \(evaluation normalizes with the running statistics\), got nothing$/);
  throwsOpError(() => batchNorm(x, { running_mean: zeros([3]) }, { training: true }), /^batch_norm: running_var: expected a tensor \[C\] whenever the other running statistic is given, got nothing$/);
  throwsOpError(() => batchNorm(x, { weight: zeros([4]) }, { training: true }), /^batch_norm: weight: expected shape \[3\] \(one value per channel\), got shape \[4\]$/);
  throwsOpError(() => batchNorm(x, { bias: zeros([3], "float64") }, { training: true }), /^batch_norm: bias: expected dtype float32 \(the dtype of the first input\), got float64$/);
  throwsOpError(() => batchNorm(zeros([1, 3]), {}, { training: true }), /^batch_norm: input: expected more than one value per channel when training, got shape \[1, 3\]$/);
  throwsOpError(() => batchNorm(zeros([4]), {}, { training: true }), /^batch_norm: input: expected rank 2 or 3 or 4 \[N, C\], \[N, C, L\] or \[N, C, H, W\], got shape \[4\]$/);
  throwsOpError(() => batchNorm(x, {}, { training: true, momentum: 2 }), /^batch_norm: momentum: expected a number in \[0, 1\], got 2$/);
  throwsOpError(() => batchNorm(x, {}, { training: "yes" as never }), /^batch_norm: training: expected true or false, got "yes"$/);
  throwsOpError(() => batchNorm(x, {}, { training: true, eps: -1 }), /^batch_norm: eps: expected a number in \[0, Infinity\], got -1$/);
  const r = batchNorm(x, {}, { training: true });
  throwsOpError(() => batchNormBackward(zeros([3, 4]), r.cache), /^batch_norm: upstream: expected shape \[4, 3\] \(the shape of the output\), got shape \[3, 4\]$/);

  throwsOpError(() => localResponseNorm(zeros([2, 3]), { size: 2 }), /^local_response_norm: input: expected rank 3 or 4 or 5 \[N, C, L\], \[N, C, H, W\] or \[N, C, D, H, W\], got shape \[2, 3\]$/);
  throwsOpError(() => localResponseNorm(zeros([1, 2, 3]), { size: 0 }), /^local_response_norm: size: expected an integer ≥ 1, got 0$/);
  throwsOpError(() => localResponseNorm(zeros([1, 2, 3]), {} as never), /^local_response_norm: size: expected an integer ≥ 1, got nothing$/);
  throwsOpError(() => localResponseNorm(zeros([1, 2, 3]), { size: 2, beta: "0.5" as never }), /^local_response_norm: beta: expected a finite number, got "0.5"$/);
  throwsOpError(() => localResponseNorm(fromArray([1, 2], [1, 2, 1], "int32"), { size: 2 }), /^local_response_norm: input: expected a float32 or float64 tensor, got int32 tensor/);
});

test.run();
