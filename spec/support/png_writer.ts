/**
 * A PNG writer for specs, independent of the decoder under test: raw sample
 * values of any colour type and bit depth, a chosen filter per row (applied
 * forward as the PNG specification's section 9 defines), Adam7 interlacing,
 * zlib from node:zlib and its own CRC-32 — so the decoder is checked against
 * files it did not help to make.
 */
import { deflateSync } from "node:zlib";

/** What to write. `samples` holds width·height·(samples per pixel) raw values, row-major, interleaved. */
export interface PngSpec {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  samples: ArrayLike<number>;
  interlace?: boolean;
  /** Filter type per row (called with the pass's row index) or one for all rows (default 0). */
  filter?: number | ((row: number) => number);
  palette?: number[];
  trns?: number[];
  /** Extra chunks after IHDR, as [type, data]. */
  extra?: Array<[string, Uint8Array]>;
}

export const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 of bytes (written out again here on purpose: not the code under test). */
export function specCrc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: length, type, data, CRC. */
export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, specCrc(out.subarray(4, 8 + data.length)));
  return out;
}

/** The bytes of `parts`, one after another. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Packs one row of sample values into bytes at `depth` bits (MSB first; 16-bit big-endian). */
function packRow(values: number[], depth: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * depth) / 8));
  values.forEach((v, i) => {
    if (depth === 16) {
      out[2 * i] = v >> 8;
      out[2 * i + 1] = v & 0xff;
    } else if (depth === 8) out[i] = v;
    else {
      const bit = i * depth;
      out[bit >> 3] |= v << (8 - depth - (bit & 7));
    }
  });
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Applies filter `type` forward to `row` given the previous (unfiltered) row. */
function filterRow(type: number, row: Uint8Array, prev: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(row.length + 1);
  out[0] = type;
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
    const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type] ?? 0;
    out[i + 1] = (row[i] - predictor) & 0xff;
  }
  return out;
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** The filtered scanlines (before zlib) of `spec`. */
export function scanlines(spec: PngSpec): Uint8Array {
  const spp = SAMPLES_PER_PIXEL[spec.colorType];
  const bpp = Math.max(1, (spp * spec.depth) >> 3);
  const passes = spec.interlace ? ADAM7 : [[0, 0, 1, 1]];
  const parts: Uint8Array[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    let prev: Uint8Array | null = null;
    let r = 0;
    for (let y = y0; y < spec.height; y += dy) {
      const values: number[] = [];
      for (let x = x0; x < spec.width; x += dx) for (let s = 0; s < spp; s++) values.push(spec.samples[(y * spec.width + x) * spp + s]);
      if (values.length === 0) continue;
      const row = packRow(values, spec.depth);
      const type = typeof spec.filter === "function" ? spec.filter(r) : spec.filter ?? 0;
      parts.push(filterRow(type, row, prev ?? new Uint8Array(row.length), bpp));
      prev = row;
      r++;
    }
  }
  return concat(parts);
}

/** A whole PNG file for `spec`; `idat` replaces the compressed data when given. */
export function writePng(spec: PngSpec, idat?: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, spec.width);
  v.setUint32(4, spec.height);
  ihdr.set([spec.depth, spec.colorType, 0, 0, spec.interlace ? 1 : 0], 8);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr)];
  for (const [type, data] of spec.extra ?? []) parts.push(chunk(type, data));
  if (spec.palette) parts.push(chunk("PLTE", Uint8Array.from(spec.palette)));
  if (spec.trns) parts.push(chunk("tRNS", Uint8Array.from(spec.trns)));
  const data = idat ?? deflateSync(scanlines(spec));
  // Split the data over two IDAT chunks when it is long enough, as encoders do.
  const cut = Math.floor(data.length / 2);
  if (cut > 0) parts.push(chunk("IDAT", data.subarray(0, cut)), chunk("IDAT", data.subarray(cut)));
  else parts.push(chunk("IDAT", data));
  parts.push(chunk("IEND", new Uint8Array(0)));
  return concat(parts);
}
