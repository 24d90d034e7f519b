/**
 * Stochastic gradient descent (001, "Stochastic Gradient Descent (SGD)",
 * "(S)GD + momentum"; 002, "Neural Net – Training"): for each parameter W with
 * gradient ∇, one step of the rule in src/ops/sgd_step.ts (PyTorch's
 * torch.optim.SGD):
 *
 *   d ← ∇ + weight_decay·W;   V ← μV + (1 − dampening)·d;   W ← W − ε·(nesterov ? d + μV : V)
 *
 * This class only keeps a momentum buffer per parameter and loops; the rule
 * itself lives once, in the op (`sgdStepInPlace`), which runs as a wasm
 * kernel for float32 on the wasm backend (../backend/kernels/sgd.ts, chosen by
 * the dispatch: bit-equal).
 *
 * The lecture's momentum, V_{t+1} = μV_t + (1 − μ)∇L(W_t), W_{t+1} = W_t − ε_t V_{t+1}
 * (001), is `dampening = momentum = μ` started from V₀ = 0:
 * `new SGD(params, { lr, ...lectureMomentum(μ) })`. PyTorch instead starts by
 * copying the first gradient into V (`initialBuffer: "gradient"`, the default).
 * The lecture's L2 term λΣW² adds 2λW to the gradient: `weightDecay = 2λ`.
 * That term covers the connection weights W; to leave biases and batch-norm
 * parameters alone, or to give each layer its own λ, pass parameter groups
 * (`weightDecayGroups(model, 2λ)`, as PyTorch's param groups).
 */
import { describeValue } from "../errors.js";
import { Tensor, zeros, type FloatArray } from "../tensor.js";
import type { Variable } from "../autograd/variable.js";
import { sgdHyper, sgdStepInPlace, type SgdHyper } from "../ops/sgd_step.js";
import { resolveUpdate } from "../backend/dispatch.js";
import { residentZeros } from "../backend/resident.js";
import { keep } from "../tensor_lifetime.js";
import { checkLr, checkParamGroups, checkStateDict, copyAs, type Optimizer, type OptimizerStateDict, type Params, type ParamState } from "./optimizer.js";

/** Options of SGD (PyTorch's names in camelCase). */
export interface SGDOptions {
  /** Step size ε. */
  lr: number;
  /** μ (default 0: plain SGD). */
  momentum?: number;
  /** The buffer update scales the gradient by 1 − dampening (default 0). */
  dampening?: number;
  /** Adds weightDecay·W to the gradient (= 2λ of 001's λΣW²; default 0); a parameter group's own weightDecay overrides it. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0, dampening 0; default false). */
  nesterov?: boolean;
  /**
   * How the momentum buffer starts: "gradient" (default, PyTorch: the first
   * step sets V to the gradient, undampened) or "zero" (001: V₀ = 0, so the
   * first step is V₁ = (1 − dampening)·∇).
   */
  initialBuffer?: "gradient" | "zero";
}

/**
 * The options for 001's momentum V ← μV + (1 − μ)∇L, W ← W − εV from V₀ = 0:
 * `new SGD(params, { lr: ε, ...lectureMomentum(0.9) })`.
 */
export function lectureMomentum(mu: number): { momentum: number; dampening: number; initialBuffer: "zero" } {
  if (typeof mu !== "number" || !(mu >= 0 && mu < 1)) throw new RangeError(`lectureMomentum: expected μ in [0, 1), got ${describeValue(mu)}`);
  return { momentum: mu, dampening: mu, initialBuffer: "zero" };
}

/**
 * SGD(params, { lr, momentum, dampening, weightDecay, nesterov }). `params`
 * is a list of parameters, or of groups `{ params, weightDecay }` (PyTorch's
 * param groups; e.g. `weightDecayGroups(model, 5e-4)` decays the connection
 * weights only).
 */
export class SGD implements Optimizer {
  readonly params: readonly Variable[];
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  /** The default weight decay (of parameters whose group gives none). */
  readonly weightDecay: number;
  /** Each parameter's weight decay, in the order of `params`. */
  readonly weightDecays: readonly number[];
  readonly nesterov: boolean;
  readonly initialBuffer: "gradient" | "zero";
  /** Momentum buffer per parameter (null before its first step, or when momentum is 0). */
  private buffers: Array<Tensor | null>;

  constructor(params: Params, options: SGDOptions) {
    if (!options || typeof options !== "object") throw new TypeError(`SGD: options: expected { lr, … }, got ${String(options)}`);
    const h = sgdHyper(options); // validates as PyTorch does (OpError names the attribute)
    const groups = checkParamGroups("SGD", params, h.weightDecay);
    this.params = groups.params;
    this.weightDecays = groups.weightDecays;
    this.lr = h.lr;
    this.momentum = h.momentum;
    this.dampening = h.dampening;
    this.weightDecay = h.weightDecay;
    this.nesterov = h.nesterov;
    const { initialBuffer = "gradient" } = options;
    if (initialBuffer !== "gradient" && initialBuffer !== "zero") throw new RangeError(`SGD: initialBuffer: expected "gradient" or "zero", got ${describeValue(initialBuffer)}`);
    this.initialBuffer = initialBuffer;
    this.buffers = this.params.map(() => null);
  }

  private hyper(): SgdHyper {
    return { lr: checkLr("SGD", this.lr), momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }

  /** One update of every parameter that has a gradient (parameters without one are skipped, as in PyTorch). */
  step(): void {
    const hyper = this.hyper();
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const decay = this.weightDecays[i];
      const g = p.grad;
      if (g.size !== p.value.size || g.dtype !== p.value.dtype) {
        throw new RangeError(`SGD: params[${i}]: gradient ${g.dtype} [${g.shape.join(", ")}] does not match the parameter ${p.value.dtype} [${p.shape.join(", ")}]`);
      }
      let firstStep = false;
      if (hyper.momentum !== 0 && this.buffers[i] === null) {
        // A resident parameter gets a resident buffer (kept past any tidy scope): the kernel then updates both in place.
        this.buffers[i] = p.value.resident ? keep(residentZeros(p.shape)) : zeros(p.shape, p.value.dtype);
        firstStep = this.initialBuffer === "gradient";
      }
      const own = decay === hyper.weightDecay ? hyper : { ...hyper, weightDecay: decay };
      // Resident tensors' data are views of the kernels' memory: the kernel updates them there, in place.
      // Read them only now: allocating the buffer above may have grown the memory and detached older views.
      resolveUpdate("sgd_step", sgdStepInPlace)(p.value.data as FloatArray, g.data as FloatArray, (this.buffers[i]?.data ?? null) as FloatArray | null, own, firstStep);
      p.value.markModified();
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** `{ optimizer: "SGD", hyper, state: [{ tensors: { momentum_buffer } }, …] }` (copies). */
  stateDict(): OptimizerStateDict {
    return {
      optimizer: "SGD",
      hyper: { lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov, zeroInitialBuffer: this.initialBuffer === "zero" },
      state: this.buffers.map((b): ParamState => ({ tensors: b ? { momentum_buffer: b.clone() } : {} })),
    };
  }

  /** Restores buffers and lr; the other hyper-parameters must match this optimizer's. */
  loadStateDict(state: OptimizerStateDict): void {
    checkStateDict("SGD", state, this.params, ["momentum_buffer"]);
    for (const key of ["momentum", "dampening", "weightDecay", "nesterov"] as const) {
      if (state.hyper[key] !== this[key]) throw new RangeError(`SGD.loadStateDict: ${key}: this optimizer has ${this[key]}, the state has ${state.hyper[key]}`);
    }
    if (state.hyper.zeroInitialBuffer !== (this.initialBuffer === "zero")) throw new RangeError(`SGD.loadStateDict: initialBuffer: this optimizer has ${describeValue(this.initialBuffer)}, the state has ${state.hyper.zeroInitialBuffer ? '"zero"' : '"gradient"'}`);
    this.lr = checkLr("SGD.loadStateDict", state.hyper.lr);
    this.buffers = state.state.map((s, i) => {
      const t = s.tensors.momentum_buffer;
      return t ? copyAs(t, this.params[i].value) : null;
    });
  }
}
