import { test } from "uvu";
import * as assert from "uvu/assert";
import { imageToInput } from "../../src/data/image_input.js";
import type { RasterImage } from "../../src/io/raster_image.js";

const gray = (width: number, height: number, f: (x: number, y: number) => number): RasterImage => ({
  width, height, channels: 1, data: Uint8Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))),
});
const at = (pixels: Uint8Array, x: number, y: number, w = 28) => pixels[y * w + x];

test("a 28×28 light-on-dark image passes unchanged; the same image dark-on-light is inverted (auto polarity)", () => {
  const img = gray(28, 28, (x, y) => (x > 5 && x < 20 && y > 3 && y < 25 ? 100 + x + y : 0));
  const kept = imageToInput(img, { inputSize: [1, 28, 28] });
  assert.is(kept.inverted, false);
  assert.equal(Array.from(kept.pixels), Array.from(img.data));
  const negative = { ...img, data: img.data.map((v) => 255 - v) };
  const back = imageToInput(negative, { inputSize: [1, 28, 28] });
  assert.is(back.inverted, true);
  assert.equal(Array.from(back.pixels), Array.from(img.data));
  assert.is(imageToInput(negative, { inputSize: [1, 28, 28], polarity: "keep" }).inverted, false);
  assert.equal(Array.from(imageToInput(img, { inputSize: [1, 28, 28], polarity: "invert" }).pixels), Array.from(negative.data));
});

test("RGB becomes BT.601 luma; transparent pixels are composited over white", () => {
  const rgb: RasterImage = { width: 1, height: 1, channels: 3, data: Uint8Array.from([200, 100, 50]) };
  assert.equal(Array.from(imageToInput(rgb, { inputSize: [1, 2, 2], polarity: "keep" }).pixels), Array(4).fill(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)));
  const rgba: RasterImage = { width: 2, height: 1, channels: 4, data: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 255]) };
  // Transparent black → white; opaque black stays black (a 2×1 image already has the 2:1 aspect of [1, 1, 2]).
  const out = imageToInput(rgba, { inputSize: [1, 1, 2], polarity: "keep" });
  assert.equal(Array.from(out.pixels), [255, 0]);
  const ga: RasterImage = { width: 1, height: 1, channels: 2, data: Uint8Array.from([0, 128]) };
  assert.equal(Array.from(imageToInput(ga, { inputSize: [1, 1, 1], polarity: "keep" }).pixels), [Math.round(255 * (127 / 255))]);
  const colour = imageToInput(rgb, { inputSize: [3, 1, 1], polarity: "keep" });
  assert.equal(Array.from(colour.pixels), [200, 100, 50]);
});

test("shrinking averages areas: 56×56 → 28×28 gives each 2×2 block's mean; 3:1 fractional areas weigh by overlap", () => {
  const img = gray(56, 56, (x, y) => (x * 7 + y * 13) % 256);
  const out = imageToInput(img, { inputSize: [1, 28, 28], polarity: "keep" }).pixels;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const block = [img.data[2 * y * 56 + 2 * x], img.data[2 * y * 56 + 2 * x + 1], img.data[(2 * y + 1) * 56 + 2 * x], img.data[(2 * y + 1) * 56 + 2 * x + 1]];
      assert.is(at(out, x, y), Math.floor(block.reduce((a, b) => a + b) / 4 + 0.5), `(${x}, ${y})`);
    }
  }
  // 3 pixels → 2: output 0 covers [0, 1.5): (v0 + v1/2)/1.5; output 1 covers [1.5, 3): (v1/2 + v2)/1.5.
  const row = imageToInput(gray(3, 3, (x) => [30, 90, 240][x]), { inputSize: [1, 2, 2], polarity: "keep" }).pixels;
  assert.equal(Array.from(row), [50, 190, 50, 190]);
});

test("growing is bilinear with half-pixel centres (PyTorch align_corners=False): [0, 100] → [0, 25, 75, 100]", () => {
  const out = imageToInput(gray(2, 2, (x) => [0, 100][x]), { inputSize: [1, 4, 4], polarity: "keep" }).pixels;
  assert.equal(Array.from(out.subarray(0, 4)), [0, 25, 75, 100]);
  assert.equal(Array.from(out.subarray(12, 16)), [0, 25, 75, 100]);
});

test("non-square images are padded (centred, with the border's mean), never cropped", () => {
  // A 2-wide, 4-tall image → padded to 4×4 with one column each side, then kept at 4×4.
  const img = gray(2, 4, (x, y) => (y === 0 || y === 3 ? 10 : 200 + x));
  const out = imageToInput(img, { inputSize: [1, 4, 4], polarity: "keep" }).pixels;
  // Border ring of the 2×4 image: rows 0 and 3 (10, 10 each) and the two columns of rows 1–2 (200, 201, 200, 201) → mean 105.25.
  assert.equal(Array.from(out), [105, 10, 10, 105, 105, 200, 201, 105, 105, 200, 201, 105, 105, 10, 10, 105]);
  const odd = imageToInput(gray(3, 5, () => 7), { inputSize: [1, 28, 28] });
  assert.equal(odd.pixels.length, 784);
  assert.ok(odd.pixels.every((v) => v === 7));
});

test("bad options are RangeErrors naming the argument", () => {
  const img = gray(2, 2, () => 0);
  assert.throws(() => imageToInput(img, { inputSize: [2, 28, 28] }), /imageToInput: inputSize: expected 1 \(gray\) or 3 \(RGB\) channels, got 2/);
  assert.throws(() => imageToInput(img, { inputSize: [1, 0, 28] }), /expected a positive H and W, got 0×28/);
  assert.throws(() => imageToInput(img, { inputSize: [1, 28, 28], polarity: "flip" as never }), /polarity: expected "auto", "invert" or "keep", got "flip"/);
});

test.run();
