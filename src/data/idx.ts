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
 * allocated, so a corrupt header cannot ask for a huge buffer, and a gzipped
 * file inflates into one buffer of the size its header declares, never past
 * it (a decompression bomb stops there).
 */

import { DEFLATE_MAX_RATIO, InflateError, inflateChunks } from "../io/inflate.js";

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

/** What an IDX header says: element type, sizes, and the bytes of header and data it implies. */
export interface IdxHeader {
  readonly type: IdxType;
  readonly dims: readonly number[];
  /** Number of values: the product of `dims`. */
  readonly count: number;
  /** 4 + 4 · rank. */
  readonly headerBytes: number;
  /** count × the type's size: what must follow the header, exactly. */
  readonly dataBytes: number;
}

/**
 * Reads the header at the start of `bytes` (an IDX file or its first bytes).
 * Returns undefined while `bytes` is too short to hold the whole header
 * (fewer than 4 bytes, or fewer than 4 + 4 · rank); throws an `IdxError`
 * naming `file` as soon as what is there is wrong (magic, type code, rank 0).
 */
export function readIdxHeader(bytes: Uint8Array, file = "IDX data"): IdxHeader | undefined {
  if (bytes.length < 4) return undefined;
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
  if (bytes.length < headerBytes) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size; // exact in float64 up to 2^53; compared with the bytes present before anything is allocated
  }
  return { type: kind.type, dims, count, headerBytes, dataBytes: count * kind.bytes };
}

/** Throws unless `dataBytes` (the bytes after the header) are exactly what `header` declares. */
function checkDataLength(header: IdxHeader, dataBytes: number, file: string): void {
  if (dataBytes === header.dataBytes) return;
  const why = dataBytes < header.dataBytes ? "truncated" : "trailing bytes";
  throw new IdxError(file, `expected ${header.dataBytes} bytes of ${header.type} data for dims [${header.dims.join(", ")}], got ${dataBytes} (${why})`);
}

/**
 * Parses an (already gunzipped) IDX file. `file` names it in errors.
 * `bytes` may be any view (a Node Buffer, a subarray at any offset). uint8
 * data is a plain Uint8Array view of `bytes` (no copy); other types are
 * converted from big-endian into a new array.
 */
export function parseIdx(bytes: Uint8Array, file = "IDX data"): IdxArray {
  if (bytes.length < 4) throw new IdxError(file, `expected an IDX header of at least 4 bytes, got ${bytes.length} bytes`);
  const header = readIdxHeader(bytes, file);
  if (header === undefined) throw new IdxError(file, `expected a header of ${4 + 4 * bytes[3]} bytes for rank ${bytes[3]}, got only ${bytes.length} bytes (truncated)`);
  checkDataLength(header, bytes.length - header.headerBytes, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { type: header.type, dims: [...header.dims], data: readValues(view, header.headerBytes, header.count, header.type, bytes) };
}

/**
 * Checks, before reading a file of `fileBytes` bytes, that it has the length
 * its header (`head`, at least its first 4 + 4 · rank bytes) declares — so a
 * file far longer than its header says is refused without being read.
 */
export function checkIdxFileLength(head: Uint8Array, fileBytes: number, file = "IDX data"): void {
  const header = readIdxHeader(head, file);
  if (header === undefined) {
    if (fileBytes < 4) throw new IdxError(file, `expected an IDX header of at least 4 bytes, got ${fileBytes} bytes`);
    throw new IdxError(file, `expected a header of ${4 + 4 * head[3]} bytes for rank ${head[3]}, got only ${fileBytes} bytes (truncated)`);
  }
  checkDataLength(header, fileBytes - header.headerBytes, file);
}

/**
 * Gunzips an IDX file, bounded by its own header: the header (the first
 * inflated bytes) declares the size of the data, and inflating stops with an
 * `IdxError` as soon as the stream would pass it. A header declaring more
 * than `compressedBytes` of gzip can hold (1032:1) is refused before
 * anything is inflated past it.
 *
 * The inflated pieces are kept as they come and joined once at the end, not
 * copied into a buffer allocated up front: the pieces the platform hands out
 * are garbage once copied, and the collector need not reclaim them while
 * the stream runs, so an up-front buffer plus its copied pieces could reach
 * twice the declared size. This way a decompression bomb costs no more than
 * the size it declares before it is refused; a good file peaks at twice its
 * size only while the pieces are joined.
 *
 * `source`: the gzip bytes, or a stream of them (e.g. a file read piece by
 * piece) of `compressedBytes` in all. Returns the inflated file, for parseIdx.
 */
export async function gunzipIdx(source: Uint8Array | ReadableStream<Uint8Array>, file = "IDX data", compressedBytes = source instanceof Uint8Array ? source.length : Infinity): Promise<Uint8Array> {
  let head: Uint8Array = new Uint8Array(0); // the first inflated bytes, until the header is complete
  let header: IdxHeader | undefined;
  let declaredBytes = 0; // header and data, once the header is known
  const pieces: Uint8Array[] = [];
  let filled = 0;
  try {
    for await (const chunk of inflateChunks(source, "gzip", file)) {
      let piece = chunk;
      if (header === undefined) {
        head = concat(head, chunk);
        header = readIdxHeader(head, file);
        if (header === undefined) continue;
        declaredBytes = checkDeclaredBytes(header, compressedBytes, file);
        piece = head;
      }
      if (filled + piece.length > declaredBytes) throw bomb(header, file);
      pieces.push(piece);
      filled += piece.length;
    }
  } catch (err) {
    if (err instanceof InflateError) throw new IdxError(file, err.message.slice(file.length + 2));
    throw err;
  }
  if (header === undefined) return head; // short: parseIdx says how short
  return joinPieces(pieces, filled, header, file);
}

function bomb(header: IdxHeader, file: string): IdxError {
  return new IdxError(file, `inflates to more than the ${header.headerBytes + header.dataBytes} bytes its header declares (${header.type} [${header.dims.join(", ")}]); stopped there (corrupt, or a decompression bomb)`);
}

/** The size, header included, that a gzipped file whose header says `header` may inflate to; refuses what its gzip cannot hold or no typed array can. */
function checkDeclaredBytes(header: IdxHeader, compressedBytes: number, file: string): number {
  const total = header.headerBytes + header.dataBytes;
  if (total > DEFLATE_MAX_RATIO * compressedBytes) {
    throw new IdxError(file, `${declaration(header)}, more than ${compressedBytes} bytes of gzip can inflate to (at most ${DEFLATE_MAX_RATIO}:1): truncated or corrupt`);
  }
  if (total > MAX_TYPED_ARRAY_BYTES) throw tooLarge(header, file);
  return total;
}

/** The pieces as one array (the first piece itself when there is only one). */
function joinPieces(pieces: Uint8Array[], length: number, header: IdxHeader, file: string): Uint8Array {
  if (pieces.length === 1) return pieces[0];
  let out: Uint8Array;
  try {
    out = new Uint8Array(length);
  } catch {
    throw tooLarge(header, file);
  }
  let offset = 0;
  for (let i = 0; i < pieces.length; i++) {
    out.set(pieces[i], offset);
    offset += pieces[i].length;
  }
  return out;
}

/** The largest typed array JavaScript engines allow (V8: 2³² − 1 elements on 64-bit; others less, caught on allocation). */
const MAX_TYPED_ARRAY_BYTES = 2 ** 32 - 1;

function declaration(header: IdxHeader): string {
  return `its header declares ${header.dataBytes} bytes of ${header.type} data for dims [${header.dims.join(", ")}]`;
}

function tooLarge(header: IdxHeader, file: string): IdxError {
  return new IdxError(file, `${declaration(header)}, more than this platform can allocate`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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

/** Gunzips `bytes` when they are gzipped (bounded by the header: `gunzipIdx`), then parses them as IDX. */
export async function decodeIdx(bytes: Uint8Array, file = "IDX data"): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzipIdx(bytes, file) : bytes, file);
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
