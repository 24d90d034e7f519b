import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { decodeMessage, encodeMessage, MAX_DEPTH, ProtobufError, type MessageSchema } from "../../src/io/protobuf.js";
import { throwsInstance } from "../support/assertions.js";

// The examples of the protocol-buffers encoding guide, byte for byte:
//   message Test1 { int32 a = 1; }             a = 150          → 08 96 01
//   message Test2 { string b = 2; }            b = "testing"    → 12 07 74 65 73 74 69 6e 67
//   message Test3 { Test1 c = 3; }             c.a = 150        → 1a 03 08 96 01
//   message Test4 { repeated int32 d = 4; }    d = [3, 270, 86942] packed → 22 06 03 8e 02 9e a7 05
const test1: MessageSchema = { 1: { name: "a", type: "int32" } };
const schema: MessageSchema = {
  1: { name: "a", type: "int32" },
  2: { name: "b", type: "string" },
  3: { name: "c", type: () => test1 },
  4: { name: "d", type: "int32", repeated: true },
  5: { name: "e", type: "int64" },
  6: { name: "f", type: "float" },
  7: { name: "g", type: "double", repeated: true },
  8: { name: "h", type: "bytes" },
};

const bytes = (...b: number[]) => new Uint8Array(b);

test("decodes the encoding guide's examples", () => {
  assert.equal(decodeMessage(bytes(0x08, 0x96, 0x01), schema).a, 150);
  assert.equal(decodeMessage(bytes(0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67), schema).b, "testing");
  assert.equal(decodeMessage(bytes(0x1a, 0x03, 0x08, 0x96, 0x01), schema).c, { a: 150 });
  assert.equal(decodeMessage(bytes(0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05), schema).d, [3, 270, 86942]);
});

test("encodes the same examples to the same bytes (repeated scalars packed, fields in number order)", () => {
  assert.equal([...encodeMessage({ a: 150 }, schema)], [0x08, 0x96, 0x01]);
  assert.equal([...encodeMessage({ b: "testing" }, schema)], [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
  assert.equal([...encodeMessage({ c: { a: 150 } }, schema)], [0x1a, 0x03, 0x08, 0x96, 0x01]);
  assert.equal([...encodeMessage({ d: [3, 270, 86942] }, schema)], [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
  assert.equal([...encodeMessage({ b: "", d: [], a: 1 }, schema)], [0x08, 0x01, 0x12, 0x00]);
});

test("repeated scalars are read unpacked too, and unknown fields of every wire type are skipped", () => {
  // d = 3 and d = 270 as two unpacked fields; then unknown field 9 (varint), 10 (fixed64), 11 (length 2), 12 (fixed32).
  const m = decodeMessage(bytes(0x20, 0x03, 0x20, 0x8e, 0x02, 0x48, 0x7f, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5a, 0x02, 9, 9, 0x65, 1, 2, 3, 4, 0x08, 0x05), schema);
  assert.equal(m.d, [3, 270]);
  assert.is(m.a, 5);
});

test("negative int32 and int64 are ten-byte two's complement; float and double are little-endian", () => {
  const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
  assert.is(decodeMessage(bytes(0x08, ...minusOne), schema).a, -1);
  assert.is(decodeMessage(bytes(0x28, ...minusOne), schema).e, -1);
  assert.equal([...encodeMessage({ e: -1 }, schema)], [0x28, ...minusOne]);
  assert.equal([...encodeMessage({ a: -1 }, schema)], [0x08, ...minusOne]);
  // 1.0f = 00 00 80 3f, −1.5f = 00 00 c0 bf.
  assert.equal([...encodeMessage({ f: 1 }, schema)], [0x35, 0x00, 0x00, 0x80, 0x3f]);
  assert.is(decodeMessage(bytes(0x35, 0x00, 0x00, 0xc0, 0xbf), schema).f, -1.5);
  assert.is(decodeMessage(encodeMessage({ e: Number.MAX_SAFE_INTEGER }, schema), schema).e, Number.MAX_SAFE_INTEGER);
  assert.is(decodeMessage(encodeMessage({ e: Number.MIN_SAFE_INTEGER }, schema), schema).e, Number.MIN_SAFE_INTEGER);
});

function throwsProtobuf(fn: () => unknown, pattern: RegExp): void {
  throwsInstance(ProtobufError, fn, pattern);
}

test("bad input: a length past the end, truncated varints, over-long varints, wrong wire types, unsafe int64 — each naming the file and field", () => {
  throwsProtobuf(() => decodeMessage(bytes(0x12, 0x07, 0x74, 0x65), schema, { file: "m.onnx", root: "model" }), /^m\.onnx: model\.b: declared length 7 runs past the end of its message \(2 bytes left\)/);
  throwsProtobuf(() => decodeMessage(bytes(0x08, 0x96), schema, { file: "m.onnx", root: "model" }), /^m\.onnx: model\.a: varint runs past the end/);
  throwsProtobuf(() => decodeMessage(bytes(0x08, ...new Array(11).fill(0x80), 0x01), schema, { file: "f" }), /varint longer than 10 bytes/);
  throwsProtobuf(() => decodeMessage(bytes(0x0d, 0, 0, 0, 0), schema, { file: "f", root: "model" }), /model\.a: wire type 5 does not match the field's type int32/);
  throwsProtobuf(() => decodeMessage(bytes(0x28, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10), schema, { file: "f", root: "m" }), /m\.e: int64 value 1152921504606846976 is outside the safe integer range/);
  throwsProtobuf(() => decodeMessage(bytes(0x1a, 0x05, 0x08, 0x96, 0x01, 0x12, 0x09), schema, { file: "f", root: "m" }), /f: m\.c\.<field 2>: declared length 9 runs past the end of its message/);
  throwsProtobuf(() => decodeMessage(bytes(0x3a, 0x03, 1, 2, 3), schema, { file: "f", root: "m" }), /m\.g: packed double data of 3 bytes is not a multiple of 8/);
  throwsProtobuf(() => decodeMessage(bytes(0x4b), schema, { file: "f", root: "m" }), /unsupported wire type 3/);
  throwsProtobuf(() => decodeMessage(bytes(0x12, 0x02, 0xc3, 0x28), schema, { file: "f", root: "m" }), /m\.b: a string that is not valid UTF-8/);
});

test(`bad input: messages nested deeper than ${MAX_DEPTH} levels are refused, not recursed into`, () => {
  const nested: MessageSchema = { 1: { name: "child", type: () => nested } };
  // Each level is field 1 holding the next level; lengths over 127 take a two-byte varint.
  let deep = new Uint8Array(0);
  for (let i = 0; i < MAX_DEPTH + 5; i++) {
    const len = deep.length;
    const head = len < 128 ? [0x0a, len] : [0x0a, (len & 0x7f) | 0x80, len >> 7];
    const next = new Uint8Array(head.length + len);
    next.set(head);
    next.set(deep, head.length);
    deep = next;
  }
  throwsProtobuf(() => decodeMessage(deep, nested, { file: "deep.bin", root: "m" }), /^deep\.bin: m(\.child)+: messages nested deeper than 64 levels/);
});

test("property: encode then decode gives the message back (fixed seed)", () => {
  const message = fc.record(
    {
      a: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      b: fc.string(),
      c: fc.record({ a: fc.integer({ min: 0, max: 1000 }) }, { noNullPrototype: true }),
      d: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 20 }),
      e: fc.maxSafeInteger().chain((n) => fc.constantFrom(n, -n, 0)),
      f: fc.float({ noNaN: true }),
      g: fc.array(fc.double({ noNaN: true }), { maxLength: 10 }),
      h: fc.uint8Array({ maxLength: 40 }),
    },
    { requiredKeys: ["d", "g"], noNullPrototype: true },
  );
  fc.assert(
    fc.property(message, (m) => {
      const back = decodeMessage(encodeMessage(m, schema), schema);
      assert.equal({ ...back, h: back.h === undefined ? undefined : [...(back.h as Uint8Array)] }, { ...m, h: m.h === undefined ? undefined : [...m.h] });
    }),
    { seed: 12, numRuns: 200 },
  );
});

test("property: any bytes either decode or throw ProtobufError — never another error, never a hang (fixed seed)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        decodeMessage(b, schema, { file: "fuzz" });
      } catch (err) {
        if (!(err instanceof ProtobufError)) throw err;
      }
    }),
    { seed: 7, numRuns: 2000 },
  );
});

test.run();
