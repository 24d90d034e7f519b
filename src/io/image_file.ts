/**
 * Decoding an image file whose format is known only from its bytes: PNG (by
 * its 8-byte signature, ./png_decode.ts) or PGM (by "P2"/"P5", ./pgm.ts).
 * Anything else is an ImageDecodeError naming the file and the formats read.
 */
import { decodePgm, isPgm } from "./pgm.js";
import { decodePng, isPng } from "./png_decode.js";
import { ImageDecodeError, type RasterImage } from "./raster_image.js";

/** Decodes PNG or PGM `bytes` into an 8-bit image; `file` names the source in errors. */
export async function decodeImage(bytes: Uint8Array, file = "image data"): Promise<RasterImage> {
  if (isPng(bytes)) return decodePng(bytes, file);
  if (isPgm(bytes) || (bytes[0] === 0x50 && bytes[1] >= 0x31 && bytes[1] <= 0x37)) return decodePgm(bytes, file);
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  throw new ImageDecodeError(file, `expected a PNG or PGM (P2/P5) image${jpeg ? ", got a JPEG (convert it to PNG)" : bytes.length === 0 ? ", got an empty file" : ""}`);
}
