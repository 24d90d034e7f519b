/**
 * Local response normalization across channels — AlexNet's NORM layers
 * (000, "Case Study: AlexNet": "used LRN layers (not common anymore)"):
 *
 *   b_c = a_c / (k + (α/n) · Σ_{c' in window} a_{c'}²)^β,
 *
 * with a window of n = `size` channels around c. α is divided by n as
 * PyTorch does (the AlexNet paper does not). No parameters.
 */
import { describeValue } from "../errors.js";
import { shapeString, type Shape } from "../tensor.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module } from "./module.js";

/** Options of LocalResponseNorm (PyTorch's defaults). */
export interface LocalResponseNormOptions {
  /** Scale α (default 1e-4; divided by size). */
  alpha?: number;
  /** Exponent β (default 0.75). */
  beta?: number;
  /** Additive constant k (default 1). */
  k?: number;
}

/** LocalResponseNorm(size): input [N, C, H, W] (or [N, C, L], [N, C, D, H, W]) → same shape. */
export class LocalResponseNorm extends Module {
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(readonly size: number, options: LocalResponseNormOptions = {}) {
    super();
    const { alpha = 1e-4, beta = 0.75, k = 1 } = options;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`LocalResponseNorm: size: expected a positive integer, got ${describeValue(size)}`);
    for (const [name, v] of [["alpha", alpha], ["beta", beta], ["k", k]] as const) {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`LocalResponseNorm: ${name}: expected a finite number, got ${describeValue(v)}`);
    }
    this.alpha = alpha;
    this.beta = beta;
    this.k = k;
  }

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return F.localResponseNorm(x, { size: this.size, alpha: this.alpha, beta: this.beta, k: this.k });
  }

  outputShape(inputShape: Shape): Shape {
    if (inputShape.length < 3 || inputShape.length > 5) throw new RangeError(`LocalResponseNorm: expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got ${shapeString(inputShape)}`);
    return inputShape;
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    return `LocalResponseNorm(${this.size}, alpha=${this.alpha}, beta=${this.beta}, k=${this.k})`;
  }
}
