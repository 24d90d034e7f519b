/**
 * The IDX file format of MNIST and Fashion-MNIST (LeCun's "THE MNIST
 * DATABASE" page), read from bytes — gzipped or not — so it works the same in
 * Node and in browsers:
 *
 *   bytes 0–1  zero
 *   byte  2    type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
 *              0x0D float32, 0x0E float64
 *   byte  3    number of dimensions d
 *   then       d sizes, 4-byte big-endian unsigned integers
 *   then       the values in row-major order, big-endian
 *
 * A file that starts with the gzip magic (0x1F 0x8B) is gunzipped first with
 * the standard `DecompressionStream` (Node ≥ 18 and browsers): no dependency.
 * Every malformed file gets an error that names it and says what was
 * expected; sizes are checked against the bytes present before anything is
 * allocated, so a corrupt header cannot ask for a huge buffer.
 */

/** The element types IDX defines, by type code. */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed arrays an IDX file may hold. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: element type, sizes and values (row-major). */
export interface IdxArray {
  readonly type: IdxType;
  readonly dims: readonly number[];
  readonly data: IdxData;
}

const TYPES: ReadonlyArray<{ code: number; type: IdxType; bytes: number }> = [
  { code: 0x08, type: "uint8", bytes: 1 },
  { code: 0x09, type: "int8", bytes: 1 },
  { code: 0x0b, type: "int16", bytes: 2 },
  { code: 0x0c, type: "int32", bytes: 4 },
  { code: 0x0d, type: "float32", bytes: 4 },
  { code: 0x0e, type: "float64", bytes: 8 },
];

/** Thrown for a malformed IDX or gzip file; the message names the file. */
export class IdxError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = "IdxError";
  }
}

/** Whether `bytes` starts with the gzip magic number 0x1F 0x8B. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Gunzips `bytes` with the platform's `DecompressionStream("gzip")`.
 * `file` names the source in errors (a corrupt or truncated stream).
 */
export async function gunzip(bytes: Uint8Array, file = "gzip data"): Promise<Uint8Array> {
  if (typeof DecompressionStream === "undefined") {
    throw new IdxError(file, "is gzipped, but this platform has no DecompressionStream (Node ≥ 18 or a current browser needed); gunzip it first");
  }
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new IdxError(file, `is not a valid gzip stream (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Parses an (already gunzipped) IDX file. `file` names it in errors.
 * uint8 data is a view of `bytes` (no copy); other types are converted from
 * big-endian into a new array.
 */
export function parseIdx(bytes: Uint8Array, file = "IDX data"): IdxArray {
  if (bytes.length < 4) throw new IdxError(file, `expected an IDX header of at least 4 bytes, got ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new IdxError(file, `expected the IDX magic number 00 00 <type> <rank>, got ${magic}${isGzip(bytes) ? " (a gzip stream: use decodeIdx, which gunzips)" : ""}`);
  }
  const kind = TYPES.find((t) => t.code === bytes[2]);
  if (!kind) {
    throw new IdxError(file, `expected an IDX type code 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E, got 0x${bytes[2].toString(16).padStart(2, "0").toUpperCase()}`);
  }
  const rank = bytes[3];
  if (rank === 0) throw new IdxError(file, "expected at least one dimension, got rank 0");
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new IdxError(file, `expected a header of ${headerBytes} bytes for rank ${rank}, got only ${bytes.length} bytes (truncated)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size; // exact in float64 up to 2^53; compared with the bytes present below
  }
  const dataBytes = bytes.length - headerBytes;
  const expected = count * kind.bytes;
  if (dataBytes < expected) {
    throw new IdxError(file, `expected ${expected} bytes of ${kind.type} data for dims [${dims.join(", ")}], got ${dataBytes} (truncated)`);
  }
  if (dataBytes > expected) {
    throw new IdxError(file, `expected ${expected} bytes of ${kind.type} data for dims [${dims.join(", ")}], got ${dataBytes} (trailing bytes)`);
  }
  return { type: kind.type, dims, data: readValues(view, headerBytes, count, kind.type, bytes) };
}

function readValues(view: DataView, start: number, count: number, type: IdxType, bytes: Uint8Array): IdxData {
  switch (type) {
    case "uint8": return new Uint8Array(bytes.buffer, bytes.byteOffset + start, count); // a plain view, even of a Node Buffer
    case "int8": { const a = new Int8Array(count); new Uint8Array(a.buffer).set(bytes.subarray(start, start + count)); return a; } // not bytes.slice(): a view on a Node Buffer
    case "int16": { const a = new Int16Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt16(start + 2 * i, false); return a; }
    case "int32": { const a = new Int32Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt32(start + 4 * i, false); return a; }
    case "float32": { const a = new Float32Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat32(start + 4 * i, false); return a; }
    case "float64": { const a = new Float64Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat64(start + 8 * i, false); return a; }
  }
}

/** Gunzips `bytes` when they are gzipped, then parses them as IDX. */
export async function decodeIdx(bytes: Uint8Array, file = "IDX data"): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, file) : bytes, file);
}

/** Encodes an IDX file (uncompressed): the inverse of `parseIdx`. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const kind = TYPES.find((t) => t.type === array.type);
  if (!kind) throw new RangeError(`encodeIdx: expected type uint8, int8, int16, int32, float32 or float64, got ${JSON.stringify(array.type)}`);
  const rank = array.dims.length;
  if (rank < 1 || rank > 255) throw new RangeError(`encodeIdx: expected 1 to 255 dimensions, got ${rank}`);
  let count = 1;
  for (const d of array.dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`encodeIdx: expected dims of 32-bit unsigned integers, got [${array.dims.join(", ")}]`);
    count *= d;
  }
  if (array.data.length !== count) throw new RangeError(`encodeIdx: dims [${array.dims.join(", ")}] need ${count} values, got ${array.data.length}`);
  const headerBytes = 4 + 4 * rank;
  const out = new Uint8Array(headerBytes + count * kind.bytes);
  const view = new DataView(out.buffer);
  out[2] = kind.code;
  out[3] = rank;
  array.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const src = array.data;
  for (let i = 0; i < count; i++) {
    const at = headerBytes + i * kind.bytes;
    switch (array.type) {
      case "uint8": out[at] = src[i]; break;
      case "int8": view.setInt8(at, src[i]); break;
      case "int16": view.setInt16(at, src[i], false); break;
      case "int32": view.setInt32(at, src[i], false); break;
      case "float32": view.setFloat32(at, src[i], false); break;
      case "float64": view.setFloat64(at, src[i], false); break;
    }
  }
  return out;
}
