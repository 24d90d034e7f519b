/**
 * Average, sum and adaptive average pooling over the last two dimensions of
 * an NCHW tensor, and their backwards (PyTorch's avg_pool2d and
 * adaptive_avg_pool2d; `sum_pool2d` is an nnref extension, the window sum).
 * The planes and window attributes all pooling ops share are in
 * ./pool_window.ts.
 */
import { allocate, Tensor, shapeString, randn, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { boolAttr, checkUpstream, describeValue, fail, floatData, intAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { unaryOp } from "./unary_op.js";
import {
  checkPadding, planesOf, pooledPlanes, poolWindowAttrs, randomPadding, randomPair, randomPoolInputShape,
  type PooledPlanes, type SizePair, type SizePairLike,
} from "./pool_window.js";

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
  const { kernel_size, stride, padding } = poolWindowAttrs(op, raw);
  const ceil_mode = boolAttr(op, "ceil_mode", raw.ceil_mode ?? false);
  const count_include_pad = boolAttr(op, "count_include_pad", raw.count_include_pad ?? true);
  let divisor_override: number | null = null;
  if (raw.divisor_override !== undefined && raw.divisor_override !== null) {
    const d = raw.divisor_override;
    if (typeof d !== "number" || !Number.isInteger(d) || d === 0) fail(op, "divisor_override", "a non-zero integer or null", describeValue(d));
    divisor_override = d;
  }
  checkPadding(op, padding, kernel_size);
  return { kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override };
}

/** Validates `sum_pool2d` attributes (defaults as avg_pool2d's). */
export function sumPool2dAttrs(raw: RawAttrs): SumPool2dAttrs {
  const op = "sum_pool2d";
  const { kernel_size, stride, padding } = poolWindowAttrs(op, raw);
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

function windowPoolSizes(g: WindowPool, input: Tensor): PooledPlanes {
  return pooledPlanes(g.op, input, g.kernel, g.stride, g.padding, [1, 1], g.ceil);
}

/** Window (oh, ow): its real input rows and columns, and its divisor D (0 when it holds no input element). */
function windowAt(g: WindowPool, oh: number, ow: number, H: number, W: number): { rows: WindowSpan; cols: WindowSpan; D: number } {
  const rows = windowSpan(oh, g.kernel[0], g.stride[0], g.padding[0], H);
  const cols = windowSpan(ow, g.kernel[1], g.stride[1], g.padding[1], W);
  const real = Math.max(rows.end - rows.start, 0) * Math.max(cols.end - cols.start, 0);
  return { rows, cols, D: real === 0 ? 0 : g.divisor(rows.padded * cols.padded, real) };
}

function windowPoolForward(g: WindowPool, input: Tensor): Tensor {
  const x = floatData(g.op, "input", input);
  const { planes, H, W, lead, Ho, Wo } = windowPoolSizes(g, input);
  const y = allocate(input.dtype as FloatDType, planes * Ho * Wo);
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const { rows, cols, D } = windowAt(g, oh, ow, H, W);
        let sum = 0;
        for (let h = rows.start; h < rows.end; h++) {
          for (let w = cols.start; w < cols.end; w++) sum += x[(p * H + h) * W + w];
        }
        y[(p * Ho + oh) * Wo + ow] = D === 0 ? 0 : sum / D;
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
      for (let ow = 0; ow < Wo; ow++) {
        const { rows, cols, D } = windowAt(g, oh, ow, H, W);
        if (D === 0) continue;
        const share = up[(p * Ho + oh) * Wo + ow] / D;
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
  return fail(op, "output_size", "an integer ≥ 1 or a pair of them (null keeps the input size)", describeValue(v));
}

/** First input index of adaptive window i (of `outSize`) over `inSize`: ⌊i·in/out⌋. */
export function adaptiveStart(i: number, inSize: number, outSize: number): number {
  return Math.floor((i * inSize) / outSize);
}

/** One past the last input index of adaptive window i: ⌈(i+1)·in/out⌉. */
export function adaptiveEnd(i: number, inSize: number, outSize: number): number {
  return Math.ceil(((i + 1) * inSize) / outSize);
}

/** The planes and output size of an adaptive_avg_pool2d call, checked (the kernels' glue calls it too). */
export function adaptiveSizes(input: Tensor, a: AdaptiveAvgPool2dAttrs): PooledPlanes {
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

// ───────────────────────────── OpDefs ─────────────────────────────

/**
 * The OpDef of a window pooling (avg_pool2d, sum_pool2d): input → output, the
 * gradient for input, the input kept for backward. Its random case draws a
 * kernel of 1–4, then the rest of the attributes with `sampleAttrs`, then an
 * input every window reaches into.
 */
function windowPoolOp<A>(
  name: string,
  attrs: (raw: RawAttrs) => A,
  forward: (input: Tensor, attrs: A) => Tensor,
  backward: (dy: Tensor, input: Tensor, attrs: A) => Tensor,
  sampleAttrs: (rng: Random, kernel_size: SizePair) => A,
): OpDef<A, Tensor> {
  return unaryOp({
    name,
    attrs,
    forward,
    backward,
    sample: (rng, dtype) => {
      const kernel_size = randomPair(rng, 1, 4);
      const attrs = sampleAttrs(rng, kernel_size);
      return { input: randn(randomPoolInputShape(rng, kernel_size, [1, 1]), rng, { dtype }), attrs };
    },
  });
}

/** `avg_pool2d`: input → output. Grads: input. */
export const avgPool2dOp: OpDef<AvgPool2dAttrs, Tensor> = windowPoolOp("avg_pool2d", avgPool2dAttrs, avgPool2d, avgPool2dBackward, (rng, kernel_size) =>
  avgPool2dAttrs({
    kernel_size, stride: randomPair(rng, 1, 5), padding: randomPadding(rng, kernel_size),
    ceil_mode: rng.bernoulli(0.5) === 1, count_include_pad: rng.bernoulli(0.5) === 1,
    divisor_override: rng.bernoulli(0.2) ? 1 + rng.int(5) : null,
  }));

/** `sum_pool2d` (nnref extension): input → output, the window sums. Grads: input. */
export const sumPool2dOp: OpDef<SumPool2dAttrs, Tensor> = windowPoolOp("sum_pool2d", sumPool2dAttrs, sumPool2d, sumPool2dBackward, (rng, kernel_size) =>
  sumPool2dAttrs({ kernel_size, stride: randomPair(rng, 1, 5), padding: randomPadding(rng, kernel_size), ceil_mode: rng.bernoulli(0.5) === 1 }));

/** `adaptive_avg_pool2d`: input → output of the given size. Grads: input. */
export const adaptiveAvgPool2dOp: OpDef<AdaptiveAvgPool2dAttrs, Tensor> = unaryOp({
  name: "adaptive_avg_pool2d",
  attrs: adaptiveAvgPool2dAttrs,
  forward: (input, a) => adaptiveAvgPool2d(input, a.output_size),
  backward: adaptiveAvgPool2dBackward,
  sample: (rng, dtype) => {
    const shape = [1 + rng.int(2), 1 + rng.int(2), 1 + rng.int(8), 1 + rng.int(8)];
    const attrs = adaptiveAvgPool2dAttrs({ output_size: [1 + rng.int(6), rng.bernoulli(0.2) ? null : 1 + rng.int(6)] });
    return { input: randn(shape, rng, { dtype }), attrs };
  },
});
