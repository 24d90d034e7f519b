/**
 * The class losses, with PyTorch's semantics (torch.nn.functional):
 * nll_loss and cross_entropy, their gradients with respect to the input, and
 * their OpDefs. cross_entropy against class probabilities (a float target)
 * is in ./cross_entropy_probabilities.ts; the reductions are ./reduction.ts.
 */
import { allocate, randn, shapeString, sizeOf, Tensor, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { expectShape, fail, floatData, intAttr, intData, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { binaryOp } from "./binary_op.js";
import { logSoftmax } from "./activations.js";
import { crossEntropyProbabilities, crossEntropyProbabilitiesBackward, isProbabilityTarget, sampleProbabilityCase } from "./cross_entropy_probabilities.js";
import { pickReduction, reduce, reductionAttr, reductionScale, type PairCache, type Reduction, type ReductionAttrs } from "./reduction.js";

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
export interface ClassLayout {
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
export function classLayout(op: string, input: Tensor, target: Tensor, ignoreIndex: number): ClassLayout {
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
export function countKept(t: Int32Array, ignoreIndex: number): number {
  let n = 0;
  for (let i = 0; i < t.length; i++) if (t[i] !== ignoreIndex) n++;
  return n;
}

/**
 * Calls `visit(p, first)` for each position p (a sample n and spatial place
 * s) whose target t[p] is not ignore_index; the input's value of class c at
 * that position is at flat index first + c·inner.
 */
function forEachKept(t: Int32Array, ignoreIndex: number, { classes, inner }: ClassLayout, visit: (p: number, first: number) => void): void {
  for (let p = 0; p < t.length; p++) {
    if (t[p] === ignoreIndex) continue;
    const n = Math.floor(p / inner), s = p % inner;
    visit(p, n * classes * inner + s);
  }
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
  const layout = classLayout("nll_loss", input, target, ignoreIndex);
  const logp = input.data, t = target.data as Int32Array;
  const losses = new Float64Array(t.length);
  forEachKept(t, ignoreIndex, layout, (p, first) => {
    losses[p] = -logp[first + t[p] * layout.inner];
  });
  return reduce(losses, layout.positionShape, reduction, input.dtype as FloatDType, countKept(t, ignoreIndex));
}

/** dL/dinput: −g at each kept target's class (÷ the kept count for "mean"), 0 elsewhere. → the input's shape [N, C, …]. */
export function nllLossBackward(dy: Tensor, input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const { reduction = "mean", ignoreIndex = -100 } = options;
  const layout = classLayout("nll_loss", input, target, ignoreIndex);
  const t = target.data as Int32Array;
  const dtype = input.dtype as FloatDType;
  const scale = reductionScale("nll_loss", dy, layout.positionShape, reduction, dtype, countKept(t, ignoreIndex));
  const dx = allocate(dtype, input.size);
  forEachKept(t, ignoreIndex, layout, (p, first) => {
    dx[first + t[p] * layout.inner] = -scale(p);
  });
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
  const layout = classLayout("cross_entropy", input, target, ignoreIndex);
  const { classes, inner } = layout;
  const logp = classLogProbabilities(input);
  const t = target.data as Int32Array;
  const losses = new Float64Array(t.length);
  forEachKept(t, ignoreIndex, layout, (p, first) => {
    // log p of class c at this position: logp[first + c·inner]
    let loss = -logp[first + t[p] * inner];
    if (eps > 0) {
      let sumLogp = 0;
      for (let c = 0; c < classes; c++) sumLogp += logp[first + c * inner];
      loss = (1 - eps) * loss - (eps / classes) * sumLogp;
    }
    losses[p] = loss;
  });
  const output = reduce(losses, layout.positionShape, reduction, input.dtype as FloatDType, countKept(t, ignoreIndex));
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
  const layout = classLayout("cross_entropy", input, target, ignoreIndex);
  const { classes, inner } = layout;
  const lp = logp ?? classLogProbabilities(input);
  const t = target.data as Int32Array;
  const dtype = input.dtype as FloatDType;
  const scale = reductionScale("cross_entropy", dy, layout.positionShape, reduction, dtype, countKept(t, ignoreIndex));
  const dz = allocate(dtype, input.size);
  forEachKept(t, ignoreIndex, layout, (p, first) => {
    const g = scale(p);
    for (let c = 0; c < classes; c++) {
      const i = first + c * inner;
      const oneHot = c === t[p] ? 1 : 0;
      dz[i] = g * (Math.exp(lp[i]) - (1 - eps) * oneHot - eps / classes);
    }
  });
  return new Tensor(dz, input.shape);
}

// ───────────────────────────── OpDefs ─────────────────────────────

/** Attributes of `nll_loss`. */
export interface NllLossAttrs extends ReductionAttrs {
  ignore_index: number;
}

/** Attributes of `cross_entropy`. */
export interface CrossEntropyAttrs extends NllLossAttrs {
  label_smoothing: number;
}

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
export const nllLossOp = binaryOp<NllLossAttrs>({
  name: "nll_loss",
  inputs: ["input", "target"],
  grads: ["input"],
  attrs: (raw) => nllAttrs("nll_loss", raw),
  forward: (input, target, a) => nllLoss(input, target, { reduction: a.reduction, ignoreIndex: a.ignore_index }),
  backward: (dy, input, target, a) => ({ input: nllLossBackward(dy, input, target, { reduction: a.reduction, ignoreIndex: a.ignore_index }) }),
  sample: (rng, dtype) => {
    const { input, target, ignoreIndex } = sampleClassCase(rng, dtype, true);
    return { inputs: { input, target }, attrs: { reduction: pickReduction(rng), ignore_index: ignoreIndex } };
  },
});

export interface CrossEntropyCache extends PairCache {
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

