/**
 * Spec helpers: ONNX graphs written node by node (as torch.onnx.export lays
 * them out), and ONNX Runtime (onnxruntime-node, a devDependency) as the
 * independent evaluator the specs compare nnref against.
 */
import * as ort from "onnxruntime-node";
import { Tensor } from "../../src/tensor.js";
import { encodeOnnx, modelProto } from "../../src/io/onnx/model_file.js";
import { tensorToProto } from "../../src/io/onnx/tensor_proto.js";
import { ONNX_ATTR, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from "../../src/io/onnx/schema.js";

/** An attribute value: number (INT if integral and `int`, else FLOAT), number[] (INTS), string, or a tensor. */
export type AttrValue = number | number[] | string | Tensor | { float: number } | { floats: number[] };

function attribute(name: string, v: AttrValue): AttributeProto {
  const base = { name, floats: [] as number[], ints: [] as number[], strings: [] as Uint8Array[] };
  if (typeof v === "number") return { ...base, type: ONNX_ATTR.INT, i: v };
  if (typeof v === "string") return { ...base, type: ONNX_ATTR.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { ...base, type: ONNX_ATTR.INTS, ints: v };
  if (v instanceof Tensor) return { ...base, type: ONNX_ATTR.TENSOR, t: tensorToProto("", v) };
  if ("float" in v) return { ...base, type: ONNX_ATTR.FLOAT, f: v.float };
  return { ...base, type: ONNX_ATTR.FLOATS, floats: v.floats };
}

/** A NodeProto. */
export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name = outputs[0]): NodeProto {
  return { op_type: opType, name, input: inputs, output: outputs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) };
}

/** A float (or, for int32 tensors, INT64) initializer. */
export function init(name: string, t: Tensor): TensorProto {
  return tensorToProto(name, t);
}

/** A tensor ValueInfoProto (FLOAT unless `elemType`); a string dim is symbolic. */
export function info(name: string, shape: Array<number | string>, elemType = 1): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: shape.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } } };
}

/** The bytes of a model with one graph. */
export function model(opset: number, nodes: NodeProto[], inits: TensorProto[], inputs: ValueInfoProto[], outputs: ValueInfoProto[]): Uint8Array {
  return encodeOnnx(modelProto({ name: "spec", node: nodes, initializer: inits, input: inputs, output: outputs, value_info: [] }, opset, "nnref spec"));
}

/** Runs a model in ONNX Runtime (CPU); float32 feeds; returns every output as an nnref tensor. */
export async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled" });
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor("float32", Float32Array.from(t.data), [...t.shape]);
  const out = await session.run(ortFeeds);
  const result: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(out)) {
    const data = v.data instanceof BigInt64Array ? Int32Array.from(v.data, Number) : v.data instanceof Float32Array ? v.data : Float32Array.from(v.data as ArrayLike<number>);
    result[k] = new Tensor(data as Float32Array | Int32Array, v.dims as number[]);
  }
  await session.release();
  return result;
}

/** The largest |a − b| divided by the largest |b| (1 if b is all zeros): the relative error of a whole output. */
export function relativeError(a: Tensor, b: Tensor): number {
  if (a.size !== b.size) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < a.size; i++) {
    diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return diff / (scale || 1);
}
