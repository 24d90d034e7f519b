/**
 * A decoded picture as the image readers (./png_decode.ts, ./pgm.ts) return
 * it: 8 bits per sample, pixels row by row from the top left, the samples of
 * one pixel side by side (interleaved).
 *
 *   channels 1  gray            channels 2  gray, alpha
 *   channels 3  red, green, blue channels 4  red, green, blue, alpha
 *
 * Alpha 0 is fully transparent, 255 opaque.
 */

/** An 8-bit image: `data[(y·width + x)·channels + c]`. */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  /** width · height · channels bytes. */
  readonly data: Uint8Array;
}

/** Thrown for a malformed or unsupported image file; the message names the file. */
export class ImageDecodeError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = "ImageDecodeError";
  }
}

/** The most pixels a reader accepts by default (40 megapixels, 160 MB as RGBA). */
export const MAX_IMAGE_PIXELS = 40_000_000;
