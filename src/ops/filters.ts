/**
 * Image filtering as the lectures teach it, on one single-channel image
 * f [H, W] and one kernel h [kh, kw]: correlation, convolution, the named
 * kernels, and normalized correlation for template matching.
 *
 * 000, "Correlation & Convolution Operators":
 *   correlation  g(i, j) = Σ_{k,l} f(i + k, j + l) h(k, l)
 *   convolution  g(i, j) = Σ_{k,l} f(i − k, j − l) h(k, l)   (the kernel flipped)
 * 004, "Convolution 2d-example": y[m, n] = Σ_j Σ_i x[i, j] h[m − i, n − j].
 *
 * Indices here are row-major [row, column]. With padding p (zeros on all
 * four sides; "valid" = 0; "same" = (k − 1)/2 for odd kernels, an error for
 * even ones) the output is [H + 2p − kh + 1, W + 2p − kw + 1], and
 *   correlate2d: g(i, j) = Σ_{k,l} f(i + k − p, j + l − p) h(k, l),
 *   convolve2d:  g(i, j) = Σ_{k,l} f(i − k + (kh − 1 − p), j − l + (kw − 1 − p)) h(k, l),
 * k, l running over the kernel (0 … kh − 1, 0 … kw − 1), f zero outside the
 * image. For an odd kernel with "same" padding and k, l counted from the
 * kernel's centre, these are exactly the slide's two formulas; and
 * convolve2d(f, h) = correlate2d(f, flip(h)).
 *
 * Convolutional layers (conv2d) compute correlation, as PyTorch does; this
 * file keeps the lecture's distinction visible.
 */
import { allocate, Tensor, randn, shapeString, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { checkUpstream, describeValue, expectRank, expectSameDType, fail, floatData, intAttr, numberAttr, OpError } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { binaryOp } from "./binary_op.js";

/** Padding of correlate2d / convolve2d: "valid" (none), "same" (odd kernels), or zeros on each side. */
export type FilterPadding = "valid" | "same" | number;

/** Validated attributes of `correlate2d` and `convolve2d`. */
export interface FilterAttrs {
  padding: FilterPadding;
}

/** Validates the padding attribute (default "valid"). */
export function filterAttrs(op: string, raw: RawAttrs): FilterAttrs {
  const p = raw.padding ?? "valid";
  if (p === "valid" || p === "same") return { padding: p };
  if (typeof p === "number") return { padding: intAttr(op, "padding", p, 0) };
  return fail(op, "padding", `"valid", "same" or an integer ≥ 0`, describeValue(p));
}

/** Image and kernel sizes and the padding in zeros per side, checked. */
interface FilterGeometry {
  H: number;
  W: number;
  kh: number;
  kw: number;
  /** Zeros added above/below and left/right. */
  ph: number;
  pw: number;
  Ho: number;
  Wo: number;
}

function filterGeometry(op: string, input: Tensor, kernel: Tensor, padding: FilterPadding, kernelName = "kernel"): FilterGeometry {
  floatData(op, "input", input);
  floatData(op, kernelName, kernel);
  expectRank(op, "input", input, 2, "[H, W]");
  expectRank(op, kernelName, kernel, 2, "[kh, kw]");
  expectSameDType(op, kernelName, input, kernel);
  const [H, W] = input.shape;
  const [kh, kw] = kernel.shape;
  if (kh < 1 || kw < 1) fail(op, kernelName, "at least one row and one column", `shape ${shapeString(kernel.shape)}`);
  let ph: number, pw: number;
  if (padding === "same") {
    if (kh % 2 === 0 || kw % 2 === 0) fail(op, "padding", `"same" only with odd kernel sizes (or a number of zeros)`, `"same" with kernel ${shapeString(kernel.shape)}`);
    ph = (kh - 1) / 2;
    pw = (kw - 1) / 2;
  } else if (padding === "valid") {
    ph = pw = 0;
  } else {
    ph = pw = padding;
  }
  const Ho = H + 2 * ph - kh + 1, Wo = W + 2 * pw - kw + 1;
  if (Ho < 1 || Wo < 1) fail(op, "input", `an image at least as large as the ${kernelName} ${shapeString(kernel.shape)} after padding ${ph}`, `shape ${shapeString(input.shape)}`);
  return { H, W, kh, kw, ph, pw, Ho, Wo };
}

// ───────────────────────────── correlation ─────────────────────────────
// 000: g(i, j) = Σ_{k,l} f(i + k, j + l) h(k, l). Each output is a linear
// function of f and of h, so the backward is two sums with the same indices:
//   ∂L/∂f(i + k, j + l) += ∂L/∂g(i, j) · h(k, l)
//   ∂L/∂h(k, l)         += ∂L/∂g(i, j) · f(i + k, j + l)
//
// ───────────────────────────── convolution ─────────────────────────────
// 000: g(i, j) = Σ_{k,l} f(i − k, j − l) h(k, l) — the image read backwards
// under the kernel, i.e. the kernel flipped in both axes. The offset
// o = k − 1 − p places output (0, 0) where the flipped kernel's top-left tap
// meets the padded image's top-left corner. Backward, with the same indices:
//   ∂L/∂f(i − k + o, j − l + o) += ∂L/∂g(i, j) · h(k, l)
//   ∂L/∂h(k, l)                 += ∂L/∂g(i, j) · f(i − k + o, j − l + o)
//
// Both read the image at f(i + σk + oₕ, j + σl + o_w): correlation with
// σ = +1 and o = −p, convolution with σ = −1 and o = k − 1 − p. One loop of
// each (forward and backward) serves both.

/** Where the kernel's tap (k, l) reads the image: row i + sign·k + rowOffset, column j + sign·l + colOffset. */
interface Taps {
  sign: 1 | -1;
  rowOffset: number;
  colOffset: number;
}

/** Correlation's taps: f(i + k − p, j + l − p). */
function correlationTaps(g: FilterGeometry): Taps {
  return { sign: 1, rowOffset: -g.ph, colOffset: -g.pw };
}

/** Convolution's taps: f(i − k + (kh − 1 − p), j − l + (kw − 1 − p)). */
function convolutionTaps(g: FilterGeometry): Taps {
  return { sign: -1, rowOffset: g.kh - 1 - g.ph, colOffset: g.kw - 1 - g.pw };
}

/** g(i, j) = Σ_{k,l} f(row, col) h(k, l) at `op`'s taps, f zero outside the image → [Ho, Wo]. */
function filterForward(op: string, tapsOf: (g: FilterGeometry) => Taps, input: Tensor, kernel: Tensor, padding: FilterPadding): Tensor {
  const g = filterGeometry(op, input, kernel, filterAttrs(op, { padding }).padding);
  const f = input.data, h = kernel.data;
  const { sign, rowOffset, colOffset } = tapsOf(g);
  const out = allocate(input.dtype as FloatDType, g.Ho * g.Wo);
  for (let i = 0; i < g.Ho; i++) {
    for (let j = 0; j < g.Wo; j++) {
      let sum = 0;
      for (let k = 0; k < g.kh; k++) {
        const r = i + sign * k + rowOffset;
        if (r < 0 || r >= g.H) continue; // a padded zero
        for (let l = 0; l < g.kw; l++) {
          const c = j + sign * l + colOffset;
          if (c >= 0 && c < g.W) sum += f[r * g.W + c] * h[k * g.kw + l];
        }
      }
      out[i * g.Wo + j] = sum;
    }
  }
  return new Tensor(out, [g.Ho, g.Wo]);
}

/** ∂L/∂f(row, col) += u · h(k, l) and ∂L/∂h(k, l) += u · f(row, col) at `op`'s taps, u = ∂L/∂g(i, j). */
function filterBackward(op: string, tapsOf: (g: FilterGeometry) => Taps, dy: Tensor, input: Tensor, kernel: Tensor, padding: FilterPadding): { input: Tensor; kernel: Tensor } {
  const g = filterGeometry(op, input, kernel, filterAttrs(op, { padding }).padding);
  const up = checkUpstream(op, dy, [g.Ho, g.Wo], input);
  const f = input.data, h = kernel.data;
  const { sign, rowOffset, colOffset } = tapsOf(g);
  const df = allocate(input.dtype as FloatDType, input.size);
  const dh = allocate(input.dtype as FloatDType, kernel.size);
  for (let i = 0; i < g.Ho; i++) {
    for (let j = 0; j < g.Wo; j++) {
      const u = up[i * g.Wo + j];
      for (let k = 0; k < g.kh; k++) {
        const r = i + sign * k + rowOffset;
        if (r < 0 || r >= g.H) continue;
        for (let l = 0; l < g.kw; l++) {
          const c = j + sign * l + colOffset;
          if (c < 0 || c >= g.W) continue;
          df[r * g.W + c] += u * h[k * g.kw + l];
          dh[k * g.kw + l] += u * f[r * g.W + c];
        }
      }
    }
  }
  return { input: new Tensor(df, input.shape), kernel: new Tensor(dh, kernel.shape) };
}

/** Correlation g(i, j) = Σ f(i + k − p, j + l − p) h(k, l). input [H, W], kernel [kh, kw] → [H + 2p − kh + 1, W + 2p − kw + 1]. */
export function correlate2d(input: Tensor, kernel: Tensor, padding: FilterPadding = "valid"): Tensor {
  return filterForward("correlate2d", correlationTaps, input, kernel, padding);
}

/** Backward of correlate2d: dL/d(input) [H, W] and dL/d(kernel) [kh, kw] from dL/dg. */
export function correlate2dBackward(dy: Tensor, input: Tensor, kernel: Tensor, padding: FilterPadding = "valid"): { input: Tensor; kernel: Tensor } {
  return filterBackward("correlate2d", correlationTaps, dy, input, kernel, padding);
}

/** Convolution g(i, j) = Σ f(i − k + kh − 1 − p, j − l + kw − 1 − p) h(k, l). input [H, W], kernel [kh, kw] → as correlate2d. */
export function convolve2d(input: Tensor, kernel: Tensor, padding: FilterPadding = "valid"): Tensor {
  return filterForward("convolve2d", convolutionTaps, input, kernel, padding);
}

/** Backward of convolve2d: dL/d(input) [H, W] and dL/d(kernel) [kh, kw] from dL/dg. */
export function convolve2dBackward(dy: Tensor, input: Tensor, kernel: Tensor, padding: FilterPadding = "valid"): { input: Tensor; kernel: Tensor } {
  return filterBackward("convolve2d", convolutionTaps, dy, input, kernel, padding);
}

/** The kernel turned by 180°: flip(h)(k, l) = h(kh − 1 − k, kw − 1 − l). */
export function flipKernel(kernel: Tensor): Tensor {
  floatData("flipKernel", "kernel", kernel);
  expectRank("flipKernel", "kernel", kernel, 2, "[kh, kw]");
  const [kh, kw] = kernel.shape;
  const out = allocate(kernel.dtype as FloatDType, kernel.size);
  for (let k = 0; k < kh; k++) for (let l = 0; l < kw; l++) out[k * kw + l] = kernel.data[(kh - 1 - k) * kw + (kw - 1 - l)];
  return new Tensor(out, kernel.shape);
}

// ───────────────────────────── named kernels ─────────────────────────────
// 004, "Linear filters: Example": identity ("identical image"), shift
// ("shifted left by 1 pixel"), mean ("blur"), sharpening (2·identity − mean,
// "accentuates edges"); 001, "Gaussian Smoothing": G_σ; and Sobel's
// derivative kernels. Each returns a new [k, k] tensor (float64 unless asked).

function checkSize(name: string, size: number, odd = true): number {
  const k = intAttr(name, "size", size, 1);
  if (odd && k % 2 === 0) fail(name, "size", "an odd integer (the kernel needs a centre)", describeValue(size));
  return k;
}

/** Identity: 1 at the centre, 0 elsewhere; filtering with it gives the same image (004). [size, size], size odd. */
export function identityKernel(size = 3, dtype: FloatDType = "float64"): Tensor {
  const k = checkSize("identityKernel", size);
  const h = allocate(dtype, k * k);
  h[((k - 1) / 2) * k + (k - 1) / 2] = 1;
  return new Tensor(h, [k, k]);
}

/** Directions for `shiftKernel`: where the image content moves. */
export type ShiftDirection = "left" | "right" | "up" | "down";

/**
 * A [3, 3] kernel that moves the image content one pixel in `direction`
 * under convolve2d (004's kernel with 1 left of centre: "shifted left by 1
 * pixel", g(i, j) = f(i, j + 1)). Under correlate2d it moves the other way.
 */
export function shiftKernel(direction: ShiftDirection, dtype: FloatDType = "float64"): Tensor {
  const where: Record<ShiftDirection, [number, number]> = { left: [1, 0], right: [1, 2], up: [0, 1], down: [2, 1] };
  if (!(direction in where)) fail("shiftKernel", "direction", `one of "left", "right", "up", "down"`, describeValue(direction));
  const h = allocate(dtype, 9);
  const [r, c] = where[direction];
  h[r * 3 + c] = 1;
  return new Tensor(h, [3, 3]);
}

/** Box (mean) filter: every entry 1/size², so the output is the window mean (004, 000's "box filter"). [size, size]. */
export function boxKernel(size = 3, dtype: FloatDType = "float64"): Tensor {
  const k = checkSize("boxKernel", size, false);
  const h = allocate(dtype, k * k);
  h.fill(1 / (k * k));
  return new Tensor(h, [k, k]);
}

/**
 * Sharpening filter 2·identity − box (004, "Sharpening filter (accentuates
 * edges)"): the image plus its difference from the local mean. [size, size], size odd.
 */
export function sharpenKernel(size = 3, dtype: FloatDType = "float64"): Tensor {
  const k = checkSize("sharpenKernel", size);
  const id = identityKernel(k, "float64").data, box = boxKernel(k, "float64").data;
  const h = allocate(dtype, k * k);
  for (let i = 0; i < k * k; i++) h[i] = 2 * id[i] - box[i];
  return new Tensor(h, [k, k]);
}

/**
 * Gaussian kernel (001, "Gaussian Smoothing"):
 *   G_σ(x, y) = 1/(2πσ²) · e^(−(x² + y²)/(2σ²)),
 * sampled at integer offsets x, y from the centre and normalized to sum 1 (a
 * sampled, truncated Gaussian does not sum to 1 by itself). Default size
 * 2⌈3σ⌉ + 1, which holds the values within 3σ. [size, size], size odd.
 */
export function gaussianKernel(sigma: number, size?: number, dtype: FloatDType = "float64"): Tensor {
  const s = numberAttr("gaussianKernel", "sigma", sigma, Number.MIN_VALUE);
  const k = checkSize("gaussianKernel", size ?? 2 * Math.ceil(3 * s) + 1);
  const r = (k - 1) / 2;
  const values = new Float64Array(k * k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const x = j - r, y = i - r;
      const G = (1 / (2 * Math.PI * s * s)) * Math.exp(-(x * x + y * y) / (2 * s * s));
      values[i * k + j] = G;
      total += G;
    }
  }
  const h = allocate(dtype, k * k);
  for (let i = 0; i < k * k; i++) h[i] = values[i] / total;
  return new Tensor(h, [k, k]);
}

/**
 * Derivative-of-Gaussian kernel (003, "Filters" / "Derivatives": d/dx g and
 * d/dy g beside learned filters): the derivative of G_σ along `axis`,
 *   ∂G_σ/∂x (x, y) = −(x/σ²) · G_σ(x, y),
 * with G_σ sampled and normalized to sum 1 as in `gaussianKernel`. It sums
 * to 0; convolve2d(f, it) is the derivative of the smoothed image G_σ * f
 * (x grows to the right, y downwards). [size, size], default size 2⌈3σ⌉ + 1.
 */
export function gaussianDerivativeKernel(sigma: number, axis: "x" | "y" = "x", size?: number, dtype: FloatDType = "float64"): Tensor {
  if (axis !== "x" && axis !== "y") throw new RangeError(`gaussianDerivativeKernel: axis: expected "x" or "y", got ${JSON.stringify(axis)}`);
  const G = gaussianKernel(sigma, size, "float64");
  const k = G.shape[0], r = (k - 1) / 2;
  const h = allocate(dtype, k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) h[i * k + j] = (-(axis === "x" ? j - r : i - r) / (sigma * sigma)) * G.data[i * k + j];
  }
  return new Tensor(h, [k, k]);
}

/** Sobel x: [[−1, 0, 1], [−2, 0, 2], [−1, 0, 1]]; under correlate2d it is positive where intensity grows to the right. */
export function sobelXKernel(dtype: FloatDType = "float64"): Tensor {
  return new Tensor(Float64Array.from([-1, 0, 1, -2, 0, 2, -1, 0, 1]), [3, 3]).astype(dtype);
}

/**
 * Sobel y: [[−1, −2, −1], [0, 0, 0], [1, 2, 1]]; under correlate2d it is
 * positive where intensity grows downwards. (004's worked example convolves
 * with exactly this h.)
 */
export function sobelYKernel(dtype: FloatDType = "float64"): Tensor {
  return new Tensor(Float64Array.from([-1, -2, -1, 0, 0, 0, 1, 2, 1]), [3, 3]).astype(dtype);
}

// ───────────────────── normalized correlation (template matching) ─────────────────────
// 000, "Normalized Correlation for Template Matching"; the patch whitening of
// 001 ("make each patch have zero mean … then make it have unit variance").
// At each valid position the image patch P and the template T are made
// zero-mean and unit-norm, and the output is their dot product:
//   ncc(i, j) = Σ (P − μ_P)(T − μ_T) / (‖P − μ_P‖ · ‖T − μ_T‖)  ∈ [−1, 1],
// 1 where the patch is an increasing affine copy aI + b (a > 0) of the template.
// A flat patch (all its values equal) has no direction to compare: its output
// is 0 by definition. A flat template is an OpError (every output would be 0).

/** Normalized cross-correlation of image [H, W] with template [th, tw] → [H − th + 1, W − tw + 1], values in [−1, 1]. */
export function normalizedCorrelate2d(image: Tensor, template: Tensor): Tensor {
  const op = "normalized_correlate2d";
  const g = filterGeometry(op, image, template, "valid", "template");
  const f = image.data, t = template.data;
  const n = g.kh * g.kw;
  let tMean = 0;
  for (let i = 0; i < n; i++) tMean += t[i];
  tMean /= n;
  let tNorm2 = 0, tMin = Infinity, tMax = -Infinity;
  for (let i = 0; i < n; i++) {
    tNorm2 += (t[i] - tMean) ** 2;
    tMin = Math.min(tMin, t[i]);
    tMax = Math.max(tMax, t[i]);
  }
  if (tMin === tMax) throw new OpError(op, "template", `expected a template that is not flat, got all values equal to ${tMin}`);
  const tNorm = Math.sqrt(tNorm2);

  const out = allocate(image.dtype as FloatDType, g.Ho * g.Wo);
  for (let i = 0; i < g.Ho; i++) {
    for (let j = 0; j < g.Wo; j++) {
      let pMean = 0, pMin = Infinity, pMax = -Infinity;
      for (let k = 0; k < g.kh; k++) for (let l = 0; l < g.kw; l++) {
        const v = f[(i + k) * g.W + j + l];
        pMean += v;
        pMin = Math.min(pMin, v);
        pMax = Math.max(pMax, v);
      }
      if (pMin === pMax) continue; // flat patch → 0
      pMean /= n;
      let dot = 0, pNorm2 = 0;
      for (let k = 0; k < g.kh; k++) for (let l = 0; l < g.kw; l++) {
        const z = f[(i + k) * g.W + j + l] - pMean;
        dot += z * (t[k * g.kw + l] - tMean);
        pNorm2 += z * z;
      }
      // Clamp the rounding of an exact match just past ±1.
      out[i * g.Wo + j] = Math.max(-1, Math.min(1, dot / (Math.sqrt(pNorm2) * tNorm)));
    }
  }
  return new Tensor(out, [g.Ho, g.Wo]);
}

// ───────────────────────────── OpDefs ─────────────────────────────

function sampleFilterCase(rng: Random, dtype: FloatDType): { inputs: { input: Tensor; kernel: Tensor }; attrs: FilterAttrs } {
  const kh = 1 + rng.int(4), kw = 1 + rng.int(4);
  const choice = rng.int(3);
  const padding: FilterPadding = choice === 0 ? "valid" : choice === 1 && kh % 2 === 1 && kw % 2 === 1 ? "same" : rng.int(3);
  const H = kh + rng.int(5), W = kw + rng.int(5);
  return {
    inputs: { input: randn([H, W], rng, { dtype }), kernel: randn([kh, kw], rng, { dtype }) },
    attrs: { padding },
  };
}

/** `correlate2d`: input [H, W], kernel [kh, kw] → output. Grads: input, kernel. */
export const correlate2dOp = binaryOp<FilterAttrs>({
  name: "correlate2d",
  inputs: ["input", "kernel"],
  attrs: (raw) => filterAttrs("correlate2d", raw),
  forward: (input, kernel, a) => correlate2d(input, kernel, a.padding),
  backward: (dy, input, kernel, a) => correlate2dBackward(dy, input, kernel, a.padding),
  sample: sampleFilterCase,
});

/** `convolve2d`: input [H, W], kernel [kh, kw] → output (the kernel flipped). Grads: input, kernel. */
export const convolve2dOp = binaryOp<FilterAttrs>({
  name: "convolve2d",
  inputs: ["input", "kernel"],
  attrs: (raw) => filterAttrs("convolve2d", raw),
  forward: (input, kernel, a) => convolve2d(input, kernel, a.padding),
  backward: (dy, input, kernel, a) => convolve2dBackward(dy, input, kernel, a.padding),
  sample: sampleFilterCase,
});

/** The image-filter ops, for the registry. */
export const filterOps: OpDef[] = [correlate2dOp, convolve2dOp];
