import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { decodeNpy, NpyError } from "../../src/io/npy.js";
import { throwsInstance } from "../support/assertions.js";

/** A .npy file from a header dict and data bytes, as the format describes (version 1.0: u16 LE header length, padded to 64). */
function npy(dict: string, data: number[] | Uint8Array, version = 1): Uint8Array {
  const lengthBytes = version === 1 ? 2 : 4;
  const unpadded = 6 + 2 + lengthBytes + dict.length + 1;
  const header = dict + " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(6 + 2 + lengthBytes + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + header.length);
  return out;
}

const f32le = (x: number) => [...new Uint8Array(new Float32Array([x]).buffer)];

test("reads what numpy.save writes: float32 [2, 3], little-endian, header padded to 64 bytes", () => {
  const bytes = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", [0, 1, 2, 3, 4, 5].flatMap(f32le));
  assert.is((bytes.length - 24) % 8, 0);
  const t = decodeNpy(bytes, "x.npy");
  assert.equal([...t.shape], [2, 3]);
  assert.is(t.dtype, "float32");
  assert.equal([...t.data], [0, 1, 2, 3, 4, 5]);
});

test("float64, big-endian, int64 and uint8 become float64 and int32 tensors; scalars and 1-tuples", () => {
  const be = [0x3f, 0xf0, 0, 0, 0, 0, 0, 0]; // 1.0 as a big-endian double
  const t = decodeNpy(npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", be));
  assert.is(t.dtype, "float64");
  assert.equal([...t.data], [1]);
  const i = decodeNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0, 0, 0, 0, 0]));
  assert.is(i.dtype, "int32");
  assert.equal([...i.data], [-1, 7]);
  const u = decodeNpy(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", [200]));
  assert.equal([...u.shape], []);
  assert.equal([...u.data], [200]);
});

function throwsNpy(fn: () => unknown, pattern: RegExp): void {
  throwsInstance(NpyError, fn, pattern);
}

test("bad input: wrong magic, truncated data, unsupported dtype, Fortran order, int64 outside int32 — named by file", () => {
  throwsNpy(() => decodeNpy(new TextEncoder().encode("P5 28 28 255\n"), "img.pgm"), /^img\.pgm: is not a \.npy file/);
  throwsNpy(() => decodeNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", [1, 2, 3]), "short.npy"), /^short\.npy: shape \[2, 3\] of <f4 needs 24 bytes of data, but 3 follow the header/);
  throwsNpy(() => decodeNpy(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Array(8).fill(0)), "c.npy"), /dtype "<c8" is not supported/);
  throwsNpy(() => decodeNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new Array(16).fill(0)), "f.npy"), /Fortran \(column-major\) order/);
  throwsNpy(() => decodeNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 1, 0, 0, 0]), "big.npy"), /value 4294967296 at flat index 0 is outside the int32 range/);
  throwsNpy(() => decodeNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", []), "huge.npy"), /huge\.npy: shape \[1048576, 1048576\] of <f4 needs 4398046511104 bytes of data, but 0 follow/);
  const cut = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f32le(1)).subarray(0, 30);
  throwsNpy(() => decodeNpy(cut, "cut.npy"), /cut\.npy: declares a header of 118 bytes but only 20 follow/);
});

test("fuzz: any bytes after the magic decode or throw NpyError (fixed seed)", () => {
  const valid = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", [1, 2, 3, 4].flatMap(f32le));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 6, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.integer({ min: 0, max: valid.length }), (edits, cut) => {
      const copy = valid.slice(0, cut);
      for (const [at, v] of edits) if (at < copy.length) copy[at] = v;
      try {
        decodeNpy(copy, "fuzz.npy");
      } catch (err) {
        if (!(err instanceof NpyError)) throw err;
      }
    }),
    { seed: 5, numRuns: 500 },
  );
});

test.run();
