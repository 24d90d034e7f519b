/**
 * A PNG decoder for the specs, independent of src/io/png_encode.ts: node:zlib
 * inflates and checksums; every chunk's CRC is checked; 8-bit gray and RGB,
 * non-interlaced, all five filter types.
 */
import * as assert from "uvu/assert";
import { crc32 as nodeCrc32, inflateSync } from "node:zlib";

/** A decoded PNG: sizes, IHDR fields, pixels row-major [height, width, channels], chunk types in order. */
export interface Decoded { width: number; height: number; bitDepth: number; colorType: number; pixels: Uint8Array; chunks: string[] }

/** Decodes an 8-bit gray/RGB non-interlaced PNG (all five filter types), checking every chunk's CRC. */
export function decodePng(bytes: Uint8Array): Decoded {
  assert.equal([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "signature");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8, width = 0, height = 0, bitDepth = 0, colorType = 0;
  const idat: Uint8Array[] = [], chunks: string[] = [];
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    assert.is(view.getUint32(offset + 8 + length), nodeCrc32(bytes.subarray(offset + 4, offset + 8 + length)), `CRC of ${type}`);
    chunks.push(type);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8); height = view.getUint32(offset + 12);
      bitDepth = data[8]; colorType = data[9];
      assert.equal([data[10], data[11], data[12]], [0, 0, 0], "compression, filter, interlace");
    }
    if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = colorType === 2 ? 3 : 1, stride = width * bpp;
  assert.is(raw.length, (stride + 1) * height, "inflated size");
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= bpp ? pixels[y * stride + x - bpp] : 0, b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? pixels[(y - 1) * stride + x - bpp] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      pixels[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, bitDepth, colorType, pixels, chunks };
}

