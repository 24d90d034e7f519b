/**
 * The attributes and geometry of a convolution: PyTorch's stride, padding
 * (a number, a pair, "valid" or "same"), dilation and groups, validated; and
 * the shapes of input, weight and bias checked against them, giving the
 * numbers the loops of ./conv2d.ts (and ./im2col.ts, conv1d,
 * conv_transpose2d and the kernels) run on.
 *
 * 004, "Image 2d-convolution hyperparameters": depth (the number of
 * filters), stride, zero-padding. Output size per spatial axis (../shapes.ts's
 * `convOutputLength`): Hout = ⌊(H + 2p − d(kh − 1) − 1)/s⌋ + 1.
 */
import { shapeString, type FloatArray, type Tensor } from "../tensor.js";
import { describeValue, expectRank, expectSameDType, expectShape, fail, floatData, intAttr, pairAttr } from "../errors.js";
import { convOutputLength, kernelSpan, samePadding } from "../shapes.js";
import type { RawAttrs } from "./op.js";

// ───────────────────────────── attributes ─────────────────────────────

/** PyTorch's string paddings: "valid" = no padding; "same" = output size equals input size (stride 1 only). */
export type ConvPaddingMode = "valid" | "same";

/** Validated conv2d attributes (plain JSON, PyTorch's defaults filled in). */
export interface Conv2dAttrs {
  stride: [number, number];
  /** Zeros added on each side, [top/bottom, left/right], or "valid" / "same". */
  padding: [number, number] | ConvPaddingMode;
  dilation: [number, number];
  groups: number;
}

/** conv2d options as a caller writes them: one number stands for both dimensions. Defaults: stride 1, padding 0, dilation 1, groups 1. */
export interface Conv2dOpOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number] | ConvPaddingMode;
  dilation?: number | readonly [number, number];
  groups?: number;
}

/**
 * The attributes the shared geometry reads, for 1 or 2 spatial dimensions
 * (`stride.length` tells which): conv1d passes one-element arrays.
 */
export interface ConvSpatialAttrs {
  stride: readonly number[];
  padding: readonly number[] | ConvPaddingMode;
  dilation: readonly number[];
  groups: number;
}

/** Validates `padding` for `op`: "valid", "same", or integers ≥ 0 (one number, or `rank` of them). */
export function convPaddingAttr(op: string, value: unknown, rank: 1 | 2): number[] | ConvPaddingMode {
  if (value === "valid" || value === "same") return value;
  if (typeof value === "string") fail(op, "padding", `"valid", "same" or an integer ≥ 0`, describeValue(value));
  if (rank === 2) return pairAttr(op, "padding", value, 0);
  if (typeof value === "number") return [intAttr(op, "padding", value, 0)];
  if (Array.isArray(value) && value.length === 1) return [intAttr(op, "padding[0]", value[0], 0)];
  return fail(op, "padding", `"valid", "same" or an integer ≥ 0`, describeValue(value));
}

/** Checks that padding "same" comes with stride 1 (PyTorch refuses strided "same" convolutions). */
export function checkSameStride(op: string, padding: unknown, stride: readonly number[]): void {
  if (padding === "same" && stride.some((s) => s !== 1)) {
    fail(op, "padding", `stride 1 with padding "same" (as PyTorch)`, `stride ${describeValue(stride.length === 1 ? stride[0] : stride)}`);
  }
}

/** Validates raw conv2d attributes and fills PyTorch's defaults. Throws OpError. */
export function conv2dAttrs(raw: RawAttrs | Conv2dOpOptions): Conv2dAttrs {
  const op = "conv2d";
  const r = raw as RawAttrs;
  const stride = pairAttr(op, "stride", r.stride ?? 1, 1);
  const padding = convPaddingAttr(op, r.padding ?? 0, 2) as [number, number] | ConvPaddingMode;
  const dilation = pairAttr(op, "dilation", r.dilation ?? 1, 1);
  const groups = intAttr(op, "groups", r.groups ?? 1, 1);
  checkSameStride(op, padding, stride);
  return { stride, padding, dilation, groups };
}

// ───────────────────────────── geometry ─────────────────────────────

/**
 * Everything the loops need to know about one convolution, always in 2-D
 * (conv1d has H = kh = 1). The input a is [N, Cin, H, W], the weight w
 * [Cout, Cin/groups, kh, kw], the output z [N, Cout, Hout, Wout]; all
 * contiguous row-major. Output pixel (i, j) reads input pixels
 * (i·strideH − padTop + x·dilationH, j·strideW − padLeft + y·dilationW) for
 * kernel taps (x, y); the padding at the bottom and right is whatever lies
 * past the input up to the last output's window (for "same" with an even
 * kernel it is one more than at the top/left, as in PyTorch).
 */
export interface ConvGeometry {
  N: number;
  groups: number;
  Cin: number;
  H: number;
  W: number;
  Cout: number;
  kh: number;
  kw: number;
  Hout: number;
  Wout: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

/** A validated convolution: its geometry and the output's shape. */
export interface ConvSetup {
  geom: ConvGeometry;
  /** [N, Cout, Hout, Wout] (or [N, Cout, L] for 1-D; without N when the input is unbatched). */
  outputShape: number[];
  /** The input had no batch dimension. */
  unbatched: boolean;
}

/** Zeros before and after one spatial dimension for `padding`. "same": d(k − 1) in total, the odd one after (PyTorch). */
function padsOf(padding: readonly number[] | ConvPaddingMode, t: number, k: number, d: number): [number, number] {
  if (padding === "valid") return [0, 0];
  if (padding === "same") return samePadding(k, d);
  return [padding[t], padding[t]];
}

/**
 * Validates a convolution's tensors against its attributes (for `op`, in 1 or
 * 2 spatial dimensions) and returns its geometry. Throws OpError naming the
 * argument: wrong rank, dtype mix, channels not divisible by groups, weight
 * channels ≠ Cin/groups, bias shape, output size < 1.
 */
export function convGeometry(op: string, input: Tensor, weight: Tensor, bias: Tensor | undefined, attrs: ConvSpatialAttrs): ConvSetup {
  const dims = attrs.stride.length as 1 | 2;
  const names = dims === 2 ? ["H", "W"] : ["L"];
  floatData(op, "input", input);
  floatData(op, "weight", weight);
  expectRank(op, "input", input, [dims + 1, dims + 2], dims === 2 ? "[N, C, H, W] or unbatched [C, H, W]" : "[N, C, L] or unbatched [C, L]");
  expectRank(op, "weight", weight, dims + 2, dims === 2 ? "[Cout, Cin/groups, kh, kw]" : "[Cout, Cin/groups, k]");
  expectSameDType(op, "weight", input, weight);
  const unbatched = input.rank === dims + 1;
  const shape = unbatched ? [1, ...input.shape] : [...input.shape];
  const [N, Cin] = shape;
  const spatial = shape.slice(2);
  const [Cout, CinPerGroup] = weight.shape;
  const kernel = weight.shape.slice(2);
  const groups = attrs.groups;

  if (Cin < 1 || spatial.some((s) => s < 1)) fail(op, "input", "channel and spatial sizes ≥ 1", `shape ${shapeString(input.shape)}`);
  if (Cout < 1 || CinPerGroup < 1 || kernel.some((k) => k < 1)) fail(op, "weight", "all sizes ≥ 1", `shape ${shapeString(weight.shape)}`);
  if (Cin % groups !== 0) fail(op, "groups", `a divisor of the input's ${Cin} channels`, `${groups}`);
  if (Cout % groups !== 0) fail(op, "weight", `output channels (dimension 0) divisible by groups = ${groups}`, `shape ${shapeString(weight.shape)}`);
  if (CinPerGroup !== Cin / groups) {
    fail(op, "weight", `Cin/groups = ${Cin}/${groups} = ${Cin / groups} input channels in dimension 1`, `shape ${shapeString(weight.shape)}`);
  }
  if (bias !== undefined) {
    floatData(op, "bias", bias);
    expectSameDType(op, "bias", input, bias);
    expectShape(op, "bias", bias, [Cout], "one per output channel");
  }

  const out: number[] = [];
  const before: number[] = [];
  for (let t = 0; t < dims; t++) {
    const k = kernel[t], s = attrs.stride[t], d = attrs.dilation[t];
    const [p0, p1] = padsOf(attrs.padding, t, k, d);
    // Output size: ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 (with p0 + p1 for 2p).
    const size = convOutputLength(spatial[t], k, s, p0 + p1, d);
    if (size < 1) {
      fail(op, "input", `${names[t]} + padding ≥ d·(k − 1) + 1 = ${kernelSpan(k, d)} (output size ≥ 1)`,
        `${names[t]} = ${spatial[t]} with padding ${p0} + ${p1} (output size ${size})`);
    }
    out.push(size);
    before.push(p0);
  }

  const two = (values: readonly number[], trivial: number): [number, number] => (dims === 2 ? [values[0], values[1]] : [trivial, values[0]]);
  const [H, W] = two(spatial, 1);
  const [kh, kw] = two(kernel, 1);
  const [Hout, Wout] = two(out, 1);
  const [strideH, strideW] = two(attrs.stride, 1);
  const [dilationH, dilationW] = two(attrs.dilation, 1);
  const [padTop, padLeft] = two(before, 0);
  return {
    geom: { N, groups, Cin, H, W, Cout, kh, kw, Hout, Wout, strideH, strideW, dilationH, dilationW, padTop, padLeft },
    outputShape: unbatched ? [Cout, ...out] : [N, Cout, ...out],
    unbatched,
  };
}

// ───────────────────────────── taps ─────────────────────────────

/**
 * The input pixel that kernel tap (x, y) of output pixel (i, j) reads:
 * a_{n, channel, i·s − p + x·d, j·s − p + y·d}, or 0 where that lies in the
 * zero padding. A padded pixel is a 0 that still multiplies its weight (or
 * upstream value), so an infinite one gives 0·∞ = NaN there, as im2col
 * (PyTorch's slow_conv2d, the kernels) computes it.
 */
export function tapInput(a: FloatArray, geom: ConvGeometry, n: number, channel: number, i: number, j: number, x: number, y: number): number {
  const row = i * geom.strideH - geom.padTop + x * geom.dilationH;
  const col = j * geom.strideW - geom.padLeft + y * geom.dilationW;
  if (row < 0 || row >= geom.H || col < 0 || col >= geom.W) return 0;
  return a[((n * geom.Cin + channel) * geom.H + row) * geom.W + col];
}

/**
 * Which output index reads input index r through kernel tap x along one axis:
 * r = i·s − p + x·d, so i = (r + p − x·d)/s when that is a whole number in
 * [0, outSize); otherwise −1 (no output reads r with tap x). The input
 * gradient and col2im sum over exactly these (i, x).
 */
export function outputIndexFor(r: number, x: number, stride: number, padBefore: number, dilation: number, outSize: number): number {
  const iTimesStride = r + padBefore - x * dilation;
  if (iTimesStride % stride !== 0) return -1;
  const i = iTimesStride / stride;
  return i >= 0 && i < outSize ? i : -1;
}
