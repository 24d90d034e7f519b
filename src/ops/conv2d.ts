/**
 * 2-D convolution (PyTorch's `torch.nn.functional.conv2d`), written as direct
 * loops, and its hand-derived backward.
 *
 *   input  a [N, Cin, H, W]           (or unbatched [Cin, H, W])
 *   weight w [Cout, Cin/groups, kh, kw]
 *   bias   b [Cout]                   (optional)
 *   output z [N, Cout, Hout, Wout]    Hout = ⌊(H + 2p − d(kh − 1) − 1)/s⌋ + 1, likewise Wout
 *
 * Like every deep-learning "convolution" layer this is a cross-correlation:
 * 000, "Correlation & Convolution Operators": g(i,j) = Σ_{k,l} f(i+k, j+l) h(k,l)
 * (the kernel is not flipped). 003's "Convolutional Layer" slide writes one
 * unit of a feature map as σ(b + Σ_x Σ_y w_{x,y} a_{i+x,j+y}); here σ is left
 * to the activation op that follows, and the sum also runs over the input
 * channels of the filter's group and takes stride s, padding p and dilation d:
 *
 *   z_{n,f,i,j} = b_f + Σ_c Σ_x Σ_y w_{f,c,x,y} · a_{n, g·Cin/groups + c, i·s − p + x·d, j·s − p + y·d}
 *
 * with a = 0 outside the image (zero padding) and g = the group of filter f.
 * Dilation d spreads the kernel's taps d pixels apart — the atrous
 * convolution of 001, "Deeplab: Atrous Convolution + Structured Prediction".
 * With groups = Cin = Cout each filter sees one channel (depthwise).
 *
 * The im2col + GEMM form of the same op (what the wasm kernels do) is in
 * ./im2col.ts; conv1d (./conv1d.ts) and conv_transpose2d
 * (./conv_transpose2d.ts) run on the loops of this file.
 */
import { allocate, shapeString, sizeOf, Tensor, randu, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { checkUpstream, describeValue, expectRank, expectSameDType, expectShape, fail, floatData, intAttr, pairAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";

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
  if (padding === "same") {
    const total = d * (k - 1);
    const before = Math.floor(total / 2);
    return [before, total - before];
  }
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
    const size = Math.floor((spatial[t] + p0 + p1 - d * (k - 1) - 1) / s) + 1;
    if (size < 1) {
      fail(op, "input", `${names[t]} + padding ≥ d·(k − 1) + 1 = ${d * (k - 1) + 1} (output size ≥ 1)`,
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

// ───────────────────────────── the loops ─────────────────────────────

/**
 * Forward, direct form: z = b + Σ_c Σ_x Σ_y w · a (003, "Convolutional
 * Layer"), for every image n, filter f and output pixel (i, j). Writes z
 * [N, Cout, Hout, Wout]; `b` may be undefined (no bias).
 */
export function directConv2d(a: FloatArray, w: FloatArray, b: FloatArray | undefined, geom: ConvGeometry, z: FloatArray): void {
  const { N, groups, Cin, H, W, Cout, kh, kw, Hout, Wout, strideH, strideW, dilationH, dilationW, padTop, padLeft } = geom;
  const CinG = Cin / groups, CoutG = Cout / groups;
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < Cout; f++) {
      const g = Math.floor(f / CoutG); // filter f sees the input channels of group g
      for (let i = 0; i < Hout; i++) {
        for (let j = 0; j < Wout; j++) {
          let sum = b ? b[f] : 0;
          for (let c = 0; c < CinG; c++) {
            const channel = g * CinG + c;
            for (let x = 0; x < kh; x++) {
              const row = i * strideH - padTop + x * dilationH;
              const rowInside = row >= 0 && row < H;
              for (let y = 0; y < kw; y++) {
                const col = j * strideW - padLeft + y * dilationW;
                // Zero padding: a padded pixel is a 0 that still multiplies its weight, so an infinite
                // weight gives 0·∞ = NaN there, as im2col (PyTorch's slow_conv2d, the kernels) computes it.
                const pixel = rowInside && col >= 0 && col < W ? a[((n * Cin + channel) * H + row) * W + col] : 0;
                sum += w[((f * CinG + c) * kh + x) * kw + y] * pixel;
              }
            }
          }
          z[((n * Cout + f) * Hout + i) * Wout + j] = sum;
        }
      }
    }
  }
}

/**
 * Input gradient, direct form. Input pixel a_{n,channel,r,q} entered output
 * z_{n,f,i,j} with weight w_{f,c,x,y} wherever r = i·s − p + x·d and
 * q = j·s − p + y·d, so
 *
 *   ∂L/∂a_{n,channel,r,q} = Σ_f Σ_x Σ_y w_{f,c,x,y} · ∂L/∂z_{n,f,(r+p−x·d)/s,(q+p−y·d)/s}
 *
 * over the filters f of the channel's group and the taps (x, y) for which
 * those output indices are whole numbers inside the output. Writes da
 * [N, Cin, H, W]. `init` (per input channel, optional) starts each sum: it is
 * conv_transpose2d's bias, since that op's forward is exactly this function.
 */
export function directConv2dInputGrad(dz: FloatArray, w: FloatArray, geom: ConvGeometry, da: FloatArray, init?: FloatArray): void {
  const { N, groups, Cin, H, W, Cout, kh, kw, Hout, Wout, strideH, strideW, dilationH, dilationW, padTop, padLeft } = geom;
  const CinG = Cin / groups, CoutG = Cout / groups;
  for (let n = 0; n < N; n++) {
    for (let channel = 0; channel < Cin; channel++) {
      const g = Math.floor(channel / CinG);
      const c = channel - g * CinG; // index of this channel inside its group's filters
      for (let r = 0; r < H; r++) {
        for (let q = 0; q < W; q++) {
          let sum = init ? init[channel] : 0;
          for (let f = g * CoutG; f < (g + 1) * CoutG; f++) {
            for (let x = 0; x < kh; x++) {
              const iTimesStride = r + padTop - x * dilationH;
              if (iTimesStride % strideH !== 0) continue; // no output row reads row r with tap x
              const i = iTimesStride / strideH;
              if (i < 0 || i >= Hout) continue;
              for (let y = 0; y < kw; y++) {
                const jTimesStride = q + padLeft - y * dilationW;
                if (jTimesStride % strideW !== 0) continue;
                const j = jTimesStride / strideW;
                if (j < 0 || j >= Wout) continue;
                sum += w[((f * CinG + c) * kh + x) * kw + y] * dz[((n * Cout + f) * Hout + i) * Wout + j];
              }
            }
          }
          da[((n * Cin + channel) * H + r) * W + q] = sum;
        }
      }
    }
  }
}

/**
 * Weight gradient, direct form: each weight is shared by every output pixel
 * (003's weight sharing), so its gradient sums over images and positions:
 *
 *   ∂L/∂w_{f,c,x,y} = Σ_n Σ_i Σ_j ∂L/∂z_{n,f,i,j} · a_{n, g·Cin/groups + c, i·s − p + x·d, j·s − p + y·d}
 *
 * Writes dw [Cout, Cin/groups, kh, kw].
 */
export function directConv2dWeightGrad(dz: FloatArray, a: FloatArray, geom: ConvGeometry, dw: FloatArray): void {
  const { N, groups, Cin, H, W, Cout, kh, kw, Hout, Wout, strideH, strideW, dilationH, dilationW, padTop, padLeft } = geom;
  const CinG = Cin / groups, CoutG = Cout / groups;
  for (let f = 0; f < Cout; f++) {
    const g = Math.floor(f / CoutG);
    for (let c = 0; c < CinG; c++) {
      const channel = g * CinG + c;
      for (let x = 0; x < kh; x++) {
        for (let y = 0; y < kw; y++) {
          let sum = 0;
          for (let n = 0; n < N; n++) {
            for (let i = 0; i < Hout; i++) {
              const row = i * strideH - padTop + x * dilationH;
              const rowInside = row >= 0 && row < H;
              for (let j = 0; j < Wout; j++) {
                const col = j * strideW - padLeft + y * dilationW;
                // A padded pixel is 0 and still multiplies (0·∞ = NaN for an infinite upstream), as in the forward.
                const pixel = rowInside && col >= 0 && col < W ? a[((n * Cin + channel) * H + row) * W + col] : 0;
                sum += dz[((n * Cout + f) * Hout + i) * Wout + j] * pixel;
              }
            }
          }
          dw[((f * CinG + c) * kh + x) * kw + y] = sum;
        }
      }
    }
  }
}

/**
 * Per-channel sums of t [N, C, size] (size = the spatial elements): the bias
 * gradient ∂L/∂b_f = Σ_n Σ_i Σ_j ∂L/∂z_{n,f,i,j}. Returns a new array of C.
 */
export function convBiasGrad(t: FloatArray, N: number, C: number, size: number, dtype: FloatDType): FloatArray {
  const out = allocate(dtype, C);
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let n = 0; n < N; n++) {
      for (let e = 0; e < size; e++) sum += t[(n * C + c) * size + e];
    }
    out[c] = sum;
  }
  return out;
}

// ───────────────────────────── conv2d ─────────────────────────────

/**
 * conv2d(input [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw], bias [Cout]?, options)
 * → output [N, Cout, Hout, Wout], with PyTorch's semantics (see the file
 * comment). An unbatched input [Cin, H, W] gives [Cout, Hout, Wout].
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor, options: Conv2dOpOptions = {}): Tensor {
  const attrs = conv2dAttrs(options);
  const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, attrs);
  const z = allocate(input.dtype as FloatDType, sizeOf(outputShape));
  directConv2d(input.data as FloatArray, weight.data as FloatArray, bias?.data as FloatArray | undefined, geom, z);
  return new Tensor(z, outputShape);
}

/** The gradients of a convolution: one per input (bias only when the forward had one). */
export interface ConvGrads {
  input: Tensor;
  weight: Tensor;
  bias?: Tensor;
}

/**
 * The backward of conv2d: given dz = ∂L/∂output [N, Cout, Hout, Wout] and the
 * forward's arguments, returns ∂L/∂input [N, Cin, H, W], ∂L/∂weight
 * [Cout, Cin/groups, kh, kw] and, when `bias` is given, ∂L/∂bias [Cout].
 */
export function conv2dBackward(dz: Tensor, input: Tensor, weight: Tensor, bias?: Tensor, options: Conv2dOpOptions = {}): ConvGrads {
  const attrs = conv2dAttrs(options);
  const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, attrs);
  const g = checkUpstream("conv2d", dz, outputShape, input);
  const dtype = input.dtype as FloatDType;
  const da = allocate(dtype, input.size);
  const dw = allocate(dtype, weight.size);
  directConv2dInputGrad(g, weight.data as FloatArray, geom, da);
  directConv2dWeightGrad(g, input.data as FloatArray, geom, dw);
  const grads: ConvGrads = { input: new Tensor(da, input.shape), weight: new Tensor(dw, weight.shape) };
  if (bias) grads.bias = new Tensor(convBiasGrad(g, geom.N, geom.Cout, geom.Hout * geom.Wout, dtype), bias.shape);
  return grads;
}

// ───────────────────────────── OpDef ─────────────────────────────

/** What the forward of conv2d, conv1d and conv_transpose2d keeps for backward: its tensor arguments. */
export interface ConvCache {
  input: Tensor;
  weight: Tensor;
  bias?: Tensor;
}

/** A random spatial size that gives `outSize` outputs (≥ 1 input). */
function sizeFor(outSize: number, k: number, s: number, d: number, padTotal: number, rng: Random): number {
  return Math.max(1, (outSize - 1) * s + d * (k - 1) + 1 - padTotal + rng.int(s));
}

/**
 * A random small conv2d case for gradcheck and vectors: odd and non-square
 * sizes and kernels, stride up to 3 (often above the kernel), dilation 1–3,
 * padding 0…k−1 (sometimes "valid" or "same"), groups 1–3, bias or none.
 * Convolution is linear in each argument, so no kinks to avoid.
 */
export function sampleConv2d(rng: Random, dtype: FloatDType): { inputs: { [name: string]: Tensor }; attrs: Conv2dAttrs } {
  const groups = 1 + rng.int(3);
  const Cin = groups * (1 + rng.int(2)), Cout = groups * (1 + rng.int(2));
  const N = 1 + rng.int(2);
  const kh = 1 + rng.int(3), kw = 1 + rng.int(4);
  const dilation: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
  const mode = rng.int(10);
  let stride: [number, number], padding: Conv2dAttrs["padding"], H: number, W: number;
  if (mode === 0) {
    stride = [1, 1];
    padding = "same";
    H = 1 + rng.int(5);
    W = 1 + rng.int(5);
  } else {
    stride = [1 + rng.int(3), 1 + rng.int(3)];
    const pads: [number, number] = mode === 1 ? [0, 0] : [rng.int(kh), rng.int(kw)];
    padding = mode === 1 ? "valid" : pads;
    H = sizeFor(1 + rng.int(3), kh, stride[0], dilation[0], 2 * pads[0], rng);
    W = sizeFor(1 + rng.int(3), kw, stride[1], dilation[1], 2 * pads[1], rng);
  }
  const inputs: { [name: string]: Tensor } = {
    input: randu([N, Cin, H, W], rng, { low: -1, high: 1, dtype }),
    weight: randu([Cout, Cin / groups, kh, kw], rng, { low: -1, high: 1, dtype }),
  };
  if (rng.int(4) > 0) inputs.bias = randu([Cout], rng, { low: -1, high: 1, dtype });
  return { inputs, attrs: { stride, padding, dilation, groups } };
}

/** `conv2d`: input, weight, bias? → output; grads for input, weight, bias. */
export const conv2dOp: OpDef<Conv2dAttrs, ConvCache> = {
  name: "conv2d",
  inputs: ["input", "weight", "bias"],
  optional: ["bias"],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input", "weight", "bias"],
  attrs: conv2dAttrs,
  forward: ({ input, weight, bias }, attrs) => ({
    outputs: { output: conv2d(input, weight, bias, attrs) },
    cache: { input, weight, bias },
  }),
  backward: ({ output }, { input, weight, bias }, attrs) => ({ ...conv2dBackward(output, input, weight, bias, attrs) }),
  sample: sampleConv2d,
};

/** The conv2d ops, for the registry. */
export const conv2dOps: OpDef[] = [conv2dOp];
