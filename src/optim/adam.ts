/**
 * Adam (Kingma & Ba 2015), as PyTorch's torch.optim.Adam computes it. For a
 * parameter θ with gradient g at step t = 1, 2, …:
 *
 *   g ← g + weight_decay·θ                  (L2 penalty; Adam)
 *   θ ← θ − lr·weight_decay·θ               (decoupled decay instead; AdamW)
 *   m ← β₁·m + (1 − β₁)·g                   first moment
 *   v ← β₂·v + (1 − β₂)·g²                  second moment
 *   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)    bias correction
 *   θ ← θ − lr · m̂ / (√v̂ + ε)
 *
 * m and v start at zero, so without the bias correction the first steps
 * would be far too small (m₁ = (1 − β₁)g); with it, the first step is
 * lr·g/(|g| + ε) ≈ lr·sign(g). The correction must use the per-parameter step
 * count t — the error ConvNetJS carried for years and that a test at default
 * settings cannot see.
 *
 * `adamStepInPlace` is the pure rule on flat arrays; `Adam` keeps m, v and t
 * per parameter and loops.
 */
import { describeValue } from "../errors.js";
import { Tensor, zeros, type FloatArray } from "../tensor.js";
import type { Variable } from "../autograd/variable.js";
import { checkLr, checkParamGroups, checkStateDict, copyAs, type Optimizer, type OptimizerStateDict, type Params, type ParamState } from "./optimizer.js";
import { resolveUpdate } from "../backend/dispatch.js";
import { adamStepInPlace, type AdamHyper } from "../ops/adam_step.js";

export { adamStepInPlace, type AdamHyper };

/** Adam hyper-parameters (PyTorch's defaults). */
export interface AdamOptions {
  /** Step size (default 1e-3). */
  lr?: number;
  /** [β₁, β₂], decay rates of the moment estimates (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to √v̂ (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0): an L2 term added to the gradient, or decoupled (AdamW) when `decoupled`. */
  weightDecay?: number;
  /** Decouple weight decay from the gradient: AdamW (default false). */
  decoupled?: boolean;
}

/** Checks Adam hyper-parameters as PyTorch does and fills the defaults. */
export function adamHyper(options: AdamOptions = {}): AdamHyper {
  const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, decoupled = false } = options;
  checkLr("Adam", lr);
  if (!Array.isArray(betas) || betas.length !== 2 || betas.some((b) => typeof b !== "number" || !(b >= 0 && b < 1))) {
    throw new RangeError(`Adam: betas: expected two numbers in [0, 1), got ${describeValue(betas)}`);
  }
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) throw new RangeError(`Adam: eps: expected a finite number ≥ 0, got ${describeValue(eps)}`);
  if (typeof weightDecay !== "number" || !(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new RangeError(`Adam: weightDecay: expected a finite number ≥ 0, got ${describeValue(weightDecay)}`);
  if (typeof decoupled !== "boolean") throw new RangeError(`Adam: decoupled: expected true or false, got ${describeValue(decoupled)}`);
  return { lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, decoupled };
}

/** The result of `adamStep`. */
export interface AdamStepResult {
  param: Tensor;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

/**
 * One Adam step on tensors (inputs unchanged): param, grad and the moments
 * m (`expAvg`), v (`expAvgSq`) share one shape and dtype; null moments mean
 * zeros (the first step); `t` is this step's number.
 */
export function adamStep(param: Tensor, grad: Tensor, expAvg: Tensor | null, expAvgSq: Tensor | null, t: number, options: AdamOptions = {}): AdamStepResult {
  const hyper = adamHyper(options);
  for (const [name, x] of [["grad", grad], ["expAvg", expAvg], ["expAvgSq", expAvgSq]] as const) {
    if (x && (x.dtype !== param.dtype || x.rank !== param.rank || x.shape.some((d, i) => d !== param.shape[i]))) {
      throw new RangeError(`adamStep: ${name}: expected ${param.dtype} [${param.shape.join(", ")}] like param, got ${x.dtype} [${x.shape.join(", ")}]`);
    }
  }
  if (param.dtype === "int32") throw new RangeError("adamStep: param: expected a float32 or float64 tensor, got int32");
  const p = param.clone();
  const m = expAvg ? expAvg.clone() : zeros(param.shape, param.dtype);
  const v = expAvgSq ? expAvgSq.clone() : zeros(param.shape, param.dtype);
  adamStepInPlace(p.data as FloatArray, grad.data as FloatArray, m.data as FloatArray, v.data as FloatArray, t, hyper);
  return { param: p, expAvg: m, expAvgSq: v };
}

/** Adam(params, { lr, betas, eps, weightDecay, decoupled }); `params` as for SGD: parameters, or groups `{ params, weightDecay }`. */
export class Adam implements Optimizer {
  readonly params: readonly Variable[];
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  /** The default weight decay (of parameters whose group gives none). */
  readonly weightDecay: number;
  /** Each parameter's weight decay, in the order of `params`. */
  readonly weightDecays: readonly number[];
  readonly decoupled: boolean;
  /** Per parameter: its step count t and moments m, v (null before its first step). */
  private state: Array<{ step: number; m: Tensor | null; v: Tensor | null }>;

  constructor(params: Params, options: AdamOptions = {}) {
    const h = adamHyper(options);
    const groups = checkParamGroups("Adam", params, h.weightDecay);
    this.params = groups.params;
    this.weightDecays = groups.weightDecays;
    this.lr = h.lr;
    this.betas = [h.beta1, h.beta2];
    this.eps = h.eps;
    this.weightDecay = h.weightDecay;
    this.decoupled = h.decoupled;
    this.state = this.params.map(() => ({ step: 0, m: null, v: null }));
  }

  /** One update of every parameter that has a gradient; each parameter counts its own steps. */
  step(): void {
    const hyper: AdamHyper = { lr: checkLr("Adam", this.lr), beta1: this.betas[0], beta2: this.betas[1], eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled };
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const g = p.grad;
      if (g.size !== p.value.size || g.dtype !== p.value.dtype) {
        throw new RangeError(`Adam: params[${i}]: gradient ${g.dtype} [${g.shape.join(", ")}] does not match the parameter ${p.value.dtype} [${p.shape.join(", ")}]`);
      }
      const s = this.state[i];
      s.m ??= zeros(p.shape, p.value.dtype);
      s.v ??= zeros(p.shape, p.value.dtype);
      s.step += 1;
      const own = this.weightDecays[i] === hyper.weightDecay ? hyper : { ...hyper, weightDecay: this.weightDecays[i] };
      resolveUpdate("adam_step", adamStepInPlace)(p.value.data as FloatArray, g.data as FloatArray, s.m.data as FloatArray, s.v.data as FloatArray, s.step, own);
      p.value.markModified();
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** `{ optimizer: "Adam", hyper, state: [{ step, tensors: { exp_avg, exp_avg_sq } }, …] }` (copies). */
  stateDict(): OptimizerStateDict {
    return {
      optimizer: "Adam",
      hyper: { lr: this.lr, beta1: this.betas[0], beta2: this.betas[1], eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled },
      state: this.state.map((s): ParamState => ({ step: s.step, tensors: s.m && s.v ? { exp_avg: s.m.clone(), exp_avg_sq: s.v.clone() } : {} })),
    };
  }

  /** Restores moments, step counts and lr; the other hyper-parameters must match. */
  loadStateDict(state: OptimizerStateDict): void {
    checkStateDict("Adam", state, this.params, ["exp_avg", "exp_avg_sq"]);
    const mine: Record<string, number | boolean> = { beta1: this.betas[0], beta2: this.betas[1], eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled };
    for (const [key, value] of Object.entries(mine)) {
      if (state.hyper[key] !== value) throw new RangeError(`Adam.loadStateDict: ${key}: this optimizer has ${value}, the state has ${state.hyper[key]}`);
    }
    state.state.forEach((s, i) => {
      const { exp_avg: m, exp_avg_sq: v } = s.tensors;
      if ((m === undefined) !== (v === undefined)) throw new RangeError(`Adam.loadStateDict: state[${i}]: expected both exp_avg and exp_avg_sq or neither`);
      if (m === undefined && (s.step ?? 0) !== 0) throw new RangeError(`Adam.loadStateDict: state[${i}]: step ${s.step} without moments`);
    });
    this.lr = checkLr("Adam.loadStateDict", state.hyper.lr);
    this.state = state.state.map((s, i) => ({
      step: s.step ?? 0,
      m: s.tensors.exp_avg ? copyAs(s.tensors.exp_avg, this.params[i].value) : null,
      v: s.tensors.exp_avg_sq ? copyAs(s.tensors.exp_avg_sq, this.params[i].value) : null,
    }));
  }
}
