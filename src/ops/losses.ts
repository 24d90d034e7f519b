/**
 * Loss functions and their gradients with respect to the prediction:
 * mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits,
 * cross_entropy and nll_loss, with PyTorch's semantics (torch.nn.functional).
 *
 * Every loss computes one value per element (or per position for the
 * class losses) and then reduces:
 *   "mean" → the average, a scalar (shape []);
 *   "sum"  → the sum, a scalar;
 *   "none" → the per-element losses, in the target's shape.
 * Sums run in float64; results are stored in the input's dtype. Gradients
 * are for `input` only (targets are data).
 */
import { allocate, fromArray, randn, randu, shapeString, sizeOf, Tensor, type FloatArray, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { choiceAttr, expectNoNaN, expectSameDType, expectShape, fail, floatData, intAttr, intData, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { logSoftmax } from "./activations.js";
import { crossEntropyProbabilities, crossEntropyProbabilitiesBackward, isProbabilityTarget, sampleProbabilityCase } from "./cross_entropy_probabilities.js";

/** How per-element losses are combined. */
export type Reduction = "mean" | "sum" | "none";
const REDUCTIONS: readonly Reduction[] = ["mean", "sum", "none"];

/** Validates a `reduction` attribute (default "mean"). */
function reductionAttr(op: string, value: unknown): Reduction {
  return value === undefined ? "mean" : choiceAttr(op, "reduction", value, REDUCTIONS);
}

/**
 * Reduces per-element losses. `count` is the divisor of "mean" (the number
 * of elements, or of non-ignored targets); 0/0 gives NaN, as in PyTorch.
 */
function reduce(losses: Float64Array, shape: Shape, reduction: Reduction, dtype: FloatDType, count = losses.length): Tensor {
  if (reduction === "none") return fromArray(losses, shape, dtype);
  let sum = 0;
  for (let i = 0; i < losses.length; i++) sum += losses[i];
  return fromArray([reduction === "mean" ? sum / count : sum], [], dtype);
}

/**
 * The factor of each element's gradient that comes from the reduction:
 * the upstream value itself ("none"), g ("sum") or g / count ("mean").
 */
function reductionScale(op: string, dy: Tensor, shape: Shape, reduction: Reduction, dtype: FloatDType, count: number): (i: number) => number {
  const g = floatData(op, "upstream", dy);
  expectShape(op, "upstream", dy, reduction === "none" ? shape : [], "the shape of the output");
  if (dy.dtype !== dtype) fail(op, "upstream", `dtype ${dtype} (the dtype of the input)`, dy.dtype);
  if (reduction === "none") return (i) => g[i];
  const s = reduction === "mean" ? g[0] / count : g[0];
  return () => s;
}

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

// ───────────────────────────── class losses ─────────────────────────────
// 001, "Training objective for classification": with one-hot yⁱ and class
// probabilities g_c(xⁱ, W), L′(W) = (1/N) Σᵢ [−Σ_c yⁱ_c log g_c(xⁱ, W)]; with a
// one-hot yⁱ only the true class's log-probability survives. 002, "Deep Neural
// Nets - Adaptations": −Σᵢ yᵢ log softmax(z)ᵢ; 003, "Multi-Class Case":
// Eₙ = −Σₖ tₙᵏ ln pₙᵏ. So cross_entropy(z, t) = nll_loss(log_softmax(z), t).
// 001's regularized objective adds λ Σ W²: that term is not part of these
// losses; it is the optimizer's weight decay (sgd_step's weight_decay = 2λ).
//
// Layout: input [N, C] or [N, C, d₁, …] (or unbatched [C]); target int32
// [N] or [N, d₁, …] (or []) of class indices. A target equal to ignore_index
// contributes nothing, and "mean" divides by the number of the others (so all
// ignored gives 0/0 = NaN, as PyTorch does).

/** The sizes of a class-loss call: N positions × C classes, `inner` positions per sample. */
interface ClassLayout {
  batch: number;
  classes: number;
  /** Product of the spatial dims d₁, … (1 without them). */
  inner: number;
  /** The target's shape: the per-position losses' shape. */
  positionShape: Shape;
}

/**
 * Validates input [N, C, d…] / [C] against target [N, d…] / [] and every
 * target value: in [0, C) unless it equals ignore_index. Throws OpError.
 */
function classLayout(op: string, input: Tensor, target: Tensor, ignoreIndex: number): ClassLayout {
  floatData(op, "input", input);
  const t = intData(op, "target", target);
  if (input.rank < 1) fail(op, "input", "rank ≥ 1 [N, C, …] or [C]", `shape ${shapeString(input.shape)}`);
  const expected = input.rank === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  expectShape(op, "target", target, expected, `the input's shape ${shapeString(input.shape)} without the class dimension`);
  const classes = input.rank === 1 ? input.shape[0] : input.shape[1];
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== ignoreIndex && (t[i] < 0 || t[i] >= classes)) {
      fail(op, "target", `class indices in [0, ${classes - 1}] or ignore_index ${ignoreIndex}`, `${t[i]} at flat index ${i}`);
    }
  }
  const batch = input.rank === 1 ? 1 : input.shape[0];
  return { batch, classes, inner: sizeOf(input.shape.slice(2)), positionShape: target.shape };
}

/** Number of targets that are not ignore_index. */
function countKept(t: Int32Array, ignoreIndex: number): number {
  let n = 0;
  for (let i = 0; i < t.length; i++) if (t[i] !== ignoreIndex) n++;
  return n;
}

/** Options of `nllLoss`. */
export interface NllLossOptions {
  reduction?: Reduction;
  /** Targets equal to this are skipped (default −100). */
  ignoreIndex?: number;
}

/**
 * Negative log-likelihood: −input[n, target[n], …] for log-probabilities
 * `input` [N, C, d…] and class indices `target` [N, d…], reduced.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const { reduction = "mean", ignoreIndex = -100 } = options;
  const { classes, inner, positionShape } = classLayout("nll_loss", input, target, ignoreIndex);
  const logp = input.data, t = target.data as Int32Array;
  const losses = new Float64Array(t.length);
  for (let p = 0; p < t.length; p++) {
    if (t[p] === ignoreIndex) continue;
    const n = Math.floor(p / inner), s = p % inner;
    losses[p] = -logp[(n * classes + t[p]) * inner + s];
  }
  return reduce(losses, positionShape, reduction, input.dtype as FloatDType, countKept(t, ignoreIndex));
}

/** dL/dinput: −g at each kept target's class (÷ the kept count for "mean"), 0 elsewhere. → the input's shape [N, C, …]. */
export function nllLossBackward(dy: Tensor, input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const { reduction = "mean", ignoreIndex = -100 } = options;
  const { classes, inner, positionShape } = classLayout("nll_loss", input, target, ignoreIndex);
  const t = target.data as Int32Array;
  const dtype = input.dtype as FloatDType;
  const scale = reductionScale("nll_loss", dy, positionShape, reduction, dtype, countKept(t, ignoreIndex));
  const dx = allocate(dtype, input.size);
  for (let p = 0; p < t.length; p++) {
    if (t[p] === ignoreIndex) continue;
    const n = Math.floor(p / inner), s = p % inner;
    dx[(n * classes + t[p]) * inner + s] = -scale(p);
  }
  return new Tensor(dx, input.shape);
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /**
   * ε ∈ [0, 1]: the target becomes (1 − ε)·one-hot + ε/C (PyTorch's label
   * smoothing; default 0).
   */
  labelSmoothing?: number;
}

/**
 * The per-position log-probabilities log softmax(z) over the class dimension,
 * in float64 whatever the input's dtype (so a float32 loss is rounded once).
 */
function classLogProbabilities(input: Tensor): Float64Array {
  const z = input.dtype === "float64" ? input : input.astype("float64");
  return logSoftmax(z, input.rank === 1 ? 0 : 1).data as Float64Array;
}

/**
 * Cross-entropy of logits `input` [N, C, d…] (or [C]) against class indices
 * `target` [N, d…] (or []) — or, for a float `target` of the input's shape,
 * against class probabilities (one-hot or soft; ./cross_entropy_probabilities.ts) — with PyTorch's label smoothing:
 *   lossₚ = (1 − ε)·(−log p[t]) + (ε/C)·(−Σ_c log p[c]),   p = softmax(z) over C,
 * 0 for an ignored position; "mean" divides by the number of kept positions.
 * Logits of ±50 give exact finite values: [50, −50] with target 0 is
 * log(1 + e^(−100)) ≈ 3.72e−44, with target 1 it is 100.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return crossEntropyWithLogProbabilities(input, target, options).output;
}

/** `crossEntropy`, also returning the float64 log-softmax that its backward reuses. */
function crossEntropyWithLogProbabilities(input: Tensor, target: Tensor, options: CrossEntropyOptions): { output: Tensor; logp: Float64Array } {
  const { reduction = "mean", ignoreIndex = -100, labelSmoothing: eps = 0 } = options;
  if (isProbabilityTarget(target)) return crossEntropyProbabilities(input, target, reduction, eps);
  const { classes, inner, positionShape } = classLayout("cross_entropy", input, target, ignoreIndex);
  const logp = classLogProbabilities(input);
  const t = target.data as Int32Array;
  const losses = new Float64Array(t.length);
  for (let p = 0; p < t.length; p++) {
    if (t[p] === ignoreIndex) continue;
    const n = Math.floor(p / inner), s = p % inner;
    const first = n * classes * inner + s; // log p of class c at this position: logp[first + c·inner]
    let loss = -logp[first + t[p] * inner];
    if (eps > 0) {
      let sumLogp = 0;
      for (let c = 0; c < classes; c++) sumLogp += logp[first + c * inner];
      loss = (1 - eps) * loss - (eps / classes) * sumLogp;
    }
    losses[p] = loss;
  }
  const output = reduce(losses, positionShape, reduction, input.dtype as FloatDType, countKept(t, ignoreIndex));
  return { output, logp };
}

/**
 * dL/dz_c = scaleₚ · (p_c − (1 − ε)·1[c = t] − ε/C) at each kept position
 * (the classic softmax-minus-one-hot when ε = 0), 0 at ignored ones.
 * `logp` is the float64 log-softmax the forward computed (recomputed if omitted).
 */
export function crossEntropyBackward(dy: Tensor, input: Tensor, target: Tensor, options: CrossEntropyOptions = {}, logp?: Float64Array): Tensor {
  const { reduction = "mean", ignoreIndex = -100, labelSmoothing: eps = 0 } = options;
  if (isProbabilityTarget(target)) return crossEntropyProbabilitiesBackward(dy, input, target, reduction, eps, logp);
  const { classes, inner, positionShape } = classLayout("cross_entropy", input, target, ignoreIndex);
  const lp = logp ?? classLogProbabilities(input);
  const t = target.data as Int32Array;
  const dtype = input.dtype as FloatDType;
  const scale = reductionScale("cross_entropy", dy, positionShape, reduction, dtype, countKept(t, ignoreIndex));
  const dz = allocate(dtype, input.size);
  for (let p = 0; p < t.length; p++) {
    if (t[p] === ignoreIndex) continue;
    const n = Math.floor(p / inner), s = p % inner;
    const g = scale(p);
    for (let c = 0; c < classes; c++) {
      const i = (n * classes + c) * inner + s;
      const oneHot = c === t[p] ? 1 : 0;
      dz[i] = g * (Math.exp(lp[i]) - (1 - eps) * oneHot - eps / classes);
    }
  }
  return new Tensor(dz, input.shape);
}

// ───────────────────────────── OpDefs ─────────────────────────────

/** Attributes of the elementwise losses. */
export interface ReductionAttrs {
  reduction: Reduction;
}

/** Attributes of `nll_loss`. */
export interface NllLossAttrs extends ReductionAttrs {
  ignore_index: number;
}

/** Attributes of `cross_entropy`. */
export interface CrossEntropyAttrs extends NllLossAttrs {
  label_smoothing: number;
}

interface PairCache {
  input: Tensor;
  target: Tensor;
}

function pickReduction(rng: Random): Reduction {
  return REDUCTIONS[rng.int(3)];
}

function randomShape(rng: Random): number[] {
  return Array.from({ length: rng.int(4) }, () => 1 + rng.int(4)); // rank 0 to 3
}

/** An OpDef for an elementwise loss from its forward and backward functions. */
function elementwiseLoss(
  name: string,
  forward: (input: Tensor, target: Tensor, reduction: Reduction) => Tensor,
  backward: (dy: Tensor, input: Tensor, target: Tensor, reduction: Reduction) => Tensor,
  sampleInput: (shape: number[], rng: Random, dtype: FloatDType) => Tensor,
  sampleTarget: (shape: number[], rng: Random, dtype: FloatDType) => Tensor,
): OpDef<ReductionAttrs, PairCache> {
  return {
    name,
    inputs: ["input", "target"],
    optional: [],
    outputs: ["output"],
    differentiableOutputs: ["output"],
    grads: ["input"],
    attrs: (raw: RawAttrs) => ({ reduction: reductionAttr(name, raw.reduction) }),
    forward: ({ input, target }, a) => ({ outputs: { output: forward(input, target, a.reduction) }, cache: { input, target } }),
    backward: ({ output }, c, a) => ({ input: backward(output, c.input, c.target, a.reduction) }),
    sample: (rng, dtype) => {
      const shape = randomShape(rng);
      return { inputs: { input: sampleInput(shape, rng, dtype), target: sampleTarget(shape, rng, dtype) }, attrs: { reduction: pickReduction(rng) } };
    },
  };
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

function nllAttrs(op: string, raw: RawAttrs): NllLossAttrs {
  return {
    reduction: reductionAttr(op, raw.reduction),
    ignore_index: raw.ignore_index === undefined ? -100 : intAttr(op, "ignore_index", raw.ignore_index, -(2 ** 31)),
  };
}

/**
 * A random class-loss case: input [N, C, d…] (sometimes unbatched [C]) and
 * int32 targets, some equal to ignore_index (which is −100 or sometimes a
 * class), at least one kept.
 */
function sampleClassCase(rng: Random, dtype: FloatDType, logProbabilities: boolean): { input: Tensor; target: Tensor; ignoreIndex: number } {
  const classes = 2 + rng.int(4);
  const unbatched = rng.bernoulli(0.15);
  const spatial = unbatched ? [] : Array.from({ length: rng.bernoulli(0.3) ? 1 + rng.int(2) : 0 }, () => 1 + rng.int(3));
  const batch = 1 + rng.int(4);
  const inputShape = unbatched ? [classes] : [batch, classes, ...spatial];
  const targetShape = unbatched ? [] : [batch, ...spatial];
  const ignoreIndex = rng.bernoulli(0.25) ? rng.int(classes) : -100;
  const t = new Int32Array(sizeOf(targetShape));
  for (let i = 0; i < t.length; i++) t[i] = rng.bernoulli(0.2) ? ignoreIndex : rng.int(classes);
  if (countKept(t, ignoreIndex) === 0) {
    let c = rng.int(classes);
    if (c === ignoreIndex) c = (c + 1) % classes;
    t[0] = c;
  }
  let input = randn(inputShape, rng, { std: 2, dtype });
  if (logProbabilities) input = logSoftmax(input, unbatched ? 0 : 1);
  return { input, target: new Tensor(t, targetShape), ignoreIndex };
}

/** `nll_loss`: input (log-probabilities [N, C, …]), target (int32 [N, …]) → output; attributes reduction, ignore_index. */
export const nllLossOp: OpDef<NllLossAttrs, PairCache> = {
  name: "nll_loss",
  inputs: ["input", "target"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: (raw) => nllAttrs("nll_loss", raw),
  forward: ({ input, target }, a) => ({
    outputs: { output: nllLoss(input, target, { reduction: a.reduction, ignoreIndex: a.ignore_index }) },
    cache: { input, target },
  }),
  backward: ({ output }, c, a) => ({ input: nllLossBackward(output, c.input, c.target, { reduction: a.reduction, ignoreIndex: a.ignore_index }) }),
  sample: (rng, dtype) => {
    const { input, target, ignoreIndex } = sampleClassCase(rng, dtype, true);
    return { inputs: { input, target }, attrs: { reduction: pickReduction(rng), ignore_index: ignoreIndex } };
  },
};

interface CrossEntropyCache extends PairCache {
  logp: Float64Array;
}

/** `cross_entropy`: input (logits [N, C, …]), target (int32 class indices [N, …], or float probabilities [N, C, …]) → output; attributes reduction, ignore_index, label_smoothing. */
export const crossEntropyOp: OpDef<CrossEntropyAttrs, CrossEntropyCache> = {
  name: "cross_entropy",
  inputs: ["input", "target"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: (raw) => ({
    ...nllAttrs("cross_entropy", raw),
    label_smoothing: raw.label_smoothing === undefined ? 0 : numberAttr("cross_entropy", "label_smoothing", raw.label_smoothing, 0, 1),
  }),
  forward: ({ input, target }, a) => {
    const options = { reduction: a.reduction, ignoreIndex: a.ignore_index, labelSmoothing: a.label_smoothing };
    const { output, logp } = crossEntropyWithLogProbabilities(input, target, options);
    return { outputs: { output }, cache: { input, target, logp } };
  },
  backward: ({ output }, c, a) => ({
    input: crossEntropyBackward(output, c.input, c.target, { reduction: a.reduction, ignoreIndex: a.ignore_index, labelSmoothing: a.label_smoothing }, c.logp),
  }),
  sample: (rng, dtype) => {
    if (rng.bernoulli(0.3)) return sampleProbabilityCase(rng, dtype);
    const { input, target, ignoreIndex } = sampleClassCase(rng, dtype, false);
    const labelSmoothing = rng.bernoulli(0.5) ? 0 : Math.round(rng.uniformIn(0, 0.5) * 1000) / 1000;
    return { inputs: { input, target }, attrs: { reduction: pickReduction(rng), ignore_index: ignoreIndex, label_smoothing: labelSmoothing } };
  },
};

/** The loss ops, for the registry. */
export const lossOps: OpDef[] = [mseLossOp, binaryCrossEntropyOp, binaryCrossEntropyWithLogitsOp, crossEntropyOp, nllLossOp];
