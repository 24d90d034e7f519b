/**
 * Non-linearities and their derivatives: the elementwise relu, sigmoid, tanh,
 * leaky_relu, and softmax / log_softmax along one dimension.
 *
 * Each op is a pair: `f(x)` and `fBackward(dy, …cache)` returning dL/dx,
 * followed by its `OpDef` for the machinery (see ./op.ts).
 */
import { allocate, Tensor, randn, randu, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { checkUpstream, describeValue, fail, floatData, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { randomShape } from "./random_cases.js";
import { mapElements, mapGradient, unaryOp } from "./unary_op.js";

/** A new tensor of the dtype and shape of `like`, with `data`. */
function withData(like: Tensor, data: FloatArray): Tensor {
  return new Tensor(data, like.shape);
}

/** Uniform samples in ±[0.1, 2] — kept away from the kink at 0. */
function awayFromZero(shape: number[], rng: Random, dtype: FloatDType): Tensor {
  const t = randu(shape, rng, { low: 0.1, high: 2, dtype });
  for (let i = 0; i < t.size; i++) if (rng.bernoulli(0.5)) t.data[i] = -t.data[i];
  return t;
}

/** Rank 1 to 3, dimensions 1 to 5: the activations' random shapes. */
function activationShape(rng: Random): number[] {
  return randomShape(rng, { minRank: 1, maxSize: 5 });
}

// ───────────────────────────── ReLU ─────────────────────────────
// 001, "Vanishing gradients" / "ReLU": g(a) = max(0, a), whose derivative is
// 1 for a > 0 and 0 for a < 0 — it does not shrink the gradient as σ′ ≤ ¼ does.
// At a = 0 we take relu′(0) = 0, as PyTorch does.
// NaN propagates, as in PyTorch: relu(NaN) = NaN (a NaN weight must not train
// on silently as 0), and the backward is PyTorch's threshold_backward,
// dx = (x ≤ 0) ? 0 : dy, which passes dy through at NaN. −0 gives +0.

/** relu(x) = max(0, x), elementwise; NaN stays NaN, −0 gives +0. Any shape. */
export function relu(x: Tensor): Tensor {
  return mapElements("relu", x, (a) => (a > 0 || a !== a ? a : 0));
}

/** dL/dx = dL/dy where x > 0 or x is NaN, else 0 (PyTorch's (x ≤ 0) ? 0 : dy). `dy` and `x` have the same shape. */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  return mapGradient("relu", dy, x, (g, a) => (a <= 0 ? 0 : g));
}

// ───────────────────────────── sigmoid ─────────────────────────────
// 002, "Neural Net – Non-Linearities": σ(z) = 1 / (1 + e^(−z)),
// σ′(z) = σ(z)(1 − σ(z)). The backward reuses the forward's output σ.

/** σ(x) = 1 / (1 + e^(−x)), elementwise, computed without overflow for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  return mapElements("sigmoid", x, (z) => {
    // For z < 0 write σ(z) = e^z / (1 + e^z) so that e^(−z) never overflows.
    if (z >= 0) return 1 / (1 + Math.exp(-z));
    const e = Math.exp(z);
    return e / (1 + e);
  });
}

/** dL/dz = dL/dσ · σ(1 − σ), given the forward's output `s = σ(z)`. */
export function sigmoidBackward(dy: Tensor, s: Tensor): Tensor {
  return mapGradient("sigmoid", dy, s, (g, s) => g * s * (1 - s));
}

// ───────────────────────────── tanh ─────────────────────────────
// 002, "Neural Net – Non-Linearities": tanh′(z) = 1 − tanh²(z). Like σ′, the
// backward needs only the forward's output.

/** tanh(x), elementwise. Any shape. */
export function tanh(x: Tensor): Tensor {
  return mapElements("tanh", x, Math.tanh);
}

/** dL/dz = dL/dy · (1 − tanh²(z)), given the forward's output `y = tanh(z)`. */
export function tanhBackward(dy: Tensor, y: Tensor): Tensor {
  return mapGradient("tanh", dy, y, (g, t) => g * (1 - t * t));
}

// ───────────────────────────── leaky ReLU ─────────────────────────────
// ReLU with a small slope for negative inputs instead of 0 (001's remedy for
// vanishing gradients, not shut off below zero). As in PyTorch,
// leaky_relu′(0) = negative_slope.

/** leaky_relu(x) = x for x > 0, negative_slope · x otherwise; elementwise, any shape. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return mapElements("leaky_relu", x, (a) => (a > 0 ? a : negativeSlope * a));
}

/** dL/dx = dL/dy · (1 if x > 0 else negative_slope). `dy` and `x` have the same shape. */
export function leakyReluBackward(dy: Tensor, x: Tensor, negativeSlope = 0.01): Tensor {
  return mapGradient("leaky_relu", dy, x, (g, a) => (a > 0 ? g : negativeSlope * g));
}

// ───────────────────────────── softmax and log-softmax ─────────────────────────────
// 002, "Deep Neural Nets - Adaptations": softmax(z)ᵢ = exp(zᵢ) / Σₖ exp(zₖ);
// 003, "Multi-Class Case": pᵏ = exp(y[k]) / Σⱼ exp(y[j]).
//
// Numerically stable form: with m = maxₖ zₖ (first position k* of the max),
//   Σₖ exp(zₖ) = e^m · (1 + s),   s = Σ_{k ≠ k*} exp(zₖ − m) ∈ [0, C − 1],
//   log softmax(z)ᵢ = (zᵢ − m) − log1p(s).
// No exp overflows (every exponent is ≤ 0), and log1p keeps the tiny s of a
// confident row: log_softmax([50, −50]) = [−log(1 + e^(−100)), −100 − log(1 + e^(−100))]
// = [−3.72e−44, −100], where log(1 + s) would round the first to 0.
//
// Backward, with y = softmax(z) and g = dL/dy:
//   softmax:      dL/dzᵢ = yᵢ (gᵢ − Σₖ gₖ yₖ)
//   log_softmax:  dL/dzᵢ = gᵢ − yᵢ Σₖ gₖ        (y = exp(log_softmax))

/**
 * PyTorch's implicit softmax dim when none is given (`_get_softmax_dim`):
 * 0 for rank 0, 1 or 3, else 1. PyTorch warns that this is deprecated; pass `dim`.
 */
export function implicitSoftmaxDim(rank: number): number {
  return rank === 0 || rank === 1 || rank === 3 ? 0 : 1;
}

/**
 * Resolves a possibly negative `dim` against a tensor of rank `rank` (a scalar
 * accepts −1 and 0, as in PyTorch). Throws OpError when out of range.
 */
export function resolveDim(op: string, dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    fail(op, "dim", `an integer in [${-r}, ${r - 1}] for an input of rank ${rank}`, describeValue(dim));
  }
  return dim < 0 ? dim + r : dim;
}

/** The tensor seen as [outer, n, inner] around `dim` (a scalar is [1, 1, 1]). */
function around(shape: readonly number[], dim: number): { outer: number; n: number; inner: number } {
  if (shape.length === 0) return { outer: 1, n: 1, inner: 1 };
  let outer = 1, inner = 1;
  for (let d = 0; d < dim; d++) outer *= shape[d];
  for (let d = dim + 1; d < shape.length; d++) inner *= shape[d];
  return { outer, n: shape[dim], inner };
}

/** Stable log-softmax (or softmax when `exp` is true) of `x` along `dim`, already resolved. */
function softmaxAlong(op: string, x: Tensor, dim: number, exp: boolean): Tensor {
  const z = floatData(op, "input", x);
  const out = allocate(x.dtype as FloatDType, z.length);
  const { outer, n, inner } = around(x.shape, dim);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let kMax = 0;
      for (let k = 1; k < n; k++) if (z[base + k * inner] > z[base + kMax * inner]) kMax = k;
      const m = z[base + kMax * inner];
      let s = 0;
      for (let k = 0; k < n; k++) if (k !== kMax) s += Math.exp(z[base + k * inner] - m);
      const logNormalizer = Math.log1p(s);
      // A NaN in the slice, or an infinite maximum (∞ − ∞), makes the whole slice NaN, as in PyTorch.
      const undefinedSlice = !Number.isFinite(m) || Number.isNaN(s);
      for (let k = 0; k < n; k++) {
        const shifted = z[base + k * inner] - m; // (zₖ − m): exactly 0 at the max
        out[base + k * inner] = undefinedSlice ? NaN : exp ? Math.exp(shifted) / (1 + s) : shifted - logNormalizer;
      }
    }
  }
  return withData(x, out);
}

/**
 * softmax(x) along `dim` (negative counts from the end; omitted → PyTorch's
 * implicit dim, see `implicitSoftmaxDim`). Any shape; the output has x's shape
 * and each slice along `dim` sums to 1.
 */
export function softmax(x: Tensor, dim?: number): Tensor {
  floatData("softmax", "input", x);
  return softmaxAlong("softmax", x, resolveDim("softmax", dim ?? implicitSoftmaxDim(x.rank), x.rank), true);
}

/** log softmax(x) along `dim` = x − logΣexp(x), computed stably. Shapes as `softmax`. */
export function logSoftmax(x: Tensor, dim?: number): Tensor {
  floatData("log_softmax", "input", x);
  return softmaxAlong("log_softmax", x, resolveDim("log_softmax", dim ?? implicitSoftmaxDim(x.rank), x.rank), false);
}

/** dL/dz = y ⊙ (g − Σ_dim g ⊙ y), given the forward's output `y = softmax(z)` and the same `dim`. */
export function softmaxBackward(dy: Tensor, y: Tensor, dim?: number): Tensor {
  const g = checkUpstream("softmax", dy, y.shape, y);
  const d = resolveDim("softmax", dim ?? implicitSoftmaxDim(y.rank), y.rank);
  const p = y.data;
  const dz = allocate(y.dtype as FloatDType, p.length);
  const { outer, n, inner } = around(y.shape, d);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let gy = 0;
      for (let k = 0; k < n; k++) gy += g[base + k * inner] * p[base + k * inner];
      for (let k = 0; k < n; k++) dz[base + k * inner] = p[base + k * inner] * (g[base + k * inner] - gy);
    }
  }
  return withData(y, dz);
}

/** dL/dz = g − softmax(z) · Σ_dim g, given the forward's output `logY = log_softmax(z)` and the same `dim`. */
export function logSoftmaxBackward(dy: Tensor, logY: Tensor, dim?: number): Tensor {
  const g = checkUpstream("log_softmax", dy, logY.shape, logY);
  const d = resolveDim("log_softmax", dim ?? implicitSoftmaxDim(logY.rank), logY.rank);
  const l = logY.data;
  const dz = allocate(logY.dtype as FloatDType, l.length);
  const { outer, n, inner } = around(logY.shape, d);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let gSum = 0;
      for (let k = 0; k < n; k++) gSum += g[base + k * inner];
      for (let k = 0; k < n; k++) dz[base + k * inner] = g[base + k * inner] - Math.exp(l[base + k * inner]) * gSum;
    }
  }
  return withData(logY, dz);
}

// ───────────────────────────── OpDefs ─────────────────────────────

/** `relu`: input → output. No attributes. */
export const reluOp = unaryOp({
  name: "relu",
  forward: relu,
  backward: reluBackward,
  sample: (rng, dtype) => ({ input: awayFromZero(activationShape(rng), rng, dtype), attrs: {} }),
});

/** `sigmoid`: input → output. No attributes. */
export const sigmoidOp = unaryOp({
  name: "sigmoid",
  saves: "output",
  forward: sigmoid,
  backward: sigmoidBackward,
  sample: (rng, dtype) => ({ input: randu(activationShape(rng), rng, { low: -4, high: 4, dtype }), attrs: {} }),
});

/** `tanh`: input → output. No attributes. */
export const tanhOp = unaryOp({
  name: "tanh",
  saves: "output",
  forward: tanh,
  backward: tanhBackward,
  sample: (rng, dtype) => ({ input: randu(activationShape(rng), rng, { low: -3, high: 3, dtype }), attrs: {} }),
});

/** Attributes of `leaky_relu`. */
export interface LeakyReluAttrs {
  /** Slope for x ≤ 0 (PyTorch default 0.01). */
  negative_slope: number;
}

/** `leaky_relu`: input → output; attribute negative_slope (default 0.01). */
export const leakyReluOp = unaryOp<LeakyReluAttrs>({
  name: "leaky_relu",
  attrs: (raw) => ({ negative_slope: raw.negative_slope === undefined ? 0.01 : numberAttr("leaky_relu", "negative_slope", raw.negative_slope) }),
  forward: (input, a) => leakyRelu(input, a.negative_slope),
  backward: (dy, x, a) => leakyReluBackward(dy, x, a.negative_slope),
  sample: (rng, dtype) => ({
    input: awayFromZero(activationShape(rng), rng, dtype),
    attrs: { negative_slope: rng.bernoulli(0.3) ? 0.01 : Math.round(rng.uniformIn(-0.5, 1.5) * 1000) / 1000 },
  }),
});

/** Attributes of `softmax` and `log_softmax`. */
export interface SoftmaxAttrs {
  /** The dimension that sums to 1; negative counts from the end; null = PyTorch's implicit dim for the input's rank. */
  dim: number | null;
}

function softmaxAttrs(op: string, raw: RawAttrs): SoftmaxAttrs {
  if (raw.dim === undefined || raw.dim === null) return { dim: null };
  if (typeof raw.dim !== "number" || !Number.isInteger(raw.dim)) fail(op, "dim", "an integer", describeValue(raw.dim));
  return { dim: raw.dim };
}

function sampleSoftmax(rng: Random, dtype: FloatDType): { input: Tensor; attrs: SoftmaxAttrs } {
  const shape = activationShape(rng);
  if (rng.bernoulli(0.3)) shape.push(1 + rng.int(3));
  const dim = rng.int(2 * shape.length) - shape.length; // in [−rank, rank − 1]
  return { input: randn(shape, rng, { std: 2, dtype }), attrs: { dim } };
}

/** `softmax`: input → output along attribute dim. */
export const softmaxOp = unaryOp<SoftmaxAttrs>({
  name: "softmax",
  attrs: (raw) => softmaxAttrs("softmax", raw),
  saves: "output",
  forward: (input, a) => softmax(input, a.dim ?? undefined),
  backward: (dy, y, a) => softmaxBackward(dy, y, a.dim ?? undefined),
  sample: sampleSoftmax,
});

/** `log_softmax`: input → output along attribute dim. */
export const logSoftmaxOp = unaryOp<SoftmaxAttrs>({
  name: "log_softmax",
  attrs: (raw) => softmaxAttrs("log_softmax", raw),
  saves: "output",
  forward: (input, a) => logSoftmax(input, a.dim ?? undefined),
  backward: (dy, logY, a) => logSoftmaxBackward(dy, logY, a.dim ?? undefined),
  sample: sampleSoftmax,
});

/** The activation ops, for the registry. */
export const activationOps: OpDef[] = [reluOp, sigmoidOp, tanhOp, leakyReluOp, softmaxOp, logSoftmaxOp];
