/**
 * Makes src/data/images/camera-128.pgm, the real photograph the filter
 * experiment (`nnref lecture image-filters`) runs on: scikit-image's
 * "camera" picture (512×512, 8-bit gray; CC0 by the photographer, Lav
 * Varshney), averaged over 4×4 blocks to 128×128 and written as binary PGM.
 *
 *   apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb /tmp/skimage
 *   node --import tsx scripts/make_test_image.ts /tmp/skimage/usr/lib/python3/dist-packages/skimage/data/camera.png
 *
 * Reads only 8-bit gray, non-interlaced PNGs (what camera.png is).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { inflateSync } from "node:zlib";

function decodeGrayPng(bytes: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8, width = 0, height = 0;
  const idat: Uint8Array[] = [];
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      const [depth, color, , , interlace] = bytes.subarray(offset + 16, offset + 21);
      if (depth !== 8 || color !== 0 || interlace !== 0) throw new Error(`expected an 8-bit gray non-interlaced PNG, got depth ${depth}, colour type ${color}, interlace ${interlace}`);
    }
    if (type === "IDAT") idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x];
      const a = x > 0 ? pixels[y * width + x - 1] : 0, b = y > 0 ? pixels[(y - 1) * width + x] : 0, c = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      pixels[y * width + x] = (v + [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter]) & 0xff;
    }
  }
  return { width, height, pixels };
}

const source = process.argv[2];
if (!source) throw new Error("usage: node --import tsx scripts/make_test_image.ts PATH/TO/camera.png");
const { width, height, pixels } = decodeGrayPng(readFileSync(source));
const factor = 4, w = width / factor, h = height / factor;
const out = new Uint8Array(w * h);
for (let y = 0; y < h; y++) {
  for (let x = 0; x < w; x++) {
    let sum = 0;
    for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum += pixels[(y * factor + dy) * width + x * factor + dx];
    out[y * w + x] = Math.round(sum / (factor * factor));
  }
}
const header = new TextEncoder().encode(`P5\n${w} ${h}\n255\n`);
const target = new URL("../src/data/images/camera-128.pgm", import.meta.url);
writeFileSync(target, Buffer.concat([header, out]));
console.log(`wrote ${target.pathname}: ${w}×${h}, ${header.length + out.length} bytes`);
