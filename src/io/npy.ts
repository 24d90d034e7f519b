/**
 * NumPy's .npy files (format versions 1.0–3.0): the magic "\x93NUMPY", a
 * version, a little-endian header length (2 bytes in 1.0, 4 in 2.0/3.0), a
 * Python-literal header `{'descr': '<f4', 'fortran_order': False, 'shape':
 * (1, 3, 224, 224), }`, then the data in C order. What `numpy.save` writes,
 * and so the simplest way to hand nnref an input tensor from Python.
 *
 * Read as nnref tensors: f4 → float32, f8 → float64; i1, u1, i2, u2, i4, i8,
 * u4, u8 and b1 → int32 (values outside int32 refused); either byte order.
 * Every size is checked against the bytes present before anything is
 * allocated.
 */
import { Tensor, shapeString, type DataArray } from "../tensor.js";
import { FileError } from "./file_error.js";

/** Thrown for a malformed or unsupported .npy file; the message names the file. */
export class NpyError extends FileError {
  override readonly name = "NpyError";
}

/** The longest header nnref reads (NumPy itself pads headers to 64 bytes; 1 MB is generous). */
export const MAX_NPY_HEADER = 1 << 20;

const KINDS: Readonly<Record<string, { width: number; float: boolean }>> = {
  f4: { width: 4, float: true }, f8: { width: 8, float: true },
  i1: { width: 1, float: false }, u1: { width: 1, float: false }, b1: { width: 1, float: false },
  i2: { width: 2, float: false }, u2: { width: 2, float: false },
  i4: { width: 4, float: false }, u4: { width: 4, float: false },
  i8: { width: 8, float: false }, u8: { width: 8, float: false },
};

/** Parses the header dict; returns descr, fortran_order and shape. */
function parseHeader(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyError(file, `header ${JSON.stringify(text.trim().slice(0, 120))} lacks 'descr', 'fortran_order' or 'shape'`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    if (!/^\d+L?$/.test(s)) throw new NpyError(file, `shape (${shapeText}) is not a tuple of non-negative integers`);
    return Number.parseInt(s, 10);
  });
  return { descr, fortran: fortran === "True", shape };
}

function readValues(view: DataView, offset: number, kind: string, little: boolean, count: number, file: string): DataArray {
  if (kind === "f4" || kind === "f8") {
    const out = kind === "f4" ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = kind === "f4" ? view.getFloat32(offset + 4 * i, little) : view.getFloat64(offset + 8 * i, little);
    return out;
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let v: number | bigint;
    switch (kind) {
      case "i1": v = view.getInt8(offset + i); break;
      case "u1": case "b1": v = view.getUint8(offset + i); break;
      case "i2": v = view.getInt16(offset + 2 * i, little); break;
      case "u2": v = view.getUint16(offset + 2 * i, little); break;
      case "i4": v = view.getInt32(offset + 4 * i, little); break;
      case "u4": v = view.getUint32(offset + 4 * i, little); break;
      case "i8": v = view.getBigInt64(offset + 8 * i, little); break;
      default: v = view.getBigUint64(offset + 8 * i, little);
    }
    if (v < -2147483648 || v > 2147483647) throw new NpyError(file, `value ${v} at flat index ${i} is outside the int32 range nnref holds integers in`);
    out[i] = Number(v);
  }
  return out;
}

/**
 * Decodes the bytes of a .npy file into a tensor. `file` names it in errors.
 * Throws NpyError for a bad magic, a truncated header or data, an
 * unsupported dtype (complex, strings, objects) or Fortran order.
 */
export function decodeNpy(bytes: Uint8Array, file = "npy data"): Tensor {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new NpyError(file, 'is not a .npy file (expected the magic "\\x93NUMPY" and a header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new NpyError(file, `format version ${major}.${bytes[7]} is not one nnref reads (1.0–3.0)`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new NpyError(file, "is truncated inside its header length");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (headerLength > MAX_NPY_HEADER) throw new NpyError(file, `declares a header of ${headerLength} bytes (over ${MAX_NPY_HEADER})`);
  if (start + headerLength > bytes.length) throw new NpyError(file, `declares a header of ${headerLength} bytes but only ${bytes.length - start} follow`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLength));
  const { descr, fortran, shape } = parseHeader(header, file);
  const order = descr[0], kind = descr.slice(1);
  const spec = KINDS[kind];
  if (!"<>|=".includes(order) || !spec) throw new NpyError(file, `dtype ${JSON.stringify(descr)} is not supported (float32/64, integers and bool are)`);
  if (fortran && shape.filter((d) => d > 1).length > 1) throw new NpyError(file, "is in Fortran (column-major) order; save it with numpy.ascontiguousarray first");
  let count = 1;
  for (const d of shape) count *= d;
  const offset = start + headerLength;
  if (!Number.isSafeInteger(count) || count * spec.width !== bytes.length - offset) {
    throw new NpyError(file, `shape ${shapeString(shape)} of ${descr} needs ${count * spec.width} bytes of data, but ${bytes.length - offset} follow the header`);
  }
  return new Tensor(readValues(view, offset, kind, order !== ">", count, file), shape);
}
