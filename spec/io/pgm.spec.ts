import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodePgm } from "../../src/io/pgm.js";
import { decodeImage } from "../../src/io/image_file.js";
import { ImageDecodeError } from "../../src/io/raster_image.js";
import { concat } from "../support/png_writer.js";

const text = (s: string) => new TextEncoder().encode(s);
const join = (...parts: Uint8Array[]) => concat(parts);

test("P5 with 8-bit samples, comments in the header, odd size", () => {
  const img = decodePgm(join(text("P5\n# made by a spec\n3 # width\n2\n255\n"), Uint8Array.from([0, 1, 2, 128, 254, 255])), "a.pgm");
  assert.equal([img.width, img.height, img.channels], [3, 2, 1]);
  assert.equal(Array.from(img.data), [0, 1, 2, 128, 254, 255]);
});

test("P5 with 16-bit big-endian samples and P2 with maxval 15 are scaled to 8 bits as round(v·255/maxval)", () => {
  const p5 = decodePgm(join(text("P5 2 1 65535\n"), Uint8Array.from([0x80, 0x00, 0xff, 0xff])), "b.pgm");
  assert.equal(Array.from(p5.data), [Math.round((0x8000 * 255) / 65535), 255]);
  const p2 = decodePgm(text("P2\n# plain\n4 1\n15\n0 5\n# inside\n 10 15\n"), "c.pgm");
  assert.equal(Array.from(p2.data), [0, 85, 170, 255]);
});

test("bad PGM files are ImageDecodeErrors naming the file and the fault", async () => {
  const cases: Array<[Uint8Array, RegExp]> = [
    [join(text("P5\n2 2\n255\n"), Uint8Array.from([1, 2, 3])), /truncated: 2×2 samples of 1 byte need 4 bytes after the header, got 3/],
    [join(text("P5\n2 1\n255\n"), Uint8Array.from([1, 2, 3])), /1 bytes after the 2×1 image/],
    [text("P2\n2 1\n10\n3 11\n"), /sample 1 \(pixel \(1, 0\)\): 11 exceeds maxval 10/],
    [text("P2\n2 1\n10\n3 x\n"), /sample 1: expected a decimal number at byte 12, got "x\\n"/],
    [text("P2\n2 1\n10\n3\n"), /truncated: expected sample 1, got the end of the file/],
    [text("P2\n2 1\n10\n3 4 5\n"), /data after the 2 samples/],
    [text("P5\n0 3\n255\n"), /expected width and height ≥ 1, got 0×3/],
    [text("P5\n2 2\n0\n"), /maxval: expected 1 … 65535, got 0/],
    [text("P5\n99999 99999\n255\n"), /pixels exceeds the limit/],
    [text("P6\n1 1\n255\n\0\0\0"), /is a Netpbm P6 file; only PGM \(P2, P5\) is read/],
  ];
  for (const [bytes, pattern] of cases) {
    let error: unknown;
    try {
      await decodeImage(bytes, "bad.pgm");
    } catch (err) {
      error = err;
    }
    assert.instance(error, ImageDecodeError, String(pattern));
    assert.match((error as Error).message, /^bad\.pgm: /);
    assert.match((error as Error).message, pattern);
  }
  await decodeImage(Uint8Array.from([0xff, 0xd8, 0xff]), "photo.jpg").then(
    () => assert.unreachable(),
    (err) => assert.match(err.message, /^photo\.jpg: expected a PNG or PGM \(P2\/P5\) image, got a JPEG/),
  );
});

test.run();
