/**
 * The Inception module of GoogLeNet (000, "GoogLeNet / InceptionNet v1";
 * Szegedy et al. 2014): four branches over the same input whose outputs are
 * concatenated along channels —
 *
 *   branch1: 1×1 conv
 *   branch2: 1×1 conv (reduce) → 3×3 conv
 *   branch3: 1×1 conv (reduce) → 5×5 conv
 *   branch4: 3×3 max pool (stride 1) → 1×1 conv (pool projection)
 *
 * The 1×1 "reduce" convolutions are what keep GoogLeNet small. Names and
 * layout are torchvision's (`branch2.0.conv.weight`, `branch4.1.bn.running_mean`),
 * each conv a BasicConv2d (conv without bias → batch norm, eps 0.001 → ReLU).
 * torchvision's branch 3 uses a 3×3 convolution where the paper has 5×5 (a
 * known slip kept for its pretrained weights); `kernel3: 5` gives the paper's.
 */
import { shapeString, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { BatchNorm2d, Conv2d, MaxPool2d, Module, ReLU, Sequential, type Tracer } from "../nn/index.js";

/** conv (no bias) → batch norm (eps 0.001) → ReLU, torchvision's BasicConv2d: children `conv`, `bn`, `relu`. */
export class BasicConv2d extends Module {
  readonly conv: Conv2d;

  constructor(inChannels: number, outChannels: number, kernelSize: number, rng: Random, options: { stride?: number; padding?: number; dtype?: FloatDType } = {}) {
    super();
    const { stride = 1, padding = 0, dtype = "float32" } = options;
    this.conv = this.registerModule("conv", new Conv2d(inChannels, outChannels, kernelSize, rng, { stride, padding, bias: false, init: "he", dtype }));
    this.registerModule("bn", new BatchNorm2d(outChannels, { eps: 0.001, dtype }));
    this.registerModule("relu", new ReLU());
  }

  forward(x: Variable): Variable {
    let h = x;
    for (const [, m] of this.namedChildren()) h = m.forward(h);
    return h;
  }

  outputShape(inputShape: Shape): Shape {
    return this.conv.outputShape(inputShape);
  }

  override describe(): string {
    return `BasicConv2d(${this.conv.inChannels}, ${this.conv.outChannels}, kernel=${this.conv.kernelSize[0]})`;
  }
}

/** Output channels of the four branches and the two reductions (torchvision's argument order). */
export interface InceptionChannels {
  ch1x1: number;
  ch3x3red: number;
  ch3x3: number;
  ch5x5red: number;
  ch5x5: number;
  poolProj: number;
}

/**
 * Inception(inChannels, channels): input [N, inChannels, H, W] →
 * [N, ch1x1 + ch3x3 + ch5x5 + poolProj, H, W].
 */
export class Inception extends Module {
  readonly branches: Module[];
  readonly outChannels: number;

  constructor(readonly inChannels: number, channels: InceptionChannels, rng: Random, options: { kernel3?: 3 | 5; dtype?: FloatDType } = {}) {
    super();
    const { kernel3 = 3, dtype = "float32" } = options;
    if (kernel3 !== 3 && kernel3 !== 5) throw new RangeError(`Inception: kernel3: expected 3 or 5, got ${JSON.stringify(kernel3)}`);
    const { ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj } = channels;
    const conv = (cin: number, cout: number, k: number) => new BasicConv2d(cin, cout, k, rng, { padding: (k - 1) / 2, dtype });
    this.branches = [
      this.registerModule("branch1", conv(inChannels, ch1x1, 1)),
      this.registerModule("branch2", new Sequential(conv(inChannels, ch3x3red, 1), conv(ch3x3red, ch3x3, 3))),
      this.registerModule("branch3", new Sequential(conv(inChannels, ch5x5red, 1), conv(ch5x5red, ch5x5, kernel3))),
      this.registerModule("branch4", new Sequential(new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), conv(inChannels, poolProj, 1))),
    ];
    this.outChannels = ch1x1 + ch3x3 + ch5x5 + poolProj;
  }

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    const outs = this.branches.map((b) => b.forward(x));
    return outs.slice(1).reduce((acc, y) => F.concat(acc, y, 1), outs[0]);
  }

  outputShape(inputShape: Shape): Shape {
    const shapes = this.branches.map((b) => b.outputShape(inputShape));
    const [n, , h, w] = shapes[0];
    if (shapes.some((s) => s[0] !== n || s[2] !== h || s[3] !== w)) throw new RangeError(`Inception: branches disagree on the spatial size for input ${shapeString(inputShape)}: ${shapes.map(shapeString).join(", ")}`);
    return [n, this.outChannels, h, w];
  }

  /** The sum over the four branches, each from the module's input. */
  override macs(inputShape: Shape): number {
    return this.branches.reduce((sum, b) => sum + b.macs(inputShape), 0);
  }

  /** Each branch from the same input, joined with "concat". */
  override trace<T>(input: T, tracer: Tracer<T>, name = ""): T {
    const outs = this.namedChildren().map(([childName, b]) => b.trace(input, tracer, name ? `${name}.${childName}` : childName));
    return tracer.join(name, "concat", outs);
  }

  override describe(): string {
    return `Inception(${this.inChannels} → ${this.outChannels})`;
  }
}
