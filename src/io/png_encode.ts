/**
 * Writing PNG images (ISO/IEC 15948) without a dependency: 8-bit grayscale
 * (colour type 0) or 8-bit RGB (colour type 2), one IDAT chunk whose zlib
 * stream comes from the platform's `CompressionStream("deflate")` (Node ≥ 18
 * and current browsers), every row with filter type 0 (None), CRC-32 from
 * ./crc32.ts. Used for the image grids of `nnref lecture` (filters, feature
 * maps, misclassified images, segmentation masks).
 */
import { crc32 } from "./crc32.js";

/** PNG's 8-byte signature. */
export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Channels per pixel the encoder writes: 1 gray, 3 RGB. */
export type PngChannels = 1 | 3;

function u32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}

/** One chunk: length, 4-letter type, data, CRC-32 over type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  u32(out, 0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  u32(out, 8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** zlib-wrapped deflate (RFC 1950) of `bytes` through CompressionStream. */
async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof CompressionStream === "undefined") throw new Error("encodePng: this platform has no CompressionStream (Node ≥ 18 or a current browser needed)");
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Encodes `pixels` (uint8, row-major [height, width, channels]: one byte per
 * pixel for gray, R G B for RGB) as a PNG file. Returns the file's bytes.
 * Throws a RangeError when the sizes are not positive integers or the pixel
 * count does not match height × width × channels.
 */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: PngChannels = 1): Promise<Uint8Array> {
  for (const [name, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new RangeError(`encodePng: ${name}: expected an integer in [1, 2³¹ − 1], got ${String(v)}`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`encodePng: channels: expected 1 (gray) or 3 (RGB), got ${String(channels)}`);
  if (!(pixels instanceof Uint8Array)) throw new TypeError("encodePng: pixels: expected a Uint8Array");
  const rowBytes = width * channels;
  if (pixels.length !== rowBytes * height) {
    throw new RangeError(`encodePng: expected ${height}×${width}×${channels} = ${rowBytes * height} pixel bytes, got ${pixels.length}`);
  }
  const header = new Uint8Array(13);
  u32(header, 0, width);
  u32(header, 4, height);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 0 : 2; // colour type: gray, RGB
  // header[10..12]: compression 0 (deflate), filter method 0, no interlace
  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1); // filter byte 0 = None
  const parts = [PNG_SIGNATURE, chunk("IHDR", header), chunk("IDAT", await deflate(raw)), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
