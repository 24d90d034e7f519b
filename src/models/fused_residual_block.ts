/**
 * A ResNet block for inference (001, "Residual networks": y = ReLU(F(x) +
 * shortcut(x))): the residual path F as fused convolutions (batch norm
 * folded, ReLU in the epilogue), and the sum with the shortcut and the last
 * ReLU in the epilogue of F's last convolution — no separate add or ReLU
 * pass. The shortcut is the identity or the fused projection (1×1 conv with
 * batch norm folded). Built by `ResidualBlock.fusedForInference()`
 * (./resnet_blocks.ts).
 */
import { shapeString, type Shape } from "../tensor.js";
import type { Variable } from "../autograd/variable.js";
import { FusedConv2d, Module, forwardChain, intermediatesMark, releaseIntermediate } from "../nn/index.js";

/** input [N, Cin, H, W] → ReLU(F(x) + shortcut(x)) [N, Cout, H/stride, W/stride]. */
export class FusedResidualBlock extends Module {
  /**
   * `head`: F's modules before its last convolution; `last`: that convolution
   * with ReLU as its activation (the add comes first); `shortcut`: the fused
   * projection, or null for the identity.
   */
  constructor(private readonly head: Module[], readonly last: FusedConv2d, readonly shortcut: FusedConv2d | null, private readonly name: string) {
    super();
    if (last.activation !== "relu") throw new RangeError(`FusedResidualBlock: the last convolution must apply the block's ReLU, got activation "${last.activation}"`);
    head.forEach((m, i) => this.registerModule(String(i), m));
    this.registerModule("last", last);
    if (shortcut) this.registerModule("shortcut", shortcut);
    this.training = false;
  }

  /** x → ReLU(F(x) + shortcut(x)); under noGrad F's intermediates and the shortcut's output are freed once read (src/nn/intermediates.ts). */
  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    const mark = intermediatesMark();
    const h = forwardChain(this.head, x);
    const identity = this.shortcut ? this.shortcut.forward(x) : x;
    const y = this.last.forwardWithResidual(h, identity);
    releaseIntermediate(h, y, mark);
    releaseIntermediate(identity, y, mark);
    return y;
  }

  outputShape(inputShape: Shape): Shape {
    const main = this.last.outputShape(this.head.reduce((s, m) => m.outputShape(s), inputShape));
    const skip = this.shortcut ? this.shortcut.outputShape(inputShape) : inputShape;
    if (main.length !== skip.length || main.some((d, i) => d !== skip[i])) {
      throw new RangeError(`FusedResidualBlock: the residual path gives ${shapeString(main)} but the shortcut gives ${shapeString(skip)} for input ${shapeString(inputShape)}`);
    }
    return main;
  }

  override describe(): string {
    return `FusedResidualBlock(${this.name})`;
  }
}
