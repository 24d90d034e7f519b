/**
 * Reading PGM files (Netpbm's portable graymap), plain (P2, ASCII numbers)
 * and raw (P5, bytes):
 *
 *   "P2" or "P5", whitespace, width, whitespace, height, whitespace, maxval
 *   (1 … 65535), then — P5: exactly one whitespace byte and width·height
 *   samples, 1 byte each when maxval < 256, else 2 bytes big-endian; P2:
 *   width·height decimal numbers separated by whitespace.
 *   A "#" starts a comment to the end of the line, in the header (and, as
 *   Netpbm tolerates, between P2's numbers).
 *
 * Samples are scaled to 8 bits as round(v · 255 / maxval); a sample above
 * maxval, a missing or extra sample, a non-number is an error naming the
 * file. Only the first image of a multi-image P5 file is read; bytes after
 * it are an error (they usually mean a wrong size in the header).
 */
import { ImageDecodeError, MAX_IMAGE_PIXELS, type RasterImage } from "./raster_image.js";

/** True when `bytes` start like a PGM file ("P2" or "P5" then whitespace). */
export function isPgm(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x50 && (bytes[1] === 0x32 || bytes[1] === 0x35) && isSpace(bytes[2]);
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
}

/** A cursor over the text part of the file that skips whitespace and comments. */
class Tokens {
  at: number;
  constructor(private readonly bytes: Uint8Array, at: number, private readonly fail: (d: string) => never) {
    this.at = at;
  }

  /** Skips whitespace and # comments; true when a token follows. */
  skip(): boolean {
    const b = this.bytes;
    while (this.at < b.length) {
      if (isSpace(b[this.at])) this.at++;
      else if (b[this.at] === 0x23) while (this.at < b.length && b[this.at] !== 0x0a && b[this.at] !== 0x0d) this.at++;
      else return true;
    }
    return false;
  }

  /** The next decimal integer, named `what` in errors. */
  integer(what: string): number {
    if (!this.skip()) this.fail(`truncated: expected ${what}, got the end of the file`);
    const start = this.at;
    let value = 0;
    while (this.at < this.bytes.length && this.bytes[this.at] >= 0x30 && this.bytes[this.at] <= 0x39) {
      value = value * 10 + this.bytes[this.at] - 0x30;
      this.at++;
      if (value > 0x7fffffff) this.fail(`${what}: a number too large at byte ${start}`);
    }
    if (this.at === start || (this.at < this.bytes.length && !isSpace(this.bytes[this.at]) && this.bytes[this.at] !== 0x23)) {
      const text = new TextDecoder().decode(this.bytes.subarray(start, Math.min(start + 12, this.bytes.length)));
      this.fail(`${what}: expected a decimal number at byte ${start}, got ${JSON.stringify(text)}`);
    }
    return value;
  }
}

/** Decodes a P2 or P5 PGM file into an 8-bit gray image; `file` names it in errors. */
export function decodePgm(bytes: Uint8Array, file = "PGM data", options: { maxPixels?: number } = {}): RasterImage {
  const fail = (detail: string): never => {
    throw new ImageDecodeError(file, detail);
  };
  if (!isPgm(bytes)) {
    const magic = String.fromCharCode(...bytes.subarray(0, 2));
    fail(/^P[1346]$/.test(magic) ? `is a Netpbm ${magic} file; only PGM (P2, P5) is read — convert it to PGM or PNG` : "not a PGM file (expected \"P2\" or \"P5\" then whitespace at the start)");
  }
  const raw = bytes[1] === 0x35;
  const t = new Tokens(bytes, 2, fail);
  const width = t.integer("width");
  const height = t.integer("height");
  const maxval = t.integer("maxval");
  if (width < 1 || height < 1) fail(`expected width and height ≥ 1, got ${width}×${height}`);
  if (maxval < 1 || maxval > 65535) fail(`maxval: expected 1 … 65535, got ${maxval}`);
  const pixels = width * height;
  if (pixels > (options.maxPixels ?? MAX_IMAGE_PIXELS)) fail(`${width}×${height} = ${pixels} pixels exceeds the limit of ${options.maxPixels ?? MAX_IMAGE_PIXELS}`);
  const out = new Uint8Array(pixels);
  const to8 = (v: number, i: number) => {
    if (v > maxval) fail(`sample ${i} (pixel (${i % width}, ${Math.floor(i / width)})): ${v} exceeds maxval ${maxval}`);
    return maxval === 255 ? v : Math.round((v * 255) / maxval);
  };
  if (raw) {
    if (t.at >= bytes.length || !isSpace(bytes[t.at])) fail("truncated: expected one whitespace byte after maxval, then the samples");
    const start = t.at + 1;
    const size = maxval < 256 ? 1 : 2;
    const need = pixels * size;
    const have = bytes.length - start;
    if (have < need) fail(`truncated: ${width}×${height} samples of ${size} byte${size > 1 ? "s" : ""} need ${need} bytes after the header, got ${have}`);
    if (have > need) fail(`${have - need} bytes after the ${width}×${height} image (a wrong size in the header, or several images: only one is read)`);
    for (let i = 0; i < pixels; i++) out[i] = to8(size === 1 ? bytes[start + i] : (bytes[start + 2 * i] << 8) | bytes[start + 2 * i + 1], i);
  } else {
    for (let i = 0; i < pixels; i++) out[i] = to8(t.integer(`sample ${i}`), i);
    if (t.skip()) fail(`data after the ${pixels} samples at byte ${t.at} (a wrong size in the header?)`);
  }
  return { width, height, channels: 1, data: out };
}
