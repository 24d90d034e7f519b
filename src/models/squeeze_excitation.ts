/**
 * The squeeze-and-excitation block (000, "Squeeze-and-Excitation Networks
 * (SENet)": "global information (global avg. pooling layer) + 2 FC layers
 * used to determine feature map weights"; Hu et al. 2017):
 *
 *   z = global average pool of x            [N, C]        (squeeze)
 *   s = σ(W₂ · ReLU(W₁ z + b₁) + b₂)        [N, C]        (excitation)
 *   y[n, c] = s[n, c] · x[n, c]             [N, C, H, W]  (feature recalibration)
 *
 * W₁ is [C/r, C], W₂ is [C, C/r], r the reduction ratio (16 in the paper).
 * Children `pool`, `flatten`, `fc1`, `relu`, `fc2`, `gate`. torchvision's
 * `ops.SqueezeExcitation` and timm's SE module also call the two layers
 * `fc1` and `fc2` but store them as 1×1 convolutions: their weights
 * [C/r, C, 1, 1] are these [C/r, C] reshaped.
 */
import { shapeString, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { AdaptiveAvgPool2d, Flatten, Linear, Module, ReLU, Sigmoid, forwardChain, intermediatesMark, releaseIntermediate, type Tracer } from "../nn/index.js";

/** SqueezeExcitation(C, r): input [N, C, H, W] → same shape, each channel reweighted by a learned gate in (0, 1). */
export class SqueezeExcitation extends Module {
  readonly pool: AdaptiveAvgPool2d;
  readonly flatten: Flatten;
  readonly fc1: Linear;
  readonly relu: ReLU;
  readonly fc2: Linear;
  readonly gate: Sigmoid;

  constructor(readonly channels: number, rng: Random, options: { reduction?: number; dtype?: FloatDType } = {}) {
    super();
    const { reduction = 16, dtype = "float32" } = options;
    if (!(reduction > 0)) throw new RangeError(`SqueezeExcitation: reduction: expected a positive number, got ${JSON.stringify(reduction)}`);
    const squeezed = Math.max(1, Math.floor(channels / reduction));
    this.pool = this.registerModule("pool", new AdaptiveAvgPool2d(1));
    this.flatten = this.registerModule("flatten", new Flatten());
    this.fc1 = this.registerModule("fc1", new Linear(channels, squeezed, rng, { dtype }));
    this.relu = this.registerModule("relu", new ReLU());
    this.fc2 = this.registerModule("fc2", new Linear(squeezed, channels, rng, { dtype }));
    this.gate = this.registerModule("gate", new Sigmoid());
  }

  /** The channel weights s [N, C] for x [N, C, H, W]. */
  excitation(x: Variable): Variable {
    return forwardChain([this.pool, this.flatten, this.fc1, this.relu, this.fc2, this.gate], x);
  }

  /** x → x scaled per channel by excitation(x); under noGrad the gate's intermediates and the gate are freed once read (src/nn/intermediates.ts). */
  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    const mark = intermediatesMark();
    const s = this.excitation(x);
    const y = F.scaleChannels(x, s);
    releaseIntermediate(s, y, mark);
    return y;
  }

  outputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4 || inputShape[1] !== this.channels) throw new RangeError(`SqueezeExcitation: expected input [N, ${this.channels}, H, W], got ${shapeString(inputShape)}`);
    return inputShape;
  }

  /** The two FC layers: 2·C·(C/r) per image (the pooling and the scaling are not multiply-accumulates of a layer). */
  override macs(inputShape: Shape): number {
    const n = this.outputShape(inputShape)[0];
    return this.fc1.macs([n, this.channels]) + this.fc2.macs([n, this.fc1.outFeatures]);
  }

  /** Traces the gate from x, then joins x and the gate with "scale". */
  override trace<T>(input: T, tracer: Tracer<T>, name = ""): T {
    const child = (c: string) => (name ? `${name}.${c}` : c);
    let s = input;
    for (const [childName, module] of this.namedChildren()) s = module.trace(s, tracer, child(childName));
    return tracer.join(name, "scale", [input, s]);
  }

  override describe(): string {
    return `SqueezeExcitation(${this.channels}, squeezed=${this.fc1.outFeatures})`;
  }
}
