/**
 * Cross-entropy against class probabilities — one-hot or soft targets — as
 * PyTorch's F.cross_entropy computes it when the target is a float tensor of
 * the input's shape (PyTorch ≥ 1.10). `cross_entropy` (./class_losses.ts) comes
 * here for a float target; an int32 target holds class indices instead.
 *
 * The lectures write the loss with the target as a vector: 001 Introduction
 * to ML week 6, "Training objective for classification":
 * L′(W) = (1/N) Σᵢ [−Σ_c yⁱ_c log g_c(xⁱ, W)] with one-hot yⁱ; 003 Deep
 * Learning Crash Course, "Multi-Class Case": Eₙ = −Σₖ tₙᵏ ln pₙᵏ. Here y may
 * be any probabilities (soft labels, a teacher's outputs, mixup); with a
 * one-hot y the loss equals the class-index form.
 *
 * Layout: input z [N, C, d₁, …] (or unbatched [C]); target y of the same
 * shape and dtype. At each position p (a sample n and spatial place d…):
 *
 *   y′_c = (1 − ε)·y_c + ε/C                 (label smoothing ε; PyTorch's)
 *   lossₚ = −Σ_c y′_c · log softmax(z)_c
 *
 * "mean" divides by the number of positions N·d₁·… (PyTorch: not by a count
 * of targets — there is no ignore_index with probabilities), "sum" adds,
 * "none" keeps [N, d₁, …] (or [] unbatched).
 *
 * Backward (derived by hand): log softmax(z)_c = z_c − log Σ_k e^{z_k}, so
 *   ∂lossₚ/∂z_c = −y′_c + (Σ_k y′_k)·p_c,     p = softmax(z),
 * which is the familiar p_c − y′_c when the target sums to 1.
 */
import { allocate, fromArray, randn, shapeString, sizeOf, Tensor, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { expectNoNaN, expectSameDType, expectShape, fail, floatData } from "../errors.js";
import { logSoftmax, softmax } from "./activations.js";
import type { Tensors } from "./op.js";

/** "mean", "sum" or "none", as the other losses. */
type Reduction = "mean" | "sum" | "none";

/** Whether `target` holds class probabilities (a float tensor) rather than class indices (int32). */
export function isProbabilityTarget(target: Tensor): boolean {
  return typeof target === "object" && target !== null && (target.dtype === "float32" || target.dtype === "float64");
}

/** Sizes of a call: `classes` C, `inner` positions per sample (Πd), the per-position shape. */
interface Layout {
  classes: number;
  inner: number;
  positions: number;
  positionShape: number[];
}

/** Validates input [N, C, d…] / [C] and a float target of the same shape and dtype, without NaN. */
function layout(input: Tensor, target: Tensor): { layout: Layout; y: FloatArray } {
  floatData("cross_entropy", "input", input);
  if (input.rank < 1) fail("cross_entropy", "input", "rank ≥ 1 [N, C, …] or [C]", `shape ${shapeString(input.shape)}`);
  const y = floatData("cross_entropy", "target", target);
  if (target.rank !== input.rank || target.shape.some((d, i) => d !== input.shape[i])) {
    const indexShape = input.rank === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
    fail("cross_entropy", "target", `class indices (int32) of shape ${shapeString(indexShape)} or class probabilities (float) of the input's shape ${shapeString(input.shape)}`, `${target.dtype} tensor of shape ${shapeString(target.shape)}`);
  }
  expectSameDType("cross_entropy", "target", input, target);
  expectNoNaN("cross_entropy", "target", y);
  const classes = input.rank === 1 ? input.shape[0] : input.shape[1];
  const positionShape = input.rank === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  return { layout: { classes, inner: sizeOf(input.shape.slice(2)), positions: sizeOf(positionShape), positionShape }, y };
}

/** log softmax over the class dimension, in float64 whatever the input's dtype. */
function logProbabilities(input: Tensor): Float64Array {
  const z = input.dtype === "float64" ? input : input.astype("float64");
  return logSoftmax(z, input.rank === 1 ? 0 : 1).data as Float64Array;
}

/**
 * The loss of logits `input` [N, C, d…] against probabilities `target` (same
 * shape), reduced; also the float64 log-softmax its backward reuses.
 */
export function crossEntropyProbabilities(input: Tensor, target: Tensor, reduction: Reduction, labelSmoothing: number): { output: Tensor; logp: Float64Array } {
  const { layout: { classes, inner, positions, positionShape }, y } = layout(input, target);
  const logp = logProbabilities(input);
  const eps = labelSmoothing;
  const losses = new Float64Array(positions);
  for (let p = 0; p < positions; p++) {
    const first = Math.floor(p / inner) * classes * inner + (p % inner); // class c at logp[first + c·inner]
    let loss = 0;
    for (let c = 0; c < classes; c++) {
      const i = first + c * inner;
      loss -= ((1 - eps) * y[i] + eps / classes) * logp[i]; // as PyTorch: −(y′ · log p) summed, no 0·log 0 special case
    }
    losses[p] = loss;
  }
  const dtype = input.dtype as FloatDType;
  if (reduction === "none") return { output: fromArray(losses, positionShape, dtype), logp };
  let sum = 0;
  for (let p = 0; p < positions; p++) sum += losses[p];
  return { output: fromArray([reduction === "mean" ? sum / positions : sum], [], dtype), logp };
}

/**
 * dL/dz = g·(−y′_c + (Σ_k y′_k)·p_c) at every position, with g the upstream
 * value (÷ the number of positions for "mean"); → the input's shape.
 * `logp` is the forward's float64 log-softmax (recomputed if omitted).
 */
export function crossEntropyProbabilitiesBackward(dy: Tensor, input: Tensor, target: Tensor, reduction: Reduction, labelSmoothing: number, logp?: Float64Array): Tensor {
  const { layout: { classes, inner, positions, positionShape }, y } = layout(input, target);
  const lp = logp ?? logProbabilities(input);
  const dtype = input.dtype as FloatDType;
  const g = floatData("cross_entropy", "upstream", dy);
  expectShape("cross_entropy", "upstream", dy, reduction === "none" ? positionShape : [], "the shape of the output");
  if (dy.dtype !== dtype) fail("cross_entropy", "upstream", `dtype ${dtype} (the dtype of the input)`, dy.dtype);
  const eps = labelSmoothing;
  const dz = allocate(dtype, input.size);
  for (let p = 0; p < positions; p++) {
    const scale = reduction === "none" ? g[p] : reduction === "mean" ? g[0] / positions : g[0];
    const first = Math.floor(p / inner) * classes * inner + (p % inner);
    let total = 0;
    for (let c = 0; c < classes; c++) total += (1 - eps) * y[first + c * inner] + eps / classes;
    for (let c = 0; c < classes; c++) {
      const i = first + c * inner;
      dz[i] = scale * (total * Math.exp(lp[i]) - ((1 - eps) * y[i] + eps / classes));
    }
  }
  return new Tensor(dz, input.shape);
}

/**
 * A random probability-target case for `cross_entropy`'s sample: logits
 * [N, C, d…] (sometimes unbatched [C]) and, half of the time, one-hot float
 * targets, else soft ones (a softmax of random logits); attributes with a
 * random reduction and, half of the time, label smoothing.
 */
export function sampleProbabilityCase(rng: Random, dtype: FloatDType): { inputs: Tensors; attrs: { reduction: Reduction; ignore_index: number; label_smoothing: number } } {
  const classes = 2 + rng.int(4);
  const unbatched = rng.bernoulli(0.15);
  const spatial = unbatched ? [] : Array.from({ length: rng.bernoulli(0.3) ? 1 + rng.int(2) : 0 }, () => 1 + rng.int(3));
  const shape = unbatched ? [classes] : [1 + rng.int(4), classes, ...spatial];
  const input = randn(shape, rng, { std: 2, dtype });
  let target: Tensor;
  if (rng.bernoulli(0.5)) {
    target = softmax(randn(shape, rng, { std: 1.5, dtype }), unbatched ? 0 : 1);
  } else {
    target = new Tensor(allocate(dtype, input.size), shape);
    const inner = sizeOf(spatial);
    const positions = input.size / classes;
    for (let p = 0; p < positions; p++) target.data[Math.floor(p / inner) * classes * inner + (p % inner) + rng.int(classes) * inner] = 1;
  }
  const reductions = ["mean", "sum", "none"] as const;
  const labelSmoothing = rng.bernoulli(0.5) ? 0 : Math.round(rng.uniformIn(0, 0.5) * 1000) / 1000;
  return { inputs: { input, target }, attrs: { reduction: reductions[rng.int(3)], ignore_index: -100, label_smoothing: labelSmoothing } };
}
