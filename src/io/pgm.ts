/**
 * Reading binary PGM (Netpbm "P5"): the simplest 8-bit grayscale image file,
 * a text header `P5 width height maxval` then one byte per pixel, row by
 * row. The filter experiment's photograph is stored this way
 * (src/data/images/).
 */

/** A grayscale image: uint8 pixels, row-major [height, width]. */
export interface GrayImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes a binary PGM with maxval ≤ 255 (comments after `#` allowed in the
 * header). `file` names the source in errors. Returns the pixels.
 */
export function decodePgm(bytes: Uint8Array, file = "PGM"): GrayImage {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4 && i < bytes.length) {
    const ch = bytes[i];
    if (ch === 0x23) { // '#': comment to end of line
      while (i < bytes.length && bytes[i] !== 0x0a) i++;
    } else if (ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) {
      i++;
    } else {
      let token = "";
      while (i < bytes.length && ![0x20, 0x0a, 0x0d, 0x09, 0x23].includes(bytes[i])) token += String.fromCharCode(bytes[i++]);
      fields.push(token);
    }
  }
  if (fields[0] !== "P5") throw new RangeError(`${file}: expected a binary PGM starting with "P5", got ${JSON.stringify(fields[0] ?? "")}`);
  const [width, height, maxval] = fields.slice(1).map(Number);
  if (fields.length < 4 || ![width, height].every((v) => Number.isInteger(v) && v >= 1) || !(Number.isInteger(maxval) && maxval >= 1 && maxval <= 255)) {
    throw new RangeError(`${file}: expected a PGM header "P5 width height maxval" with positive sizes and maxval ≤ 255, got ${JSON.stringify(fields.join(" "))}`);
  }
  i++; // the single whitespace after maxval
  const pixels = bytes.subarray(i, i + width * height);
  if (pixels.length !== width * height) throw new RangeError(`${file}: expected ${width}×${height} = ${width * height} pixel bytes, got ${pixels.length}`);
  return { pixels: Uint8Array.from(pixels), width, height };
}
