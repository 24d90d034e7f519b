/**
 * The elementwise losses and their gradients with respect to the prediction:
 * mse_loss, binary_cross_entropy and binary_cross_entropy_with_logits, with
 * PyTorch's semantics (torch.nn.functional). The class losses, cross_entropy
 * and nll_loss, are in ./class_losses.ts.
 *
 * Every loss computes one value per element (or per position for the
 * class losses) and then reduces (./reduction.ts):
 *   "mean" → the average, a scalar (shape []);
 *   "sum"  → the sum, a scalar;
 *   "none" → the per-element losses, in the target's shape.
 * Sums run in float64; results are stored in the input's dtype. Gradients
 * are for `input` only (targets are data).
 */
import { allocate, randn, randu, Tensor, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { expectNoNaN, expectSameDType, expectShape, fail, floatData } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { crossEntropyOp, nllLossOp } from "./class_losses.js";
import { randomShape } from "./random_cases.js";
import { binaryOp } from "./binary_op.js";
import { pickReduction, reduce, reductionAttr, reductionScale, type Reduction, type ReductionAttrs } from "./reduction.js";

export type { Reduction, ReductionAttrs } from "./reduction.js";

/** Checks a float target of the input's shape and dtype without NaN, and returns its data. */
function floatTarget(op: string, input: Tensor, target: Tensor): FloatArray {
  const t = floatData(op, "target", target);
  expectSameDType(op, "target", input, target);
  expectShape(op, "target", target, input.shape, "the shape of the input");
  expectNoNaN(op, "target", t);
  return t;
}

// ───────────────────────────── mean squared error ─────────────────────────────
// 000, "Multi-Layered Perceptron": J = ½ Σₖ (tₖ − ŷₖ)² — that is
// ½ · mse_loss(ŷ, t, "sum"); PyTorch's default "mean" divides by the number
// of elements instead of 2. ∂/∂ŷ (x − t)² = 2(x − t).

/** Σ or mean of (input − target)², or the elementwise squares ("none"). input, target: same shape. */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const x = floatData("mse_loss", "input", input);
  const t = floatTarget("mse_loss", input, target);
  const losses = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) losses[i] = (x[i] - t[i]) * (x[i] - t[i]);
  return reduce(losses, input.shape, reduction, input.dtype as FloatDType);
}

/** dL/dinput = g · 2(input − target) (÷ the element count for "mean"). dy: [] or, for "none", the input's shape → the input's shape. */
export function mseLossBackward(dy: Tensor, input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const x = floatData("mse_loss", "input", input);
  const t = floatTarget("mse_loss", input, target);
  const dtype = input.dtype as FloatDType;
  const scale = reductionScale("mse_loss", dy, input.shape, reduction, dtype, x.length);
  const dx = allocate(dtype, x.length);
  for (let i = 0; i < x.length; i++) dx[i] = scale(i) * 2 * (x[i] - t[i]);
  return new Tensor(dx, input.shape);
}

// ───────────────────────────── binary cross-entropy ─────────────────────────────
// 003, "Binary Case": Eₙ = −(tₙ ln yₙ + (1 − tₙ) ln(1 − yₙ)), E = (1/N) Σₙ Eₙ
// (reduction "mean"). As PyTorch does, each logarithm is clamped at −100 so
// that y = 0 or 1 gives a finite loss (100 per element at worst), and the
// backward divides by max(y(1 − y), 1e-12):
//   ∂Eₙ/∂yₙ = −tₙ/yₙ + (1 − tₙ)/(1 − yₙ) = (yₙ − tₙ) / (yₙ(1 − yₙ)).

const LOG_CLAMP = -100;
const BCE_EPSILON = 1e-12;

function probabilities(op: string, input: Tensor): FloatArray {
  const y = floatData(op, "input", input);
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] <= 1)) fail(op, "input", "probabilities in [0, 1]", `${y[i]} at flat index ${i}`);
  }
  return y;
}

/** Binary cross-entropy of probabilities `input` ∈ [0, 1] against `target` (same shape; soft targets allowed). */
export function binaryCrossEntropy(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const y = probabilities("binary_cross_entropy", input);
  const t = floatTarget("binary_cross_entropy", input, target);
  const losses = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const logY = Math.max(Math.log(y[i]), LOG_CLAMP);
    const log1mY = Math.max(Math.log1p(-y[i]), LOG_CLAMP);
    losses[i] = -(t[i] * logY + (1 - t[i]) * log1mY);
  }
  return reduce(losses, input.shape, reduction, input.dtype as FloatDType);
}

/** dL/dinput = g · (y − t) / max(y(1 − y), 1e-12), PyTorch's form. dy: [] or, for "none", the input's shape → the input's shape. */
export function binaryCrossEntropyBackward(dy: Tensor, input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const y = probabilities("binary_cross_entropy", input);
  const t = floatTarget("binary_cross_entropy", input, target);
  const dtype = input.dtype as FloatDType;
  const scale = reductionScale("binary_cross_entropy", dy, input.shape, reduction, dtype, y.length);
  const dx = allocate(dtype, y.length);
  for (let i = 0; i < y.length; i++) dx[i] = (scale(i) * (y[i] - t[i])) / Math.max(y[i] * (1 - y[i]), BCE_EPSILON);
  return new Tensor(dx, input.shape);
}

// ───────────────────────── binary cross-entropy of logits ─────────────────────────
// The same loss with y = σ(x) folded in (003's logistic output unit): for a logit x,
//   −(t ln σ(x) + (1 − t) ln(1 − σ(x))) = max(x, 0) − x·t + ln(1 + e^(−|x|)),
// which never overflows and keeps full precision when |x| is large
// (x = 50, t = 1 gives ln(1 + e^(−50)) ≈ 1.93e−22, not 0 or ∞).
//   ∂/∂x = σ(x) − t.
// At an infinite logit the stable form gives ∞ − ∞ or ∞·0 where PyTorch's
// own form (1 − t)·x − log σ(x) gives its answer; there we use PyTorch's
// form, so both agree: x = +∞ costs ∞ for t = 0 and NaN for t = 1
// (0·∞), x = −∞ costs NaN (−∞ + ∞) whatever t.

/** Binary cross-entropy of logits `input` against `target` (same shape), computed stably. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const x = floatData("binary_cross_entropy_with_logits", "input", input);
  const t = floatTarget("binary_cross_entropy_with_logits", input, target);
  const losses = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    losses[i] = Number.isFinite(xi) || Number.isNaN(xi)
      ? Math.max(xi, 0) - xi * t[i] + Math.log1p(Math.exp(-Math.abs(xi)))
      : (1 - t[i]) * xi - (xi > 0 ? 0 : xi); // PyTorch's (1 − t)·x − log σ(x), log σ(±∞) = 0, −∞
  }
  return reduce(losses, input.shape, reduction, input.dtype as FloatDType);
}

/** σ(x) without overflow. */
function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** dL/dinput = g · (σ(x) − t). dy: [] or, for "none", the input's shape → the input's shape. */
export function binaryCrossEntropyWithLogitsBackward(dy: Tensor, input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const x = floatData("binary_cross_entropy_with_logits", "input", input);
  const t = floatTarget("binary_cross_entropy_with_logits", input, target);
  const dtype = input.dtype as FloatDType;
  const scale = reductionScale("binary_cross_entropy_with_logits", dy, input.shape, reduction, dtype, x.length);
  const dx = allocate(dtype, x.length);
  for (let i = 0; i < x.length; i++) dx[i] = scale(i) * (stableSigmoid(x[i]) - t[i]);
  return new Tensor(dx, input.shape);
}
// ───────────────────────────── OpDefs ─────────────────────────────

/** An OpDef for an elementwise loss from its forward and backward functions. */
function elementwiseLoss(
  name: string,
  forward: (input: Tensor, target: Tensor, reduction: Reduction) => Tensor,
  backward: (dy: Tensor, input: Tensor, target: Tensor, reduction: Reduction) => Tensor,
  sampleInput: (shape: number[], rng: Random, dtype: FloatDType) => Tensor,
  sampleTarget: (shape: number[], rng: Random, dtype: FloatDType) => Tensor,
): OpDef<ReductionAttrs, [Tensor, Tensor]> {
  return binaryOp<ReductionAttrs>({
    name,
    inputs: ["input", "target"],
    grads: ["input"],
    attrs: (raw: RawAttrs) => ({ reduction: reductionAttr(name, raw.reduction) }),
    forward: (input, target, a) => forward(input, target, a.reduction),
    backward: (dy, input, target, a) => ({ input: backward(dy, input, target, a.reduction) }),
    sample: (rng, dtype) => {
      const shape = randomShape(rng);
      return { inputs: { input: sampleInput(shape, rng, dtype), target: sampleTarget(shape, rng, dtype) }, attrs: { reduction: pickReduction(rng) } };
    },
  });
}

/** Soft targets in [0, 1], or hard 0/1 labels half of the time. */
function sampleProbabilityTarget(shape: number[], rng: Random, dtype: FloatDType): Tensor {
  const t = randu(shape, rng, { dtype });
  if (rng.bernoulli(0.5)) for (let i = 0; i < t.size; i++) t.data[i] = t.data[i] < 0.5 ? 0 : 1;
  return t;
}

/** `mse_loss`: input, target (same shape) → output; attribute reduction. */
export const mseLossOp = elementwiseLoss(
  "mse_loss", mseLoss, mseLossBackward,
  (shape, rng, dtype) => randn(shape, rng, { dtype }),
  (shape, rng, dtype) => randn(shape, rng, { dtype }),
);

/** `binary_cross_entropy`: input (probabilities), target → output; attribute reduction. */
export const binaryCrossEntropyOp = elementwiseLoss(
  "binary_cross_entropy", binaryCrossEntropy, binaryCrossEntropyBackward,
  (shape, rng, dtype) => randu(shape, rng, { low: 0.1, high: 0.9, dtype }),
  sampleProbabilityTarget,
);

/** `binary_cross_entropy_with_logits`: input (logits), target → output; attribute reduction. */
export const binaryCrossEntropyWithLogitsOp = elementwiseLoss(
  "binary_cross_entropy_with_logits", binaryCrossEntropyWithLogits, binaryCrossEntropyWithLogitsBackward,
  (shape, rng, dtype) => randn(shape, rng, { std: 3, dtype }),
  sampleProbabilityTarget,
);

/** The loss ops, for the registry. */
export const lossOps: OpDef[] = [mseLossOp, binaryCrossEntropyOp, binaryCrossEntropyWithLogitsOp, crossEntropyOp, nllLossOp];
