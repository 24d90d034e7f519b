/**
 * FusedConv2d: an inference-only convolution that carries a folded batch
 * norm, its bias and optionally a ReLU (and, through `forwardWithResidual`,
 * a residual add) in one op, conv2d_fused (src/ops/conv2d_fused.ts), whose
 * kernel applies them in the GEMM's epilogue.
 *
 * Folding (eval mode). 001, "Batch Normalization" normalizes each channel
 * with γ and β; in evaluation the batch statistics are replaced by the
 * running ones, so batch norm is a fixed affine map per channel c:
 *
 *   bn(z)_c = γ_c · (z_c − μ_c) / √(σ²_c + ε) + β_c = s_c · z_c + (β_c − s_c · μ_c),   s_c = γ_c / √(σ²_c + ε)
 *
 * and with z_c = Σ W_c · a + b_c (the convolution) it folds into the conv:
 *
 *   W'_c = s_c · W_c,   b'_c = (b_c − μ_c) · s_c + β_c
 *
 * computed in float64 and rounded once to the parameters' dtype. The result
 * differs from conv → batch norm only by rounding (W' is rounded where the
 * unfused path rounds z and then the normalized value).
 *
 * Weights packed once. On the wasm backend the layer packs its (frozen)
 * weight into the convolution kernel's panel layout the first time it runs,
 * in a block of the kernels' memory (src/backend/kernels/conv2d_packed.ts:
 * about the weight's size again), and every later call reads the panels
 * instead of packing the weights anew — the same bits. The block is freed
 * when the weight tensor is replaced or written in place through the library
 * (loadStateDict, an optimizer step: the tensor's `version` moves), and the
 * next forward packs the current values; or by `releasePackedWeights()`.
 */
import { allocate, Tensor, type FloatArray, type FloatDType, type Shape } from "../tensor.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module, type Parameter } from "./module.js";
import { Conv2d } from "./conv.js";
import { BatchNorm2d } from "./batch_norm.js";
import { getBackend } from "../backend/dispatch.js";
import { loadedKernels } from "../backend/wasm.js";
import { ArenaTooSmallError } from "../backend/kernel_memory.js";
import { packConvWeights, type PackedConvWeights } from "../backend/kernels/conv2d_packed.js";

/** The folded parameters of Conv2d → BatchNorm2d: weight [Cout, Cin/groups, kh, kw], bias [Cout]. */
export interface FoldedConv {
  weight: Tensor;
  bias: Tensor;
}

/**
 * W' = s·W, b' = (b − μ)·s + β with s = γ/√(σ² + ε) per output channel
 * (see the file comment): conv's weight [Cout, Cin/groups, kh, kw] and bias
 * [Cout]? folded with bn's running statistics and affine parameters (γ = 1,
 * β = 0 when bn is not affine). Without `bn`, the conv's own parameters
 * (copies; a zero bias when it has none). Throws when the channels differ.
 */
export function foldBatchNorm(conv: Conv2d, bn?: BatchNorm2d): FoldedConv {
  const w = conv.weight.value, dtype = w.dtype as FloatDType;
  const Cout = conv.outChannels, perFilter = w.size / Cout;
  if (bn && bn.numFeatures !== Cout) throw new RangeError(`foldBatchNorm: ${bn.describe()} follows ${conv.describe()}: expected ${Cout} features, got ${bn.numFeatures}`);
  const weight = allocate(dtype, w.size), bias = allocate(dtype, Cout);
  const wData = w.data as FloatArray, b = conv.bias?.value.data;
  for (let c = 0; c < Cout; c++) {
    let scale = 1, shift = b ? b[c] : 0;
    if (bn) {
      scale = (bn.weight ? bn.weight.value.data[c] : 1) / Math.sqrt(bn.runningVar.data[c] + bn.eps);
      shift = (shift - bn.runningMean.data[c]) * scale + (bn.bias ? bn.bias.value.data[c] : 0);
    }
    for (let e = c * perFilter; e < (c + 1) * perFilter; e++) weight[e] = wData[e] * scale;
    bias[c] = shift;
  }
  return { weight: new Tensor(weight, w.shape), bias: new Tensor(bias, [Cout]) };
}

/** Options of FusedConv2d. */
export interface FusedConv2dOptions {
  /** The batch norm that followed the convolution (folded in; eval statistics). */
  batchNorm?: BatchNorm2d;
  /** The activation after the (bias, residual) sum (default "none"). */
  activation?: "none" | "relu";
}

/**
 * Conv2d (+ folded BatchNorm2d) (+ ReLU) for inference: input [N, Cin, H, W]
 * → [N, Cout, Hout, Wout], the source conv's geometry. Parameters `weight`
 * and `bias` are the folded ones. Refuses to run in training mode (batch
 * norm's batch statistics cannot be folded).
 */
export class FusedConv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly activation: "none" | "relu";
  /** The Conv2d it was built from: its geometry (stride, padding, dilation, groups) is this layer's. */
  readonly source: Conv2d;
  private readonly folded: string;
  private packed: PackedConvWeights | null = null;

  constructor(conv: Conv2d, options: FusedConv2dOptions = {}) {
    super();
    const { weight, bias } = foldBatchNorm(conv, options.batchNorm);
    this.weight = this.registerParameter("weight", weight)!;
    this.bias = this.registerParameter("bias", bias)!;
    this.activation = options.activation ?? "none";
    this.source = conv;
    this.folded = options.batchNorm ? ` + ${options.batchNorm.describe()}` : "";
    this.training = false;
  }

  forward(x: Variable): Variable {
    return this.run(x, undefined);
  }

  /** act(conv(x) + residual): residual [N, Cout, Hout, Wout], the output's shape. */
  forwardWithResidual(x: Variable, residual: Variable): Variable {
    return this.run(x, residual);
  }

  private run(x: Variable, residual: Variable | undefined): Variable {
    if (this.training) throw new Error(`FusedConv2d: inference only (batch norm is folded with its running statistics); call eval() before forward`);
    this.outputShape(x.shape);
    this.packWeights();
    const c = this.source;
    return F.conv2dFused(x, this.weight, this.bias, residual, { stride: c.stride, padding: c.opPadding(), dilation: c.dilation, groups: c.groups, activation: this.activation });
  }

  /**
   * Bytes of the kernels' memory the weight's packed panels hold (0 when not
   * packed: before the first forward on the wasm backend, or after
   * `releasePackedWeights`).
   */
  packedWeightBytes(): number {
    return this.packed?.bytes() ?? 0;
  }

  /** Frees the packed panels of the weight; the next forward on the wasm backend packs the weight's current values again. */
  releasePackedWeights(): void {
    this.packed?.free();
    this.packed = null;
  }

  /** On the wasm backend: packs the current float32 weight once (again when the tensor was replaced or the kernels moved memory). */
  private packWeights(): void {
    const w = this.weight.value;
    if (this.packed !== null && (this.packed.source !== w || this.packed.pointer() < 0)) this.releasePackedWeights();
    if (this.packed !== null || getBackend() !== "wasm" || loadedKernels() === null || w.dtype !== "float32") return;
    try {
      this.packed = packConvWeights(w, this.source.groups);
    } catch (e) {
      if (!(e instanceof ArenaTooSmallError)) throw e; // no room: the kernel op packs per call (or runs the reference)
    }
  }

  outputShape(inputShape: Shape): Shape {
    return this.source.outputShape(inputShape);
  }

  override macs(inputShape: Shape): number {
    return this.source.macs(inputShape);
  }

  override describe(): string {
    return `FusedConv2d(${this.source.describe()}${this.folded}${this.activation === "relu" ? " + ReLU" : ""})`;
  }
}
