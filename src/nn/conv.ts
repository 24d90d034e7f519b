/**
 * A 2-D convolutional layer (000, "Convolutional Neural Networks": 5×5 conv,
 * stride 1; 001, "Convolutional layer"). Like PyTorch's nn.Conv2d it computes
 * cross-correlation: output[n, o] = bias[o] + Σ_c Σ_(k,l) weight[o, c, k, l] ·
 * input[n, c, i·s + k·d − p, j·s + l·d − p].
 *
 * weight [Cout, Cin/groups, kh, kw], bias [Cout].
 */
import { describeValue } from "../errors.js";
import { shapeString, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module, type Parameter } from "./module.js";
import { initBias, initWeight } from "./init.js";
import type { WeightOptions } from "./linear.js";
import { convOutputSize, expectImageBatch, pair, type Pair } from "./shapes.js";
import { samePadding } from "../shapes.js";

/** Options of Conv2d (PyTorch's names and defaults). */
export interface Conv2dOptions extends WeightOptions {
  /** Step between windows (default 1). */
  stride?: Pair;
  /**
   * Zeros added on each side (default 0). "valid" is 0; "same" keeps H and W
   * (stride 1 only) by padding dilation·(k − 1) in total, the odd one at the
   * bottom/right as PyTorch does.
   */
  padding?: Pair | "same" | "valid";
  /** Spacing between kernel taps (default 1; atrous convolution, 001). */
  dilation?: Pair;
  /** Channel groups (default 1; groups = Cin is depthwise). */
  groups?: number;
}

/** Conv2d(Cin, Cout, k): input [N, Cin, H, W] → [N, Cout, Hout, Wout]. */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  /** Padding as given ("same", "valid" or the pair). */
  readonly padding: [number, number] | "same";

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, rng: Random, options: Conv2dOptions = {}) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, init = "pytorch", dtype = "float32" } = options;
    for (const [name, v] of [["inChannels", inChannels], ["outChannels", outChannels], ["groups", groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Conv2d: ${name}: expected a positive integer, got ${describeValue(v)}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv2d: groups: expected a divisor of inChannels (${inChannels}) and outChannels (${outChannels}), got ${groups}`);
    }
    this.kernelSize = pair("Conv2d", "kernelSize", kernelSize, 1);
    this.stride = pair("Conv2d", "stride", stride, 1);
    this.dilation = pair("Conv2d", "dilation", dilation, 1);
    this.groups = groups;
    if (padding === "same") {
      if (this.stride[0] !== 1 || this.stride[1] !== 1) throw new RangeError(`Conv2d: padding: "same" needs stride 1, got stride ${describeValue(stride)}`);
      this.padding = "same";
    } else if (padding === "valid") {
      this.padding = [0, 0];
    } else {
      this.padding = pair("Conv2d", "padding", padding, 0);
    }
    const [kh, kw] = this.kernelSize;
    this.weight = this.registerParameter("weight", initWeight([outChannels, inChannels / groups, kh, kw], init, rng, dtype))!;
    this.bias = this.registerParameter("bias", bias ? initBias(outChannels, (inChannels / groups) * kh * kw, init, rng, dtype) : null);
  }

  /**
   * The padding the op receives: a pair, or "same" when dilation·(k − 1) is
   * odd in some dimension (the op then pads one more zero at the end).
   */
  opPadding(): [number, number] | "same" {
    if (this.padding !== "same") return this.padding;
    const [top, bottom] = samePadding(this.kernelSize[0], this.dilation[0]);
    const [left, right] = samePadding(this.kernelSize[1], this.dilation[1]);
    return top === bottom && left === right ? [top, left] : "same";
  }

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return F.conv2d(x, this.weight, this.bias ?? undefined, { stride: this.stride, padding: this.opPadding(), dilation: this.dilation, groups: this.groups });
  }

  outputShape(inputShape: Shape): Shape {
    expectImageBatch("Conv2d", inputShape, this.inChannels);
    const [n, , h, w] = inputShape;
    if (this.padding === "same") {
      if (h < 1 || w < 1) throw new RangeError(`Conv2d: expected a non-empty image, got ${shapeString(inputShape)}`);
      return [n, this.outChannels, h, w];
    }
    const hOut = convOutputSize("Conv2d", h, this.kernelSize[0], this.stride[0], this.padding[0], this.dilation[0]);
    const wOut = convOutputSize("Conv2d", w, this.kernelSize[1], this.stride[1], this.padding[1], this.dilation[1]);
    return [n, this.outChannels, hOut, wOut];
  }

  /** N·Cout·Hout·Wout·(Cin/groups)·kh·kw. */
  override macs(inputShape: Shape): number {
    const [n, c, h, w] = this.outputShape(inputShape);
    return n * c * h * w * (this.inChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1];
  }

  override describe(): string {
    const show = (p: [number, number]) => (p[0] === p[1] ? String(p[0]) : `[${p[0]}, ${p[1]}]`);
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel=${show(this.kernelSize)}`, `stride=${show(this.stride)}`, `padding=${this.padding === "same" ? '"same"' : show(this.padding)}`];
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=${show(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push("bias=false");
    return `Conv2d(${parts.join(", ")})`;
  }
}
