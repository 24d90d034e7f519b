/**
 * Parameter groups for weight decay, as a PyTorch user builds them by hand.
 *
 * 001 Introduction to ML week 6, "Training objective for classification":
 * the objective adds Σ_l λ_l Σ_{k,m} (W^l_{k,m})² "for all layers (l), and all
 * input (k) – output (m) connection weights" — a λ per layer, and no term for
 * the biases, nor for batch norm's γ and β (001, "Batch Normalization"),
 * which the layer learns to undo the normalization. "Regularization in SGD:
 * weight decay": its gradient adds 2λ_l W^l, so the optimizer's
 * `weightDecay` is 2λ. PyTorch's `weight_decay` applies to every parameter it
 * is given; the common recipe passes groups: decay on the weights, none on
 * biases and normalization parameters.
 *
 *   new SGD(weightDecayGroups(model, 5e-4), { lr: 0.01, momentum: 0.9 })
 *   new SGD(weightDecayGroups(model, (name) => name.startsWith("0.") ? 1e-3 : 1e-4), { lr })   // λ per layer
 */
import type { Variable } from "../autograd/variable.js";
import type { ParamGroup } from "./optimizer.js";

/** Anything with PyTorch-style named parameters (a Module). */
export interface HasNamedParameters {
  namedParameters(): Array<[string, Variable]>;
}

/**
 * Whether a parameter is a connection weight (rank ≥ 2: a Linear's [out, in],
 * a convolution's [out, in, kh, kw]) rather than a bias or a normalization
 * parameter (rank 1: `*.bias`, batch norm's `weight` γ and `bias` β).
 */
export function isConnectionWeight(name: string, param: Variable): boolean {
  return param.value.rank >= 2 && !name.endsWith("bias");
}

/**
 * The model's parameters in groups for an optimizer, in the model's order
 * (consecutive parameters with one decay share a group).
 * - `weightDecay` a number: the connection weights get it, biases and
 *   normalization parameters get 0 (the lecture's λΣW²; pass 2λ).
 * - `weightDecay` a function (name, param) → decay: each parameter's own,
 *   e.g. a λ per layer. It must return a finite number ≥ 0.
 */
export function weightDecayGroups(model: HasNamedParameters, weightDecay: number | ((name: string, param: Variable) => number)): ParamGroup[] {
  if (typeof weightDecay === "number" && !(Number.isFinite(weightDecay) && weightDecay >= 0)) {
    throw new RangeError(`weightDecayGroups: weightDecay: expected a finite number ≥ 0 or a function, got ${weightDecay}`);
  }
  if (typeof weightDecay !== "number" && typeof weightDecay !== "function") {
    throw new TypeError(`weightDecayGroups: weightDecay: expected a number or a function (name, param) → number, got ${String(weightDecay)}`);
  }
  const groups: Array<{ params: Variable[]; weightDecay: number }> = [];
  for (const [name, param] of model.namedParameters()) {
    const decay = typeof weightDecay === "number" ? (isConnectionWeight(name, param) ? weightDecay : 0) : weightDecay(name, param);
    if (typeof decay !== "number" || !Number.isFinite(decay) || decay < 0) {
      throw new RangeError(`weightDecayGroups: the function gave ${String(decay)} for ${name}; expected a finite number ≥ 0`);
    }
    const last = groups[groups.length - 1];
    if (last && last.weightDecay === decay) last.params.push(param);
    else groups.push({ params: [param], weightDecay: decay });
  }
  return groups;
}
