/**
 * A chain of modules applied in order; children are named "0", "1", … as in
 * PyTorch's nn.Sequential, so parameter names read `3.weight`.
 */
import type { Shape } from "../tensor.js";
import type { Variable } from "../autograd/variable.js";
import { Module } from "./module.js";
import { forwardChain } from "./intermediates.js";

/** y = f_k(… f_2(f_1(x))) — 000's MLP as composed layers. */
export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, i) => this.registerModule(String(i), layer));
  }

  /** The i-th layer. */
  at(i: number): Module {
    const m = this.layers[i];
    if (!m) throw new RangeError(`Sequential.at: index ${i} out of range for ${this.layers.length} layers`);
    return m;
  }

  /** Number of layers. */
  get length(): number {
    return this.layers.length;
  }

  /**
   * x [N, …] → the last layer's output. Under noGrad each intermediate
   * output is freed once the next layer has returned (./intermediates.ts).
   */
  forward(x: Variable): Variable {
    return forwardChain(this.layers, x);
  }

  outputShape(inputShape: Shape): Shape {
    return this.layers.reduce((s, layer) => layer.outputShape(s), inputShape);
  }
}
