import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { randn, tensor, Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { logSoftmax, sigmoid } from "../../src/ops/activations.js";
import {
  binaryCrossEntropy, binaryCrossEntropyBackward, binaryCrossEntropyOp, binaryCrossEntropyWithLogits, binaryCrossEntropyWithLogitsBackward,
  binaryCrossEntropyWithLogitsOp, lossOps, mseLoss, mseLossBackward, mseLossOp,
} from "../../src/ops/losses.js";
import { crossEntropy, crossEntropyBackward, crossEntropyOp, nllLoss, nllLossBackward, nllLossOp } from "../../src/ops/class_losses.js";
import { findOp } from "../../src/ops/registry.js";
import { checkGradientsOfEach, fcParams } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";

const f64 = (v: Parameters<typeof tensor>[0]) => tensor(v, "float64");
const i32 = (v: Parameters<typeof tensor>[0]) => tensor(v, "int32");
const close = (actual: number, expected: number, tol = 1e-15) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
const closeAll = (actual: ArrayLike<number>, expected: number[], tol = 1e-15) => {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol);
};
const scalar = (t: Tensor): number => {
  assert.equal([...t.shape], []);
  return t.data[0];
};

// ───────────────────────────── mse_loss ─────────────────────────────

test("mse_loss by hand: squares [0, 4, 9]", () => {
  const x = f64([1, 2, 3]), t = f64([1, 0, 0]);
  close(scalar(mseLoss(x, t)), 13 / 3);
  assert.is(scalar(mseLoss(x, t, "sum")), 13);
  assert.equal([...mseLoss(x, t, "none").data], [0, 4, 9]);
  // 2(x − t)/n
  closeAll(mseLossBackward(f64(1), x, t).data, [0, 4 / 3, 2]);
  closeAll(mseLossBackward(f64(0.5), x, t, "sum").data, [0, 2, 3]);
  closeAll(mseLossBackward(f64([1, 2, 3]), x, t, "none").data, [0, 8, 18]);
});

test("000's J = ½ Σ (t − ŷ)² is ½ · mse_loss(ŷ, t, sum)", () => {
  const yHat = [0.2, 0.9, 0.4], tk = [0, 1, 0];
  const J = 0.5 * ((0 - 0.2) ** 2 + (1 - 0.9) ** 2 + (0 - 0.4) ** 2); // 0.105
  close(0.5 * scalar(mseLoss(f64(yHat), f64(tk), "sum")), J, 1e-15);
  // and ∂J/∂ŷ = −(t − ŷ): half of mse's 2(ŷ − t)
  closeAll(mseLossBackward(f64(0.5), f64(yHat), f64(tk), "sum").data, [0.2, -0.1, 0.4], 1e-15);
});

// ───────────────────────────── binary_cross_entropy ─────────────────────────────

test("binary_cross_entropy by hand (003's Eₙ = −(t ln y + (1 − t) ln(1 − y)))", () => {
  close(scalar(binaryCrossEntropy(f64([0.5]), f64([1]))), Math.LN2);
  close(scalar(binaryCrossEntropy(f64([0.8, 0.2]), f64([1, 0]))), -Math.log(0.8));
  close(scalar(binaryCrossEntropy(f64([0.8, 0.2]), f64([1, 0]), "sum")), -2 * Math.log(0.8));
  // soft target 0.25 at y = 0.5: −(¼ ln ½ + ¾ ln ½) = ln 2
  close(scalar(binaryCrossEntropy(f64([0.5]), f64([0.25]))), Math.LN2);
  // (y − t)/(y(1 − y)): −0.2/0.16, 0.2/0.16, halved by the mean
  closeAll(binaryCrossEntropyBackward(f64(1), f64([0.8, 0.2]), f64([1, 0])).data, [-0.625, 0.625], 1e-14);
});

test("binary_cross_entropy clamps each log at −100, as PyTorch", () => {
  assert.equal([...binaryCrossEntropy(f64([0, 1, 1, 0]), f64([1, 0, 1, 0]), "none").data], [100, 100, 0, 0]);
  // PyTorch's backward divides by max(y(1 − y), 1e-12): finite at y = 0.
  assert.equal([...binaryCrossEntropyBackward(f64([1]), f64([0]), f64([1]), "none").data], [-1e12]);
});

test("binary_cross_entropy_with_logits by hand, and at ±50 exact and finite", () => {
  close(scalar(binaryCrossEntropyWithLogits(f64([0]), f64([0.3]))), Math.LN2);
  // ln(1 + e^(−50)) = e^(−50) to double precision (the next term is e^(−100)/2)
  const e50 = Math.exp(-50);
  const l = binaryCrossEntropyWithLogits(f64([50, -50, 50, -50]), f64([1, 0, 0, 1]), "none");
  assert.equal([...l.data], [e50, e50, 50, 50]);
  const l32 = binaryCrossEntropyWithLogits(tensor([50, -50, 50, -50]), tensor([1, 0, 0, 1]), "none");
  assert.equal([...l32.data], [Math.fround(e50), Math.fround(e50), 50, 50]);
  // σ(x) − t: σ(0) − 1 = −½; σ(±50) − t
  closeAll(binaryCrossEntropyWithLogitsBackward(f64([1, 1, 1]), f64([0, 50, -50]), f64([1, 1, 1]), "none").data, [-0.5, -e50, -1]);
});

test("binary_cross_entropy_with_logits equals binary_cross_entropy of σ(x) (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const x = randn([5], rng, { std: 3, dtype: "float64" });
      const t = randn([5], rng, { dtype: "float64" });
      for (let i = 0; i < 5; i++) t.data[i] = 1 / (1 + Math.exp(-t.data[i]));
      const y = sigmoid(x);
      close(scalar(binaryCrossEntropyWithLogits(x, t)), scalar(binaryCrossEntropy(y, t)), 1e-12);
      // chain rule through σ: dL/dx = dL/dy · σ(1 − σ)
      const dy = binaryCrossEntropyBackward(f64(1), y, t);
      const dx = binaryCrossEntropyWithLogitsBackward(f64(1), x, t);
      for (let i = 0; i < 5; i++) close(dx.data[i], dy.data[i] * y.data[i] * (1 - y.data[i]), 1e-12);
    }),
    fcParams(50),
  );
});

// ───────────────────────────── cross_entropy and nll_loss ─────────────────────────────

test("cross_entropy of [50, −50]: target 0 gives log(1 + e^(−100)) ≈ 3.72e−44, target 1 gives 100", () => {
  const e100 = Math.exp(-100); // = log(1 + e^(−100)) to double precision
  assert.is(scalar(crossEntropy(f64([[50, -50]]), i32([0]))), e100);
  assert.is(scalar(crossEntropy(f64([[50, -50]]), i32([1]))), 100);
  assert.ok(e100 > 3.7e-44 && e100 < 3.73e-44);
  // float32: rounded once from the float64 computation, still finite and nonzero
  assert.is(scalar(crossEntropy(tensor([[50, -50]]), i32([0]))), Math.fround(e100));
  assert.is(scalar(crossEntropy(tensor([[50, -50]]), i32([1]))), 100);
  // gradient: softmax − one-hot = [e^(−100) − 0 … ] stays finite
  const g = crossEntropyBackward(f64(1), f64([[50, -50]]), i32([1]));
  assert.equal([...g.data], [1, e100 - 1]);
});

test("cross_entropy by hand: logits [0, ln 3] give p = [¼, ¾] (002, 003)", () => {
  const z = f64([[0, Math.log(3)], [0, Math.log(3)]]);
  const t = i32([0, 1]);
  assert.equal([...crossEntropy(z, t, { reduction: "none" }).shape], [2]);
  closeAll(crossEntropy(z, t, { reduction: "none" }).data, [Math.log(4), Math.log(4 / 3)]);
  close(scalar(crossEntropy(z, t)), (Math.log(4) + Math.log(4 / 3)) / 2);
  close(scalar(crossEntropy(z, t, { reduction: "sum" })), Math.log(4) + Math.log(4 / 3));
  // (softmax − one-hot) / N
  closeAll(crossEntropyBackward(f64(1), z, t).data, [(0.25 - 1) / 2, 0.75 / 2, 0.25 / 2, (0.75 - 1) / 2]);
});

test("label smoothing: (1 − ε)·(−log p_t) + (ε/C)·Σ_c (−log p_c), PyTorch's formula", () => {
  const z = f64([[0, Math.log(3)]]);
  const eps = 0.2;
  // −log p = [ln 4, ln 4/3]; the same as CE against the soft target q = (1 − ε)·one-hot + ε/C = [0.1, 0.9]
  const expected = 0.1 * Math.log(4) + 0.9 * Math.log(4 / 3);
  close(scalar(crossEntropy(z, i32([1]), { labelSmoothing: eps })), expected);
  close((1 - eps) * Math.log(4 / 3) + (eps / 2) * (Math.log(4) + Math.log(4 / 3)), expected);
  // p − q = [¼ − 0.1, ¾ − 0.9]
  closeAll(crossEntropyBackward(f64(1), z, i32([1]), { labelSmoothing: eps }).data, [0.15, -0.15], 1e-14);
  // ignored rows contribute to neither term; the mean divides by the kept count
  const z2 = f64([[0, Math.log(3)], [5, -5]]);
  close(scalar(crossEntropy(z2, i32([1, -100]), { labelSmoothing: eps })), expected);
});

test("ignore_index: skipped targets, mean over the others; all ignored → NaN (PyTorch), zero gradient", () => {
  const z = f64([[0, Math.log(3)], [7, -3], [0, Math.log(3)]]);
  const t = i32([0, -100, 1]);
  close(scalar(crossEntropy(z, t)), (Math.log(4) + Math.log(4 / 3)) / 2);
  closeAll(crossEntropy(z, t, { reduction: "none" }).data, [Math.log(4), 0, Math.log(4 / 3)]);
  const g = crossEntropyBackward(f64(1), z, t);
  closeAll(g.data, [-0.375, 0.375, 0, 0, 0.125, -0.125]);
  // an ignore_index inside [0, C) ignores that class
  close(scalar(crossEntropy(z, i32([0, 1, 1]), { ignoreIndex: 1 })), Math.log(4));
  // every target ignored: PyTorch's mean is 0/0 = NaN; sum is 0; the gradient is 0, never NaN
  const all = i32([-100, -100, -100]);
  assert.ok(Number.isNaN(scalar(crossEntropy(z, all))));
  assert.ok(Number.isNaN(scalar(nllLoss(z, all))));
  assert.ok(Number.isNaN(scalar(crossEntropy(z, all, { labelSmoothing: 0.1 }))));
  assert.is(scalar(crossEntropy(z, all, { reduction: "sum" })), 0);
  assert.equal([...crossEntropyBackward(f64(1), z, all).data], [0, 0, 0, 0, 0, 0]);
  assert.equal([...nllLossBackward(f64(1), z, all).data], [0, 0, 0, 0, 0, 0]);
});

test("nll_loss by hand", () => {
  const lp = f64([[-1, -2], [-3, -4]]);
  const t = i32([1, 0]);
  assert.is(scalar(nllLoss(lp, t)), 2.5);
  assert.is(scalar(nllLoss(lp, t, { reduction: "sum" })), 5);
  assert.equal([...nllLoss(lp, t, { reduction: "none" }).data], [2, 3]);
  assert.equal([...nllLossBackward(f64(1), lp, t).data], [0, -0.5, -0.5, 0]);
  assert.equal([...nllLossBackward(f64([2, 3]), lp, t, { reduction: "none" }).data], [0, -2, -3, 0]);
});

test("cross_entropy = nll_loss ∘ log_softmax, forward and backward (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const { inputs, attrs } = crossEntropyOp.sample(rng, "float64");
      const { input, target } = inputs;
      // nll_loss takes class indices only; probability targets: spec/ops/cross_entropy_probabilities.spec.ts
      if (target.dtype !== "int32") return;
      const options = { reduction: attrs.reduction, ignoreIndex: attrs.ignore_index };
      const logp = logSoftmax(input, input.rank === 1 ? 0 : 1);
      const a = crossEntropy(input, target, options), b = nllLoss(logp, target, options);
      assert.equal([...a.shape], [...b.shape]);
      for (let i = 0; i < a.size; i++) close(a.data[i], b.data[i], 1e-13);
      // chain rule: dL/dz = dL/dlogp − softmax · Σ_c dL/dlogp
      const up = randn(a.shape, rng, { dtype: "float64" });
      const dz = crossEntropyBackward(up, input, target, options);
      const dlogp = nllLossBackward(up, logp, target, options);
      const C = input.rank === 1 ? input.shape[0] : input.shape[1];
      const inner = input.rank <= 2 ? 1 : input.size / (input.shape[0] * C);
      for (let n = 0; n < input.size / (C * inner); n++) {
        for (let s = 0; s < inner; s++) {
          let gsum = 0;
          for (let c = 0; c < C; c++) gsum += dlogp.data[(n * C + c) * inner + s];
          for (let c = 0; c < C; c++) {
            const i = (n * C + c) * inner + s;
            close(dz.data[i], dlogp.data[i] - Math.exp(logp.data[i]) * gsum, 1e-12);
          }
        }
      }
    }),
    fcParams(60),
  );
});

test("spatial targets: [N, C, H, W] equals the [N·H·W, C] problem", () => {
  const rng = new Random(11);
  const N = 2, C = 3, H = 2, W = 2;
  const z = randn([N, C, H, W], rng, { dtype: "float64" });
  const t = i32([[[0, 2], [1, 1]], [[2, -100], [0, 1]]]);
  const flat = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    flat[((n * H + h) * W + w) * C + c] = z.at(n, c, h, w);
  }
  const z2 = new Tensor(flat, [N * H * W, C]);
  const t2 = t.reshape([N * H * W]);
  for (const reduction of ["mean", "sum"] as const) close(scalar(crossEntropy(z, t, { reduction, labelSmoothing: 0.1 })), scalar(crossEntropy(z2, t2, { reduction, labelSmoothing: 0.1 })), 1e-14);
  const none = crossEntropy(z, t, { reduction: "none" });
  assert.equal([...none.shape], [N, H, W]);
  closeAll(none.data, [...crossEntropy(z2, t2, { reduction: "none" }).data], 1e-14);
});

test("unbatched input [C] with target [] is the N = 1 case", () => {
  const z = f64([1, 2, 0.5]);
  const loss = crossEntropy(z, i32(2), { reduction: "none" });
  assert.equal([...loss.shape], []);
  close(loss.data[0], scalar(crossEntropy(f64([[1, 2, 0.5]]), i32([2]))), 1e-15);
  close(scalar(nllLoss(f64([-1, -2]), i32(1))), 2);
});

// ───────────────────────────── all losses ─────────────────────────────

test("gradcheck: every loss (float64, rel. error < 1e-6)", () => {
  checkGradientsOfEach(lossOps, 100);
});

test("float32 and float64 agree, forward and backward", () => {
  for (const op of lossOps) checkFloat32Agreement(op, 15);
});

test("attribute defaults are PyTorch's", () => {
  assert.equal(mseLossOp.attrs({}), { reduction: "mean" });
  assert.equal(binaryCrossEntropyOp.attrs({}), { reduction: "mean" });
  assert.equal(binaryCrossEntropyWithLogitsOp.attrs({}), { reduction: "mean" });
  assert.equal(nllLossOp.attrs({}), { reduction: "mean", ignore_index: -100 });
  assert.equal(crossEntropyOp.attrs({}), { reduction: "mean", ignore_index: -100, label_smoothing: 0 });
  for (const name of ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss"]) {
    assert.ok(findOp(name), name);
    assert.equal(findOp(name)!.grads, ["input"]);
  }
});

test("every OpError path names the op, the argument, what was expected and what came", () => {
  assert.throws(() => crossEntropy(f64([[1, 2, 3], [1, 2, 3]]), i32([0, 3])), /cross_entropy: target: expected class indices in \[0, 2\] or ignore_index -100, got 3 at flat index 1/);
  assert.throws(() => nllLoss(f64([[1, 2]]), i32([-1])), /nll_loss: target: expected class indices in \[0, 1\] or ignore_index -100, got -1 at flat index 0/);
  assert.throws(() => crossEntropy(f64([[1, 2]]), f64([0])), /cross_entropy: target: expected class indices \(int32\) of shape \[1\] or class probabilities \(float\) of the input's shape \[1, 2\], got float64 tensor of shape \[1\]/);
  assert.throws(() => crossEntropy(f64([[1, 2]]), i32([0, 1])), /cross_entropy: target: expected shape \[1\] \(the input's shape \[1, 2\] without the class dimension\), got shape \[2\]/);
  assert.throws(() => crossEntropy(f64(1), i32(0)), /cross_entropy: input: expected rank ≥ 1 \[N, C, …\] or \[C\], got shape \[\]/);
  assert.throws(() => crossEntropyOp.attrs({ reduction: "avg" }), /cross_entropy: reduction: expected one of "mean", "sum", "none", got "avg"/);
  assert.throws(() => mseLossOp.attrs({ reduction: 1 }), /mse_loss: reduction: expected one of "mean", "sum", "none", got 1/);
  assert.throws(() => crossEntropyOp.attrs({ label_smoothing: 1.5 }), /cross_entropy: label_smoothing: expected a number in \[0, 1\], got 1.5/);
  assert.throws(() => nllLossOp.attrs({ ignore_index: 0.5 }), /nll_loss: ignore_index: expected an integer/);
  assert.throws(() => mseLoss(f64([1, 2]), f64([1, NaN])), /mse_loss: target: expected no NaN values, got NaN at flat index 1/);
  assert.throws(() => binaryCrossEntropy(f64([0.5]), f64([NaN])), /binary_cross_entropy: target: expected no NaN values, got NaN at flat index 0/);
  assert.throws(() => binaryCrossEntropyWithLogits(f64([0.5]), f64([NaN])), /binary_cross_entropy_with_logits: target: expected no NaN values/);
  assert.throws(() => binaryCrossEntropy(f64([0.5, 1.2]), f64([1, 0])), /binary_cross_entropy: input: expected probabilities in \[0, 1\], got 1.2 at flat index 1/);
  assert.throws(() => binaryCrossEntropy(f64([NaN]), f64([1])), /binary_cross_entropy: input: expected probabilities in \[0, 1\], got NaN at flat index 0/);
  assert.throws(() => mseLoss(f64([1, 2]), tensor([1, 2], "float32")), /mse_loss: target: expected dtype float64 \(the dtype of the first input\), got float32/);
  assert.throws(() => mseLoss(f64([1, 2]), f64([1, 2, 3])), /mse_loss: target: expected shape \[2\] \(the shape of the input\), got shape \[3\]/);
  assert.throws(() => mseLoss(i32([1, 2]), f64([1, 2])), /mse_loss: input: expected a float32 or float64 tensor, got int32 tensor of shape \[2\]/);
  assert.throws(() => mseLossBackward(f64([1, 1]), f64([1, 2]), f64([1, 2])), /mse_loss: upstream: expected shape \[\] \(the shape of the output\), got shape \[2\]/);
  assert.throws(() => mseLossBackward(f64(1), f64([1, 2]), f64([1, 2]), "none"), /mse_loss: upstream: expected shape \[2\] \(the shape of the output\), got shape \[\]/);
  assert.throws(() => crossEntropyBackward(tensor(1), f64([[1, 2]]), i32([0])), /cross_entropy: upstream: expected dtype float64 \(the dtype of the input\), got float32/);
});

test.run();
