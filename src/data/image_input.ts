/**
 * Turning an arbitrary picture into a model's input the way Fashion-MNIST's
 * images were made (Xiao, Rasul & Vollgraf 2017: the product trimmed, its
 * longest edge resized to 28, extended to 28×28, light object on a black
 * background). Exactly, for a model input of [C, H, W]:
 *
 * 1. Transparency: each pixel is composited over white,
 *    v ← (v·α + 255·(255 − α)) / 255 (as a viewer on a white page shows it).
 * 2. Channels: for C = 1, gray by ITU-R BT.601 luma,
 *    Y = 0.299 R + 0.587 G + 0.114 B; for C = 3, RGB (gray repeated).
 * 3. Polarity (`polarity`, default "auto"): Fashion-MNIST is light on dark, so
 *    "auto" inverts (v ← 255 − v) when the mean gray of the image's outermost
 *    ring of pixels (its background, usually) is above 127.5; "invert" always,
 *    "keep" never.
 * 4. Aspect: the shorter side is padded equally on both ends (the odd pixel at
 *    the bottom/right) with the mean of the border ring (after step 3), to
 *    the aspect ratio W:H — nothing is cropped.
 * 5. Size: each axis separately to H and W — shrinking by area averaging
 *    (every output pixel the mean of the input span it covers, fractional
 *    pixels weighted), growing by bilinear interpolation with half-pixel
 *    centres (PyTorch's align_corners=False), clamped at the edges.
 * 6. Rounding to 8 bits (round half up, clamped to 0 … 255), so the result is
 *    standardized exactly as a training image: (v/255 − mean)/std.
 */
import type { RasterImage } from "../io/raster_image.js";

/** How dark-on-light pictures are handled (step 3). */
export type Polarity = "auto" | "invert" | "keep";

/** Options of `imageToInput`. */
export interface ImageInputOptions {
  /** The model's [C, H, W]; C must be 1 or 3. */
  readonly inputSize: readonly [number, number, number];
  /** Step 3 (default "auto"). */
  readonly polarity?: Polarity;
}

/** The input pixels and what was done to get them. */
export interface ImageInput {
  /** C·H·W bytes, channel planes [C, H, W]. */
  readonly pixels: Uint8Array;
  /** Whether the image was inverted (step 3). */
  readonly inverted: boolean;
}

/** Steps 1–2: planes of C channels (float64), alpha composited over white. */
function toPlanes(img: RasterImage, c: number): Float64Array[] {
  const n = img.width * img.height;
  const planes = Array.from({ length: c }, () => new Float64Array(n));
  const hasAlpha = img.channels === 2 || img.channels === 4;
  const colour = img.channels >= 3;
  for (let i = 0; i < n; i++) {
    const o = i * img.channels;
    const alpha = hasAlpha ? img.data[o + img.channels - 1] / 255 : 1;
    const over = (v: number) => v * alpha + 255 * (1 - alpha);
    const r = over(img.data[o]);
    const g = colour ? over(img.data[o + 1]) : r;
    const b = colour ? over(img.data[o + 2]) : r;
    if (c === 1) planes[0][i] = 0.299 * r + 0.587 * g + 0.114 * b;
    else [planes[0][i], planes[1][i], planes[2][i]] = [r, g, b];
  }
  return planes;
}

/** Mean of the outermost ring of pixels of a w×h plane. */
function borderMean(plane: Float64Array, w: number, h: number): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y === 0 || y === h - 1 || x === 0 || x === w - 1) {
        sum += plane[y * w + x];
        count++;
      }
    }
  }
  return sum / count;
}

/** Step 4: pads a w×h plane to pw×ph, centred, with `value`. */
function pad(plane: Float64Array, w: number, h: number, pw: number, ph: number, value: number): Float64Array {
  const out = new Float64Array(pw * ph).fill(value);
  const x0 = Math.floor((pw - w) / 2);
  const y0 = Math.floor((ph - h) / 2);
  for (let y = 0; y < h; y++) out.set(plane.subarray(y * w, (y + 1) * w), (y0 + y) * pw + x0);
  return out;
}

/** Weights of one output pixel along an axis: [input index, weight] pairs (step 5). */
function axisWeights(inLen: number, outLen: number): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  const scale = inLen / outLen;
  for (let i = 0; i < outLen; i++) {
    if (outLen === inLen) {
      out.push([[i, 1]]);
    } else if (outLen < inLen) {
      const lo = i * scale;
      const hi = (i + 1) * scale;
      const w: Array<[number, number]> = [];
      for (let j = Math.floor(lo); j < Math.min(inLen, Math.ceil(hi)); j++) w.push([j, (Math.min(hi, j + 1) - Math.max(lo, j)) / scale]);
      out.push(w);
    } else {
      const src = Math.min(inLen - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const j0 = Math.floor(src);
      const j1 = Math.min(j0 + 1, inLen - 1);
      out.push(j1 === j0 ? [[j0, 1]] : [[j0, 1 - (src - j0)], [j1, src - j0]]);
    }
  }
  return out;
}

/** Step 5: resamples a w×h plane to ow×oh, rows first. */
function resize(plane: Float64Array, w: number, h: number, ow: number, oh: number): Float64Array {
  const wx = axisWeights(w, ow);
  const wy = axisWeights(h, oh);
  const rows = resamplePass(plane, h, ow, (_y, x) => wx[x], (y, _x, j) => y * w + j);
  return resamplePass(rows, oh, ow, (y) => wy[y], (_y, x, j) => j * ow + x);
}

/** One pass of step 5: out[y·width + x] = Σ src[at(y, x, j)] · wt over the taps (j, wt) of `taps(y, x)`. */
function resamplePass(
  src: Float64Array, height: number, width: number,
  taps: (y: number, x: number) => ReadonlyArray<readonly [number, number]>, at: (y: number, x: number, j: number) => number,
): Float64Array {
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (const [j, wt] of taps(y, x)) s += src[at(y, x, j)] * wt;
      out[y * width + x] = s;
    }
  }
  return out;
}

/**
 * Converts `image` to a model input of `inputSize` [C, H, W] (C = 1 or 3) by
 * the steps of the file comment; returns C·H·W bytes and whether it was
 * inverted.
 */
export function imageToInput(image: RasterImage, options: ImageInputOptions): ImageInput {
  const [c, oh, ow] = options.inputSize;
  const polarity = options.polarity ?? "auto";
  if (c !== 1 && c !== 3) throw new RangeError(`imageToInput: inputSize: expected 1 (gray) or 3 (RGB) channels, got ${c}`);
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) throw new RangeError(`imageToInput: inputSize: expected a positive H and W, got ${oh}×${ow}`);
  if (polarity !== "auto" && polarity !== "invert" && polarity !== "keep") throw new RangeError(`imageToInput: polarity: expected "auto", "invert" or "keep", got ${JSON.stringify(polarity)}`);
  const { width: w, height: h } = image;
  let planes = toPlanes(image, c);
  const gray = c === 1 ? planes[0] : toPlanes(image, 1)[0];
  const inverted = polarity === "invert" || (polarity === "auto" && borderMean(gray, w, h) > 127.5);
  if (inverted) planes = planes.map((p) => p.map((v) => 255 - v));
  const aspect = ow / oh;
  const pw = w / h < aspect ? Math.round(h * aspect) : w;
  const ph = w / h < aspect ? h : Math.round(w / aspect);
  const pixels = new Uint8Array(c * oh * ow);
  planes.forEach((plane, k) => {
    const padded = pw === w && ph === h ? plane : pad(plane, w, h, pw, ph, borderMean(plane, w, h));
    const sized = resize(padded, pw, ph, ow, oh);
    for (let i = 0; i < sized.length; i++) pixels[k * oh * ow + i] = Math.min(255, Math.max(0, Math.floor(sized[i] + 0.5)));
  });
  return { pixels, inverted };
}
