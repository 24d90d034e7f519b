/**
 * `exportOnnx(module, inputShape)` — an nnref model as an ONNX file (opset
 * 13), for ONNX Runtime, PyTorch or anything else that reads ONNX. The
 * module is walked with `Module.trace` (the walk `nnref summary` makes):
 * each leaf layer becomes the ONNX node(s) torch.onnx.export writes for its
 * PyTorch twin (Conv, Gemm, BatchNormalization, MaxPool, …), each join of
 * branches an Add, Concat or Unsqueeze+Mul, and every parameter and buffer
 * an initializer under its state-dict name (`layer1.0.conv1.weight`). The
 * graph is the inference graph: dropout is left out, batch norm uses the
 * running statistics. The batch dimension is symbolic ("batch").
 *
 * A layer with no ONNX form here is an error naming every such layer.
 */
import { Tensor, shapeString, ones, zeros, type Shape } from "../tensor.js";
import { samePadding } from "../shapes.js";
import { Module, type Tracer } from "../nn/module.js";
import { Conv2d } from "../nn/conv.js";
import { ConvTranspose2d } from "../nn/conv_transpose.js";
import { Linear } from "../nn/linear.js";
import { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from "../nn/pool.js";
import { BatchNorm } from "../nn/batch_norm.js";
import { ReLU, Sigmoid, Tanh, LeakyReLU } from "../nn/activations.js";
import { Dropout } from "../nn/dropout.js";
import { LocalResponseNorm } from "../nn/local_response_norm.js";
import { Flatten } from "../nn/flatten.js";
import { encodeOnnx, modelProto } from "../io/onnx/model_file.js";
import { tensorToProto } from "../io/onnx/tensor_proto.js";
import { ONNX_ATTR, ONNX_DTYPE, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from "../io/onnx/schema.js";

/** The opset exportOnnx writes. */
export const EXPORT_OPSET = 13;

/** What flows through the trace: the ONNX value's name and its shape. */
interface Flow {
  name: string;
  shape: Shape;
}

const intAttr = (name: string, i: number): AttributeProto => ({ name, type: ONNX_ATTR.INT, i, floats: [], ints: [], strings: [] });
const floatAttr = (name: string, f: number): AttributeProto => ({ name, type: ONNX_ATTR.FLOAT, f, floats: [], ints: [], strings: [] });
const stringAttr = (name: string, s: string): AttributeProto => ({ name, type: ONNX_ATTR.STRING, s: new TextEncoder().encode(s), floats: [], ints: [], strings: [] });
const intsAttr = (name: string, ints: readonly number[]): AttributeProto => ({ name, type: ONNX_ATTR.INTS, ints: [...ints], floats: [], strings: [] });

/** Collects nodes and initializers with unique names. */
class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly unsupported: string[] = [];
  private readonly used = new Set<string>();
  private readonly tensorNames = new Map<Tensor, string>();

  constructor(readonly dtype: "float32" | "float64") {}

  /** A fresh value or node name based on `base`. */
  unique(base: string): string {
    let name = base || "value";
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** The initializer holding `t` (added once, under `name` or a unique variant). */
  initializer(name: string, t: Tensor): string {
    const known = this.tensorNames.get(t);
    if (known) return known;
    const unique = this.unique(name);
    const value = t.dtype === "int32" || t.dtype === this.dtype ? t : t.astype(this.dtype);
    this.initializers.push(tensorToProto(unique, value));
    this.tensorNames.set(t, unique);
    return unique;
  }

  /** Adds a node `opType` named after `name`; returns its output value. */
  node(opType: string, name: string, inputs: string[], attrs: AttributeProto[], shape: Shape): Flow {
    const nodeName = this.unique(name || opType);
    this.nodes.push({ op_type: opType, name: nodeName, input: inputs, output: [nodeName], attribute: attrs });
    return { name: nodeName, shape };
  }
}

/** ONNX pads [top, left, bottom, right] of a Conv2d (padding "same" puts the odd zero at the end, as PyTorch does). */
function convPads(m: Conv2d): number[] {
  if (m.padding !== "same") return [m.padding[0], m.padding[1], m.padding[0], m.padding[1]];
  const [top, bottom] = samePadding(m.kernelSize[0], m.dilation[0]);
  const [left, right] = samePadding(m.kernelSize[1], m.dilation[1]);
  return [top, left, bottom, right];
}

/** The ONNX node(s) of one leaf layer, or null if it has no ONNX form here. */
function leafNodes(b: GraphBuilder, name: string, m: Module, x: Flow): Flow | null {
  const out = m.outputShape(x.shape);
  const p = (suffix: string, t: Tensor) => b.initializer(name ? `${name}.${suffix}` : suffix, t);
  if (m instanceof Conv2d) {
    const inputs = [x.name, p("weight", m.weight.value), ...(m.bias ? [p("bias", m.bias.value)] : [])];
    return b.node("Conv", name, inputs, [intsAttr("dilations", m.dilation), intAttr("group", m.groups), intsAttr("kernel_shape", m.kernelSize), intsAttr("pads", convPads(m)), intsAttr("strides", m.stride)], out);
  }
  if (m instanceof ConvTranspose2d) {
    const inputs = [x.name, p("weight", m.weight.value), ...(m.bias ? [p("bias", m.bias.value)] : [])];
    const attrs = [intsAttr("dilations", m.dilation), intAttr("group", m.groups), intsAttr("kernel_shape", m.kernelSize), intsAttr("output_padding", m.outputPadding), intsAttr("pads", [...m.padding, ...m.padding]), intsAttr("strides", m.stride)];
    return b.node("ConvTranspose", name, inputs, attrs, out);
  }
  if (m instanceof Linear) {
    if (x.shape.length !== 2) return null;
    const inputs = [x.name, p("weight", m.weight.value), ...(m.bias ? [p("bias", m.bias.value)] : [])];
    return b.node("Gemm", name, inputs, [floatAttr("alpha", 1), floatAttr("beta", 1), intAttr("transB", 1)], out);
  }
  if (m instanceof MaxPool2d) {
    const attrs = [intAttr("ceil_mode", m.ceilMode ? 1 : 0), intsAttr("dilations", m.dilation), intsAttr("kernel_shape", m.kernelSize), intsAttr("pads", [...m.padding, ...m.padding]), intsAttr("strides", m.stride)];
    return b.node("MaxPool", name, [x.name], attrs, out);
  }
  if (m instanceof AvgPool2d) {
    const attrs = [intAttr("ceil_mode", m.ceilMode ? 1 : 0), intAttr("count_include_pad", m.countIncludePad ? 1 : 0), intsAttr("kernel_shape", m.kernelSize), intsAttr("pads", [...m.padding, ...m.padding]), intsAttr("strides", m.stride)];
    return b.node("AveragePool", name, [x.name], attrs, out);
  }
  if (m instanceof AdaptiveAvgPool2d) {
    const [oh, ow] = out.slice(2), [h, w] = x.shape.slice(2);
    if (oh === 1 && ow === 1) return b.node("GlobalAveragePool", name, [x.name], [], out);
    if (h % oh === 0 && w % ow === 0) {
      const kernel = [h / oh, w / ow];
      return b.node("AveragePool", name, [x.name], [intsAttr("kernel_shape", kernel), intsAttr("strides", kernel)], out);
    }
    // An output that is a multiple of the input (VGG's 7×7 pool on a small image): every window is one input cell, repeated.
    if (oh % h !== 0 || ow % w !== 0) return null; // neither divides: torch.onnx.export refuses these too
    const scales = p("resize_scales", new Tensor(new Float32Array([1, 1, oh / h, ow / w]), [4]));
    const attrs = [stringAttr("coordinate_transformation_mode", "asymmetric"), stringAttr("mode", "nearest"), stringAttr("nearest_mode", "floor")];
    return b.node("Resize", name, [x.name, "", scales], attrs, out);
  }
  if (m instanceof BatchNorm) {
    const c = m.numFeatures;
    const scale = m.weight ? m.weight.value : ones([c], b.dtype), bias = m.bias ? m.bias.value : zeros([c], b.dtype);
    const inputs = [x.name, p("weight", scale), p("bias", bias), p("running_mean", m.runningMean), p("running_var", m.runningVar)];
    return b.node("BatchNormalization", name, inputs, [floatAttr("epsilon", m.eps)], out);
  }
  if (m instanceof ReLU) return b.node("Relu", name, [x.name], [], out);
  if (m instanceof Sigmoid) return b.node("Sigmoid", name, [x.name], [], out);
  if (m instanceof Tanh) return b.node("Tanh", name, [x.name], [], out);
  if (m instanceof LeakyReLU) return b.node("LeakyRelu", name, [x.name], [floatAttr("alpha", m.negativeSlope)], out);
  if (m instanceof Dropout) return x; // inference graph: the identity
  if (m instanceof LocalResponseNorm) {
    if (m.size % 2 === 0) return null; // ONNX's window differs from PyTorch's for an even size
    return b.node("LRN", name, [x.name], [floatAttr("alpha", m.alpha), floatAttr("beta", m.beta), floatAttr("bias", m.k), intAttr("size", m.size)], out);
  }
  if (m instanceof Flatten) return b.node("Flatten", name, [x.name], [intAttr("axis", 1)], out);
  return null;
}

function tracer(b: GraphBuilder): Tracer<Flow> {
  return {
    leaf(name, module, input) {
      const flow = leafNodes(b, name, module, input);
      if (flow) return flow;
      b.unsupported.push(`${name || "(the model)"}: ${module.describe()}${module instanceof Linear ? ` on a rank-${input.shape.length} input (Gemm needs [N, features])` : ""}`);
      return { name: input.name, shape: module.outputShape(input.shape) };
    },
    join(name, kind, inputs) {
      if (kind === "add") return b.node("Add", `${name}.add`, inputs.map((f) => f.name), [], inputs[0].shape);
      if (kind === "concat") {
        const channels = inputs.reduce((s, f) => s + f.shape[1], 0);
        return b.node("Concat", `${name}.concat`, inputs.map((f) => f.name), [intAttr("axis", 1)], [inputs[0].shape[0], channels, ...inputs[0].shape.slice(2)]);
      }
      const [x, s] = inputs;
      const axes = b.initializer(`${name}.unsqueeze_axes`, new Tensor(new Int32Array([2, 3]), [2]));
      const s4 = b.node("Unsqueeze", `${name}.unsqueeze`, [s.name, axes], [], [...s.shape, 1, 1]);
      return b.node("Mul", `${name}.scale`, [x.name, s4.name], [], x.shape);
    },
  };
}

function valueInfo(name: string, shape: Shape, elemType: number): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: shape.map((d, i) => (i === 0 ? { dim_param: "batch" } : { dim_value: d })) } } } };
}

/**
 * The ONNX model (opset 13) of `module` for inputs of `inputShape`
 * ([N, C, H, W] or [N, features]; N becomes the symbolic "batch"). Graph
 * input "input", output "output". Throws an Error naming every layer that
 * has no ONNX form here (supported: Conv2d, ConvTranspose2d, Linear on
 * [N, features], MaxPool2d, AvgPool2d, AdaptiveAvgPool2d to 1×1 or a divisor
 * of the input, BatchNorm1d/2d, ReLU, Sigmoid, Tanh, LeakyReLU, Dropout,
 * LocalResponseNorm of odd size, Flatten, and the residual, Inception and
 * squeeze-and-excitation joins).
 */
export function exportOnnx(module: Module, inputShape: Shape, options: { graphName?: string } = {}): Uint8Array {
  if (!(module instanceof Module)) throw new TypeError(`exportOnnx: expected an nnref Module, got ${Object.prototype.toString.call(module)}`);
  const first = module.parameters()[0]?.value;
  const dtype = first?.dtype === "float64" ? "float64" : "float32";
  const b = new GraphBuilder(dtype);
  const input = b.unique("input");
  const expected = module.outputShape(inputShape);
  const out = module.trace<Flow>({ name: input, shape: [...inputShape] }, tracer(b));
  if (b.unsupported.length > 0) throw new Error(`exportOnnx: ${b.unsupported.length} layer${b.unsupported.length > 1 ? "s have" : " has"} no ONNX form in nnref: ${b.unsupported.join("; ")}`);
  if (shapeString(out.shape) !== shapeString(expected)) throw new Error(`exportOnnx: the traced graph ends in ${shapeString(out.shape)} but the model's outputShape is ${shapeString(expected)}: some module with branches does not override Module.trace`);
  const last = b.nodes.find((n) => n.output[0] === out.name);
  if (last) last.output[0] = "output";
  else b.nodes.push({ op_type: "Identity", name: "output", input: [out.name], output: ["output"], attribute: [] });
  const elemType = dtype === "float64" ? ONNX_DTYPE.DOUBLE : ONNX_DTYPE.FLOAT;
  const graph = {
    name: options.graphName ?? module.constructor.name,
    node: b.nodes,
    initializer: b.initializers,
    input: [valueInfo(input, inputShape, elemType)],
    output: [valueInfo("output", expected, elemType)],
    value_info: [],
  };
  return encodeOnnx(modelProto(graph, EXPORT_OPSET));
}
