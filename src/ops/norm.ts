/**
 * Normalization across a batch (batch_norm) and across channels
 * (local_response_norm), with hand-derived backward passes.
 *
 * Layout: channels are dimension 1, as in PyTorch: batch_norm takes
 * [N, C], [N, C, L] or [N, C, H, W]; local_response_norm takes [N, C, …]
 * with at least one dimension after C.
 */
import { allocate, Tensor, randn, randu, shapeString, type FloatArray, type FloatDType } from "../tensor.js";
import { boolAttr, checkUpstream, expectRank, expectSameDType, expectShape, fail, floatData, intAttr, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs, Tensors } from "./op.js";
import { unaryOp } from "./unary_op.js";

/** The input as N × C × S: `S` values per (sample, channel). */
function channelLayout(x: Tensor): { N: number; C: number; S: number } {
  const [N, C] = x.shape;
  let S = 1;
  for (let d = 2; d < x.rank; d++) S *= x.shape[d];
  return { N, C, S };
}

// ───────────────────────────── batch_norm ─────────────────────────────
// 001, "Batch Normalization — Whiten-as-you-go: normalize the activations in
// each layer within a minibatch; learn the mean and variance (γ, β) of each
// layer as parameters", after 001's "Whitening: set mean = 0, variance = 1"
// (μ = (1/N) Σ I, Z = I − μ, σ² = (1/N) Σ Z², ZN = Z/σ). Per channel c, over
// the n = N·S values of the minibatch B:
//   μ_B = (1/n) Σ x,   σ²_B = (1/n) Σ (x − μ_B)²        (biased)
//   x̂ = (x − μ_B) / √(σ²_B + ε),   y = γ x̂ + β.
// Training updates the running statistics with momentum m (PyTorch's rule):
//   running_mean ← (1 − m)·running_mean + m·μ_B
//   running_var  ← (1 − m)·running_var  + m·σ²_B · n/(n − 1)   (unbiased)
// Evaluation (training = false) uses running_mean and running_var in place of
// μ_B and σ²_B, and returns them unchanged.
//
// Backward in training mode goes through μ_B and σ²_B too. With g = γ·dL/dy
// and σ̃ = √(σ²_B + ε), differentiating x̂ = (x − μ_B)/σ̃ gives
//   dL/dx = (1/(n σ̃)) · (n g − Σ g − x̂ Σ (g x̂)),
// and in both modes dL/dγ = Σ dL/dy · x̂, dL/dβ = Σ dL/dy (sums over the
// batch and spatial positions of the channel). In evaluation mode the
// statistics are constants: dL/dx = g / √(running_var + ε).

/** Validated attributes of `batch_norm`. */
export interface BatchNormAttrs {
  /** Normalize with the batch statistics and update the running ones (default false). */
  training: boolean;
  /** m in the running-statistics update (default 0.1). */
  momentum: number;
  /** ε added to the variance (default 1e-5). */
  eps: number;
}

/** Validates `batch_norm` attributes and fills PyTorch's defaults. */
export function batchNormAttrs(raw: RawAttrs): BatchNormAttrs {
  const op = "batch_norm";
  const training = boolAttr(op, "training", raw.training ?? false);
  const momentum = numberAttr(op, "momentum", raw.momentum ?? 0.1, 0, 1);
  const eps = numberAttr(op, "eps", raw.eps ?? 1e-5, 0);
  return { training, momentum, eps };
}

/** The optional tensors of batch_norm, each [C]. */
export interface BatchNormParams {
  running_mean?: Tensor;
  running_var?: Tensor;
  /** γ (default 1). */
  weight?: Tensor;
  /** β (default 0). */
  bias?: Tensor;
}

/** What batch_norm's backward needs. */
export interface BatchNormCache {
  input: Tensor;
  /** x̂, the normalized input (float64, the input's shape). */
  xhat: Float64Array;
  /** 1/σ̃ per channel. */
  invStd: Float64Array;
  /** γ per channel (ones when there was no weight). */
  gamma: Float64Array;
  training: boolean;
  hasWeight: boolean;
  hasBias: boolean;
}

/** The result of batch_norm: the output and, when given, the (updated) running statistics. */
export interface BatchNormResult {
  output: Tensor;
  running_mean?: Tensor;
  running_var?: Tensor;
  cache: BatchNormCache;
}

function checkChannelVector(name: string, t: Tensor | undefined, input: Tensor, C: number): FloatArray | undefined {
  if (t === undefined || t === null) return undefined;
  const d = floatData("batch_norm", name, t);
  expectShape("batch_norm", name, t, [C], "one value per channel");
  expectSameDType("batch_norm", name, input, t);
  return d;
}

/** batch_norm's validated call: the input's data and layout, the optional [C] vectors' data, the attributes. */
export interface BatchNormCall {
  a: BatchNormAttrs;
  x: FloatArray;
  N: number;
  C: number;
  S: number;
  /** N·S, the values per channel. */
  n: number;
  rm?: FloatArray;
  rv?: FloatArray;
  w?: FloatArray;
  b?: FloatArray;
}

/**
 * Checks a batch_norm call (input [N, C] / [N, C, L] / [N, C, H, W], the
 * optional [C] vectors, the attributes) with its messages; the kernel's glue
 * (src/backend/kernels/batch_norm.ts) calls it too.
 */
export function batchNormCall(input: Tensor, params: BatchNormParams, options: Partial<BatchNormAttrs>): BatchNormCall {
  const op = "batch_norm";
  const a = batchNormAttrs(options as RawAttrs);
  const x = floatData(op, "input", input);
  expectRank(op, "input", input, [2, 3, 4], "[N, C], [N, C, L] or [N, C, H, W]");
  const { N, C, S } = channelLayout(input);
  const n = N * S;
  const rm = checkChannelVector("running_mean", params.running_mean, input, C);
  const rv = checkChannelVector("running_var", params.running_var, input, C);
  const w = checkChannelVector("weight", params.weight, input, C);
  const b = checkChannelVector("bias", params.bias, input, C);
  if ((rm === undefined) !== (rv === undefined)) {
    fail(op, rm === undefined ? "running_mean" : "running_var", "a tensor [C] whenever the other running statistic is given", "nothing");
  }
  if (!a.training && (rm === undefined || rv === undefined)) {
    fail(op, "running_mean", "a tensor [C] when training is false (evaluation normalizes with the running statistics)", "nothing");
  }
  if (a.training && n <= 1) fail(op, "input", "more than one value per channel when training", `shape ${shapeString(input.shape)}`);
  return { a, x, N, C, S, n, rm, rv, w, b };
}

/** 1/σ̃ = 1/√(σ² + ε) and γ (1 without a weight) per channel, from the variances used. */
export function channelScales(variance: Float64Array, w: FloatArray | undefined, eps: number): { invStd: Float64Array; gamma: Float64Array } {
  const C = variance.length;
  const invStd = new Float64Array(C), gamma = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    invStd[c] = 1 / Math.sqrt(variance[c] + eps);
    gamma[c] = w ? w[c] : 1;
  }
  return { invStd, gamma };
}

/**
 * The running statistics after the call ([C] each, the input's dtype): the
 * momentum update with the batch's mean and (unbiased) variance when
 * training, unchanged copies otherwise.
 */
export function updatedRunningStats(call: BatchNormCall, mean: Float64Array, variance: Float64Array, dtype: FloatDType): { running_mean: Tensor; running_var: Tensor } {
  const { a, C, n } = call;
  const rm = call.rm!, rv = call.rv!;
  const newMean = allocate(dtype, C), newVar = allocate(dtype, C);
  for (let c = 0; c < C; c++) {
    if (a.training) {
      newMean[c] = (1 - a.momentum) * rm[c] + a.momentum * mean[c];
      newVar[c] = (1 - a.momentum) * rv[c] + a.momentum * variance[c] * (n / (n - 1));
    } else {
      newMean[c] = rm[c];
      newVar[c] = rv[c];
    }
  }
  return { running_mean: new Tensor(newMean, [C]), running_var: new Tensor(newVar, [C]) };
}

/**
 * Batch normalization. input [N, C] / [N, C, L] / [N, C, H, W]; running_mean,
 * running_var, weight γ, bias β: each [C] and optional (the running
 * statistics are required when training is false). Returns output (shape of
 * input) and updated copies of the running statistics (the inputs are not
 * modified).
 */
export function batchNorm(input: Tensor, params: BatchNormParams = {}, options: Partial<BatchNormAttrs> = {}): BatchNormResult {
  const call = batchNormCall(input, params, options);
  const { a, x, N, C, S, n, rm, rv, w, b } = call;
  const dtype = input.dtype as FloatDType;
  const mean = new Float64Array(C), variance = new Float64Array(C);
  if (a.training) {
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let i = 0; i < N; i++) for (let s = 0; s < S; s++) sum += x[(i * C + c) * S + s];
      const muB = sum / n;
      let sq = 0;
      for (let i = 0; i < N; i++) for (let s = 0; s < S; s++) sq += (x[(i * C + c) * S + s] - muB) ** 2;
      mean[c] = muB;
      variance[c] = sq / n; // σ²_B, biased
    }
  } else {
    for (let c = 0; c < C; c++) {
      mean[c] = rm![c];
      variance[c] = rv![c];
    }
  }

  const { invStd, gamma } = channelScales(variance, w, a.eps);
  const xhat = new Float64Array(input.size);
  const y = allocate(dtype, input.size);
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < C; c++) {
      const beta = b ? b[c] : 0;
      for (let s = 0; s < S; s++) {
        const k = (i * C + c) * S + s;
        xhat[k] = (x[k] - mean[c]) * invStd[c];
        y[k] = gamma[c] * xhat[k] + beta;
      }
    }
  }

  const result: BatchNormResult = {
    output: new Tensor(y, input.shape),
    cache: { input, xhat, invStd, gamma, training: a.training, hasWeight: w !== undefined, hasBias: b !== undefined },
  };
  if (rm && rv) Object.assign(result, updatedRunningStats(call, mean, variance, dtype));
  return result;
}

/**
 * Backward of batch normalization: dL/dx (shape of input), and dL/dγ, dL/dβ
 * [C] when the forward had a weight / bias. Goes through the batch
 * statistics when the forward was in training mode.
 */
export function batchNormBackward(dy: Tensor, cache: BatchNormCache): { input: Tensor; weight?: Tensor; bias?: Tensor } {
  const op = "batch_norm";
  const { input, xhat, invStd, gamma } = cache;
  const up = checkUpstream(op, dy, input.shape, input);
  const { N, C, S } = channelLayout(input);
  const n = N * S;
  const dtype = input.dtype as FloatDType;
  const dx = allocate(dtype, input.size);
  const dgamma = allocate(dtype, C), dbeta = allocate(dtype, C);
  for (let c = 0; c < C; c++) {
    let sumDy = 0, sumDyXhat = 0;
    for (let i = 0; i < N; i++) {
      for (let s = 0; s < S; s++) {
        const k = (i * C + c) * S + s;
        sumDy += up[k];
        sumDyXhat += up[k] * xhat[k];
      }
    }
    dbeta[c] = sumDy;
    dgamma[c] = sumDyXhat;
    // with g = γ·dy: Σg = γ·Σdy and Σ g x̂ = γ·Σ dy x̂
    for (let i = 0; i < N; i++) {
      for (let s = 0; s < S; s++) {
        const k = (i * C + c) * S + s;
        const g = gamma[c] * up[k];
        dx[k] = cache.training
          ? (invStd[c] / n) * (n * g - gamma[c] * sumDy - xhat[k] * gamma[c] * sumDyXhat)
          : g * invStd[c];
      }
    }
  }
  const grads: { input: Tensor; weight?: Tensor; bias?: Tensor } = { input: new Tensor(dx, input.shape) };
  if (cache.hasWeight) grads.weight = new Tensor(dgamma, [C]);
  if (cache.hasBias) grads.bias = new Tensor(dbeta, [C]);
  return grads;
}

// ───────────────────────────── local_response_norm ─────────────────────────────
// 000, "Case Study: AlexNet": NORM1 / NORM2 "Normalization layer" ("used LRN
// layers (not common anymore)"). Each value is divided by a power of the
// energy of its neighbouring channels (PyTorch's definition, which divides
// α by the window size n; channels outside 0 … C−1 count as zeros):
//   D_c = k + (α/n) Σ_{c' = c − ⌊n/2⌋}^{c + ⌊(n−1)/2⌋} x_{c'}²,   y_c = x_c · D_c^(−β).
// Backward: x_j enters y_j directly and every D_c whose window holds j, so
//   dL/dx_j = g_j D_j^(−β) − (2αβ/n) x_j Σ_{c : j ∈ window(c)} g_c x_c D_c^(−β−1),
// where window(c) ∋ j exactly when j − ⌊(n−1)/2⌋ ≤ c ≤ j + ⌊n/2⌋.

/** Validated attributes of `local_response_norm`. */
export interface LocalResponseNormAttrs {
  /** n, the number of neighbouring channels in the window. */
  size: number;
  /** α (default 1e-4). */
  alpha: number;
  /** β (default 0.75). */
  beta: number;
  /** k (default 1). */
  k: number;
}

/** Validates `local_response_norm` attributes (size is required) and fills PyTorch's defaults. */
export function localResponseNormAttrs(raw: RawAttrs): LocalResponseNormAttrs {
  const op = "local_response_norm";
  return {
    size: intAttr(op, "size", raw.size, 1),
    alpha: numberAttr(op, "alpha", raw.alpha ?? 1e-4),
    beta: numberAttr(op, "beta", raw.beta ?? 0.75),
    k: numberAttr(op, "k", raw.k ?? 1),
  };
}

/** D_c for every element: k + (α/n) Σ_window x². Float64, the input's shape. */
function lrnDenominatorBase(x: FloatArray, N: number, C: number, S: number, a: LocalResponseNormAttrs): Float64Array {
  const D = new Float64Array(x.length);
  const before = Math.floor(a.size / 2), after = Math.floor((a.size - 1) / 2);
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < C; c++) {
      for (let s = 0; s < S; s++) {
        let energy = 0;
        for (let cc = Math.max(0, c - before); cc <= Math.min(C - 1, c + after); cc++) energy += x[(i * C + cc) * S + s] ** 2;
        D[(i * C + c) * S + s] = a.k + (a.alpha / a.size) * energy;
      }
    }
  }
  return D;
}

function lrnLayout(input: Tensor): { N: number; C: number; S: number } {
  expectRank("local_response_norm", "input", input, [3, 4, 5], "[N, C, L], [N, C, H, W] or [N, C, D, H, W]");
  return channelLayout(input);
}

/** Local response normalization across channels. input [N, C, …] → output of the same shape. */
export function localResponseNorm(input: Tensor, options: Partial<LocalResponseNormAttrs> & { size: number }): Tensor {
  const op = "local_response_norm";
  const a = localResponseNormAttrs(options as unknown as RawAttrs);
  const x = floatData(op, "input", input);
  const { N, C, S } = lrnLayout(input);
  const D = lrnDenominatorBase(x, N, C, S, a);
  const y = allocate(input.dtype as FloatDType, x.length);
  for (let k = 0; k < x.length; k++) y[k] = x[k] * Math.pow(D[k], -a.beta);
  return new Tensor(y, input.shape);
}

/** Backward of local response normalization: dL/dx (shape of input) from dL/dy. */
export function localResponseNormBackward(dy: Tensor, input: Tensor, attrs: LocalResponseNormAttrs): Tensor {
  const op = "local_response_norm";
  const x = floatData(op, "input", input);
  const g = checkUpstream(op, dy, input.shape, input);
  const { N, C, S } = lrnLayout(input);
  const a = attrs;
  const D = lrnDenominatorBase(x, N, C, S, a);
  // t_c = g_c x_c D_c^(−β−1), the factor each window's centre passes back
  const t = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) t[k] = g[k] * x[k] * Math.pow(D[k], -a.beta - 1);
  const dx = allocate(input.dtype as FloatDType, x.length);
  const before = Math.floor(a.size / 2), after = Math.floor((a.size - 1) / 2);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < C; j++) {
      for (let s = 0; s < S; s++) {
        const k = (i * C + j) * S + s;
        let through = 0; // Σ over the centres c whose window holds channel j
        for (let c = Math.max(0, j - after); c <= Math.min(C - 1, j + before); c++) through += t[(i * C + c) * S + s];
        dx[k] = g[k] * Math.pow(D[k], -a.beta) - ((2 * a.alpha * a.beta) / a.size) * x[k] * through;
      }
    }
  }
  return new Tensor(dx, input.shape);
}

// ───────────────────────────── OpDefs ─────────────────────────────

/** The smallest biased standard deviation over the channels of x [N, C, …]. */
function smallestChannelStd(x: Tensor): number {
  const { N, C, S } = channelLayout(x);
  let smallest = Infinity;
  for (let c = 0; c < C; c++) {
    let sum = 0, sq = 0;
    for (let i = 0; i < N; i++) for (let s = 0; s < S; s++) sum += x.data[(i * C + c) * S + s];
    const mu = sum / (N * S);
    for (let i = 0; i < N; i++) for (let s = 0; s < S; s++) sq += (x.data[(i * C + c) * S + s] - mu) ** 2;
    smallest = Math.min(smallest, Math.sqrt(sq / (N * S)));
  }
  return smallest;
}

/** `batch_norm`: input, running_mean, running_var, weight, bias → output, running_mean, running_var. Grads: input, weight, bias. */
export const batchNormOp: OpDef<BatchNormAttrs, BatchNormCache> = {
  name: "batch_norm",
  inputs: ["input", "running_mean", "running_var", "weight", "bias"],
  optional: ["running_mean", "running_var", "weight", "bias"],
  outputs: ["output", "running_mean", "running_var"],
  differentiableOutputs: ["output"],
  grads: ["input", "weight", "bias"],
  attrs: batchNormAttrs,
  forward: ({ input, running_mean, running_var, weight, bias }, a) => {
    const r = batchNorm(input, { running_mean, running_var, weight, bias }, a);
    const outputs: Tensors = { output: r.output };
    if (r.running_mean && r.running_var) {
      outputs.running_mean = r.running_mean;
      outputs.running_var = r.running_var;
    }
    return { outputs, cache: r.cache };
  },
  backward: ({ output }, cache) => batchNormBackward(output, cache) as Tensors,
  sample: (rng, dtype) => {
    const training = rng.bernoulli(0.6) === 1;
    const C = 1 + rng.int(3);
    // n ≥ 3 values per channel: with n = 2, x̂ = ±1 whatever x is, and dL/dx is
    // a near-cancellation that finite differences cannot resolve.
    const shape = rng.bernoulli(0.5) ? [3 + rng.int(3), C] : [1 + rng.int(2), C, 1 + rng.int(3), 3 + rng.int(2)];
    // In training, x̂ = (x − μ_B)/σ̃ is steep when a channel's values nearly
    // coincide; keep every channel's spread ≥ 0.3 so finite differences hold.
    let input: Tensor;
    do input = randn(shape, rng, { dtype, mean: rng.normal(), std: 0.5 + rng.uniform() });
    while (training && smallestChannelStd(input) < 0.3);
    const inputs: Tensors = { input };
    if (!training || rng.bernoulli(0.7)) {
      inputs.running_mean = randn([C], rng, { dtype });
      inputs.running_var = randu([C], rng, { low: 0.5, high: 2, dtype });
    }
    if (rng.bernoulli(0.8)) inputs.weight = randn([C], rng, { dtype });
    if (rng.bernoulli(0.8)) inputs.bias = randn([C], rng, { dtype });
    const attrs = batchNormAttrs({ training, momentum: rng.uniform(), eps: rng.bernoulli(0.5) ? 1e-5 : 0.1 });
    return { inputs, attrs };
  },
};

/** `local_response_norm`: input → output. Grads: input. */
export const localResponseNormOp = unaryOp<LocalResponseNormAttrs>({
  name: "local_response_norm",
  attrs: localResponseNormAttrs,
  forward: localResponseNorm,
  backward: localResponseNormBackward,
  sample: (rng, dtype) => {
    const C = 1 + rng.int(6);
    const shape = rng.bernoulli(0.7) ? [1 + rng.int(2), C, 1 + rng.int(3), 1 + rng.int(3)] : [1 + rng.int(2), C, 1 + rng.int(4)];
    const attrs = localResponseNormAttrs({ size: 1 + rng.int(5), alpha: 0.1 + 2 * rng.uniform(), beta: 0.5 + 0.5 * rng.uniform(), k: 0.5 + 1.5 * rng.uniform() });
    return { input: randn(shape, rng, { dtype }), attrs };
  },
});

/** The normalization ops, for the registry. */
export const normOps: OpDef[] = [batchNormOp, localResponseNormOp];
