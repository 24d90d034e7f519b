/**
 * Batch normalization (001, "Batch Normalization": "whiten-as-you-go —
 * normalize the activations in each layer within a minibatch; learn the mean
 * and variance (γ, β) of each layer as parameters"):
 *
 *   y = γ · (x − μ_B) / √(σ²_B + ε) + β,   per channel,
 *
 * with μ_B, σ²_B the batch mean and (biased) variance in training mode. The
 * layer also keeps running estimates for evaluation, updated after every
 * training batch as PyTorch does:
 *
 *   running_mean ← (1 − momentum)·running_mean + momentum·μ_B
 *   running_var  ← (1 − momentum)·running_var  + momentum·σ²_B·n/(n − 1)
 *
 * (the running variance is the unbiased one). `momentum: null` gives the
 * cumulative average (momentum = 1/num_batches_tracked). In evaluation mode
 * the running estimates replace the batch statistics and nothing is updated.
 *
 * Parameters `weight` (γ, ones) and `bias` (β, zeros); buffers
 * `running_mean` (zeros), `running_var` (ones) and `num_batches_tracked`
 * (int32 scalar), exactly PyTorch's state dict entries.
 */
import { describeValue } from "../errors.js";
import { Tensor, shapeString, zeros, ones, type FloatDType, type Shape } from "../tensor.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module, type Parameter } from "./module.js";

/** Options of BatchNorm1d / BatchNorm2d (PyTorch's names and defaults). */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learn γ and β (default true). */
  affine?: boolean;
  /** Dtype of parameters and buffers (default "float32"). */
  dtype?: FloatDType;
}

/** What BatchNorm1d and BatchNorm2d share; they differ only in the input ranks they accept. */
export abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  /** Layer name for messages ("BatchNorm1d" / "BatchNorm2d"). */
  protected abstract readonly layerName: string;

  constructor(readonly numFeatures: number, options: BatchNormOptions = {}) {
    super();
    const { eps = 1e-5, momentum = 0.1, affine = true, dtype = "float32" } = options;
    const name = new.target.name;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new RangeError(`${name}: numFeatures: expected a positive integer, got ${describeValue(numFeatures)}`);
    if (!(eps > 0) || !Number.isFinite(eps)) throw new RangeError(`${name}: eps: expected a positive number, got ${describeValue(eps)}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new RangeError(`${name}: momentum: expected a number in [0, 1] or null, got ${describeValue(momentum)}`);
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.weight = this.registerParameter("weight", affine ? ones([numFeatures], dtype) : null);
    this.bias = this.registerParameter("bias", affine ? zeros([numFeatures], dtype) : null);
    this.registerBuffer("running_mean", zeros([numFeatures], dtype));
    this.registerBuffer("running_var", ones([numFeatures], dtype));
    this.registerBuffer("num_batches_tracked", zeros([], "int32"));
  }

  /** The running mean [C] (the tensor in the state dict). */
  get runningMean(): Tensor { return this.buffer("running_mean")!; }
  /** The running (unbiased) variance [C]. */
  get runningVar(): Tensor { return this.buffer("running_var")!; }
  /** Training batches seen so far. */
  get numBatchesTracked(): number { return this.buffer("num_batches_tracked")!.data[0]; }

  /** Normalizes an [N, C, …] input per channel (the op takes [N, C], [N, C, L] and [N, C, H, W]). */
  protected normalize(x: Variable): Variable {
    if (this.training) {
      const perChannel = x.value.size / this.numFeatures;
      if (perChannel <= 1) throw new RangeError(`${this.layerName}: expected more than one value per channel in training mode, got input ${shapeString(x.shape)}`);
      const counter = this.buffer("num_batches_tracked")!;
      const momentum = this.momentum ?? 1 / (counter.data[0] + 1);
      const out = F.batchNorm(x, this.runningMean, this.runningVar, this.weight ?? undefined, this.bias ?? undefined, { training: true, momentum, eps: this.eps });
      if (!out.runningMean || !out.runningVar) throw new Error(`${this.layerName}: the batch_norm op returned no running statistics`);
      this.runningMean.data.set(out.runningMean.data);
      this.runningVar.data.set(out.runningVar.data);
      counter.data[0] += 1;
      return out.output;
    }
    return F.batchNorm(x, this.runningMean, this.runningVar, this.weight ?? undefined, this.bias ?? undefined, { training: false, eps: this.eps }).output;
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    const parts = [String(this.numFeatures)];
    if (this.eps !== 1e-5) parts.push(`eps=${this.eps}`);
    if (this.momentum !== 0.1) parts.push(`momentum=${this.momentum}`);
    if (!this.affine) parts.push("affine=false");
    return `${this.layerName}(${parts.join(", ")})`;
  }
}

/** BatchNorm1d(C): input [N, C] or [N, C, L] → same shape, normalized per channel over N (and L). */
export class BatchNorm1d extends BatchNorm {
  protected readonly layerName = "BatchNorm1d";

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return this.normalize(x);
  }

  outputShape(inputShape: Shape): Shape {
    if ((inputShape.length !== 2 && inputShape.length !== 3) || inputShape[1] !== this.numFeatures) {
      throw new RangeError(`BatchNorm1d: expected input [N, ${this.numFeatures}] or [N, ${this.numFeatures}, L], got ${shapeString(inputShape)}`);
    }
    return inputShape;
  }
}

/** BatchNorm2d(C): input [N, C, H, W] → same shape, normalized per channel over N, H and W. */
export class BatchNorm2d extends BatchNorm {
  protected readonly layerName = "BatchNorm2d";

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return this.normalize(x);
  }

  outputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4 || inputShape[1] !== this.numFeatures) {
      throw new RangeError(`BatchNorm2d: expected input [N, ${this.numFeatures}, H, W], got ${shapeString(inputShape)}`);
    }
    return inputShape;
  }
}
