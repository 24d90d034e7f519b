/**
 * An ONNX graph (`loadOnnx`) as an nnref `Module`, so what takes a module —
 * `evaluateClassifier`, `predictClasses` — evaluates an imported model the
 * same way as one built from the zoo. Evaluation only: the graph's weights
 * are constants (initializers), not parameters, and its output records no
 * gradient. The graph is an inference graph, so training and eval mode run
 * it alike (torch.onnx.export writes Dropout and BatchNormalization in their
 * eval form).
 */
import { Variable } from "../autograd/variable.js";
import { Module } from "../nn/module.js";
import type { Shape } from "../tensor.js";
import type { OnnxModel } from "./graph.js";
import { OnnxError } from "../io/onnx/tensor_proto.js";

/** `onnx` (one input, one output) as a module: forward(x [as declared]) → the graph's output. */
export class OnnxModule extends Module {
  constructor(readonly onnx: OnnxModel) {
    super();
    if (onnx.inputs.length !== 1 || onnx.outputs.length !== 1) {
      throw new OnnxError(onnx.file, `has ${onnx.inputs.length} inputs and ${onnx.outputs.length} outputs; a module needs one of each`);
    }
  }

  /** Runs the graph on x's value (no gradient is recorded). */
  forward(x: Variable): Variable {
    return new Variable(this.onnx.forward(x.value));
  }

  /** The declared output shape, its first (batch) dimension taken from `inputShape`; an error when another dimension is symbolic. */
  outputShape(inputShape: Shape): Shape {
    const declared = this.onnx.outputs[0].shape;
    const shape = declared?.map((d, i) => (i === 0 ? inputShape[0] : d));
    if (!shape || shape.some((d) => typeof d !== "number")) {
      throw new OnnxError(this.onnx.file, `output ${JSON.stringify(this.onnx.outputs[0].name)}: its shape [${declared?.join(", ") ?? "unknown"}] is not known before running`);
    }
    return shape as number[];
  }

  override describe(): string {
    return `OnnxModule(${this.onnx.file}: opset ${this.onnx.opset}, ${this.onnx.nodes.length} nodes)`;
  }
}
