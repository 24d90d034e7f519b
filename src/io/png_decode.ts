/**
 * Reading PNG files (ISO/IEC 15948, the W3C PNG specification) without a
 * dependency:
 *
 *   8 bytes    the signature 89 50 4E 47 0D 0A 1A 0A
 *   chunks     length (4 bytes, big-endian, < 2³¹), type (4 letters), data,
 *              CRC-32 of type + data (./crc32.ts) — checked for every chunk
 *   IHDR       first: width, height (4 bytes each, ≥ 1), bit depth, colour type,
 *              compression 0, filter method 0, interlace 0 (none) or 1 (Adam7)
 *   PLTE       the palette (colour type 3), before the image data
 *   tRNS       transparency: a gray or RGB value that is transparent, or one
 *              alpha per palette entry
 *   IDAT…      consecutive chunks, together one zlib stream of the filtered rows
 *   IEND       last
 * Other ancillary chunks (lowercase first letter) are skipped; an unknown
 * critical chunk is an error.
 *
 * Every colour type and bit depth is read — gray 1/2/4/8/16, RGB 8/16,
 * palette 1/2/4/8, gray+alpha 8/16, RGBA 8/16 — non-interlaced or Adam7, and
 * returned as 8-bit samples (./raster_image.ts): 16-bit samples rounded to
 * round(v/257), 1/2/4-bit gray scaled to 0 … 255, palette entries expanded to
 * RGB. A tRNS chunk adds an alpha channel (0 where the pixel matches the
 * transparent value or the palette entry's alpha).
 *
 * The image data is inflated by `inflateBounded` (./inflate.ts, the
 * platform's DecompressionStream) bounded by exactly the size IHDR implies,
 * so a decompression bomb stops there; fewer bytes than that is an error too.
 * Each row's filter (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) is undone as
 * the specification's section 9 defines. Every error names the file.
 */
import { crc32 } from "./crc32.js";
import { inflateBounded } from "./inflate.js";
import { ImageDecodeError, MAX_IMAGE_PIXELS, type RasterImage } from "./raster_image.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Allowed bit depths per colour type. */
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Samples per pixel per colour type. */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's seven passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** Options of `decodePng`. */
export interface PngDecodeOptions {
  /** The most pixels accepted (default MAX_IMAGE_PIXELS). */
  readonly maxPixels?: number;
}

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

interface Chunks {
  header: Header;
  palette: Uint8Array | null;
  transparency: Uint8Array | null;
  idat: Uint8Array;
}

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

function readHeader(data: Uint8Array, fail: (d: string) => never, maxPixels: number): Header {
  if (data.length !== 13) fail(`IHDR: expected 13 bytes, got ${data.length}`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = v.getUint32(0);
  const height = v.getUint32(4);
  const [depth, colorType, compression, filter, interlace] = data.subarray(8, 13);
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) fail(`IHDR: expected width and height in 1 … 2³¹−1, got ${width}×${height}`);
  if (!(colorType in DEPTHS)) fail(`IHDR: colour type: expected 0, 2, 3, 4 or 6, got ${colorType}`);
  if (!DEPTHS[colorType].includes(depth)) fail(`IHDR: bit depth: expected ${DEPTHS[colorType].join(", ")} for colour type ${colorType}, got ${depth}`);
  if (compression !== 0) fail(`IHDR: compression method: expected 0 (deflate), got ${compression}`);
  if (filter !== 0) fail(`IHDR: filter method: expected 0, got ${filter}`);
  if (interlace > 1) fail(`IHDR: interlace method: expected 0 (none) or 1 (Adam7), got ${interlace}`);
  if (width * height > maxPixels) fail(`IHDR: ${width}×${height} = ${width * height} pixels exceeds the limit of ${maxPixels}`);
  return { width, height, depth, colorType, interlaced: interlace === 1 };
}

/** Walks the chunks: checks order, lengths and CRCs; collects IHDR, PLTE, tRNS and the joined IDAT data. */
function readChunks(bytes: Uint8Array, fail: (d: string) => never, maxPixels: number): Chunks {
  if (!isPng(bytes)) fail("not a PNG file (the first 8 bytes are not the PNG signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | null = null;
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let idatDone = false;
  let at = 8;
  for (let index = 0; ; index++) {
    if (at + 12 > bytes.length) fail(`truncated: chunk ${index} at byte ${at} needs 12 bytes of length, type and CRC, ${bytes.length - at} left${header ? " (no IEND chunk)" : ""}`);
    const length = view.getUint32(at);
    const typeBytes = bytes.subarray(at + 4, at + 8);
    const type = String.fromCharCode(...typeBytes);
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`chunk ${index} at byte ${at}: expected a 4-letter type, got bytes ${[...typeBytes].join(" ")}`);
    if (length > 0x7fffffff || at + 12 + length > bytes.length) fail(`truncated: chunk ${type} at byte ${at} declares ${length} data bytes, ${Math.max(0, bytes.length - at - 12)} left`);
    const data = bytes.subarray(at + 8, at + 8 + length);
    const stored = view.getUint32(at + 8 + length);
    const actual = crc32(data, crc32(typeBytes));
    if (stored !== actual) fail(`chunk ${type} at byte ${at}: CRC mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is corrupt`);
    at += 12 + length;
    if (index === 0 && type !== "IHDR") fail(`expected IHDR as the first chunk, got ${type}`);
    if (type === "IHDR") {
      if (index !== 0) fail("a second IHDR chunk");
      header = readHeader(data, fail, maxPixels);
    } else if (type === "PLTE") {
      if (idat.length > 0) fail("PLTE after the image data");
      if (length % 3 !== 0 || length === 0 || length > 768) fail(`PLTE: expected 1 … 256 RGB entries (a multiple of 3 bytes), got ${length} bytes`);
      palette = data;
    } else if (type === "tRNS") {
      if (idat.length > 0) fail("tRNS after the image data");
      transparency = data;
    } else if (type === "IDAT") {
      if (idatDone) fail("IDAT chunks are not consecutive");
      idat.push(data);
    } else if (type === "IEND") {
      break;
    } else if (type[0] === type[0].toUpperCase()) {
      fail(`unknown critical chunk ${type} (not readable without understanding it)`);
    }
    if (idat.length > 0 && type !== "IDAT") idatDone = true;
  }
  const h = header as Header;
  if (h.colorType === 3 && palette === null) fail("colour type 3 (palette) without a PLTE chunk");
  if (idat.length === 0) fail("no IDAT chunk (no image data)");
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  let offset = 0;
  for (const d of idat) {
    joined.set(d, offset);
    offset += d.length;
  }
  return { header: h, palette, transparency: checkTransparency(h, palette, transparency, fail), idat: joined };
}

function checkTransparency(h: Header, palette: Uint8Array | null, t: Uint8Array | null, fail: (d: string) => never): Uint8Array | null {
  if (t === null) return null;
  const expected = h.colorType === 0 ? 2 : h.colorType === 2 ? 6 : h.colorType === 3 ? -1 : 0;
  if (expected === 0) fail(`tRNS: not allowed with colour type ${h.colorType} (it has an alpha channel)`);
  if (expected > 0 && t.length !== expected) fail(`tRNS: expected ${expected} bytes for colour type ${h.colorType}, got ${t.length}`);
  if (expected < 0 && t.length > (palette as Uint8Array).length / 3) fail(`tRNS: ${t.length} alpha values for a palette of ${(palette as Uint8Array).length / 3} entries`);
  return t;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

/** The passes of the image: [first column, first row, column step, row step, columns, rows], empty passes left out. */
function passes(h: Header): Array<[number, number, number, number, number, number]> {
  const list = h.interlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  const out: Array<[number, number, number, number, number, number]> = [];
  for (const [x0, y0, dx, dy] of list) {
    const cols = h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0;
    const rows = h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0;
    if (cols > 0 && rows > 0) out.push([x0, y0, dx, dy, cols, rows]);
  }
  return out;
}

/** Bytes of one filtered row of `cols` pixels, without its filter-type byte. */
function rowBytes(h: Header, cols: number): number {
  return Math.ceil((cols * SAMPLES[h.colorType] * h.depth) / 8);
}

/**
 * Undoes the filters of `rows` rows of `stride` bytes starting at `raw[at]`
 * (each row a filter-type byte then the row), in place into a new buffer;
 * `bpp` = bytes per complete pixel, at least 1 (spec section 9.2).
 */
function unfilter(raw: Uint8Array, at: number, rows: number, stride: number, bpp: number, fail: (d: string) => never, where: string): Uint8Array {
  const out = new Uint8Array(rows * stride);
  for (let y = 0; y < rows; y++) {
    const type = raw[at + y * (stride + 1)];
    const src = at + y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride; // valid when y > 0
    switch (type) {
      case 0:
        out.set(raw.subarray(src, src + stride), row);
        break;
      case 1: // Sub: + the byte bpp to the left
        for (let i = 0; i < stride; i++) out[row + i] = (raw[src + i] + (i >= bpp ? out[row + i - bpp] : 0)) & 0xff;
        break;
      case 2: // Up: + the byte above
        for (let i = 0; i < stride; i++) out[row + i] = (raw[src + i] + (y > 0 ? out[prev + i] : 0)) & 0xff;
        break;
      case 3: // Average: + floor((left + above) / 2)
        for (let i = 0; i < stride; i++) {
          const left = i >= bpp ? out[row + i - bpp] : 0;
          const up = y > 0 ? out[prev + i] : 0;
          out[row + i] = (raw[src + i] + ((left + up) >> 1)) & 0xff;
        }
        break;
      case 4: // Paeth: + whichever of left, above, upper-left is nearest to left + above − upper-left
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[row + i - bpp] : 0;
          const b = y > 0 ? out[prev + i] : 0;
          const c = i >= bpp && y > 0 ? out[prev + i - bpp] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out[row + i] = (raw[src + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        fail(`${where}row ${y}: filter type ${type} (expected 0 None, 1 Sub, 2 Up, 3 Average or 4 Paeth)`);
    }
  }
  return out;
}

/** Sample `i` (0-based, counting every sample of the row) of an unfiltered row at `row` of `bits`-bit samples. */
function sample(data: Uint8Array, row: number, i: number, bits: number): number {
  if (bits === 8) return data[row + i];
  if (bits === 16) return (data[row + 2 * i] << 8) | data[row + 2 * i + 1];
  const bit = i * bits;
  return (data[row + (bit >> 3)] >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
}

/** Output channels: the colour type's, with alpha added when tRNS is present. */
function outputChannels(h: Header, transparency: Uint8Array | null): 1 | 2 | 3 | 4 {
  const base = h.colorType === 0 ? 1 : h.colorType === 4 ? 2 : h.colorType === 6 ? 4 : 3;
  return (transparency && (base === 1 || base === 3) ? base + 1 : base) as 1 | 2 | 3 | 4;
}

/**
 * Decodes a PNG file into 8-bit samples (see the file comment); `file` names
 * it in errors. Throws ImageDecodeError (or InflateError for a corrupt zlib
 * stream), never returns a partial image.
 */
export async function decodePng(bytes: Uint8Array, file = "PNG data", options: PngDecodeOptions = {}): Promise<RasterImage> {
  const fail = (detail: string): never => {
    throw new ImageDecodeError(file, detail);
  };
  const { header: h, palette, transparency, idat } = readChunks(bytes, fail, options.maxPixels ?? MAX_IMAGE_PIXELS);
  const plan = passes(h);
  const expected = plan.reduce((n, [, , , , cols, rows]) => n + rows * (rowBytes(h, cols) + 1), 0);
  const raw = await inflateBounded(idat, "deflate", expected, `${file} (image data)`);
  if (raw.length < expected) fail(`truncated image data: IHDR (${h.width}×${h.height}, depth ${h.depth}, colour type ${h.colorType}${h.interlaced ? ", Adam7" : ""}) needs ${expected} bytes of filtered rows, the IDAT stream inflates to ${raw.length}`);

  const channels = outputChannels(h, transparency);
  const out = new Uint8Array(h.width * h.height * channels);
  const samples = SAMPLES[h.colorType];
  const bpp = Math.max(1, (samples * h.depth) >> 3);
  const maxValue = (1 << h.depth) - 1;
  const to8 = (v: number) => (h.depth === 16 ? Math.round(v / 257) : h.depth === 8 ? v : Math.round((v * 255) / maxValue));
  const key = transparency && h.colorType !== 3 ? Array.from({ length: transparency.length / 2 }, (_, i) => (transparency[2 * i] << 8) | transparency[2 * i + 1]) : null;
  const entries = palette ? palette.length / 3 : 0;
  let at = 0;
  plan.forEach(([x0, y0, dx, dy, cols, rows], p) => {
    const stride = rowBytes(h, cols);
    const data = unfilter(raw, at, rows, stride, bpp, fail, h.interlaced ? `Adam7 pass ${p + 1}, ` : "");
    at += rows * (stride + 1);
    for (let r = 0; r < rows; r++) {
      const y = y0 + r * dy;
      for (let c = 0; c < cols; c++) {
        const o = ((y * h.width) + x0 + c * dx) * channels;
        if (h.colorType === 3) {
          const index = sample(data, r * stride, c, h.depth);
          if (index >= entries) fail(`pixel (${x0 + c * dx}, ${y}): palette index ${index}, but PLTE has ${entries} entries`);
          out[o] = palette![3 * index];
          out[o + 1] = palette![3 * index + 1];
          out[o + 2] = palette![3 * index + 2];
          if (channels === 4) out[o + 3] = index < transparency!.length ? transparency![index] : 255;
          continue;
        }
        let matchesKey = key !== null;
        for (let s = 0; s < samples; s++) {
          const v = sample(data, r * stride, c * samples + s, h.depth);
          if (key !== null && v !== key[s]) matchesKey = false;
          out[o + s] = to8(v);
        }
        if (key !== null) out[o + samples] = matchesKey ? 0 : 255;
      }
    }
  });
  return { width: h.width, height: h.height, channels, data: out };
}
