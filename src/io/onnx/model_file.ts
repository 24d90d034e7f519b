/**
 * Reading and writing .onnx files: the bytes of a ModelProto ↔ the plain
 * objects of ./schema.ts, through the project's protobuf codec
 * (../protobuf.ts). Structural checks that need no op knowledge happen here:
 * a graph is present, the default-domain opset is declared, every node has
 * an op type. Evaluating the graph is src/onnx/'s job.
 */
import { decodeMessage, encodeMessage, type Message } from "../protobuf.js";
import { modelSchema, type ModelProto, type GraphProto } from "./schema.js";
import { OnnxError } from "./tensor_proto.js";

/** The ONNX IR version nnref writes (IR 8: opsets up to 18). */
export const ONNX_IR_VERSION = 8;

/**
 * Decodes the bytes of a .onnx file. `file` names it in errors. Throws
 * ProtobufError for malformed bytes (truncated, bad lengths or varints) and
 * OnnxError for a model without a graph or without an ONNX opset.
 */
export function decodeOnnx(bytes: Uint8Array, file = "ONNX data"): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeOnnx: expected the file's bytes as a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length === 0) throw new OnnxError(file, "is empty (0 bytes), not an ONNX model");
  const model = decodeMessage(bytes, modelSchema, { file, root: "model" }) as unknown as ModelProto;
  if (!model.graph) throw new OnnxError(file, "has no graph (model.graph is absent): not an ONNX model, or a truncated one");
  if (opsetVersion(model) === undefined) throw new OnnxError(file, "declares no ONNX opset (model.opset_import has no entry for the default domain)");
  model.graph.node.forEach((node, i) => {
    if (!node.op_type) throw new OnnxError(file, `node ${i}${node.name ? ` "${node.name}"` : ""} has no op_type`);
  });
  return model;
}

/** The default-domain ("" or "ai.onnx") opset version the model imports, or undefined. */
export function opsetVersion(model: ModelProto): number | undefined {
  const entry = model.opset_import.find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx");
  return entry?.version;
}

/** Encodes a model as .onnx bytes. */
export function encodeOnnx(model: ModelProto): Uint8Array {
  return encodeMessage(model as unknown as Message, modelSchema, "model");
}

/** A model around `graph`, importing ONNX opset `opset`. */
export function modelProto(graph: GraphProto, opset: number, producer = "nnref"): ModelProto {
  return { ir_version: ONNX_IR_VERSION, opset_import: [{ domain: "", version: opset }], producer_name: producer, producer_version: "0.1.0", graph };
}
