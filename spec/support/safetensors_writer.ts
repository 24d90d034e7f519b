/**
 * A minimal safetensors writer for specs, written independently of
 * src/io/safetensors.ts so that files "from PyTorch" (torch names, I64
 * num_batches_tracked, F64/F16/BF16 tensors) are not produced by the code
 * under test: tensors laid out in the order given, header as JSON.
 */
import type { Tensor } from "../../src/tensor.js";

/** One stored tensor: its name, safetensors dtype, shape and little-endian bytes. */
export interface RawEntry {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** The file bytes for `entries` and `metadata`. */
export function writeSafetensors(entries: RawEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const e of entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

/** A tensor's values as `dtype` bytes: F32, F64, I64, I32, F16 or BF16 (by truncation of float32 for BF16). */
export function tensorBytes(t: Tensor, dtype: string): Uint8Array {
  const n = t.size;
  const size = { F32: 4, F64: 8, I64: 8, I32: 4, F16: 2, BF16: 2 }[dtype];
  if (size === undefined) throw new Error(`tensorBytes: unsupported ${dtype}`);
  const out = new Uint8Array(n * size);
  const v = new DataView(out.buffer);
  const f32 = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < n; i++) {
    const x = t.data[i];
    if (dtype === "F32") v.setFloat32(4 * i, x, true);
    else if (dtype === "F64") v.setFloat64(8 * i, x, true);
    else if (dtype === "I64") v.setBigInt64(8 * i, BigInt(x), true);
    else if (dtype === "I32") v.setInt32(4 * i, x, true);
    else if (dtype === "BF16") {
      f32.setFloat32(0, x);
      v.setUint16(2 * i, f32.getUint32(0) >>> 16, true);
    } else v.setUint16(2 * i, toHalf(x), true);
  }
  return out;
}

/** float → IEEE half bits, for values exactly representable in half precision (as the specs use). */
function toHalf(x: number): number {
  if (x === 0) return Object.is(x, -0) ? 0x8000 : 0;
  const sign = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  const e = Math.floor(Math.log2(a));
  if (e < -14) return sign | Math.round(a / 2 ** -24);
  const fraction = Math.round((a / 2 ** e - 1) * 1024);
  return sign | ((e + 15) << 10) | fraction;
}
