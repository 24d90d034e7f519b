/**
 * Transposed 2-D convolution (PyTorch's `torch.nn.functional.conv_transpose2d`),
 * the learnable upsampling of segmentation networks: 000, "Semantic
 * Segmentation" — "Upsampling: Unpooling or strided transposed convolution";
 * 001, "Fully Convolutional Networks for Segmentation".
 *
 *   input  x [N, Cin, H, W]            (or unbatched [Cin, H, W])
 *   weight w [Cin, Cout/groups, kh, kw]
 *   bias   b [Cout]                    (optional)
 *   output y [N, Cout, Hout, Wout]
 *          Hout = (H − 1)·s − 2p + d·(kh − 1) + output_padding + 1, likewise Wout
 *
 * It is derived as the adjoint of conv2d, not written afresh. A conv2d with
 * weight w [Cin, Cout/groups, kh, kw] maps images [N, Cout, Hout, Wout] to
 * [N, Cin, H, W]; it is linear in its input, z = A·a, and conv_transpose2d is
 * y = Aᵀ·x (+ b), so ⟨conv2d(a, w), x⟩ = ⟨a, conv_transpose2d(x, w)⟩. Hence
 *
 *   forward           = conv2d's input gradient (`directConv2dInputGrad`)
 *   input gradient    = conv2d's forward        (`directConv2d`)
 *   weight gradient   = conv2d's weight gradient with the roles of image and
 *                       upstream swapped         (`directConv2dWeightGrad`)
 *   bias gradient     = Σ over images and pixels of ∂L/∂y per channel
 *
 * all run on the loops of ./conv2d.ts with that conv2d's geometry. Each input
 * pixel x_{i,j} spreads w·x_{i,j} over the output at rows i·s − p + x·d and
 * columns j·s − p + y·d. Several output sizes map back to the same H under a
 * strided conv2d; output_padding picks the larger ones (it adds rows at the
 * bottom/right that no input pixel reaches), and must be smaller than the
 * stride or the dilation (PyTorch's rule).
 */
import { allocate, shapeString, sizeOf, Tensor, randu, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { convTransposeOutputLength } from "../shapes.js";
import { checkUpstream, describeValue, expectRank, expectSameDType, expectShape, fail, floatData, intAttr, pairAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import {
  convBiasGrad, convOp, directConv2d, directConv2dInputGrad, directConv2dWeightGrad,
  type ConvCache, type ConvGrads,
} from "./conv2d.js";
import type { ConvSetup } from "./conv_geometry.js";

const OP = "conv_transpose2d";

/** Validated conv_transpose2d attributes (plain JSON, PyTorch's defaults filled in). */
export interface ConvTranspose2dAttrs {
  stride: [number, number];
  /** Rows/columns cropped from each side of the full output (conv2d's padding of the adjoint). */
  padding: [number, number];
  /** Extra rows/columns at the bottom/right; each < stride or < dilation. */
  output_padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** conv_transpose2d options as a caller writes them (one number stands for a pair). Defaults: stride 1, padding 0, output_padding 0, dilation 1, groups 1. */
export interface ConvTranspose2dOpOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  output_padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

/** Validates raw conv_transpose2d attributes and fills PyTorch's defaults. Throws OpError. */
export function convTranspose2dAttrs(raw: RawAttrs | ConvTranspose2dOpOptions): ConvTranspose2dAttrs {
  const r = raw as RawAttrs;
  const stride = pairAttr(OP, "stride", r.stride ?? 1, 1);
  const padding = pairAttr(OP, "padding", r.padding ?? 0, 0);
  const output_padding = pairAttr(OP, "output_padding", r.output_padding ?? 0, 0);
  const dilation = pairAttr(OP, "dilation", r.dilation ?? 1, 1);
  const groups = intAttr(OP, "groups", r.groups ?? 1, 1);
  for (let t = 0; t < 2; t++) {
    if (!(output_padding[t] < stride[t] || output_padding[t] < dilation[t])) {
      fail(OP, "output_padding", `each entry smaller than the stride or the dilation (stride ${describeValue(stride)}, dilation ${describeValue(dilation)})`, describeValue(output_padding));
    }
  }
  return { stride, padding, output_padding, dilation, groups };
}

/**
 * Validates a transposed convolution and returns the geometry of the conv2d
 * it is the adjoint of: that conv2d's input is this op's output
 * [N, Cout, Hout, Wout], its output is this op's input [N, Cin, H, W], its
 * weight is this op's weight. Throws OpError on wrong ranks, dtype mixes,
 * channels, bias shape, or an output size < 1.
 */
export function convTranspose2dGeometry(input: Tensor, weight: Tensor, bias: Tensor | undefined, attrs: ConvTranspose2dAttrs): ConvSetup {
  floatData(OP, "input", input);
  floatData(OP, "weight", weight);
  expectRank(OP, "input", input, [3, 4], "[N, C, H, W] or unbatched [C, H, W]");
  expectRank(OP, "weight", weight, 4, "[Cin, Cout/groups, kh, kw]");
  expectSameDType(OP, "weight", input, weight);
  const unbatched = input.rank === 3;
  const [N, Cin, H, W] = unbatched ? [1, ...input.shape] : input.shape;
  const [wCin, CoutPerGroup, kh, kw] = weight.shape;
  const { stride, padding, output_padding, dilation, groups } = attrs;
  if (Cin < 1 || H < 1 || W < 1) fail(OP, "input", "channel and spatial sizes ≥ 1", `shape ${shapeString(input.shape)}`);
  if (CoutPerGroup < 1 || kh < 1 || kw < 1) fail(OP, "weight", "all sizes ≥ 1", `shape ${shapeString(weight.shape)}`);
  if (Cin % groups !== 0) fail(OP, "groups", `a divisor of the input's ${Cin} channels`, `${groups}`);
  if (wCin !== Cin) fail(OP, "weight", `the input's ${Cin} channels in dimension 0 ([Cin, Cout/groups, kh, kw])`, `shape ${shapeString(weight.shape)}`);
  const Cout = groups * CoutPerGroup;
  if (bias !== undefined) {
    floatData(OP, "bias", bias);
    expectSameDType(OP, "bias", input, bias);
    expectShape(OP, "bias", bias, [Cout], "one per output channel: groups · weight dimension 1");
  }
  const sizes = [H, W], kernel = [kh, kw], names = ["H", "W"];
  const out: number[] = [];
  for (let t = 0; t < 2; t++) {
    const size = convTransposeOutputLength(sizes[t], kernel[t], stride[t], padding[t], output_padding[t], dilation[t]);
    if (size < 1) {
      fail(OP, "input", `(${names[t]} − 1)·s − 2p + d·(k − 1) + output_padding + 1 ≥ 1`,
        `${names[t]} = ${sizes[t]}, s = ${stride[t]}, p = ${padding[t]}, d = ${dilation[t]}, k = ${kernel[t]}, output_padding = ${output_padding[t]} (output size ${size})`);
    }
    out.push(size);
  }
  const [Hout, Wout] = out;
  return {
    // The adjoint conv2d: input [N, Cout, Hout, Wout] → output [N, Cin, H, W].
    geom: {
      N, groups, Cin: Cout, H: Hout, W: Wout, Cout: Cin, kh, kw, Hout: H, Wout: W,
      strideH: stride[0], strideW: stride[1], dilationH: dilation[0], dilationW: dilation[1], padTop: padding[0], padLeft: padding[1],
    },
    outputShape: unbatched ? [Cout, Hout, Wout] : [N, Cout, Hout, Wout],
    unbatched,
  };
}

/**
 * conv_transpose2d(input [N, Cin, H, W], weight [Cin, Cout/groups, kh, kw],
 * bias [Cout]?, options) → output [N, Cout, Hout, Wout]: conv2d's input
 * gradient with `input` as the upstream, plus the bias.
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor, options: ConvTranspose2dOpOptions = {}): Tensor {
  const { geom, outputShape } = convTranspose2dGeometry(input, weight, bias, convTranspose2dAttrs(options));
  const y = allocate(input.dtype as FloatDType, sizeOf(outputShape));
  directConv2dInputGrad(input.data as FloatArray, weight.data as FloatArray, geom, y, bias?.data as FloatArray | undefined);
  return new Tensor(y, outputShape);
}

/**
 * The backward of conv_transpose2d: given dy = ∂L/∂output [N, Cout, Hout, Wout]
 * returns ∂L/∂input = conv2d(dy, weight) [N, Cin, H, W], ∂L/∂weight
 * [Cin, Cout/groups, kh, kw] and, when `bias` is given, ∂L/∂bias [Cout].
 */
export function convTranspose2dBackward(dy: Tensor, input: Tensor, weight: Tensor, bias?: Tensor, options: ConvTranspose2dOpOptions = {}): ConvGrads {
  const { geom, outputShape } = convTranspose2dGeometry(input, weight, bias, convTranspose2dAttrs(options));
  const g = checkUpstream(OP, dy, outputShape, input);
  const dtype = input.dtype as FloatDType;
  const dx = allocate(dtype, input.size);
  const dw = allocate(dtype, weight.size);
  directConv2d(g, weight.data as FloatArray, undefined, geom, dx);
  // conv2d's weight gradient pairs its upstream (here: our input x) with its image (here: dy).
  directConv2dWeightGrad(input.data as FloatArray, g, geom, dw);
  const grads: ConvGrads = { input: new Tensor(dx, input.shape), weight: new Tensor(dw, weight.shape) };
  if (bias) grads.bias = new Tensor(convBiasGrad(g, geom.N, geom.Cin, geom.H * geom.W, dtype), bias.shape);
  return grads;
}

// ───────────────────────────── OpDef ─────────────────────────────

/**
 * A random small conv_transpose2d case: groups 1–3, non-square kernels,
 * stride 1–3, dilation 1–3, padding 0…k−1 (lowered if the output would be
 * empty), output_padding below max(stride, dilation), bias or none.
 */
export function sampleConvTranspose2d(rng: Random, dtype: FloatDType): { inputs: { [name: string]: Tensor }; attrs: ConvTranspose2dAttrs } {
  const groups = 1 + rng.int(3);
  const Cin = groups * (1 + rng.int(2)), CoutPerGroup = 1 + rng.int(2);
  const N = 1 + rng.int(2);
  const kernel = [1 + rng.int(3), 1 + rng.int(4)];
  const sizes = [1 + rng.int(3), 1 + rng.int(4)];
  const stride: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
  const dilation: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
  const padding: [number, number] = [0, 0], output_padding: [number, number] = [0, 0];
  for (let t = 0; t < 2; t++) {
    output_padding[t] = rng.int(Math.max(stride[t], dilation[t]));
    padding[t] = rng.int(kernel[t]);
    const full = (sizes[t] - 1) * stride[t] + dilation[t] * (kernel[t] - 1) + output_padding[t] + 1;
    while (full - 2 * padding[t] < 1) padding[t]--;
  }
  const inputs: { [name: string]: Tensor } = {
    input: randu([N, Cin, sizes[0], sizes[1]], rng, { low: -1, high: 1, dtype }),
    weight: randu([Cin, CoutPerGroup, kernel[0], kernel[1]], rng, { low: -1, high: 1, dtype }),
  };
  if (rng.int(4) > 0) inputs.bias = randu([groups * CoutPerGroup], rng, { low: -1, high: 1, dtype });
  return { inputs, attrs: { stride, padding, output_padding, dilation, groups } };
}

/** `conv_transpose2d`: input, weight, bias? → output; grads for input, weight, bias. */
export const convTranspose2dOp: OpDef<ConvTranspose2dAttrs, ConvCache> = convOp<ConvTranspose2dAttrs>({
  name: OP, attrs: convTranspose2dAttrs, forward: convTranspose2d, backward: convTranspose2dBackward, sample: sampleConvTranspose2d,
});

/** The conv_transpose2d ops, for the registry. */
export const convTranspose2dOps: OpDef[] = [convTranspose2dOp];
