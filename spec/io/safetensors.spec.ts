import { test } from "uvu";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { Tensor, fromArray, tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";

/** A file from a header string and data bytes, exactly as the format describes: u64 LE length, header, buffer. */
function file(header: string, data: number[] | Uint8Array = []): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32le = (x: number) => [...new Uint8Array(new Float32Array([x]).buffer)]; // this machine is little-endian (checked below)

test("this machine is little-endian (the hand-made files below rely on it)", () => {
  assert.is(new Uint8Array(new Uint32Array([1]).buffer)[0], 1);
});

test("reads and writes a file built byte by byte from the format description", () => {
  // One F32 tensor "attn.0" of shape [1, 2, 3] holding 0 … 5: its header is exactly 64 bytes (a multiple of 8, no padding).
  const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.is(header.length, 64);
  const data = [0, 1, 2, 3, 4, 5].flatMap(f32le);
  const bytes = file(header, data);
  assert.equal([...bytes.subarray(0, 8)], [64, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal([...bytes.subarray(72, 80)], [0, 0, 0, 0, 0, 0, 0x80, 0x3f]); // 0.0 and 1.0 little-endian
  const read = decodeSafetensors(bytes);
  const t = read.tensors.get("attn.0")!;
  assert.equal([...t.shape], [1, 2, 3]);
  assert.is(t.dtype, "float32");
  assert.equal([...t.data], [0, 1, 2, 3, 4, 5]);
  assert.equal([...encodeSafetensors({ "attn.0": fromArray([0, 1, 2, 3, 4, 5], [1, 2, 3]) })], [...bytes]);
});

test("writing: metadata first, tensors by dtype alignment then name, header padded with spaces to 8 bytes", () => {
  const header = '{"__metadata__":{"epoch":"3","format":"pt"},"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}';
  const padded = header + " ".repeat((8 - (header.length % 8)) % 8);
  assert.is(padded.length % 8, 0);
  const data = [7, 0, 0, 0, 0, 0, 0, 0, ...f32le(1), ...f32le(-2), ...f32le(0.5)];
  const expected = file(padded, data);
  const written = encodeSafetensors(
    { b: tensor([0.5]), a: tensor([1, -2]), n: new Tensor(new Int32Array([7]), []) },
    { metadata: { format: "pt", epoch: "3" }, int64: true },
  );
  assert.equal([...written], [...expected]);
  const read = decodeSafetensors(written);
  assert.equal(read.metadata, { epoch: "3", format: "pt" });
  assert.is(read.dtypes.get("n"), "I64");
  assert.is(read.tensors.get("n")!.dtype, "int32");
  assert.is(read.tensors.get("n")!.rank, 0);
  assert.is(read.tensors.get("n")!.data[0], 7);
});

test("round trip: float32, float64 and int32 exactly (NaN, ±0, ±∞ included), every tensor aligned", () => {
  const rng = new Random(4);
  const tensors = new Map<string, Tensor>();
  for (let i = 0; i < 12; i++) {
    const shape = Array.from({ length: rng.int(4) }, () => 1 + rng.int(4));
    const n = shape.reduce((a, b) => a * b, 1);
    const kind = rng.int(3);
    const values = Array.from({ length: n }, () => (rng.uniform() - 0.5) * 1e3);
    tensors.set(`layer${i}.${["weight", "bias", "count"][kind]}`,
      kind === 2 ? fromArray(values.map(Math.round), shape, "int32") : fromArray(values, shape, kind === 0 ? "float32" : "float64"));
  }
  tensors.set("special", fromArray([NaN, -0, Infinity, -Infinity, 3.4e38], [5]));
  tensors.set("empty", fromArray([], [0, 3]));
  for (const int64 of [false, true]) {
    const bytes = encodeSafetensors(tensors, { int64, metadata: { note: "ünïcode ✓" } });
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    assert.is(headerLength % 8, 0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    for (const [name, info] of Object.entries<any>(header)) {
      if (name === "__metadata__") continue;
      const item = { F32: 4, F64: 8, I32: 4, I64: 8 }[info.dtype as string]!;
      assert.is(info.data_offsets[0] % item, 0, `${name} is aligned`);
    }
    const back = decodeSafetensors(bytes);
    assert.is(back.metadata.note, "ünïcode ✓");
    assert.equal([...back.tensors.keys()].sort(), [...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const u = back.tensors.get(name)!;
      assert.is(u.dtype, t.dtype, name);
      assert.equal([...u.shape], [...t.shape], name);
      assert.equal([...u.data].map(Object.is.bind(null, 0)), [...t.data].map(Object.is.bind(null, 0)), `${name} keeps the sign of zero`);
      assert.equal([...u.data].map(String), [...t.data].map(String), name);
    }
  }
});

test("any Uint8Array view decodes: a Buffer from readFileSync (a view into Node's pool) and a subarray at an odd offset", () => {
  const tensors = { w: fromArray([1, 2, 3, 4, 5, 6], [2, 3]), d: fromArray([0.5, -2.25], [2], "float64"), n: fromArray([7, -8], [2], "int32") };
  const bytes = encodeSafetensors(tensors);
  const dir = mkdtempSync(join(tmpdir(), "nnref-st-"));
  try {
    writeFileSync(join(dir, "m.safetensors"), bytes);
    const fromDisk = readFileSync(join(dir, "m.safetensors"));
    assert.ok(fromDisk.buffer.byteLength > fromDisk.byteLength || fromDisk.byteOffset > 0, "this Buffer is a view into a larger pool (what makes the case)");
    for (const [what, view] of [["readFileSync Buffer", fromDisk], ["odd subarray", oddView(bytes, 3)], ["odd Buffer subarray", Buffer.concat([Buffer.alloc(5), Buffer.from(bytes)]).subarray(5)]] as const) {
      const back = decodeSafetensors(view, what);
      assert.equal([...back.tensors.get("w")!.data], [1, 2, 3, 4, 5, 6], what);
      assert.equal([...back.tensors.get("d")!.data], [0.5, -2.25], what);
      assert.equal([...back.tensors.get("n")!.data], [7, -8], what);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

/** `bytes` copied into a larger buffer at byte `offset` and returned as a subarray there. */
function oddView(bytes: Uint8Array, offset: number): Uint8Array {
  const big = new Uint8Array(bytes.length + offset + 7);
  big.set(bytes, offset);
  return big.subarray(offset, offset + bytes.length);
}

test("reads the other dtypes into float32 / int32", () => {
  const header = '{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"bf":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]},"u":{"dtype":"U8","shape":[2],"data_offsets":[8,10]},"i":{"dtype":"I8","shape":[1],"data_offsets":[10,11]},"s":{"dtype":"I16","shape":[1],"data_offsets":[11,13]}}';
  // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 2^-24 = 0x0001 (smallest subnormal); BF16: 1.5 = 0x3FC0
  const data = [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0xc0, 0x3f, 200, 7, 0xff, 0x00, 0x80];
  const r = decodeSafetensors(file(header, data));
  assert.equal([...r.tensors.get("h")!.data], [1, -2, 2 ** -24]);
  assert.equal([...r.tensors.get("bf")!.data], [1.5]);
  assert.equal([...r.tensors.get("u")!.data], [200, 7]);
  assert.equal([...r.tensors.get("i")!.data], [-1]);
  assert.equal([...r.tensors.get("s")!.data], [-32768]);
});

// Written by the reference implementation (Hugging Face safetensors 0.8.0, numpy API):
//   save_file({"n": np.array(7, np.int64), "w": np.array([[0.5, -1, 2], [3, 4e-3, -5e10]], np.float64),
//              "a": np.array([1.5, -2], np.float32), "e": np.zeros((0, 3), np.float32),
//              "b.c": np.array([[1], [2], [3]], np.float32)}, path, metadata={"format": "pt"})
const REFERENCE_FILE =
  "38010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c226e223a7b226474797065223a22493634222c22" +
  "7368617065223a5b5d2c22646174615f6f666673657473223a5b302c385d7d2c2277223a7b226474797065223a22463634222c227368617065223a5b" +
  "322c335d2c22646174615f6f666673657473223a5b382c35365d7d2c2261223a7b226474797065223a22463332222c227368617065223a5b325d2c22" +
  "646174615f6f666673657473223a5b35362c36345d7d2c22622e63223a7b226474797065223a22463332222c227368617065223a5b332c315d2c2264" +
  "6174615f6f666673657473223a5b36342c37365d7d2c2265223a7b226474797065223a22463332222c227368617065223a5b302c335d2c2264617461" +
  "5f6f666673657473223a5b37362c37365d7d7d200700000000000000000000000000e03f000000000000f0bf00000000000000400000000000000840" +
  "fca9f1d24d62703f000000e8764827c20000c03f000000c00000803f0000004000004040";

test("reads a file written by the reference implementation, and writes the same bytes back", () => {
  const bytes = Uint8Array.from(REFERENCE_FILE.match(/../g)!, (h) => parseInt(h, 16));
  const r = decodeSafetensors(bytes, "reference.safetensors");
  assert.equal(r.metadata, { format: "pt" });
  assert.equal([...r.tensors.keys()], ["a", "b.c", "e", "n", "w"]);
  assert.is(r.dtypes.get("n"), "I64");
  assert.equal([...r.tensors.get("n")!.data], [7]);
  assert.equal([...r.tensors.get("w")!.shape], [2, 3]);
  assert.equal([...r.tensors.get("w")!.data], [0.5, -1, 2, 3, 4e-3, -5e10]);
  assert.equal([...r.tensors.get("a")!.data], [1.5, -2]);
  assert.equal([...r.tensors.get("b.c")!.shape], [3, 1]);
  assert.equal([...r.tensors.get("e")!.shape], [0, 3]);
  assert.equal([...encodeSafetensors(r.tensors, { int64: true, metadata: r.metadata })], [...bytes]);
});

function refuses(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeSafetensors(bytes, "bad.safetensors"), (err: Error) => {
    assert.match(err.message, /^bad\.safetensors: /);
    assert.match(err.message, pattern);
    return true;
  });
}

const entry = (name: string, dtype: string, shape: unknown, offsets: unknown) => `"${name}":{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offsets)}}`;

test("every bad header field gets its own clear error", () => {
  refuses(new Uint8Array([1, 0, 0]), /expected at least 8 bytes \(the header length\), got 3/);
  const long = file("{}");
  new DataView(long.buffer).setUint32(0, 1000, true);
  refuses(long, /header length 1000 exceeds the 2 bytes after the length field/);
  const huge = file("{}");
  new DataView(huge.buffer).setUint32(4, 7, true); // 7·2³² + 2 bytes
  refuses(huge, /header length 30064771074 exceeds the 100000000-byte limit/);
  refuses(file("{}").map((b, i) => (i === 9 ? 0xff : b)), /header is not valid UTF-8/); // "{" then the invalid byte 0xFF
  refuses(file(' {"a":1}'), /header must start with "\{"/);
  refuses(file('{"a":'), /header is not valid JSON/);
  refuses(file('{"__metadata__":{"epoch":3}}'), /__metadata__\.epoch: expected a string, got 3/);
  refuses(file('{"__metadata__":[1]}'), /__metadata__: expected an object of strings/);
  refuses(file('{"w":[1,2]}'), /tensor "w": expected \{dtype, shape, data_offsets\}/);
  refuses(file(`{${entry("w", "F32", [1], [0, 4]).slice(0, -1)},"offsets":[0,4]}}`, f32le(1)), /tensor "w": unexpected field "offsets"/);
  refuses(file(`{${entry("w", "float32", [1], [0, 4])}}`, f32le(1)), /tensor "w": dtype: expected one of BOOL, U8, .*, got "float32"/);
  refuses(file(`{${entry("w", "F32", [-1], [0, 4])}}`, f32le(1)), /tensor "w": shape: expected an array of non-negative integers, got \[-1\]/);
  refuses(file(`{${entry("w", "F32", [1.5], [0, 4])}}`, f32le(1)), /shape: expected an array of non-negative integers, got \[1\.5\]/);
  refuses(file(`{${entry("w", "F32", "1", [0, 4])}}`, f32le(1)), /shape: expected an array of non-negative integers, got "1"/);
  refuses(file(`{${entry("w", "F32", [1], [0])}}`, f32le(1)), /tensor "w": data_offsets: expected \[begin, end\] of non-negative integers, got \[0\]/);
  refuses(file(`{${entry("w", "F32", [1], [-4, 0])}}`, f32le(1)), /data_offsets: expected \[begin, end\] of non-negative integers, got \[-4,0\]/);
  refuses(file(`{${entry("w", "F32", [0], [4, 0])}}`, f32le(1)), /data_offsets: expected begin ≤ end, got \[4, 0\]/);
  refuses(file(`{${entry("w", "F32", [2], [0, 8])}}`, f32le(1)), /data_offsets: \[0, 8\] runs past the end of the 4-byte data buffer/);
  refuses(file(`{${entry("w", "F32", [2], [0, 4])}}`, f32le(1)), /tensor "w": expected 8 bytes for F32 \[2\] \(product\(shape\)·4\), but data_offsets \[0, 4\] span 4/);
  refuses(file(`{${entry("a", "F32", [1], [0, 4])},${entry("b", "F32", [1], [8, 12])}}`, [...f32le(1), 0, 0, 0, 0, ...f32le(2)]), /bytes \[4, 8\) of the data buffer belong to no tensor \(a hole before tensor "b"\)/);
  refuses(file(`{${entry("a", "F32", [2], [0, 8])},${entry("b", "F32", [1], [4, 8])}}`, [...f32le(1), ...f32le(2)]), /tensor "b" at \[4, 8\) overlaps the tensor before it \(which ends at 8\)/);
  refuses(file(`{${entry("a", "F32", [1], [0, 4])}}`, [...f32le(1), 9, 9]), /the tensors cover 4 bytes but the data buffer has 6 \(trailing bytes\)/);
  refuses(file(`{${entry("n", "I64", [1], [0, 8])}}`, [0, 0, 0, 0, 1, 0, 0, 0]), /tensor "n": I64 value 4294967296 does not fit the int32 tensors/);
  refuses(file(`{${entry("q", "F8_E4M3", [1], [0, 1])}}`, [0]), /tensor "q": dtype F8_E4M3 is valid safetensors but nnref does not read it/);
});

test("a header that declares an enormous tensor fails before anything is allocated", () => {
  // 10^15 float32s claimed, 4 bytes present: refused on the offsets, in well under a second.
  const t0 = performance.now();
  refuses(file(`{${entry("w", "F32", [1e15], [0, 4e15])}}`, f32le(1)), /runs past the end of the 4-byte data buffer/);
  refuses(file(`{${entry("w", "F32", [1e15], [0, 4])}}`, f32le(1)), /expected 4000000000000000 bytes for F32/);
  refuses(file(`{${entry("w", "F32", [1e8, 1e8, 1e8], [0, 4])}}`, f32le(1)), /has too many elements/);
  assert.ok(performance.now() - t0 < 500);
});

test("writing refuses what the format cannot hold", () => {
  assert.throws(() => encodeSafetensors({ __metadata__: tensor([1]) }), /"__metadata__" is reserved/);
  assert.throws(() => encodeSafetensors({ "": tensor([1]) }), /expected non-empty tensor names/);
  assert.throws(() => encodeSafetensors({ a: tensor([1]) }, { metadata: { n: 3 as unknown as string } }), /metadata n: expected a string, got number/);
});

test.run();
