/**
 * The protocol-buffers wire format (the encoding ONNX files use), read and
 * written from a schema given as data: no generated code, no dependency.
 *
 * A message is a sequence of fields, each a key varint `(number << 3) | wire
 * type` followed by its value: wire type 0 a varint (int32, int64, uint64,
 * enum, bool), 1 eight little-endian bytes (double, fixed64), 2 a varint
 * length and that many bytes (string, bytes, a nested message, a packed
 * repeated scalar), 5 four little-endian bytes (float, fixed32). Repeated
 * scalars are read packed or unpacked, as the format requires of parsers;
 * fields the schema does not name are skipped.
 *
 * Bad input is refused with a `ProtobufError` naming the file and the field
 * path (`model.graph.node[3].attribute[0].t.raw_data`): a length past the
 * end of its message, a varint longer than 10 bytes, nesting deeper than
 * `MAX_DEPTH`, an int64 outside JavaScript's safe integers, a wire type that
 * does not match the schema. Nothing is allocated from a declared size: a
 * length is checked against the bytes actually there first, so memory stays
 * bounded by the input.
 */
import { FileError } from "./file_error.js";

/** Thrown for malformed protobuf data; the message names the file and the field path. */
export class ProtobufError extends FileError {
  override readonly name = "ProtobufError";
  /** The dotted field path at fault, e.g. "model.graph.node[2].input[0]". */
  readonly path: string;
  constructor(file: string, path: string, detail: string) {
    super(file, `${path}: ${detail}`);
    this.path = path;
  }
}

/** Nested messages deeper than this are refused (ONNX needs about 8: model.graph.node.attribute.g.node…). */
export const MAX_DEPTH = 64;

/** A scalar field's protobuf type. `int64`/`uint64` decode to numbers (refused outside ±2⁵³). */
export type ScalarType = "int32" | "int64" | "uint64" | "bool" | "enum" | "float" | "double" | "string" | "bytes";

/** One field of a message schema. */
export interface FieldSpec {
  /** The property name in the decoded object. */
  name: string;
  /** A scalar type, or a nested message's schema (a thunk, so schemas may refer to each other). */
  type: ScalarType | (() => MessageSchema);
  /** A repeated field: decoded as an array (empty when absent). */
  repeated?: boolean;
}

/** A message schema: field number → field. */
export type MessageSchema = { readonly [fieldNumber: number]: FieldSpec };

/** A decoded message: property names of the schema → values (absent scalars are left out, repeated fields are arrays). */
export type Message = { [name: string]: unknown };

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

function wireTypeOf(type: FieldSpec["type"]): number {
  if (typeof type === "function" || type === "string" || type === "bytes") return WIRE_LENGTH;
  if (type === "float") return WIRE_FIXED32;
  if (type === "double") return WIRE_FIXED64;
  return WIRE_VARINT;
}

/** Reads one message's bytes; positions are absolute in `bytes`. */
class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(path: string, detail: string): never {
    throw new ProtobufError(this.file, path, detail);
  }

  /** Reads a varint at `pos` (up to 10 bytes); returns its value as a bigint or number and the next position. */
  varint(pos: number, end: number, path: string): { value: bigint; next: number } | { value: number; next: number } {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos + i >= end) this.fail(path, `varint runs past the end of its message (byte ${pos} of ${this.file})`);
      const b = this.bytes[pos + i];
      if (i < 7) {
        n += (b & 0x7f) * scale;
        scale *= 128;
        if ((b & 0x80) === 0) return { value: n, next: pos + i + 1 };
      } else if ((b & 0x80) === 0) {
        let big = 0n;
        for (let j = i; j >= 0; j--) big = (big << 7n) | BigInt(this.bytes[pos + j] & 0x7f);
        return { value: big, next: pos + i + 1 };
      }
    }
    return this.fail(path, `varint longer than 10 bytes at byte ${pos}`);
  }

  /** A varint converted for `type`. */
  scalarVarint(pos: number, end: number, type: ScalarType, path: string): { value: number | boolean; next: number } {
    const { value, next } = this.varint(pos, end, path);
    let big = typeof value === "bigint" ? value : BigInt(value);
    if (type === "int32" || type === "enum") big = BigInt.asIntN(32, big);
    else if (type === "int64") big = BigInt.asIntN(64, big);
    else if (type === "uint64") big = BigInt.asUintN(64, big);
    else if (type === "bool") return { value: big !== 0n, next };
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.fail(path, `${type} value ${big} is outside the safe integer range ±2^53 that nnref reads`);
    }
    return { value: Number(big), next };
  }

  /** Decodes the message in [start, end) with `schema`. */
  message(start: number, end: number, schema: MessageSchema, path: string, depth: number): Message {
    if (depth > MAX_DEPTH) this.fail(path, `messages nested deeper than ${MAX_DEPTH} levels`);
    const out: Message = {};
    for (const spec of Object.values(schema)) if (spec.repeated) out[spec.name] = [];
    let pos = start;
    while (pos < end) {
      const key = this.varint(pos, end, `${path} (a field key)`);
      pos = key.next;
      const keyValue = Number(key.value);
      const number = Math.floor(keyValue / 8);
      const wire = keyValue % 8;
      const spec = schema[number];
      const fieldPath = spec ? `${path}.${spec.name}` : `${path}.<field ${number}>`;
      if (number === 0) this.fail(fieldPath, "field number 0 is not allowed");
      if (!spec) {
        pos = this.skip(pos, end, wire, fieldPath);
        continue;
      }
      const list = spec.repeated ? (out[spec.name] as unknown[]) : null;
      const itemPath = list ? `${fieldPath}[${list.length}]` : fieldPath;
      const expectedWire = wireTypeOf(spec.type);
      if (wire === WIRE_LENGTH && expectedWire !== WIRE_LENGTH && list) {
        pos = this.packed(pos, end, spec.type as ScalarType, list, fieldPath);
        continue;
      }
      if (wire !== expectedWire) this.fail(itemPath, `wire type ${wire} does not match the field's type ${typeof spec.type === "function" ? "message" : spec.type} (wire type ${expectedWire})`);
      const { value, next } = this.value(pos, end, spec, itemPath, depth);
      pos = next;
      if (list) list.push(value);
      else out[spec.name] = value;
    }
    return out;
  }

  /** One non-packed value of `spec` at `pos`. */
  private value(pos: number, end: number, spec: FieldSpec, path: string, depth: number): { value: unknown; next: number } {
    const type = spec.type;
    if (typeof type === "function" || type === "string" || type === "bytes") {
      const { start, stop } = this.lengthDelimited(pos, end, path);
      if (typeof type === "function") return { value: this.message(start, stop, type(), path, depth + 1), next: stop };
      const slice = this.bytes.subarray(start, stop);
      if (type === "bytes") return { value: slice, next: stop };
      try {
        return { value: new TextDecoder("utf-8", { fatal: true }).decode(slice), next: stop };
      } catch {
        return this.fail(path, "a string that is not valid UTF-8");
      }
    }
    if (type === "float") {
      if (pos + 4 > end) this.fail(path, "float runs past the end of its message");
      return { value: this.view.getFloat32(pos, true), next: pos + 4 };
    }
    if (type === "double") {
      if (pos + 8 > end) this.fail(path, "double runs past the end of its message");
      return { value: this.view.getFloat64(pos, true), next: pos + 8 };
    }
    return this.scalarVarint(pos, end, type, path);
  }

  /** The [start, stop) of a length-delimited value whose length varint is at `pos`. */
  lengthDelimited(pos: number, end: number, path: string): { start: number; stop: number } {
    const { value, next } = this.varint(pos, end, `${path} (length)`);
    const length = Number(value);
    if (length > end - next) this.fail(path, `declared length ${value} runs past the end of its message (${end - next} bytes left)`);
    return { start: next, stop: next + length };
  }

  /** A packed run of scalars appended to `list`. */
  private packed(pos: number, end: number, type: ScalarType, list: unknown[], path: string): number {
    const { start, stop } = this.lengthDelimited(pos, end, path);
    if (type === "float" || type === "double") {
      const width = type === "float" ? 4 : 8;
      if ((stop - start) % width !== 0) this.fail(path, `packed ${type} data of ${stop - start} bytes is not a multiple of ${width}`);
      for (let p = start; p < stop; p += width) list.push(width === 4 ? this.view.getFloat32(p, true) : this.view.getFloat64(p, true));
      return stop;
    }
    let p = start;
    while (p < stop) {
      const { value, next } = this.scalarVarint(p, stop, type, `${path}[${list.length}]`);
      list.push(value);
      p = next;
    }
    return stop;
  }

  /** Skips a field the schema does not name. */
  private skip(pos: number, end: number, wire: number, path: string): number {
    if (wire === WIRE_VARINT) return this.varint(pos, end, path).next;
    if (wire === WIRE_LENGTH) return this.lengthDelimited(pos, end, path).stop;
    const width = wire === WIRE_FIXED64 ? 8 : wire === WIRE_FIXED32 ? 4 : -1;
    if (width < 0) this.fail(path, `unsupported wire type ${wire} (groups, 3 and 4, are deprecated; 6 and 7 do not exist)`);
    if (pos + width > end) this.fail(path, `fixed-width value runs past the end of its message`);
    return pos + width;
  }
}

/**
 * Decodes `bytes` as one message of `schema`. `root` names the message in
 * paths (e.g. "model"); `file` names the source in errors. Bytes fields are
 * views into `bytes` (no copy).
 */
export function decodeMessage(bytes: Uint8Array, schema: MessageSchema, options: { file?: string; root?: string } = {}): Message {
  const reader = new Reader(bytes, options.file ?? "protobuf data");
  return reader.message(0, bytes.length, schema, options.root ?? "message", 0);
}

/** The encoded length of a varint holding `value` (a negative integer takes ten bytes, two's complement). */
function varintLength(value: number): number {
  if (value < 0) return 10;
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

function checkInteger(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new TypeError(`encodeMessage: ${path}: expected a safe integer, got ${String(value)}`);
  return value;
}

function isPackable(type: FieldSpec["type"]): type is ScalarType {
  return typeof type !== "function" && type !== "string" && type !== "bytes";
}

/** The present fields of `message` in field-number order, with repeated ones as arrays. */
function presentFields(message: Message, schema: MessageSchema, path: string): Array<{ number: number; spec: FieldSpec; value: unknown; items: unknown[] | null; path: string }> {
  const out = [];
  for (const number of Object.keys(schema).map(Number).sort((a, b) => a - b)) {
    const spec = schema[number];
    const value = message[spec.name];
    if (value === undefined || value === null) continue;
    const fieldPath = `${path}.${spec.name}`;
    if (!spec.repeated) {
      out.push({ number, spec, value, items: null, path: fieldPath });
      continue;
    }
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw new TypeError(`encodeMessage: ${fieldPath}: expected an array for a repeated field`);
    const items = Array.from(value as ArrayLike<unknown>);
    if (items.length > 0) out.push({ number, spec, value, items, path: fieldPath });
  }
  return out;
}

/**
 * Encodes in two passes: the sizes of every message first (so each length
 * prefix is known), then one write into a buffer of the exact size — no
 * intermediate buffers, so a model of hundreds of MB is copied once.
 */
class Encoder {
  private readonly sizes = new Map<Message, number>();
  private readonly strings = new Map<string, Uint8Array>();
  private buf = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private utf8(s: string): Uint8Array {
    let b = this.strings.get(s);
    if (!b) this.strings.set(s, (b = new TextEncoder().encode(s)));
    return b;
  }

  private scalarSize(type: ScalarType, value: unknown, path: string): number {
    if (type === "float") return 4;
    if (type === "double") return 8;
    if (type === "bool") return 1;
    return varintLength(checkInteger(value, path));
  }

  private valueSize(spec: FieldSpec, value: unknown, path: string): number {
    const type = spec.type;
    if (typeof type === "function") {
      const n = this.size(value as Message, type(), path);
      return varintLength(n) + n;
    }
    if (type === "string" || type === "bytes") {
      const b = type === "string" ? this.utf8(String(value)) : value;
      if (!(b instanceof Uint8Array)) throw new TypeError(`encodeMessage: ${path}: expected bytes (a Uint8Array)`);
      return varintLength(b.length) + b.length;
    }
    if ((type === "float" || type === "double") && typeof value !== "number") throw new TypeError(`encodeMessage: ${path}: expected a number, got ${String(value)}`);
    return this.scalarSize(type, value, path);
  }

  private packedSize(type: ScalarType, items: unknown[], path: string): number {
    return items.reduce<number>((n, item, i) => n + this.scalarSize(type, item, `${path}[${i}]`), 0);
  }

  /** The encoded size of `message` (cached for the write pass). */
  size(message: Message, schema: MessageSchema, path: string): number {
    let total = 0;
    for (const f of presentFields(message, schema, path)) {
      const key = varintLength(f.number * 8);
      if (!f.items) total += key + this.valueSize(f.spec, f.value, f.path);
      else if (isPackable(f.spec.type)) {
        const body = this.packedSize(f.spec.type, f.items, f.path);
        total += key + varintLength(body) + body;
      } else f.items.forEach((item, i) => (total += key + this.valueSize(f.spec, item, `${f.path}[${i}]`)));
    }
    this.sizes.set(message, total);
    return total;
  }

  private varint(value: number): void {
    if (value < 0) {
      let v = BigInt.asUintN(64, BigInt(value));
      while (v >= 128n) {
        this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      this.buf[this.pos++] = Number(v);
      return;
    }
    while (value >= 128) {
      this.buf[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.pos++] = value;
  }

  private scalar(type: ScalarType, value: unknown): void {
    if (type === "float") this.view.setFloat32((this.pos += 4) - 4, value as number, true);
    else if (type === "double") this.view.setFloat64((this.pos += 8) - 8, value as number, true);
    else if (type === "bool") this.buf[this.pos++] = value ? 1 : 0;
    else this.varint(value as number);
  }

  private value(number: number, spec: FieldSpec, value: unknown, schemaOf: () => MessageSchema | null): void {
    const type = spec.type;
    if (typeof type === "function") {
      this.varint(number * 8 + WIRE_LENGTH);
      this.varint(this.sizes.get(value as Message)!);
      this.message(value as Message, schemaOf()!);
    } else if (type === "string" || type === "bytes") {
      const b = type === "string" ? this.utf8(String(value)) : (value as Uint8Array);
      this.varint(number * 8 + WIRE_LENGTH);
      this.varint(b.length);
      this.buf.set(b, this.pos);
      this.pos += b.length;
    } else {
      this.varint(number * 8 + wireTypeOf(type));
      this.scalar(type, value);
    }
  }

  private message(message: Message, schema: MessageSchema): void {
    for (const f of presentFields(message, schema, "")) {
      const type = f.spec.type;
      const schemaOf = () => (typeof type === "function" ? type() : null);
      if (!f.items) this.value(f.number, f.spec, f.value, schemaOf);
      else if (isPackable(type)) {
        this.varint(f.number * 8 + WIRE_LENGTH);
        this.varint(this.packedSize(type, f.items, f.path));
        for (const item of f.items) this.scalar(type, item);
      } else for (const item of f.items) this.value(f.number, f.spec, item, schemaOf);
    }
  }

  encode(message: Message, schema: MessageSchema, path: string): Uint8Array {
    const total = this.size(message, schema, path);
    this.buf = new Uint8Array(total);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    this.message(message, schema);
    if (this.pos !== total) throw new Error(`encodeMessage: ${path}: wrote ${this.pos} bytes, sized ${total} (a message changed while encoding?)`);
    return this.buf;
  }
}

/**
 * Encodes `message` with `schema`: fields in field-number order, repeated
 * numeric scalars packed (as proto3 writes them), absent (undefined) fields
 * and empty repeated fields left out. `path` names the message in errors.
 * A message object that appears twice in the tree is written twice.
 */
export function encodeMessage(message: Message, schema: MessageSchema, path = "message"): Uint8Array {
  return new Encoder().encode(message, schema, path);
}
