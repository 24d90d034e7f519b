import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { deflateSync } from "node:zlib";
import { decodePng } from "../../src/io/png_decode.js";
import { decodeImage } from "../../src/io/image_file.js";
import { ImageDecodeError } from "../../src/io/raster_image.js";
import { Random } from "../../src/random.js";
import { fcParams } from "../support/properties.js";
import { SAMPLES_PER_PIXEL, chunk, scanlines, specCrc, writePng, type PngSpec } from "../support/png_writer.js";

const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Random raw samples for `spec` (palette indices below the palette's size). */
function randomSamples(width: number, height: number, colorType: number, depth: number, rng: Random, paletteSize = 0): number[] {
  const n = width * height * SAMPLES_PER_PIXEL[colorType];
  const max = colorType === 3 ? paletteSize : 2 ** depth;
  return Array.from({ length: n }, () => rng.int(max));
}

/** What the decoder must return, computed from the raw samples by the rules of its file comment. */
function expected8(spec: PngSpec): { channels: number; data: number[] } {
  const { colorType: ct, depth } = spec;
  const spp = SAMPLES_PER_PIXEL[ct];
  const to8 = (v: number) => (depth === 16 ? Math.round(v / 257) : depth === 8 ? v : Math.round((v * 255) / (2 ** depth - 1)));
  const data: number[] = [];
  for (let p = 0; p < spec.width * spec.height; p++) {
    const s = Array.from({ length: spp }, (_, i) => spec.samples[p * spp + i]);
    if (ct === 3) {
      data.push(...spec.palette!.slice(3 * s[0], 3 * s[0] + 3));
      if (spec.trns) data.push(s[0] < spec.trns.length ? spec.trns[s[0]] : 255);
    } else {
      data.push(...s.map(to8));
      if (spec.trns) {
        const key = Array.from({ length: spec.trns.length / 2 }, (_, i) => spec.trns![2 * i] * 256 + spec.trns![2 * i + 1]);
        data.push(key.every((k, i) => k === s[i]) ? 0 : 255);
      }
    }
  }
  const channels = ct === 3 ? (spec.trns ? 4 : 3) : spp + (spec.trns ? 1 : 0);
  return { channels, data };
}

async function check(spec: PngSpec, label: string): Promise<void> {
  const img = await decodePng(writePng(spec), label);
  const want = expected8(spec);
  assert.is(img.width, spec.width, label);
  assert.is(img.height, spec.height, label);
  assert.is(img.channels, want.channels, label);
  assert.equal(Array.from(img.data), want.data, label);
}

test("every colour type and bit depth, odd sizes, all five filters (varying by row), plain and Adam7", async () => {
  const rng = new Random(1);
  let files = 0;
  for (const [ct, depths] of Object.entries(DEPTHS).map(([k, v]) => [Number(k), v] as const)) {
    for (const depth of depths) {
      for (const interlace of [false, true]) {
        for (const [width, height] of [[1, 1], [5, 3], [13, 9], [3, 17]]) {
          const paletteSize = ct === 3 ? Math.min(2 ** depth, 7) : 0;
          const palette = ct === 3 ? Array.from({ length: 3 * paletteSize }, () => rng.int(256)) : undefined;
          const offset = rng.int(5);
          const spec: PngSpec = { width, height, depth, colorType: ct, interlace, palette, samples: randomSamples(width, height, ct, depth, rng, paletteSize), filter: (r) => (r + offset) % 5 };
          await check(spec, `ct${ct}-d${depth}-${interlace ? "adam7" : "plain"}-${width}x${height}.png`);
          files++;
        }
      }
    }
  }
  assert.is(files, 15 * 2 * 4);
});

test("each filter type alone undoes exactly (RGB 8-bit, RGBA 16-bit, gray 2-bit), including across Adam7 passes", async () => {
  const rng = new Random(2);
  for (const filter of [0, 1, 2, 3, 4]) {
    for (const [ct, depth] of [[2, 8], [6, 16], [0, 2]]) {
      for (const interlace of [false, true]) {
        await check({ width: 11, height: 7, depth, colorType: ct, interlace, filter, samples: randomSamples(11, 7, ct, depth, rng) }, `filter${filter}-ct${ct}-d${depth}${interlace ? "-i" : ""}.png`);
      }
    }
  }
});

test("tRNS adds alpha: a transparent gray value, a transparent RGB colour (16-bit), palette alphas; unknown ancillary chunks are skipped", async () => {
  await check({ width: 4, height: 2, depth: 8, colorType: 0, samples: [0, 7, 7, 255, 7, 1, 2, 7], trns: [0, 7], extra: [["tEXt", new TextEncoder().encode("Comment\0spec")]] }, "gray-trns.png");
  await check({ width: 3, height: 1, depth: 16, colorType: 2, samples: [1, 2, 3, 1, 2, 4, 1, 2, 3], trns: [0, 1, 0, 2, 0, 3] }, "rgb-trns.png");
  await check({ width: 3, height: 2, depth: 2, colorType: 3, palette: [10, 20, 30, 40, 50, 60, 70, 80, 90], trns: [0, 128], samples: [0, 1, 2, 2, 1, 0] }, "palette-trns.png");
  const img = await decodePng(writePng({ width: 2, height: 1, depth: 8, colorType: 0, samples: [0, 255] }), "tiny.png");
  assert.equal([img.channels, ...img.data], [1, 0, 255]);
});

async function rejects(bytes: Uint8Array, file: string, pattern: RegExp): Promise<void> {
  let error: unknown;
  try {
    await decodeImage(bytes, file);
  } catch (err) {
    error = err;
  }
  assert.instance(error, Error, `${file}: expected an error`);
  const message = (error as Error).message;
  assert.ok(message.startsWith(`${file}`), `names the file: ${message}`);
  assert.match(message, pattern);
}

test("corrupt files: signature, CRC, truncation, filter byte, too much / too little data, palette, chunk rules, bombs", async () => {
  const base: PngSpec = { width: 5, height: 3, depth: 8, colorType: 0, samples: Array.from({ length: 15 }, (_, i) => i * 10) };
  const good = writePng(base);
  await rejects(good.subarray(1), "sig.png", /expected a PNG or PGM/);
  const flipped = good.slice();
  flipped[8 + 8 + 3] ^= 1; // a byte of IHDR's width
  await rejects(flipped, "crc.png", /chunk IHDR at byte 8: CRC mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
  for (const cut of [10, 20, 33, 40, good.length - 12, good.length - 1]) await rejects(good.subarray(0, cut), `cut${cut}.png`, /truncated/);
  const badFilter = scanlines(base);
  badFilter[(base.width + 1) * 1] = 5; // row 1's filter byte
  await rejects(writePng(base, deflateSync(badFilter)), "filter.png", /row 1: filter type 5 \(expected 0 None, 1 Sub, 2 Up, 3 Average or 4 Paeth\)/);
  const taller = scanlines({ ...base, height: 4, samples: [...Array.from(base.samples), 1, 2, 3, 4, 5] });
  await rejects(writePng(base, deflateSync(taller)), "long.png", /inflates to more than the 18 bytes expected/);
  await rejects(writePng({ ...base, height: 5, samples: [] }, deflateSync(scanlines(base))), "short.png", /truncated image data: IHDR \(5×5, depth 8, colour type 0\) needs 30 bytes of filtered rows, the IDAT stream inflates to 18/);
  await rejects(writePng({ width: 2, height: 1, depth: 8, colorType: 3, palette: [1, 2, 3], samples: [0, 3] }), "index.png", /pixel \(1, 0\): palette index 3, but PLTE has 1 entries/);
  await rejects(writePng({ width: 2, height: 1, depth: 8, colorType: 3, samples: [0, 0] }), "noplte.png", /colour type 3 \(palette\) without a PLTE chunk/);
  await rejects(writePng({ ...base, extra: [["ABCD", new Uint8Array(2)]] }), "critical.png", /unknown critical chunk ABCD/);
  await rejects(writePng({ ...base, colorType: 2, depth: 4 }, deflateSync(scanlines(base))), "depth.png", /IHDR: bit depth: expected 8, 16 for colour type 2, got 4/);
  await rejects(writePng({ ...base, width: 0 }), "zero.png", /IHDR: expected width and height in 1 … 2³¹−1, got 0×3/);
  await rejects(writePng({ ...base, width: 100_000, height: 100_000 }, deflateSync(scanlines(base))), "huge.png", /10000000000 pixels exceeds the limit of 40000000/);
  await rejects(good.subarray(0, good.length - 12), "noiend.png", /truncated: .*\(no IEND chunk\)/);
  await rejects(writePng(base, Uint8Array.from([0x78, 0x9c, 1, 2, 3, 4, 5])), "zlib.png", /not a valid deflate stream/);
  await rejects(writePng({ ...base, trns: [0, 1, 2] }), "trns.png", /tRNS: expected 2 bytes for colour type 0, got 3/);
  const twoHeaders = writePng({ ...base, extra: [["IHDR", good.subarray(16, 29)]] });
  await rejects(twoHeaders, "ihdr2.png", /a second IHDR chunk/);
});

test("a decompression bomb stops at the size IHDR declares (1×1 image, 64 MB of zeros behind it)", async () => {
  const bomb = deflateSync(new Uint8Array(64 * 1024 * 1024), { level: 9 });
  assert.ok(bomb.length < 100_000, `the bomb is ${bomb.length} bytes`);
  const start = performance.now();
  await rejects(writePng({ width: 1, height: 1, depth: 8, colorType: 0, samples: [0] }, bomb), "bomb.png", /inflates to more than the 2 bytes expected; stopped there/);
  const ms = performance.now() - start;
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
});

test("fuzz: corrupted PNGs either decode to the declared size or throw an Error naming the file (fast-check, fixed seed)", async () => {
  const rng = new Random(3);
  const spec: PngSpec = { width: 9, height: 6, depth: 8, colorType: 2, interlace: true, filter: (r) => r % 5, samples: randomSamples(9, 6, 2, 8, rng) };
  const good = writePng(spec);
  /** Re-computes every chunk's CRC, so mutations reach the parser and the inflater, not only the checksum. */
  const fixCrcs = (bytes: Uint8Array) => {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 8; at + 12 <= bytes.length;) {
      const length = v.getUint32(at);
      if (at + 12 + length > bytes.length) break;
      v.setUint32(at + 8 + length, specCrc(bytes.subarray(at + 4, at + 8 + length)));
      at += 12 + length;
    }
    return bytes;
  };
  const start = performance.now();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }),
      fc.option(fc.nat(good.length), { nil: undefined }),
      fc.boolean(),
      async (edits, cut, fix) => {
        let bytes = good.slice();
        for (const [at, value] of edits) bytes[at] = value;
        if (cut !== undefined) bytes = bytes.slice(0, cut);
        if (fix) fixCrcs(bytes);
        try {
          const img = await decodeImage(bytes, "fuzz.png");
          assert.is(img.data.length, img.width * img.height * img.channels);
        } catch (err) {
          assert.instance(err, Error);
          assert.ok((err as Error).message.includes("fuzz.png"), (err as Error).message);
          assert.not.instance(err, TypeError, (err as Error).message);
          assert.not.instance(err, RangeError, (err as Error).message);
        }
      },
    ),
    fcParams(300),
  );
  const ms = performance.now() - start;
  assert.ok(ms < 2000, `fuzzing took ${ms.toFixed(0)} ms`);
});

test("errors are ImageDecodeError with the file", async () => {
  try {
    await decodePng(new Uint8Array(8), "x.png");
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ImageDecodeError);
    assert.is((err as ImageDecodeError).file, "x.png");
  }
  assert.instance(chunk("IEND", new Uint8Array(0)), Uint8Array);
});

test.run();
