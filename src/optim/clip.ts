/**
 * Gradient clipping by global norm (PyTorch's clip_grad_norm_): the
 * gradients of all parameters, seen as one vector, are rescaled so that its
 * norm is at most `maxNorm`:
 *
 *   total = ‖(g₁, g₂, …)‖,   g ← g · maxNorm / (total + 1e-6)   when that factor is < 1.
 *
 * Gradients are replaced by scaled copies (never changed in place: a gradient
 * tensor may be shared with the graph).
 */
import { describeValue } from "../errors.js";
import { Tensor, allocate, type FloatDType } from "../tensor.js";
import type { Variable } from "../autograd/variable.js";

/** Options of clipGradNorm. */
export interface ClipOptions {
  /** p of the p-norm (default 2); Infinity for the max-norm. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default true: never a silent NaN step). */
  errorIfNonfinite?: boolean;
}

/**
 * Rescales the gradients of `params` (those that have one) so their global
 * norm is at most `maxNorm`. Returns the total norm before clipping.
 */
export function clipGradNorm(params: Iterable<Variable>, maxNorm: number, options: ClipOptions = {}): number {
  const { normType = 2, errorIfNonfinite = true } = options;
  if (typeof maxNorm !== "number" || !(maxNorm >= 0) || !Number.isFinite(maxNorm)) throw new RangeError(`clipGradNorm: maxNorm: expected a finite number ≥ 0, got ${describeValue(maxNorm)}`);
  if (typeof normType !== "number" || !(normType > 0)) throw new RangeError(`clipGradNorm: normType: expected a number > 0 or Infinity, got ${describeValue(normType)}`);
  const withGrad = [...params].filter((p) => p.grad !== null);
  let total: number;
  if (normType === Infinity) {
    total = 0;
    for (const p of withGrad) for (const g of p.grad!.data) total = Math.max(total, Math.abs(g));
    if (withGrad.some((p) => p.grad!.data.some((g) => Number.isNaN(g)))) total = NaN;
  } else {
    let s = 0;
    for (const p of withGrad) for (const g of p.grad!.data) s += Math.pow(Math.abs(g), normType);
    total = Math.pow(s, 1 / normType);
  }
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(`clipGradNorm: the total gradient norm is ${total}; a NaN or infinite gradient cannot be clipped (pass errorIfNonfinite: false to scale anyway)`);
  }
  const coefficient = maxNorm / (total + 1e-6);
  if (coefficient < 1 || Number.isNaN(coefficient)) {
    for (const p of withGrad) {
      const g = p.grad!;
      const scaled = allocate(g.dtype as FloatDType, g.size);
      for (let i = 0; i < scaled.length; i++) scaled[i] = g.data[i] * coefficient;
      p.grad = new Tensor(scaled, g.shape);
    }
  }
  return total;
}
