/**
 * One step of stochastic gradient descent with momentum, dampening, weight
 * decay and Nesterov momentum, exactly as PyTorch's torch.optim.SGD does it:
 *
 *   d ← ∇ + weight_decay · W
 *   if momentum ≠ 0:
 *     V ← d                                   on the first step (no buffer yet)
 *     V ← momentum · V + (1 − dampening) · d  afterwards
 *     d ← d + momentum · V  (nesterov)   or   d ← V
 *   W ← W − lr · d
 *
 * 001, "(S)GD + momentum": V_{t+1} = μ V_t + (1 − μ) ∇L(W_t),
 * W_{t+1} = W_t − ε_t V_{t+1} — that is momentum = dampening = μ, lr = ε_t,
 * started from the lecture's V₀ = 0 by passing a zero buffer (PyTorch's own
 * first step instead copies d into V, undampened).
 * 001, "Regularization in SGD: weight decay": the objective's λ Σ W² adds
 * 2λW to the gradient, so weight_decay = 2λ.
 *
 * Forward-only: an update rule has no gradient. The plain functions are what
 * the optimizer (src/optim) calls; the OpDef is for vectors and properties.
 */
import { allocate, randn, shapeString, Tensor, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { boolAttr, expectSameDType, expectShape, fail, floatData, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs, Tensors } from "./op.js";

/** SGD hyper-parameters, PyTorch's names in camelCase. */
export interface SgdOptions {
  /** Step size ε (≥ 0). */
  lr: number;
  /** μ (≥ 0); 0 turns momentum off (default 0). */
  momentum?: number;
  /** The buffer update scales the gradient by (1 − dampening) (default 0). */
  dampening?: number;
  /** Adds weight_decay · W to the gradient, = 2λ of 001's L2 term (≥ 0, default 0). */
  weightDecay?: number;
  /** Nesterov momentum: needs momentum > 0 and dampening 0 (default false). */
  nesterov?: boolean;
}

/** Validated SGD hyper-parameters with every default filled in. */
export type SgdHyper = Required<SgdOptions>;

/** Checks SGD hyper-parameters as PyTorch does and fills the defaults. Throws OpError. */
export function sgdHyper(options: SgdOptions): SgdHyper {
  const op = "sgd_step";
  const lr = numberAttr(op, "lr", options.lr, 0);
  const momentum = options.momentum === undefined ? 0 : numberAttr(op, "momentum", options.momentum, 0);
  const dampening = options.dampening === undefined ? 0 : numberAttr(op, "dampening", options.dampening);
  const weightDecay = options.weightDecay === undefined ? 0 : numberAttr(op, "weight_decay", options.weightDecay, 0);
  const nesterov = options.nesterov === undefined ? false : boolAttr(op, "nesterov", options.nesterov);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    fail(op, "nesterov", "momentum > 0 and dampening 0 (Nesterov momentum)", `momentum ${momentum}, dampening ${dampening}`);
  }
  return { lr, momentum, dampening, weightDecay, nesterov };
}

/**
 * The update in place on flat arrays, for training speed: `param` and
 * `buffer` are overwritten. `buffer` is required when momentum ≠ 0 (and
 * ignored otherwise); with `firstStep` its old contents are not read (PyTorch's
 * missing buffer: V ← d). All arrays have the same length. `hyper` must come
 * from `sgdHyper`.
 */
export function sgdStepInPlace(param: FloatArray, grad: FloatArray, buffer: FloatArray | null, hyper: SgdHyper, firstStep: boolean): void {
  const { lr, momentum: mu, dampening, weightDecay, nesterov } = hyper;
  if (mu !== 0 && (buffer === null || buffer.length !== param.length)) {
    throw new RangeError(`sgdStepInPlace: momentum ${mu} needs a buffer of ${param.length} elements, got ${buffer === null ? "none" : buffer.length}`);
  }
  for (let i = 0; i < param.length; i++) {
    let d = grad[i];
    if (weightDecay !== 0) d += weightDecay * param[i];
    if (mu !== 0) {
      const V = firstStep ? d : mu * buffer![i] + (1 - dampening) * d;
      buffer![i] = V;
      d = nesterov ? d + mu * V : V;
    }
    param[i] -= lr * d;
  }
}

/** The result of `sgdStep`: the new parameter, and the new buffer when momentum ≠ 0 (else null). */
export interface SgdStepResult {
  param: Tensor;
  buffer: Tensor | null;
}

/**
 * One SGD step on tensors (inputs are not modified): param, grad and the
 * optional momentum buffer have one shape and one float dtype. `buffer` null
 * with momentum ≠ 0 means the first step. Throws OpError on bad input.
 */
export function sgdStep(param: Tensor, grad: Tensor, buffer: Tensor | null, options: SgdOptions): SgdStepResult {
  const op = "sgd_step";
  const hyper = sgdHyper(options);
  floatData(op, "param", param);
  floatData(op, "grad", grad);
  expectSameDType(op, "grad", param, grad);
  expectShape(op, "grad", grad, param.shape, "the shape of param");
  if (buffer !== null) {
    if (hyper.momentum === 0) fail(op, "momentum_buffer", "no momentum buffer when momentum is 0", `a buffer of shape ${shapeString(buffer.shape)}`);
    floatData(op, "momentum_buffer", buffer);
    expectSameDType(op, "momentum_buffer", param, buffer);
    expectShape(op, "momentum_buffer", buffer, param.shape, "the shape of param");
  }
  const dtype = param.dtype as FloatDType;
  const W = (param.data as FloatArray).slice();
  const V = hyper.momentum === 0 ? null : buffer ? (buffer.data as FloatArray).slice() : allocate(dtype, W.length);
  sgdStepInPlace(W, grad.data as FloatArray, V, hyper, buffer === null);
  return { param: new Tensor(W, param.shape), buffer: V ? new Tensor(V, param.shape) : null };
}

// ───────────────────────────── OpDef ─────────────────────────────

/** Attributes of `sgd_step` (PyTorch's names; defaults lr 1e-3, the rest 0 / false). */
export interface SgdStepAttrs {
  lr: number;
  momentum: number;
  dampening: number;
  weight_decay: number;
  nesterov: boolean;
}

function sgdStepAttrs(raw: RawAttrs): SgdStepAttrs {
  const h = sgdHyper({
    lr: raw.lr === undefined ? 1e-3 : (raw.lr as number),
    momentum: raw.momentum as number | undefined,
    dampening: raw.dampening as number | undefined,
    weightDecay: raw.weight_decay as number | undefined,
    nesterov: raw.nesterov as boolean | undefined,
  });
  return { lr: h.lr, momentum: h.momentum, dampening: h.dampening, weight_decay: h.weightDecay, nesterov: h.nesterov };
}

function sampleSgdStep(rng: Random, dtype: FloatDType) {
  const shape = Array.from({ length: 1 + rng.int(2) }, () => 1 + rng.int(4));
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const momentum = rng.bernoulli(0.3) ? 0 : round(rng.uniformIn(0.5, 0.99));
  const dampening = momentum === 0 || rng.bernoulli(0.4) ? 0 : rng.bernoulli(0.5) ? momentum : round(rng.uniformIn(0, 0.5));
  const attrs: SgdStepAttrs = {
    lr: round(rng.uniformIn(0.001, 0.5)),
    momentum,
    dampening,
    weight_decay: rng.bernoulli(0.5) ? 0 : round(rng.uniformIn(0, 0.1)),
    nesterov: momentum > 0 && dampening === 0 && rng.bernoulli(0.5) === 1,
  };
  const inputs: Tensors = { param: randn(shape, rng, { dtype }), grad: randn(shape, rng, { dtype }) };
  if (momentum > 0 && rng.bernoulli(0.6)) inputs.momentum_buffer = randn(shape, rng, { dtype });
  return { inputs, attrs };
}

/**
 * `sgd_step`: param, grad, optional momentum_buffer → param (new) and, when
 * momentum ≠ 0, momentum_buffer (new). Forward-only.
 */
export const sgdStepOp: OpDef<SgdStepAttrs, null> = {
  name: "sgd_step",
  inputs: ["param", "grad", "momentum_buffer"],
  optional: ["momentum_buffer"],
  outputs: ["param", "momentum_buffer"],
  differentiableOutputs: [],
  grads: [],
  attrs: sgdStepAttrs,
  forward: ({ param, grad, momentum_buffer }, a) => {
    const r = sgdStep(param, grad, momentum_buffer ?? null, {
      lr: a.lr, momentum: a.momentum, dampening: a.dampening, weightDecay: a.weight_decay, nesterov: a.nesterov,
    });
    const outputs: Tensors = { param: r.param };
    if (r.buffer) outputs.momentum_buffer = r.buffer;
    return { outputs, cache: null };
  },
  sample: sampleSgdStep,
};

/** The sgd_step op, for the registry. */
export const sgdStepOps: OpDef[] = [sgdStepOp];
