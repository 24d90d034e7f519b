/**
 * Elementwise non-linearities as layers, for use in Sequential. Each applies
 * the op of the same name; shapes pass through unchanged; no parameters.
 * (001, "Vanishing gradients": σ′ ≤ ¼ shrinks gradients layer after layer,
 * ReLU's derivative is 1 where active.)
 */
import { describeValue } from "../errors.js";
import type { Shape } from "../tensor.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module } from "./module.js";

/** Base of the shape-preserving activation layers: outputShape is the identity, no MACs. */
abstract class Elementwise extends Module {
  outputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  override macs(): number {
    return 0;
  }
}

/** ReLU: max(0, x). Any shape. */
export class ReLU extends Elementwise {
  forward(x: Variable): Variable {
    return F.relu(x);
  }

  override describe(): string {
    return "ReLU()";
  }
}

/** Sigmoid: σ(x) = 1/(1 + e^(−x)). Any shape. */
export class Sigmoid extends Elementwise {
  forward(x: Variable): Variable {
    return F.sigmoid(x);
  }

  override describe(): string {
    return "Sigmoid()";
  }
}

/** Tanh: tanh(x). Any shape. */
export class Tanh extends Elementwise {
  forward(x: Variable): Variable {
    return F.tanh(x);
  }

  override describe(): string {
    return "Tanh()";
  }
}

/** LeakyReLU(slope): max(0, x) + slope·min(0, x). Any shape. */
export class LeakyReLU extends Elementwise {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== "number" || !Number.isFinite(negativeSlope)) {
      throw new RangeError(`LeakyReLU: negativeSlope: expected a finite number, got ${describeValue(negativeSlope)}`);
    }
  }

  forward(x: Variable): Variable {
    return F.leakyRelu(x, this.negativeSlope);
  }

  override describe(): string {
    return `LeakyReLU(${this.negativeSlope})`;
  }
}
