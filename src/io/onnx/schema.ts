/**
 * The part of ONNX's model format (onnx.proto3, IR version 3–10) that nnref
 * reads and writes: ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto/TypeProto and OperatorSetIdProto, with the
 * protobuf field numbers of the ONNX specification. Fields not listed
 * (sparse tensors, training info, quantization annotations, …) are skipped
 * when reading.
 */
import type { MessageSchema } from "../protobuf.js";

/** TensorProto.DataType values nnref handles (others are named in errors). */
export const ONNX_DTYPE = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
} as const;

/** Every TensorProto.DataType by number, for messages. */
export const ONNX_DTYPE_NAMES: Readonly<Record<number, string>> = {
  0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
  9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16",
};

/** AttributeProto.AttributeType values. */
export const ONNX_ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A TensorProto: dims, data type, and the data in exactly one of raw_data or a typed field. */
export interface TensorProto {
  dims: number[];
  data_type?: number;
  float_data: number[];
  int32_data: number[];
  int64_data: number[];
  double_data: number[];
  uint64_data: number[];
  name?: string;
  raw_data?: Uint8Array;
  data_location?: number;
}

/** An AttributeProto (one of f, i, s, t, g, floats, ints, strings is set, as `type` says). */
export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
}

/** A NodeProto: op_type applied to named inputs ("" = an absent optional input), giving named outputs. */
export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute: AttributeProto[];
}

/** TensorShapeProto.Dimension: a number or a symbolic name. */
export interface DimensionProto {
  dim_value?: number;
  dim_param?: string;
}

/** A ValueInfoProto of a tensor (the only kind nnref handles). */
export interface ValueInfoProto {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim: DimensionProto[] } } };
}

/** A GraphProto: nodes (topologically sorted), initializers, inputs and outputs. */
export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info: ValueInfoProto[];
}

/** An OperatorSetIdProto: "" (or absent) is the default ONNX domain. */
export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}

/** A ModelProto. */
export interface ModelProto {
  ir_version?: number;
  opset_import: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  graph?: GraphProto;
}

export const tensorSchema: MessageSchema = {
  1: { name: "dims", type: "int64", repeated: true },
  2: { name: "data_type", type: "int32" },
  4: { name: "float_data", type: "float", repeated: true },
  5: { name: "int32_data", type: "int32", repeated: true },
  7: { name: "int64_data", type: "int64", repeated: true },
  8: { name: "name", type: "string" },
  9: { name: "raw_data", type: "bytes" },
  10: { name: "double_data", type: "double", repeated: true },
  11: { name: "uint64_data", type: "uint64", repeated: true },
  14: { name: "data_location", type: "enum" },
};

export const attributeSchema: MessageSchema = {
  1: { name: "name", type: "string" },
  2: { name: "f", type: "float" },
  3: { name: "i", type: "int64" },
  4: { name: "s", type: "bytes" },
  5: { name: "t", type: () => tensorSchema },
  6: { name: "g", type: () => graphSchema },
  7: { name: "floats", type: "float", repeated: true },
  8: { name: "ints", type: "int64", repeated: true },
  9: { name: "strings", type: "bytes", repeated: true },
  20: { name: "type", type: "enum" },
};

export const nodeSchema: MessageSchema = {
  1: { name: "input", type: "string", repeated: true },
  2: { name: "output", type: "string", repeated: true },
  3: { name: "name", type: "string" },
  4: { name: "op_type", type: "string" },
  5: { name: "attribute", type: () => attributeSchema, repeated: true },
  7: { name: "domain", type: "string" },
};

const dimensionSchema: MessageSchema = {
  1: { name: "dim_value", type: "int64" },
  2: { name: "dim_param", type: "string" },
};

const shapeSchema: MessageSchema = { 1: { name: "dim", type: () => dimensionSchema, repeated: true } };

const tensorTypeSchema: MessageSchema = {
  1: { name: "elem_type", type: "int32" },
  2: { name: "shape", type: () => shapeSchema },
};

const typeSchema: MessageSchema = { 1: { name: "tensor_type", type: () => tensorTypeSchema } };

export const valueInfoSchema: MessageSchema = {
  1: { name: "name", type: "string" },
  2: { name: "type", type: () => typeSchema },
};

export const graphSchema: MessageSchema = {
  1: { name: "node", type: () => nodeSchema, repeated: true },
  2: { name: "name", type: "string" },
  5: { name: "initializer", type: () => tensorSchema, repeated: true },
  11: { name: "input", type: () => valueInfoSchema, repeated: true },
  12: { name: "output", type: () => valueInfoSchema, repeated: true },
  13: { name: "value_info", type: () => valueInfoSchema, repeated: true },
};

const opsetSchema: MessageSchema = {
  1: { name: "domain", type: "string" },
  2: { name: "version", type: "int64" },
};

export const modelSchema: MessageSchema = {
  1: { name: "ir_version", type: "int64" },
  2: { name: "producer_name", type: "string" },
  3: { name: "producer_version", type: "string" },
  7: { name: "graph", type: () => graphSchema },
  8: { name: "opset_import", type: () => opsetSchema, repeated: true },
};
