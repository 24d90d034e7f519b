/**
 * Pooling over the last two dimensions of an NCHW tensor: max, average, sum,
 * adaptive average, and max unpooling.
 *
 * 004, "Convolutional neural networks: Max-pooling" — spatial pooling
 * "reduces the dimensionality of each feature map but retains the most
 * important information" and "can be of different types: Max, Average, Sum".
 * 000, "Max Pool operation" — a 2×2 window at stride 2 over the filtered
 * "X" image; 000, "Semantic Segmentation" — downsampling by pooling,
 * upsampling by unpooling.
 *
 * Every op accepts input [N, C, H, W] or [C, H, W]; each H×W plane is pooled
 * on its own. Semantics, defaults and output sizes are PyTorch's
 * (torch.nn.functional.max_pool2d, avg_pool2d, adaptive_avg_pool2d,
 * max_unpool2d); `sum_pool2d` is an nnref extension (the window sum).
 *
 * Output size along one axis (PyTorch's pooling_output_shape):
 *   out = ⌊(in + 2p − d(k − 1) − 1 + (ceil_mode ? s − 1 : 0)) / s⌋ + 1,
 * and with ceil_mode a last window that would start inside the right padding,
 * (out − 1)·s ≥ in + p, is dropped. Padding may be at most ⌊k/2⌋ and the
 * output must be at least 1×1; anything else is an OpError.
 */
import { allocate, Tensor, shapeString, randn, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { boolAttr, checkUpstream, describe, expectRank, expectShape, fail, floatData, intAttr, intData, pairAttr } from "./errors.js";
import type { OpDef, RawAttrs, Tensors } from "./op.js";

/** A (height, width) pair, e.g. a kernel size. */
export type SizePair = [number, number];
/** An attribute given as one integer (both axes) or a (height, width) pair. */
export type SizePairLike = number | readonly [number, number];

// ───────────────────────────── geometry ─────────────────────────────

/**
 * Number of pooling windows along one axis of size `inputSize` (PyTorch's
 * formula, see the file comment). May return < 1; callers check.
 */
export function pooledLength(inputSize: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean): number {
  const span = inputSize + 2 * padding - dilation * (kernel - 1) - 1;
  let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= inputSize + padding) out--;
  return out;
}

/** The input seen as `planes` H×W planes; `lead` is the shape before H, W. */
export interface Planes {
  planes: number;
  H: number;
  W: number;
  lead: number[];
}

/** `x` [N, C, H, W] or [C, H, W] as planes (throws OpError on another rank); the kernels call it too. */
export function planesOf(op: string, x: Tensor): Planes {
  expectRank(op, "input", x, [3, 4], "[N, C, H, W] or [C, H, W]");
  const lead = x.shape.slice(0, -2);
  return { planes: lead.reduce((a, b) => a * b, 1), H: x.shape[x.rank - 2], W: x.shape[x.rank - 1], lead };
}

/** Throws OpError when the pooled output Ho×Wo would be empty; the kernels call it too. */
export function checkOutputSize(op: string, x: Tensor, Ho: number, Wo: number): void {
  if (Ho < 1 || Wo < 1) {
    fail(op, "input", "a height and width that give an output of at least 1×1 with these attributes", `shape ${shapeString(x.shape)}, which gives ${Ho}×${Wo}`);
  }
}

/** PyTorch's limit: padding ≤ ⌊kernel/2⌋ on each axis. */
function checkPadding(op: string, padding: SizePair, kernel: SizePair): void {
  for (const axis of [0, 1]) {
    const half = Math.floor(kernel[axis] / 2);
    if (padding[axis] > half) {
      fail(op, "padding", `at most half the kernel size (⌊${kernel[axis]}/2⌋ = ${half})`, describe(padding[axis]));
    }
  }
}

/** `stride`: a pair, or absent / null / [] for "equal to kernel_size" (PyTorch's default). */
function strideAttr(op: string, value: unknown, kernel: SizePair): SizePair {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return [kernel[0], kernel[1]];
  return pairAttr(op, "stride", value, 1);
}

// ───────────────────────────── max_pool2d ─────────────────────────────
// 000, "Max Pool operation": each output is the largest value in its window.
// The arg-max is remembered (flat index h·W + w within its plane, as
// PyTorch's `return_indices` gives it); backward routes the whole upstream
// gradient to it: ∂y/∂x_j = 1 if j is the window's arg-max, else 0. Ties go
// to the first position in row-major window order; padding counts as −∞.
// NaN propagates (a NaN in a window is its maximum), as in PyTorch.

/** Validated attributes of `max_pool2d`. */
export interface MaxPool2dAttrs {
  kernel_size: SizePair;
  stride: SizePair;
  padding: SizePair;
  dilation: SizePair;
  ceil_mode: boolean;
  /** Whether the forward also returns the int32 output "indices". */
  return_indices: boolean;
}

/** Attributes of `max_pool2d` as a caller writes them. */
export interface MaxPool2dAttrsLike {
  kernel_size: SizePairLike;
  /** Default: kernel_size. */
  stride?: SizePairLike | null;
  /** −∞ added on each side; default 0, at most ⌊kernel/2⌋. */
  padding?: SizePairLike;
  /** Spacing of the window's taps; default 1. */
  dilation?: SizePairLike;
  /** Round the output size up instead of down; default false. */
  ceil_mode?: boolean;
  return_indices?: boolean;
}

/** Validates `max_pool2d` attributes and fills PyTorch's defaults. */
export function maxPool2dAttrs(raw: RawAttrs): MaxPool2dAttrs {
  const op = "max_pool2d";
  const kernel_size = pairAttr(op, "kernel_size", raw.kernel_size, 1);
  const stride = strideAttr(op, raw.stride, kernel_size);
  const padding = pairAttr(op, "padding", raw.padding ?? 0, 0);
  const dilation = pairAttr(op, "dilation", raw.dilation ?? 1, 1);
  const ceil_mode = boolAttr(op, "ceil_mode", raw.ceil_mode ?? false);
  const return_indices = boolAttr(op, "return_indices", raw.return_indices ?? false);
  checkPadding(op, padding, kernel_size);
  return { kernel_size, stride, padding, dilation, ceil_mode, return_indices };
}

/**
 * Max pooling. input [N, C, H, W] (or [C, H, W]) → output [N, C, H', W'] and
 * indices (int32, same shape): the flat position h·W + w of each maximum in
 * its input plane. A window with no input element (possible only with large
 * dilation) gives −∞ and index −1.
 */
export function maxPool2d(input: Tensor, options: MaxPool2dAttrsLike): { output: Tensor; indices: Tensor } {
  const op = "max_pool2d";
  const a = maxPool2dAttrs(options as unknown as RawAttrs);
  const x = floatData(op, "input", input);
  const { planes, H, W, lead } = planesOf(op, input);
  const [kH, kW] = a.kernel_size, [sH, sW] = a.stride, [pH, pW] = a.padding, [dH, dW] = a.dilation;
  const Ho = pooledLength(H, kH, sH, pH, dH, a.ceil_mode);
  const Wo = pooledLength(W, kW, sW, pW, dW, a.ceil_mode);
  checkOutputSize(op, input, Ho, Wo);

  const y = allocate(input.dtype as FloatDType, planes * Ho * Wo);
  const indices = new Int32Array(planes * Ho * Wo);
  for (let p = 0; p < planes; p++) {
    const plane = p * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < kH; i++) {
          const h = oh * sH - pH + i * dH;
          if (h < 0 || h >= H) continue; // padding: −∞, never the maximum
          for (let j = 0; j < kW; j++) {
            const w = ow * sW - pW + j * dW;
            if (w < 0 || w >= W) continue;
            const v = x[plane + h * W + w];
            if (at < 0 || v > best || Number.isNaN(v)) {
              best = v;
              at = h * W + w;
            }
          }
        }
        const o = (p * Ho + oh) * Wo + ow;
        y[o] = best;
        indices[o] = at;
      }
    }
  }
  const shape = [...lead, Ho, Wo];
  return { output: new Tensor(y, shape), indices: new Tensor(indices, shape) };
}

/**
 * Backward of max pooling: dL/dx [same shape as input], with each upstream
 * value dL/dy [N, C, H', W'] added at its window's arg-max (`indices` from
 * the forward). Overlapping windows that share a maximum add up there.
 */
export function maxPool2dBackward(dy: Tensor, input: Tensor, indices: Tensor): Tensor {
  const op = "max_pool2d";
  const g = checkUpstream(op, dy, indices.shape, input);
  const at = intData(op, "indices", indices);
  const { planes, H, W } = planesOf(op, input);
  const perPlane = at.length / Math.max(planes, 1);
  const dx = allocate(input.dtype as FloatDType, input.size);
  for (let p = 0; p < planes; p++) {
    for (let k = 0; k < perPlane; k++) {
      const o = p * perPlane + k;
      if (at[o] >= 0) dx[p * H * W + at[o]] += g[o];
    }
  }
  return new Tensor(dx, input.shape);
}

// ───────────────────────── avg_pool2d and sum_pool2d ─────────────────────────
// 004, "Max-pooling": pooling "can be of different types: Max, Average, Sum".
// Average: y = (1/D) Σ_window x, so ∂y/∂x_j = 1/D for every x_j in the
// window. The divisor D is PyTorch's: divisor_override if given; else with
// count_include_pad the window clipped to the padded input (with ceil_mode
// the last window may hang past the padding, and that part is not counted);
// else the number of real input elements in the window.
// Sum pooling is the window sum (D = 1), padding contributing zeros.

/** Validated attributes of `avg_pool2d`. */
export interface AvgPool2dAttrs {
  kernel_size: SizePair;
  stride: SizePair;
  padding: SizePair;
  ceil_mode: boolean;
  count_include_pad: boolean;
  /** A fixed divisor instead of the window size, or null. */
  divisor_override: number | null;
}

/** Attributes of `avg_pool2d` as a caller writes them. */
export interface AvgPool2dAttrsLike {
  kernel_size: SizePairLike;
  /** Default: kernel_size. */
  stride?: SizePairLike | null;
  /** Zeros on each side; default 0, at most ⌊kernel/2⌋. */
  padding?: SizePairLike;
  ceil_mode?: boolean;
  /** Count padded zeros in the divisor; default true. */
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/** Validated attributes of `sum_pool2d`. */
export interface SumPool2dAttrs {
  kernel_size: SizePair;
  stride: SizePair;
  padding: SizePair;
  ceil_mode: boolean;
}

/** Attributes of `sum_pool2d` as a caller writes them. */
export interface SumPool2dAttrsLike {
  kernel_size: SizePairLike;
  stride?: SizePairLike | null;
  padding?: SizePairLike;
  ceil_mode?: boolean;
}

/** Validates `avg_pool2d` attributes and fills PyTorch's defaults. */
export function avgPool2dAttrs(raw: RawAttrs): AvgPool2dAttrs {
  const op = "avg_pool2d";
  const kernel_size = pairAttr(op, "kernel_size", raw.kernel_size, 1);
  const stride = strideAttr(op, raw.stride, kernel_size);
  const padding = pairAttr(op, "padding", raw.padding ?? 0, 0);
  const ceil_mode = boolAttr(op, "ceil_mode", raw.ceil_mode ?? false);
  const count_include_pad = boolAttr(op, "count_include_pad", raw.count_include_pad ?? true);
  let divisor_override: number | null = null;
  if (raw.divisor_override !== undefined && raw.divisor_override !== null) {
    const d = raw.divisor_override;
    if (typeof d !== "number" || !Number.isInteger(d) || d === 0) fail(op, "divisor_override", "a non-zero integer or null", describe(d));
    divisor_override = d;
  }
  checkPadding(op, padding, kernel_size);
  return { kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override };
}

/** Validates `sum_pool2d` attributes (defaults as avg_pool2d's). */
export function sumPool2dAttrs(raw: RawAttrs): SumPool2dAttrs {
  const op = "sum_pool2d";
  const kernel_size = pairAttr(op, "kernel_size", raw.kernel_size, 1);
  const stride = strideAttr(op, raw.stride, kernel_size);
  const padding = pairAttr(op, "padding", raw.padding ?? 0, 0);
  const ceil_mode = boolAttr(op, "ceil_mode", raw.ceil_mode ?? false);
  checkPadding(op, padding, kernel_size);
  return { kernel_size, stride, padding, ceil_mode };
}

/** One axis of one averaging window: the real input rows [start, end) and the padded extent. */
interface WindowSpan {
  start: number;
  end: number;
  /** Length of the window clipped to the padded input (count_include_pad's count). */
  padded: number;
}

function windowSpan(o: number, kernel: number, stride: number, padding: number, inputSize: number): WindowSpan {
  const first = o * stride - padding;
  const last = Math.min(first + kernel, inputSize + padding); // exclusive
  return { start: Math.max(first, 0), end: Math.min(last, inputSize), padded: last - first };
}

/** The geometry both averaging and summing use. */
interface WindowPool {
  op: string;
  kernel: SizePair;
  stride: SizePair;
  padding: SizePair;
  ceil: boolean;
  /** D for a window with `padded` positions (in the padded input) and `real` input elements. */
  divisor: (padded: number, real: number) => number;
}

function avgGeometry(a: AvgPool2dAttrs): WindowPool {
  return {
    op: "avg_pool2d", kernel: a.kernel_size, stride: a.stride, padding: a.padding, ceil: a.ceil_mode,
    divisor: (padded, real) => a.divisor_override ?? (a.count_include_pad ? padded : real),
  };
}

function sumGeometry(a: SumPool2dAttrs): WindowPool {
  return { op: "sum_pool2d", kernel: a.kernel_size, stride: a.stride, padding: a.padding, ceil: a.ceil_mode, divisor: () => 1 };
}

function windowPoolSizes(g: WindowPool, input: Tensor): Planes & { Ho: number; Wo: number } {
  const planes = planesOf(g.op, input);
  const Ho = pooledLength(planes.H, g.kernel[0], g.stride[0], g.padding[0], 1, g.ceil);
  const Wo = pooledLength(planes.W, g.kernel[1], g.stride[1], g.padding[1], 1, g.ceil);
  checkOutputSize(g.op, input, Ho, Wo);
  return { ...planes, Ho, Wo };
}

function windowPoolForward(g: WindowPool, input: Tensor): Tensor {
  const x = floatData(g.op, "input", input);
  const { planes, H, W, lead, Ho, Wo } = windowPoolSizes(g, input);
  const y = allocate(input.dtype as FloatDType, planes * Ho * Wo);
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < Ho; oh++) {
      const rows = windowSpan(oh, g.kernel[0], g.stride[0], g.padding[0], H);
      for (let ow = 0; ow < Wo; ow++) {
        const cols = windowSpan(ow, g.kernel[1], g.stride[1], g.padding[1], W);
        const real = Math.max(rows.end - rows.start, 0) * Math.max(cols.end - cols.start, 0);
        let sum = 0;
        for (let h = rows.start; h < rows.end; h++) {
          for (let w = cols.start; w < cols.end; w++) sum += x[(p * H + h) * W + w];
        }
        y[(p * Ho + oh) * Wo + ow] = real === 0 ? 0 : sum / g.divisor(rows.padded * cols.padded, real);
      }
    }
  }
  return new Tensor(y, [...lead, Ho, Wo]);
}

function windowPoolBackward(g: WindowPool, dy: Tensor, input: Tensor): Tensor {
  floatData(g.op, "input", input);
  const { planes, H, W, lead, Ho, Wo } = windowPoolSizes(g, input);
  const up = checkUpstream(g.op, dy, [...lead, Ho, Wo], input);
  const dx = allocate(input.dtype as FloatDType, input.size);
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < Ho; oh++) {
      const rows = windowSpan(oh, g.kernel[0], g.stride[0], g.padding[0], H);
      for (let ow = 0; ow < Wo; ow++) {
        const cols = windowSpan(ow, g.kernel[1], g.stride[1], g.padding[1], W);
        const real = Math.max(rows.end - rows.start, 0) * Math.max(cols.end - cols.start, 0);
        if (real === 0) continue;
        const share = up[(p * Ho + oh) * Wo + ow] / g.divisor(rows.padded * cols.padded, real);
        for (let h = rows.start; h < rows.end; h++) {
          for (let w = cols.start; w < cols.end; w++) dx[(p * H + h) * W + w] += share;
        }
      }
    }
  }
  return new Tensor(dx, input.shape);
}

/** Average pooling. input [N, C, H, W] (or [C, H, W]) → output [N, C, H', W']. */
export function avgPool2d(input: Tensor, options: AvgPool2dAttrsLike): Tensor {
  return windowPoolForward(avgGeometry(avgPool2dAttrs(options as unknown as RawAttrs)), input);
}

/** Backward of average pooling: dL/dx [shape of input] from dL/dy [N, C, H', W']. */
export function avgPool2dBackward(dy: Tensor, input: Tensor, attrs: AvgPool2dAttrs): Tensor {
  return windowPoolBackward(avgGeometry(attrs), dy, input);
}

/** Sum pooling (004): each output is its window's sum. input [N, C, H, W] → output [N, C, H', W']. */
export function sumPool2d(input: Tensor, options: SumPool2dAttrsLike): Tensor {
  return windowPoolForward(sumGeometry(sumPool2dAttrs(options as unknown as RawAttrs)), input);
}

/** Backward of sum pooling: each input gets the sum of the upstream values of the windows it lies in. */
export function sumPool2dBackward(dy: Tensor, input: Tensor, attrs: SumPool2dAttrs): Tensor {
  return windowPoolBackward(sumGeometry(attrs), dy, input);
}

// ───────────────────────────── adaptive_avg_pool2d ─────────────────────────────
// The output size is given and the windows adapt: output row i averages the
// input rows ⌊i·H/H'⌋ … ⌈(i+1)·H/H'⌉ − 1 (PyTorch's start and end index);
// likewise for columns. With output size 1 this is global average pooling,
// the "global information (global avg. pooling layer)" of 000's SENet slide.

/** Validated attributes of `adaptive_avg_pool2d`: null keeps that input size. */
export interface AdaptiveAvgPool2dAttrs {
  output_size: [number | null, number | null];
}

/** Validates `adaptive_avg_pool2d` attributes (output_size is required). */
export function adaptiveAvgPool2dAttrs(raw: RawAttrs): AdaptiveAvgPool2dAttrs {
  const op = "adaptive_avg_pool2d";
  const v = raw.output_size;
  if (typeof v === "number") return { output_size: [intAttr(op, "output_size", v, 1), v] };
  if (Array.isArray(v) && v.length === 2) {
    const one = (x: unknown, i: number): number | null => (x === null ? null : intAttr(op, `output_size[${i}]`, x, 1));
    return { output_size: [one(v[0], 0), one(v[1], 1)] };
  }
  return fail(op, "output_size", "an integer ≥ 1 or a pair of them (null keeps the input size)", describe(v));
}

/** First input index of adaptive window i (of `outSize`) over `inSize`: ⌊i·in/out⌋. */
export function adaptiveStart(i: number, inSize: number, outSize: number): number {
  return Math.floor((i * inSize) / outSize);
}

/** One past the last input index of adaptive window i: ⌈(i+1)·in/out⌉. */
export function adaptiveEnd(i: number, inSize: number, outSize: number): number {
  return Math.ceil(((i + 1) * inSize) / outSize);
}

function adaptiveSizes(input: Tensor, a: AdaptiveAvgPool2dAttrs): Planes & { Ho: number; Wo: number } {
  const op = "adaptive_avg_pool2d";
  const planes = planesOf(op, input);
  if (planes.H < 1 || planes.W < 1) fail(op, "input", "a height and width of at least 1", `shape ${shapeString(input.shape)}`);
  return { ...planes, Ho: a.output_size[0] ?? planes.H, Wo: a.output_size[1] ?? planes.W };
}

/** Adaptive average pooling. input [N, C, H, W] (or [C, H, W]) → output [N, C, H', W'] with (H', W') = output_size. */
export function adaptiveAvgPool2d(input: Tensor, outputSize: SizePairLike | readonly [number | null, number | null]): Tensor {
  const op = "adaptive_avg_pool2d";
  const a = adaptiveAvgPool2dAttrs({ output_size: outputSize });
  const x = floatData(op, "input", input);
  const { planes, H, W, lead, Ho, Wo } = adaptiveSizes(input, a);
  const y = allocate(input.dtype as FloatDType, planes * Ho * Wo);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < Ho; i++) {
      const h0 = adaptiveStart(i, H, Ho), h1 = adaptiveEnd(i, H, Ho);
      for (let j = 0; j < Wo; j++) {
        const w0 = adaptiveStart(j, W, Wo), w1 = adaptiveEnd(j, W, Wo);
        let sum = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += x[(p * H + h) * W + w];
        y[(p * Ho + i) * Wo + j] = sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  return new Tensor(y, [...lead, Ho, Wo]);
}

/** Backward of adaptive average pooling: each window spreads dL/dy evenly over its inputs. */
export function adaptiveAvgPool2dBackward(dy: Tensor, input: Tensor, attrs: AdaptiveAvgPool2dAttrs): Tensor {
  const op = "adaptive_avg_pool2d";
  floatData(op, "input", input);
  const { planes, H, W, lead, Ho, Wo } = adaptiveSizes(input, attrs);
  const g = checkUpstream(op, dy, [...lead, Ho, Wo], input);
  const dx = allocate(input.dtype as FloatDType, input.size);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < Ho; i++) {
      const h0 = adaptiveStart(i, H, Ho), h1 = adaptiveEnd(i, H, Ho);
      for (let j = 0; j < Wo; j++) {
        const w0 = adaptiveStart(j, W, Wo), w1 = adaptiveEnd(j, W, Wo);
        const share = g[(p * Ho + i) * Wo + j] / ((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dx[(p * H + h) * W + w] += share;
      }
    }
  }
  return new Tensor(dx, input.shape);
}

// ───────────────────────────── max_unpool2d ─────────────────────────────
// 000, "Semantic Segmentation": "Upsampling: Unpooling". Each input value is
// put back at the position its max pooling came from (`indices`, flat h·W + w
// per output plane); every other output is 0. So ∂y_k/∂x_i = 1 exactly where
// k = indices_i: the backward gathers dL/dx_i = dL/dy[indices_i].
// With duplicate indices (overlapping pooling windows sharing a maximum) the
// forward keeps the last value written, and the backward still gathers for
// every input, as PyTorch's does.

/** Validated attributes of `max_unpool2d`. */
export interface MaxUnpool2dAttrs {
  kernel_size: SizePair;
  stride: SizePair;
  padding: SizePair;
  /** [H', W'] of the output, or null for the default (H − 1)·s − 2p + k. */
  output_size: SizePair | null;
}

/** Attributes of `max_unpool2d` as a caller writes them. */
export interface MaxUnpool2dAttrsLike {
  kernel_size: SizePairLike;
  stride?: SizePairLike | null;
  padding?: SizePairLike;
  /** [H', W'] (or a full shape whose last two entries are used); default (H − 1)·s − 2p + k. */
  output_size?: readonly number[] | null;
}

/** Validates `max_unpool2d` attributes and fills PyTorch's defaults. */
export function maxUnpool2dAttrs(raw: RawAttrs): MaxUnpool2dAttrs {
  const op = "max_unpool2d";
  const kernel_size = pairAttr(op, "kernel_size", raw.kernel_size, 1);
  const stride = strideAttr(op, raw.stride, kernel_size);
  const padding = pairAttr(op, "padding", raw.padding ?? 0, 0);
  let output_size: SizePair | null = null;
  const v = raw.output_size;
  if (v !== undefined && v !== null) {
    if (!Array.isArray(v) || v.length < 2 || v.length > 4) fail(op, "output_size", "null or [H, W] (or a full shape ending in H, W)", describe(v));
    const last = v.slice(-2);
    output_size = [intAttr(op, "output_size", last[0], 1), intAttr(op, "output_size", last[1], 1)];
  }
  return { kernel_size, stride, padding, output_size };
}

function unpoolSize(input: Tensor, a: MaxUnpool2dAttrs): Planes & { Ho: number; Wo: number } {
  const op = "max_unpool2d";
  const planes = planesOf(op, input);
  const defaults: SizePair = [
    (planes.H - 1) * a.stride[0] - 2 * a.padding[0] + a.kernel_size[0],
    (planes.W - 1) * a.stride[1] - 2 * a.padding[1] + a.kernel_size[1],
  ];
  const size = a.output_size ?? defaults;
  for (const axis of [0, 1]) {
    const lo = defaults[axis] - a.stride[axis], hi = defaults[axis] + a.stride[axis];
    if (a.output_size && !(size[axis] > lo && size[axis] < hi)) {
      fail(op, "output_size", `sizes strictly between ${lo} and ${hi} on axis ${axis} (the default ${defaults[axis]} ± stride)`, describe(a.output_size));
    }
    if (size[axis] < 1) fail(op, "input", "a height and width that give an output of at least 1×1 with these attributes", `shape ${shapeString(input.shape)}, which gives ${size[0]}×${size[1]}`);
  }
  return { ...planes, Ho: size[0], Wo: size[1] };
}

/**
 * Max unpooling. input [N, C, H, W] (or [C, H, W]) and indices (int32, same
 * shape, flat positions in the output plane) → output [N, C, H', W'] with
 * output[.., indices[i]] = input[i] and zeros elsewhere.
 */
export function maxUnpool2d(input: Tensor, indices: Tensor, options: MaxUnpool2dAttrsLike): Tensor {
  const op = "max_unpool2d";
  const a = maxUnpool2dAttrs(options as unknown as RawAttrs);
  const x = floatData(op, "input", input);
  const at = checkIndices(input, indices, a);
  const { planes, H, W, lead, Ho, Wo } = unpoolSize(input, a);
  const y = allocate(input.dtype as FloatDType, planes * Ho * Wo);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < H * W; i++) y[p * Ho * Wo + at[p * H * W + i]] = x[p * H * W + i];
  }
  return new Tensor(y, [...lead, Ho, Wo]);
}

function checkIndices(input: Tensor, indices: Tensor, a: MaxUnpool2dAttrs): Int32Array {
  const op = "max_unpool2d";
  const at = intData(op, "indices", indices);
  expectShape(op, "indices", indices, input.shape, "the shape of input");
  const { Ho, Wo } = unpoolSize(input, a);
  for (let i = 0; i < at.length; i++) {
    if (at[i] < 0 || at[i] >= Ho * Wo) fail(op, "indices", `flat positions in [0, ${Ho * Wo}) of the ${Ho}×${Wo} output plane`, `${at[i]} at flat index ${i}`);
  }
  return at;
}

/** Backward of max unpooling: dL/dx [shape of input] = dL/dy gathered at `indices`. */
export function maxUnpool2dBackward(dy: Tensor, input: Tensor, indices: Tensor, attrs: MaxUnpool2dAttrs): Tensor {
  const op = "max_unpool2d";
  floatData(op, "input", input);
  const at = checkIndices(input, indices, attrs);
  const { planes, H, W, lead, Ho, Wo } = unpoolSize(input, attrs);
  const g = checkUpstream(op, dy, [...lead, Ho, Wo], input);
  const dx = allocate(input.dtype as FloatDType, input.size);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < H * W; i++) dx[p * H * W + i] = g[p * Ho * Wo + at[p * H * W + i]];
  }
  return new Tensor(dx, input.shape);
}

// ───────────────────────────── sampling ─────────────────────────────

/**
 * Values that are pairwise at least 0.08 apart (a random permutation of
 * 0 … n−1 scaled by 0.1, centred, plus noise in [0, 0.02)), so that the
 * arg-max of a window never flips under finite-difference steps of 2e-3.
 */
export function distinctValues(shape: Shape, rng: Random, dtype: FloatDType): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = rng.permutation(n);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = (perm[i] - n / 2) * 0.1 + 0.02 * rng.uniform();
  return new Tensor(data, shape);
}

function randomPair(rng: Random, low: number, high: number): SizePair {
  return [low + rng.int(high - low + 1), low + rng.int(high - low + 1)];
}

/** Smallest input size along one axis for which every window holds an input element. */
function smallestInput(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

function randomPoolInputShape(rng: Random, kernel: SizePair, dilation: SizePair): number[] {
  const H = smallestInput(kernel[0], dilation[0]) + rng.int(5);
  const W = smallestInput(kernel[1], dilation[1]) + rng.int(5);
  return rng.bernoulli(0.8) ? [1 + rng.int(2), 1 + rng.int(2), H, W] : [1 + rng.int(2), H, W];
}

function randomPadding(rng: Random, kernel: SizePair): SizePair {
  return [rng.int(Math.floor(kernel[0] / 2) + 1), rng.int(Math.floor(kernel[1] / 2) + 1)];
}

// ───────────────────────────── OpDefs ─────────────────────────────

interface MaxPoolCache { input: Tensor; indices: Tensor }

/** `max_pool2d`: input → output (and indices with return_indices). Grads: input. */
export const maxPool2dOp: OpDef<MaxPool2dAttrs, MaxPoolCache> = {
  name: "max_pool2d",
  inputs: ["input"],
  optional: [],
  outputs: ["output", "indices"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: maxPool2dAttrs,
  forward: ({ input }, a) => {
    const { output, indices } = maxPool2d(input, a);
    const outputs: Tensors = a.return_indices ? { output, indices } : { output };
    return { outputs, cache: { input, indices } };
  },
  backward: ({ output }, c) => ({ input: maxPool2dBackward(output, c.input, c.indices) }),
  sample: (rng, dtype) => {
    const kernel_size = randomPair(rng, 1, 4);
    const dilation: SizePair = rng.bernoulli(0.3) ? randomPair(rng, 2, 3) : [1, 1];
    const attrs = maxPool2dAttrs({
      kernel_size, stride: randomPair(rng, 1, 5), padding: randomPadding(rng, kernel_size), dilation,
      ceil_mode: rng.bernoulli(0.5) === 1, return_indices: rng.bernoulli(0.5) === 1,
    });
    return { inputs: { input: distinctValues(randomPoolInputShape(rng, kernel_size, dilation), rng, dtype) }, attrs };
  },
};

/** `avg_pool2d`: input → output. Grads: input. */
export const avgPool2dOp: OpDef<AvgPool2dAttrs, Tensor> = {
  name: "avg_pool2d",
  inputs: ["input"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: avgPool2dAttrs,
  forward: ({ input }, a) => ({ outputs: { output: avgPool2d(input, a) }, cache: input }),
  backward: ({ output }, input, a) => ({ input: avgPool2dBackward(output, input, a) }),
  sample: (rng, dtype) => {
    const kernel_size = randomPair(rng, 1, 4);
    const attrs = avgPool2dAttrs({
      kernel_size, stride: randomPair(rng, 1, 5), padding: randomPadding(rng, kernel_size),
      ceil_mode: rng.bernoulli(0.5) === 1, count_include_pad: rng.bernoulli(0.5) === 1,
      divisor_override: rng.bernoulli(0.2) ? 1 + rng.int(5) : null,
    });
    return { inputs: { input: randn(randomPoolInputShape(rng, kernel_size, [1, 1]), rng, { dtype }) }, attrs };
  },
};

/** `sum_pool2d` (nnref extension): input → output, the window sums. Grads: input. */
export const sumPool2dOp: OpDef<SumPool2dAttrs, Tensor> = {
  name: "sum_pool2d",
  inputs: ["input"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: sumPool2dAttrs,
  forward: ({ input }, a) => ({ outputs: { output: sumPool2d(input, a) }, cache: input }),
  backward: ({ output }, input, a) => ({ input: sumPool2dBackward(output, input, a) }),
  sample: (rng, dtype) => {
    const kernel_size = randomPair(rng, 1, 4);
    const attrs = sumPool2dAttrs({ kernel_size, stride: randomPair(rng, 1, 5), padding: randomPadding(rng, kernel_size), ceil_mode: rng.bernoulli(0.5) === 1 });
    return { inputs: { input: randn(randomPoolInputShape(rng, kernel_size, [1, 1]), rng, { dtype }) }, attrs };
  },
};

/** `adaptive_avg_pool2d`: input → output of the given size. Grads: input. */
export const adaptiveAvgPool2dOp: OpDef<AdaptiveAvgPool2dAttrs, Tensor> = {
  name: "adaptive_avg_pool2d",
  inputs: ["input"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: adaptiveAvgPool2dAttrs,
  forward: ({ input }, a) => ({ outputs: { output: adaptiveAvgPool2d(input, a.output_size) }, cache: input }),
  backward: ({ output }, input, a) => ({ input: adaptiveAvgPool2dBackward(output, input, a) }),
  sample: (rng, dtype) => {
    const shape = [1 + rng.int(2), 1 + rng.int(2), 1 + rng.int(8), 1 + rng.int(8)];
    const attrs = adaptiveAvgPool2dAttrs({ output_size: [1 + rng.int(6), rng.bernoulli(0.2) ? null : 1 + rng.int(6)] });
    return { inputs: { input: randn(shape, rng, { dtype }) }, attrs };
  },
};

interface UnpoolCache { input: Tensor; indices: Tensor }

/** `max_unpool2d`: input, indices → output. Grads: input (indices are integers). */
export const maxUnpool2dOp: OpDef<MaxUnpool2dAttrs, UnpoolCache> = {
  name: "max_unpool2d",
  inputs: ["input", "indices"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: maxUnpool2dAttrs,
  forward: ({ input, indices }, a) => ({ outputs: { output: maxUnpool2d(input, indices, a) }, cache: { input, indices } }),
  backward: ({ output }, c, a) => ({ input: maxUnpool2dBackward(output, c.input, c.indices, a) }),
  sample: (rng, dtype) => {
    // Indices as a real max pooling gives them: pool an image of the unpooled
    // size with stride ≥ kernel (non-overlapping windows, so no duplicates).
    for (;;) {
      const kernel_size = randomPair(rng, 1, 3);
      const stride: SizePair = [kernel_size[0] + rng.int(2), kernel_size[1] + rng.int(2)];
      const padding = randomPadding(rng, kernel_size);
      const [N, C, H, W] = [1 + rng.int(2), 1 + rng.int(2), 1 + rng.int(4), 1 + rng.int(4)];
      const Ho = (H - 1) * stride[0] - 2 * padding[0] + kernel_size[0] + rng.int(stride[0]);
      const Wo = (W - 1) * stride[1] - 2 * padding[1] + kernel_size[1] + rng.int(stride[1]);
      if (Ho < 1 || Wo < 1) continue;
      const { indices } = maxPool2d(distinctValues([N, C, Ho, Wo], rng, dtype), { kernel_size, stride, padding });
      if (indices.shape[2] !== H || indices.shape[3] !== W || indices.data.some((v) => v < 0)) continue;
      const attrs = maxUnpool2dAttrs({ kernel_size, stride, padding, output_size: [Ho, Wo] });
      return { inputs: { input: randn([N, C, H, W], rng, { dtype }), indices }, attrs };
    }
  },
};

/** The pooling ops, for the registry. */
export const poolOps: OpDef[] = [maxPool2dOp, avgPool2dOp, sumPool2dOp, adaptiveAvgPool2dOp, maxUnpool2dOp];
