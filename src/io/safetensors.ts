/**
 * The safetensors format (Hugging Face's, read by `safetensors.torch.load_file`),
 * written and read without a dependency:
 *
 *   8 bytes   N, the header's length: unsigned 64-bit little-endian
 *   N bytes   the header: a UTF-8 JSON object starting with "{", optionally
 *             padded with spaces —
 *               { "__metadata__": { "key": "value", … },          (optional, strings only)
 *                 "<name>": { "dtype": "F32", "shape": [2, 3],
 *                             "data_offsets": [begin, end] }, … }
 *   the rest  the byte buffer: each tensor's values, C order, little-endian,
 *             at [begin, end) relative to the buffer's start; the ranges
 *             cover the buffer exactly (no holes, no overlaps).
 *
 * Writing follows the reference implementation: tensors ordered by dtype
 * alignment (largest first) and then by name, so every tensor starts at a
 * multiple of its element size, and the header padded with spaces to a
 * multiple of 8 bytes. With PyTorch's parameter names (src/nn/module.ts), a
 * state dict written here loads with `model.load_state_dict(load_file(path))`.
 *
 * Reading treats the file as untrusted: the header length is checked against
 * the file size (and a 100 MB cap) before it is decoded, and every field of
 * every entry is validated — dtype, shape, offsets, byte length =
 * product(shape)·itemsize, coverage — before any tensor is allocated, so a
 * bad file gets an error naming the file, the tensor and the field, never a
 * huge allocation.
 */
import { Tensor, sizeOf, shapeString, type DType } from "../tensor.js";
import { FileError } from "./file_error.js";

/** The dtypes safetensors defines (in the reference implementation's alignment order). */
export const SAFETENSORS_DTYPES = [
  "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64",
] as const;
/** A safetensors dtype name. */
export type SafetensorsDType = (typeof SAFETENSORS_DTYPES)[number];

const ITEM_SIZE: Record<SafetensorsDType, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** The largest header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Thrown for a malformed safetensors file; the message names the file. */
export class SafetensorsError extends FileError {
  override readonly name = "SafetensorsError";
}

/** What a file holds: tensors by name, the stored dtype of each, and the metadata strings. */
export interface SafetensorsContent {
  readonly tensors: Map<string, Tensor>;
  /** The dtype each tensor had in the file (e.g. "I64" for an int32 tensor read from int64). */
  readonly dtypes: Map<string, SafetensorsDType>;
  readonly metadata: Record<string, string>;
}

/** Options of `encodeSafetensors`. */
export interface EncodeOptions {
  /** `__metadata__`: string keys and string values. */
  readonly metadata?: Record<string, string>;
  /** Store int32 tensors as I64, as PyTorch holds integer buffers (default false: I32). */
  readonly int64?: boolean;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function storedDType(t: Tensor, int64: boolean): SafetensorsDType {
  const map: Record<DType, SafetensorsDType> = { float32: "F32", float64: "F64", int32: int64 ? "I64" : "I32" };
  return map[t.dtype];
}

/**
 * Encodes tensors (by name) and optional metadata as a safetensors file.
 * float32 → F32, float64 → F64, int32 → I32 (or I64 with `int64`).
 */
export function encodeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, options: EncodeOptions = {}): Uint8Array {
  const { metadata, int64 = false } = options;
  const entries = [...(tensors instanceof Map ? tensors : Object.entries(tensors))].map(([name, tensor]) => {
    if (typeof name !== "string" || name.length === 0) throw new RangeError(`encodeSafetensors: expected non-empty tensor names, got ${JSON.stringify(name)}`);
    if (name === "__metadata__") throw new RangeError('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    if (!(tensor instanceof Tensor)) throw new TypeError(`encodeSafetensors: ${name}: expected a Tensor, got ${Object.prototype.toString.call(tensor)}`);
    return { name, tensor, dtype: storedDType(tensor, int64) };
  });
  const rank = (d: SafetensorsDType) => SAFETENSORS_DTYPES.indexOf(d);
  entries.sort((a, b) => rank(b.dtype) - rank(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    const sorted: Record<string, string> = {};
    for (const key of Object.keys(metadata).sort()) {
      if (typeof metadata[key] !== "string") throw new TypeError(`encodeSafetensors: metadata ${key}: expected a string, got ${typeof metadata[key]}`);
      sorted[key] = metadata[key];
    }
    header.__metadata__ = sorted;
  }
  let offset = 0;
  for (const e of entries) {
    const bytes = e.tensor.size * ITEM_SIZE[e.dtype];
    header[e.name] = { dtype: e.dtype, shape: [...e.tensor.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  let headerBytes = new TextEncoder().encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad > 0) {
    json += " ".repeat(pad);
    headerBytes = new TextEncoder().encode(json);
  }

  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true); // high 32 bits stay 0: headers are < 4 GB
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const e of entries) {
    writeValues(view, at, e.tensor, e.dtype);
    at += e.tensor.size * ITEM_SIZE[e.dtype];
  }
  return out;
}

function writeValues(view: DataView, at: number, t: Tensor, dtype: SafetensorsDType): void {
  const d = t.data;
  const n = d.length;
  switch (dtype) {
    case "F32": for (let i = 0; i < n; i++) view.setFloat32(at + 4 * i, d[i], true); break;
    case "F64": for (let i = 0; i < n; i++) view.setFloat64(at + 8 * i, d[i], true); break;
    case "I32": for (let i = 0; i < n; i++) view.setInt32(at + 4 * i, d[i], true); break;
    case "I64": for (let i = 0; i < n; i++) view.setBigInt64(at + 8 * i, BigInt(d[i]), true); break;
    default: throw new RangeError(`encodeSafetensors: cannot write dtype ${dtype}`);
  }
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads and validates the header; returns the entries sorted by offset and where the buffer starts. */
function readHeader(bytes: Uint8Array, file: string): { entries: Entry[]; metadata: Record<string, string>; bufferStart: number } {
  const fail = (detail: string): never => { throw new SafetensorsError(file, detail); };
  if (bytes.length < 8) fail(`expected at least 8 bytes (the header length), got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (headerLength > MAX_HEADER_BYTES) fail(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} exceeds the ${bytes.length - 8} bytes after the length field (truncated file or not safetensors)`);
  if (headerLength < 2) fail(`expected a header of at least 2 bytes ("{}"), got ${headerLength}`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail("header is not valid UTF-8");
  }
  if (text[0] !== "{") fail(`header must start with "{", got ${JSON.stringify(text.slice(0, 10))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(`header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isPlainObject(parsed)) return fail("header must be a JSON object");

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  const bufferBytes = bytes.length - 8 - headerLength;
  for (const [name, info] of Object.entries(parsed)) {
    if (name === "__metadata__") {
      if (!isPlainObject(info)) fail(`__metadata__: expected an object of strings, got ${JSON.stringify(info)}`);
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__.${k}: expected a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor ${JSON.stringify(name)}`;
    if (!isPlainObject(info)) fail(`${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
    const fields = info as Record<string, unknown>;
    const extra = Object.keys(fields).filter((k) => k !== "dtype" && k !== "shape" && k !== "data_offsets");
    if (extra.length > 0) fail(`${where}: unexpected field ${extra.map((k) => JSON.stringify(k)).join(", ")} (expected only dtype, shape, data_offsets)`);
    const { dtype, shape, data_offsets: offsets } = fields;
    if (typeof dtype !== "string" || !(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
      fail(`${where}: dtype: expected one of ${SAFETENSORS_DTYPES.join(", ")}, got ${JSON.stringify(dtype)}`);
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      fail(`${where}: shape: expected an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
      fail(`${where}: data_offsets: expected [begin, end] of non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end < begin) fail(`${where}: data_offsets: expected begin ≤ end, got [${begin}, ${end}]`);
    if (end > bufferBytes) fail(`${where}: data_offsets: [${begin}, ${end}] runs past the end of the ${bufferBytes}-byte data buffer`);
    let count = 1;
    for (const d of shape as number[]) {
      count *= d;
      if (count > Number.MAX_SAFE_INTEGER) fail(`${where}: shape ${JSON.stringify(shape)} has too many elements`);
    }
    const itemSize = ITEM_SIZE[dtype as SafetensorsDType];
    if (count * itemSize !== end - begin) {
      fail(`${where}: expected ${count * itemSize} bytes for ${dtype} ${shapeString(shape as number[])} (product(shape)·${itemSize}), but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of entries) {
    if (e.begin > covered) fail(`bytes [${covered}, ${e.begin}) of the data buffer belong to no tensor (a hole before tensor ${JSON.stringify(e.name)})`);
    if (e.begin < covered) fail(`tensor ${JSON.stringify(e.name)} at [${e.begin}, ${e.end}) overlaps the tensor before it (which ends at ${covered})`);
    covered = e.end;
  }
  if (covered !== bufferBytes) fail(`the tensors cover ${covered} bytes but the data buffer has ${bufferBytes} (trailing bytes)`);
  return { entries, metadata, bufferStart: 8 + headerLength };
}

function readValues(bytes: Uint8Array, start: number, e: Entry, file: string): Tensor {
  const n = sizeOf(e.shape);
  const src = bytes.subarray(start + e.begin, start + e.end);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  switch (e.dtype) {
    case "F32":
      if (HOST_LITTLE_ENDIAN) return new Tensor(copyBytes(new Float32Array(n), src), e.shape);
      return new Tensor(Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true)), e.shape);
    case "F64":
      if (HOST_LITTLE_ENDIAN) return new Tensor(copyBytes(new Float64Array(n), src), e.shape);
      return new Tensor(Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true)), e.shape);
    case "F16": return new Tensor(Float32Array.from({ length: n }, (_, i) => halfToFloat(view.getUint16(2 * i, true))), e.shape);
    case "BF16": return new Tensor(Float32Array.from({ length: n }, (_, i) => bfloat16ToFloat(view.getUint16(2 * i, true))), e.shape);
    case "BOOL":
    case "U8": return new Tensor(Int32Array.from(src), e.shape);
    case "I8": return new Tensor(Int32Array.from({ length: n }, (_, i) => view.getInt8(i)), e.shape);
    case "I16": return new Tensor(Int32Array.from({ length: n }, (_, i) => view.getInt16(2 * i, true)), e.shape);
    case "U16": return new Tensor(Int32Array.from({ length: n }, (_, i) => view.getUint16(2 * i, true)), e.shape);
    case "I32": return new Tensor(Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true)), e.shape);
    case "U32":
    case "I64":
    case "U64": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = e.dtype === "U32" ? view.getUint32(4 * i, true) : Number(e.dtype === "I64" ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true));
        if (v < -2147483648 || v > 2147483647) throw new SafetensorsError(file, `tensor ${JSON.stringify(e.name)}: ${e.dtype} value ${v} does not fit the int32 tensors nnref holds integers in`);
        out[i] = v;
      }
      return new Tensor(out, e.shape);
    }
    default:
      throw new SafetensorsError(file, `tensor ${JSON.stringify(e.name)}: dtype ${e.dtype} is valid safetensors but nnref does not read it (F32, F64, F16, BF16 and the integer types are read)`);
  }
}

/**
 * Copies the bytes of the view `src` into `out` (a fresh array of exactly
 * src.byteLength bytes) and returns `out`. Never `src.slice().buffer`: on a
 * Node Buffer, `slice` is a view into Node's shared pool, not a copy.
 */
function copyBytes<T extends Float32Array | Float64Array>(out: T, src: Uint8Array): T {
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(src);
  return out;
}

/** IEEE half precision → number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const bfScratch = new DataView(new ArrayBuffer(4));
/** bfloat16 (the top 16 bits of a float32) → number. */
function bfloat16ToFloat(b: number): number {
  bfScratch.setUint32(0, b << 16);
  return bfScratch.getFloat32(0);
}

/**
 * Decodes a safetensors file. F32/F16/BF16 become float32 tensors, F64
 * float64, integer types int32 (a value outside int32 is an error). `file`
 * names the source in errors. `bytes` may be any view (a Node Buffer from
 * `readFileSync`, a subarray at any offset): the tensors are copies.
 */
export function decodeSafetensors(bytes: Uint8Array, file = "safetensors data"): SafetensorsContent {
  const { entries, metadata, bufferStart } = readHeader(bytes, file);
  const tensors = new Map<string, Tensor>();
  const dtypes = new Map<string, SafetensorsDType>();
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    tensors.set(e.name, readValues(bytes, bufferStart, e, file));
    dtypes.set(e.name, e.dtype);
  }
  return { tensors, dtypes, metadata };
}
