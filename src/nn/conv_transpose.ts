/**
 * A 2-D transposed convolution (000, "upsampling … transposed conv"): each
 * input pixel scatters weight[c, o, :, :]·input[n, c, i, j] into the output at
 * (i·s − p + k·d, j·s − p + l·d). It is the gradient of Conv2d with respect to
 * its input, which is how segmentation networks learn to upsample.
 *
 * weight [Cin, Cout/groups, kh, kw] (PyTorch's layout), bias [Cout].
 */
import { describeValue } from "../errors.js";
import type { Shape } from "../tensor.js";
import type { Random } from "../random.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module, type Parameter } from "./module.js";
import { initBias, initWeight } from "./init.js";
import type { WeightOptions } from "./linear.js";
import { convTransposeOutputSize, expectImageBatch, pair, type Pair } from "./shapes.js";

/** Options of ConvTranspose2d (PyTorch's names and defaults). */
export interface ConvTranspose2dOptions extends WeightOptions {
  /** Upsampling factor (default 1). */
  stride?: Pair;
  /** Rows/columns cut from each border of the full output (default 0). */
  padding?: Pair;
  /** Extra rows/columns at the bottom/right (default 0; less than stride or dilation). */
  outputPadding?: Pair;
  /** Spacing between kernel taps (default 1). */
  dilation?: Pair;
  /** Channel groups (default 1). */
  groups?: number;
}

/** ConvTranspose2d(Cin, Cout, k): input [N, Cin, H, W] → [N, Cout, Hout, Wout], Hout = (H − 1)s − 2p + d(k − 1) + outputPadding + 1. */
export class ConvTranspose2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, rng: Random, options: ConvTranspose2dOptions = {}) {
    super();
    const { stride = 1, padding = 0, outputPadding = 0, dilation = 1, groups = 1, bias = true, init = "pytorch", dtype = "float32" } = options;
    for (const [name, v] of [["inChannels", inChannels], ["outChannels", outChannels], ["groups", groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`ConvTranspose2d: ${name}: expected a positive integer, got ${describeValue(v)}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`ConvTranspose2d: groups: expected a divisor of inChannels (${inChannels}) and outChannels (${outChannels}), got ${groups}`);
    }
    this.kernelSize = pair("ConvTranspose2d", "kernelSize", kernelSize, 1);
    this.stride = pair("ConvTranspose2d", "stride", stride, 1);
    this.padding = pair("ConvTranspose2d", "padding", padding, 0);
    this.outputPadding = pair("ConvTranspose2d", "outputPadding", outputPadding, 0);
    this.dilation = pair("ConvTranspose2d", "dilation", dilation, 1);
    this.groups = groups;
    for (const i of [0, 1]) {
      if (this.outputPadding[i] >= Math.max(this.stride[i], this.dilation[i])) {
        throw new RangeError(`ConvTranspose2d: outputPadding: expected less than stride or dilation, got ${describeValue(outputPadding)} with stride ${describeValue(stride)} and dilation ${describeValue(dilation)}`);
      }
    }
    const [kh, kw] = this.kernelSize;
    // PyTorch's fan_in for a transposed weight [Cin, Cout/groups, kh, kw] is (Cout/groups)·kh·kw.
    this.weight = this.registerParameter("weight", initWeight([inChannels, outChannels / groups, kh, kw], init, rng, dtype))!;
    this.bias = this.registerParameter("bias", bias ? initBias(outChannels, (outChannels / groups) * kh * kw, init, rng, dtype) : null);
  }

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return F.convTranspose2d(x, this.weight, this.bias ?? undefined, {
      stride: this.stride, padding: this.padding, output_padding: this.outputPadding, dilation: this.dilation, groups: this.groups,
    });
  }

  outputShape(inputShape: Shape): Shape {
    expectImageBatch("ConvTranspose2d", inputShape, this.inChannels);
    const [n, , h, w] = inputShape;
    const out = [h, w].map((size, i) =>
      convTransposeOutputSize("ConvTranspose2d", size, this.kernelSize[i], this.stride[i], this.padding[i], this.outputPadding[i], this.dilation[i]));
    return [n, this.outChannels, out[0], out[1]];
  }

  /** N·Cin·H·W·(Cout/groups)·kh·kw: every input pixel is multiplied into a kh×kw×(Cout/groups) block. */
  override macs(inputShape: Shape): number {
    this.outputShape(inputShape);
    const [n, c, h, w] = inputShape;
    return n * c * h * w * (this.outChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1];
  }

  override describe(): string {
    const show = (p: [number, number]) => (p[0] === p[1] ? String(p[0]) : `[${p[0]}, ${p[1]}]`);
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel=${show(this.kernelSize)}`, `stride=${show(this.stride)}`, `padding=${show(this.padding)}`];
    if (this.outputPadding[0] || this.outputPadding[1]) parts.push(`outputPadding=${show(this.outputPadding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=${show(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push("bias=false");
    return `ConvTranspose2d(${parts.join(", ")})`;
  }
}
