/**
 * A fully connected layer: y = x Wᵀ + b (000: f_i(z) = σ(Wᵢᵀz + bᵢ) is this
 * layer followed by an activation). weight [out, in], bias [out], as PyTorch.
 */
import { shapeString, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module, type Parameter } from "./module.js";
import { initBias, initWeight, type InitName } from "./init.js";

/** Options of layers with weights. */
export interface WeightOptions {
  /** Include a bias (default true). */
  bias?: boolean;
  /** Initialization rule (default "pytorch"). */
  init?: InitName;
  /** Parameter dtype (default "float32"). */
  dtype?: FloatDType;
}

/** Linear(in, out): input [*, in] → [*, out]. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Random, options: WeightOptions = {}) {
    super();
    const { bias = true, init = "pytorch", dtype = "float32" } = options;
    if (!Number.isInteger(inFeatures) || inFeatures < 1 || !Number.isInteger(outFeatures) || outFeatures < 1) {
      throw new RangeError(`Linear: expected positive integer sizes, got in=${inFeatures}, out=${outFeatures}`);
    }
    this.weight = this.registerParameter("weight", initWeight([outFeatures, inFeatures], init, rng, dtype))!;
    this.bias = this.registerParameter("bias", bias ? initBias(outFeatures, inFeatures, init, rng, dtype) : null);
  }

  forward(x: Variable): Variable {
    return F.linear(x, this.weight, this.bias ?? undefined);
  }

  outputShape(inputShape: Shape): Shape {
    if (inputShape.length < 1 || inputShape[inputShape.length - 1] !== this.inFeatures) {
      throw new RangeError(`Linear: expected input [*, ${this.inFeatures}], got ${shapeString(inputShape)}`);
    }
    return [...inputShape.slice(0, -1), this.outFeatures];
  }

  override macs(inputShape: Shape): number {
    const rows = inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
    return rows * this.inFeatures * this.outFeatures;
  }

  override describe(): string {
    return `Linear(${this.inFeatures}, ${this.outFeatures}${this.bias ? "" : ", bias=false"})`;
  }
}
