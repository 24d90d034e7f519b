/**
 * Flatten: [N, d1, d2, …] → [N, d1·d2·…], the step between the convolutional
 * features and the fully connected layers (000, [CONV-POOL-CONV-POOL-FC-FC]).
 * Row-major order, as PyTorch's nn.Flatten (so FC weights from a PyTorch
 * checkpoint line up). No parameters.
 */
import { shapeString, type Shape } from "../tensor.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module } from "./module.js";

/** Flatten(): input [N, …] → [N, rest]. */
export class Flatten extends Module {
  forward(x: Variable): Variable {
    return F.reshape(x, this.outputShape(x.shape) as number[]);
  }

  outputShape(inputShape: Shape): Shape {
    if (inputShape.length < 1) throw new RangeError(`Flatten: expected input [N, …] with a batch dimension, got ${shapeString(inputShape)}`);
    return [inputShape[0], inputShape.slice(1).reduce((a, b) => a * b, 1)];
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    return "Flatten()";
  }
}
