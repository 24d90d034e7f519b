/**
 * ONNX TensorProto ↔ nnref Tensor. Reading takes the data from raw_data
 * (little-endian, fixed width) or from the typed fields (float_data,
 * int32_data, int64_data, double_data); writing always uses raw_data.
 *
 * nnref's tensors are float32, float64 or int32: FLOAT and DOUBLE map to
 * those; INT64, INT32, INT8, UINT8 and BOOL become int32 (values outside
 * int32 are refused — ONNX's integer tensors in image models are shapes,
 * axes and indices). Sizes are checked before anything is allocated: the
 * element count the dims declare must match the data actually present.
 */
import { Tensor, shapeString } from "../../tensor.js";
import { ONNX_DTYPE, ONNX_DTYPE_NAMES, type TensorProto } from "./schema.js";
import { FileError } from "../file_error.js";

/** Thrown for an ONNX file whose content is invalid; the message names the file and the place. */
export class OnnxError extends FileError {
  override readonly name = "OnnxError";
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const WIDTH: Readonly<Record<number, number>> = { [ONNX_DTYPE.FLOAT]: 4, [ONNX_DTYPE.DOUBLE]: 8, [ONNX_DTYPE.INT64]: 8, [ONNX_DTYPE.INT32]: 4, [ONNX_DTYPE.INT8]: 1, [ONNX_DTYPE.UINT8]: 1, [ONNX_DTYPE.BOOL]: 1 };

/** The element count of `dims`, refusing negative or unsafe sizes. */
export function elementCount(dims: readonly number[], file: string, where: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new OnnxError(file, `${where}: dims ${shapeString(dims)} has a negative or non-integer size`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new OnnxError(file, `${where}: dims ${shapeString(dims)} declare more elements than can be addressed`);
  }
  return n;
}

function int32Checked(values: ArrayLike<number | bigint>, file: string, where: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v < -2147483648 || v > 2147483647) throw new OnnxError(file, `${where}: integer ${values[i]} at index ${i} is outside the int32 range nnref holds integers in`);
    out[i] = v;
  }
  return out;
}

function fromRaw(raw: Uint8Array, dtype: number, count: number, file: string, where: string): Tensor["data"] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dtype === ONNX_DTYPE.FLOAT) {
    if (LITTLE_ENDIAN) return new Float32Array(raw.slice().buffer); // a copy, aligned
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  if (dtype === ONNX_DTYPE.DOUBLE) {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }
  if (dtype === ONNX_DTYPE.INT64) {
    const big = new Array<bigint>(count);
    for (let i = 0; i < count; i++) big[i] = view.getBigInt64(8 * i, true);
    return int32Checked(big, file, where);
  }
  if (dtype === ONNX_DTYPE.INT32) {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
    return out;
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = dtype === ONNX_DTYPE.INT8 ? view.getInt8(i) : view.getUint8(i);
  return out;
}

function fromTyped(proto: TensorProto, dtype: number, count: number, file: string, where: string): Tensor["data"] {
  const field = dtype === ONNX_DTYPE.FLOAT ? "float_data" : dtype === ONNX_DTYPE.DOUBLE ? "double_data" : dtype === ONNX_DTYPE.INT64 ? "int64_data" : "int32_data";
  const values = proto[field];
  if (values.length !== count) {
    throw new OnnxError(file, `${where}: dims ${shapeString(proto.dims)} declare ${count} elements, but ${field} holds ${values.length}`);
  }
  if (dtype === ONNX_DTYPE.FLOAT) return Float32Array.from(values);
  if (dtype === ONNX_DTYPE.DOUBLE) return Float64Array.from(values);
  return int32Checked(values, file, where);
}

/**
 * The nnref tensor of an ONNX TensorProto. `where` names it in errors (e.g.
 * `initializer "conv1.weight"`). Throws OnnxError for an unsupported data
 * type, external data, or data whose size does not match the dims.
 */
export function tensorFromProto(proto: TensorProto, file: string, where: string): Tensor {
  const dtype = proto.data_type ?? 0;
  const width = WIDTH[dtype];
  if (width === undefined) throw new OnnxError(file, `${where}: data type ${ONNX_DTYPE_NAMES[dtype] ?? dtype} is not supported (FLOAT, DOUBLE, INT64, INT32, INT8, UINT8, BOOL are)`);
  if (proto.data_location === 1) throw new OnnxError(file, `${where}: the data is stored in an external file, which nnref does not read (save the model with its data inside)`);
  const count = elementCount(proto.dims, file, where);
  let data: Tensor["data"];
  if (proto.raw_data !== undefined) {
    if (proto.raw_data.length !== count * width) {
      throw new OnnxError(file, `${where}: dims ${shapeString(proto.dims)} of ${ONNX_DTYPE_NAMES[dtype]} need ${count * width} bytes, but raw_data has ${proto.raw_data.length}`);
    }
    data = fromRaw(proto.raw_data, dtype, count, file, where);
  } else {
    data = fromTyped(proto, dtype, count, file, where);
  }
  return new Tensor(data, proto.dims);
}

/**
 * A TensorProto named `name` holding `t` in raw_data: float32 → FLOAT,
 * float64 → DOUBLE, int32 → INT64 (ONNX wants int64 for shapes, axes and
 * indices) unless `intType` says INT32.
 */
export function tensorToProto(name: string, t: Tensor, intType: "INT64" | "INT32" = "INT64"): TensorProto {
  let raw: Uint8Array;
  let dataType: number;
  if ((t.dtype === "float32" || t.dtype === "float64") && LITTLE_ENDIAN) {
    // The platform's own layout is ONNX's: copy the bytes.
    raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
    dataType = t.dtype === "float32" ? ONNX_DTYPE.FLOAT : ONNX_DTYPE.DOUBLE;
  } else if (t.dtype === "float32" || t.dtype === "float64") {
    const width = t.dtype === "float32" ? 4 : 8;
    raw = new Uint8Array(t.size * width);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < t.size; i++) {
      if (width === 4) view.setFloat32(4 * i, t.data[i], true);
      else view.setFloat64(8 * i, t.data[i], true);
    }
    dataType = t.dtype === "float32" ? ONNX_DTYPE.FLOAT : ONNX_DTYPE.DOUBLE;
  } else if (intType === "INT32") {
    raw = new Uint8Array(t.size * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < t.size; i++) view.setInt32(4 * i, t.data[i], true);
    dataType = ONNX_DTYPE.INT32;
  } else {
    raw = new Uint8Array(t.size * 8);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < t.size; i++) view.setBigInt64(8 * i, BigInt(t.data[i]), true);
    dataType = ONNX_DTYPE.INT64;
  }
  return { dims: [...t.shape], data_type: dataType, name, raw_data: raw, float_data: [], int32_data: [], int64_data: [], double_data: [], uint64_data: [] };
}
