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
 * The attributes, their checks and the geometry (sizes, strides, padding) the
 * loops read are in ./conv_geometry.ts. The im2col + GEMM form of the same op
 * (what the wasm kernels do) is in ./im2col.ts; conv1d (./conv1d.ts) and
 * conv_transpose2d (./conv_transpose2d.ts) run on the loops of this file.
 */
import { allocate, sizeOf, Tensor, randu, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { checkUpstream } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { conv2dAttrs, convGeometry, outputIndexFor, tapInput, type Conv2dAttrs, type Conv2dOpOptions, type ConvGeometry } from "./conv_geometry.js";

// ───────────────────────────── the loops ─────────────────────────────

/**
 * Forward, direct form: z = b + Σ_c Σ_x Σ_y w · a (003, "Convolutional
 * Layer"), for every image n, filter f and output pixel (i, j). Writes z
 * [N, Cout, Hout, Wout]; `b` may be undefined (no bias).
 */
export function directConv2d(a: FloatArray, w: FloatArray, b: FloatArray | undefined, geom: ConvGeometry, z: FloatArray): void {
  const { N, groups, Cin, Cout, kh, kw, Hout, Wout } = geom;
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
              for (let y = 0; y < kw; y++) sum += w[((f * CinG + c) * kh + x) * kw + y] * tapInput(a, geom, n, channel, i, j, x, y);
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
              const i = outputIndexFor(r, x, strideH, padTop, dilationH, Hout);
              if (i < 0) continue; // no output row reads row r with tap x
              for (let y = 0; y < kw; y++) {
                const j = outputIndexFor(q, y, strideW, padLeft, dilationW, Wout);
                if (j < 0) continue;
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
  const { N, groups, Cin, Cout, kh, kw, Hout, Wout } = geom;
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
              for (let j = 0; j < Wout; j++) sum += dz[((n * Cout + f) * Hout + i) * Wout + j] * tapInput(a, geom, n, channel, i, j, x, y);
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

/** A convolution op's maths, without the OpDef plumbing (conv2d, conv1d, conv_transpose2d). */
export interface ConvOpSpec<A> {
  /** The vectors-format name, e.g. "conv2d". */
  name: string;
  /** Validates raw attributes and fills PyTorch's defaults. */
  attrs: (raw: RawAttrs) => A;
  forward(input: Tensor, weight: Tensor, bias: Tensor | undefined, attrs: A): Tensor;
  backward(dz: Tensor, input: Tensor, weight: Tensor, bias: Tensor | undefined, attrs: A): ConvGrads;
  sample(rng: Random, dtype: FloatDType): { inputs: { [name: string]: Tensor }; attrs: A };
}

/** The OpDef of a convolution: input, weight, bias? → output; grads for input, weight, bias; the cache is its tensor arguments. */
export function convOp<A>(spec: ConvOpSpec<A>): OpDef<A, ConvCache> {
  return {
    name: spec.name,
    inputs: ["input", "weight", "bias"],
    optional: ["bias"],
    outputs: ["output"],
    differentiableOutputs: ["output"],
    grads: ["input", "weight", "bias"],
    attrs: spec.attrs,
    forward: ({ input, weight, bias }, attrs) => ({
      outputs: { output: spec.forward(input, weight, bias, attrs) },
      cache: { input, weight, bias },
    }),
    backward: ({ output }, { input, weight, bias }, attrs) => ({ ...spec.backward(output, input, weight, bias, attrs) }),
    sample: spec.sample,
  };
}

/** `conv2d`: input, weight, bias? → output; grads for input, weight, bias. */
export const conv2dOp: OpDef<Conv2dAttrs, ConvCache> = convOp<Conv2dAttrs>({
  name: "conv2d", attrs: conv2dAttrs, forward: conv2d, backward: conv2dBackward, sample: sampleConv2d,
});

/** The conv2d ops, for the registry. */
export const conv2dOps: OpDef[] = [conv2dOp];
