/**
 * The residual blocks of ResNet (000, "He et al. 2015 – ResNet"; 001,
 * "Residual networks"): the block learns a residual F(x) and outputs
 * ReLU(F(x) + shortcut(x)), the shortcut being the identity or, where the
 * shape changes, a 1×1 convolution with stride followed by batch norm
 * (the paper's option B).
 *
 * Layer names are torchvision's (`conv1`, `bn1`, `conv2`, `bn2`, `conv3`,
 * `bn3`, `downsample.0`, `downsample.1`), so a torchvision checkpoint maps
 * one to one. torchvision registers one `relu` module and applies it after
 * every batch norm but the last and after the sum; so do these blocks.
 */
import { shapeString, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { BatchNorm2d, Conv2d, FusedConv2d, Module, ReLU, Sequential, expectEvalMode, forwardChain, fuseConvRuns, intermediatesMark, releaseIntermediate, type Tracer } from "../nn/index.js";
import { FusedResidualBlock } from "./fused_residual_block.js";
import { SqueezeExcitation } from "./squeeze_excitation.js";

/**
 * Where a bottleneck block that halves the resolution puts its stride:
 * "torchvision" on the 3×3 convolution (torchvision's ResNet, "ResNet v1.5"),
 * "original" on the first 1×1 convolution (He et al. 2015, and Caffe's
 * released models). The two have the same parameters; "original" does fewer
 * multiply-accumulates (ResNet-152: 11.28 G vs 11.51 G).
 */
export type ResNetVariant = "torchvision" | "original";

/** Options of the residual blocks. */
export interface BlockOptions {
  /** Stride of the block (2 where a stage halves the resolution; default 1). */
  stride?: number;
  /** Where a bottleneck puts its stride (default "torchvision"). */
  variant?: ResNetVariant;
  /** Add a squeeze-and-excitation block before the sum, with this reduction ratio (SE-ResNet: 16). */
  seReduction?: number;
  /** Parameter dtype (default "float32"). */
  dtype?: FloatDType;
}

/** The projection shortcut: 1×1 conv with stride (no bias) + batch norm, named `downsample.0`, `downsample.1`. */
function projection(inChannels: number, outChannels: number, stride: number, rng: Random, dtype: FloatDType): Sequential {
  return new Sequential(new Conv2d(inChannels, outChannels, 1, rng, { stride, bias: false, init: "he", dtype }), new BatchNorm2d(outChannels, { dtype }));
}

/** What the two block types share: the residual path as a list of stages, the shortcut, the sum and the last ReLU. */
abstract class ResidualBlock extends Module {
  readonly relu: ReLU;
  /** The projection shortcut, or null for the identity. */
  downsample: Sequential | null = null;
  /** The squeeze-and-excitation block (SE-ResNet), or null. */
  se: SqueezeExcitation | null = null;
  /** The residual path F in order; "relu" marks the shared ReLU module. */
  protected abstract readonly residualPath: Array<[string, Module]>;

  constructor() {
    super();
    this.relu = new ReLU();
  }

  /**
   * x → ReLU(F(x) + shortcut(x)). Under noGrad (src/nn/intermediates.ts) the
   * residual path frees each intermediate once the next layer has read it,
   * the path's output and the projection's are freed once added, and the
   * sum once the ReLU has read it: at most x, two of the path's outputs (or
   * the path's output and the projection's two) and the sum live at once.
   */
  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    const mark = intermediatesMark();
    const h = forwardChain(this.residualPath.map(([, module]) => module), x);
    const identity = this.downsample ? this.downsample.forward(x) : x;
    const sum = F.add(h, identity);
    releaseIntermediate(h, sum, mark);
    releaseIntermediate(identity, sum, mark);
    const y = this.relu.forward(sum);
    releaseIntermediate(sum, y, mark);
    return y;
  }

  outputShape(inputShape: Shape): Shape {
    const main = this.residualPath.reduce((s, [, module]) => module.outputShape(s), inputShape);
    const skip = this.downsample ? this.downsample.outputShape(inputShape) : inputShape;
    if (main.length !== skip.length || main.some((d, i) => d !== skip[i])) {
      throw new RangeError(`${this.constructor.name}: the residual path gives ${shapeString(main)} but the shortcut gives ${shapeString(skip)} for input ${shapeString(inputShape)}`);
    }
    return main;
  }

  /** The residual path's MACs plus the projection's. */
  override macs(inputShape: Shape): number {
    let total = 0;
    let shape = inputShape;
    for (const [, module] of this.residualPath) {
      total += module.macs(shape);
      shape = module.outputShape(shape);
    }
    return total + (this.downsample ? this.downsample.macs(inputShape) : 0);
  }

  /**
   * The block for inference (eval mode; ./fused_residual_block.ts): the
   * residual path's Conv2d → BatchNorm2d (→ ReLU) runs fused, the sum and
   * the last ReLU in the last convolution's epilogue. A block with
   * squeeze-and-excitation (between the last batch norm and the sum) is
   * returned as it is (itself, not fused).
   */
  fusedForInference(): Module {
    expectEvalMode(`${this.describe()}.fusedForInference`, this);
    if (this.se) return this;
    const path = fuseConvRuns(this.residualPath.slice(0, -2), (m) => m);
    const [[, conv], [, bn]] = this.residualPath.slice(-2);
    if (!(conv instanceof Conv2d) || !(bn instanceof BatchNorm2d)) throw new Error(`${this.describe()}: expected the residual path to end in Conv2d → BatchNorm2d`);
    const last = new FusedConv2d(conv, { batchNorm: bn, activation: "relu" });
    const shortcut = this.downsample ? fuseConvRuns(this.downsample.namedChildren(), (m) => m) : null;
    if (shortcut && (shortcut.length !== 1 || !(shortcut[0][1] instanceof FusedConv2d))) throw new Error(`${this.describe()}: expected the projection to fuse into one convolution`);
    return new FusedResidualBlock(path.map(([, m]) => m), last, shortcut ? (shortcut[0][1] as FusedConv2d) : null, this.describe());
  }

  /** Residual path, then the shortcut from the block's input, joined with "add", then the ReLU. */
  override trace<T>(input: T, tracer: Tracer<T>, name = ""): T {
    const child = (c: string) => (name ? `${name}.${c}` : c);
    let h = input;
    for (const [childName, module] of this.residualPath) h = module.trace(h, tracer, child(childName));
    const identity = this.downsample ? this.downsample.trace(input, tracer, child("downsample")) : input;
    return this.relu.trace(tracer.join(name, "add", [h, identity]), tracer, child("relu"));
  }
}

/**
 * BasicBlock (ResNet-18/34): conv1 3×3/stride → bn1 → relu → conv2 3×3 → bn2,
 * plus the shortcut, then ReLU. input [N, inChannels, H, W] → [N, planes, H/stride, W/stride].
 */
export class BasicBlock extends ResidualBlock {
  /** Output channels per `planes`. */
  static readonly expansion = 1;
  protected readonly residualPath: Array<[string, Module]>;
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;

  constructor(inChannels: number, planes: number, rng: Random, options: BlockOptions = {}) {
    super();
    const { stride = 1, dtype = "float32" } = options;
    this.conv1 = this.registerModule("conv1", new Conv2d(inChannels, planes, 3, rng, { stride, padding: 1, bias: false, init: "he", dtype }));
    const bn1 = this.registerModule("bn1", new BatchNorm2d(planes, { dtype }));
    this.registerModule("relu", this.relu);
    this.conv2 = this.registerModule("conv2", new Conv2d(planes, planes, 3, rng, { padding: 1, bias: false, init: "he", dtype }));
    const bn2 = this.registerModule("bn2", new BatchNorm2d(planes, { dtype }));
    this.residualPath = [["conv1", this.conv1], ["bn1", bn1], ["relu", this.relu], ["conv2", this.conv2], ["bn2", bn2]];
    if (options.seReduction !== undefined) {
      this.se = this.registerModule("se", new SqueezeExcitation(planes, rng, { reduction: options.seReduction, dtype }));
      this.residualPath.push(["se", this.se!]);
    }
    if (stride !== 1 || inChannels !== planes) this.downsample = this.registerModule("downsample", projection(inChannels, planes, stride, rng, dtype));
  }

  override describe(): string {
    return `BasicBlock(planes=${this.conv2.outChannels}, stride=${this.conv1.stride[0]})`;
  }
}

/**
 * Bottleneck (ResNet-50/101/152): conv1 1×1 → bn1 → relu → conv2 3×3 → bn2 →
 * relu → conv3 1×1 (4·planes) → bn3 [→ se], plus the shortcut, then ReLU.
 * input [N, inChannels, H, W] → [N, 4·planes, H/stride, W/stride]; the stride
 * sits on conv2 ("torchvision") or conv1 ("original").
 */
export class Bottleneck extends ResidualBlock {
  /** Output channels per `planes`. */
  static readonly expansion = 4;
  protected readonly residualPath: Array<[string, Module]>;
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly conv3: Conv2d;

  constructor(inChannels: number, planes: number, rng: Random, options: BlockOptions = {}) {
    super();
    const { stride = 1, variant = "torchvision", dtype = "float32" } = options;
    const out = planes * Bottleneck.expansion;
    const conv = (cin: number, cout: number, k: number, s: number) => new Conv2d(cin, cout, k, rng, { stride: s, padding: (k - 1) / 2, bias: false, init: "he", dtype });
    this.conv1 = this.registerModule("conv1", conv(inChannels, planes, 1, variant === "original" ? stride : 1));
    const bn1 = this.registerModule("bn1", new BatchNorm2d(planes, { dtype }));
    this.conv2 = this.registerModule("conv2", conv(planes, planes, 3, variant === "original" ? 1 : stride));
    const bn2 = this.registerModule("bn2", new BatchNorm2d(planes, { dtype }));
    this.conv3 = this.registerModule("conv3", conv(planes, out, 1, 1));
    const bn3 = this.registerModule("bn3", new BatchNorm2d(out, { dtype }));
    this.residualPath = [["conv1", this.conv1], ["bn1", bn1], ["relu", this.relu], ["conv2", this.conv2], ["bn2", bn2], ["relu", this.relu], ["conv3", this.conv3], ["bn3", bn3]];
    if (options.seReduction !== undefined) {
      this.se = this.registerModule("se", new SqueezeExcitation(out, rng, { reduction: options.seReduction, dtype }));
      this.residualPath.push(["se", this.se!]);
    }
    this.registerModule("relu", this.relu);
    if (stride !== 1 || inChannels !== out) this.downsample = this.registerModule("downsample", projection(inChannels, out, stride, rng, dtype));
  }

  override describe(): string {
    return `Bottleneck(planes=${this.conv1.outChannels}, stride=${Math.max(this.conv1.stride[0], this.conv2.stride[0])})`;
  }
}
