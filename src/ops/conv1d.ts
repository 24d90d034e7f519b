/**
 * 1-D convolution (PyTorch's `torch.nn.functional.conv1d`): 004, "Image
 * 1d-convolution" — a number of filters, a filter size, a stride and a
 * padding slid along one axis.
 *
 *   input  a [N, Cin, L]          (or unbatched [Cin, L])
 *   weight w [Cout, Cin/groups, k]
 *   bias   b [Cout]               (optional)
 *   output z [N, Cout, Lout]      Lout = ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1
 *
 * It is the 2-D convolution with height 1: the input is read as
 * [N, Cin, 1, L] and the weight as [Cout, Cin/groups, 1, k] (the same memory,
 * no copy), and ./conv2d.ts does the work — forward and backward. There is no
 * second implementation here; only the attributes and the error messages
 * speak 1-D.
 */
import { Tensor, randu, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { checkUpstream, describeValue, fail, intAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { conv2d, conv2dBackward, convOp, type ConvCache, type ConvGrads } from "./conv2d.js";
import { checkSameStride, convGeometry, convPaddingAttr, type ConvPaddingMode, type Conv2dOpOptions } from "./conv_geometry.js";

const OP = "conv1d";

/** Validated conv1d attributes (plain JSON, PyTorch's defaults filled in). */
export interface Conv1dAttrs {
  stride: number;
  /** Zeros on each side, or "valid" / "same" (stride 1; an odd total puts the extra zero at the end). */
  padding: number | ConvPaddingMode;
  dilation: number;
  groups: number;
}

/** conv1d options as a caller writes them (a number or a one-element list). Defaults: stride 1, padding 0, dilation 1, groups 1. */
export interface Conv1dOpOptions {
  stride?: number | readonly [number];
  padding?: number | readonly [number] | ConvPaddingMode;
  dilation?: number | readonly [number];
  groups?: number;
}

/** An integer ≥ min given as a number or a one-element list (PyTorch's `_single`). */
function singleAttr(name: string, value: unknown, min: number): number {
  if (typeof value === "number") return intAttr(OP, name, value, min);
  if (Array.isArray(value) && value.length === 1) return intAttr(OP, `${name}[0]`, value[0], min);
  return fail(OP, name, `an integer ≥ ${min} or a list of one`, describeValue(value));
}

/** Validates raw conv1d attributes and fills PyTorch's defaults. Throws OpError. */
export function conv1dAttrs(raw: RawAttrs | Conv1dOpOptions): Conv1dAttrs {
  const r = raw as RawAttrs;
  const stride = singleAttr("stride", r.stride ?? 1, 1);
  const padding = convPaddingAttr(OP, r.padding ?? 0, 1);
  const dilation = singleAttr("dilation", r.dilation ?? 1, 1);
  const groups = intAttr(OP, "groups", r.groups ?? 1, 1);
  checkSameStride(OP, padding, [stride]);
  return { stride, padding: typeof padding === "string" ? padding : padding[0], dilation, groups };
}

/** The equivalent conv2d call: height 1, so stride/dilation 1 and padding 0 along H. */
function asConv2d(input: Tensor, weight: Tensor, bias: Tensor | undefined, attrs: Conv1dAttrs): { input4: Tensor; weight4: Tensor; options: Conv2dOpOptions; outputShape: number[] } {
  // Validate in 1-D terms first, so that messages name conv1d and the 1-D shapes.
  const { outputShape } = convGeometry(OP, input, weight, bias, {
    stride: [attrs.stride],
    padding: typeof attrs.padding === "string" ? attrs.padding : [attrs.padding],
    dilation: [attrs.dilation],
    groups: attrs.groups,
  });
  const [Cout, CinPerGroup, k] = weight.shape;
  const input4 = input.rank === 2 ? input.reshape([input.shape[0], 1, input.shape[1]]) : input.reshape([input.shape[0], input.shape[1], 1, input.shape[2]]);
  return {
    input4,
    weight4: weight.reshape([Cout, CinPerGroup, 1, k]),
    outputShape,
    options: {
      stride: [1, attrs.stride],
      padding: typeof attrs.padding === "string" ? attrs.padding : [0, attrs.padding],
      dilation: [1, attrs.dilation],
      groups: attrs.groups,
    },
  };
}

/** Drops the height-1 axis: [N, C, 1, L] → [N, C, L] (or [C, 1, L] → [C, L]). */
function dropHeight(t: Tensor): Tensor {
  const s = t.shape;
  return t.reshape([...s.slice(0, s.length - 2), s[s.length - 1]]);
}

/**
 * conv1d(input [N, Cin, L], weight [Cout, Cin/groups, k], bias [Cout]?, options)
 * → output [N, Cout, Lout]: conv2d on the height-1 view.
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor, options: Conv1dOpOptions = {}): Tensor {
  const { input4, weight4, options: o } = asConv2d(input, weight, bias, conv1dAttrs(options));
  return dropHeight(conv2d(input4, weight4, bias, o));
}

/**
 * The backward of conv1d: given dz = ∂L/∂output [N, Cout, Lout], returns
 * ∂L/∂input [N, Cin, L], ∂L/∂weight [Cout, Cin/groups, k] and, when `bias` is
 * given, ∂L/∂bias [Cout] — conv2d's backward on the height-1 views.
 */
export function conv1dBackward(dz: Tensor, input: Tensor, weight: Tensor, bias?: Tensor, options: Conv1dOpOptions = {}): ConvGrads {
  const attrs = conv1dAttrs(options);
  const { input4, weight4, options: o, outputShape } = asConv2d(input, weight, bias, attrs);
  checkUpstream(OP, dz, outputShape, input);
  const dz4 = dz.reshape([...dz.shape.slice(0, dz.rank - 1), 1, dz.shape[dz.rank - 1]]);
  const g = conv2dBackward(dz4, input4, weight4, bias, o);
  const grads: ConvGrads = { input: g.input.reshape(input.shape), weight: g.weight.reshape(weight.shape) };
  if (g.bias) grads.bias = g.bias;
  return grads;
}

// ───────────────────────────── OpDef ─────────────────────────────

/**
 * A random small conv1d case: groups 1–3, filter size 1–4, stride 1–3 (often
 * above the filter size), dilation 1–3, padding 0…k−1 (sometimes "valid" or
 * "same"), odd lengths, bias or none.
 */
export function sampleConv1d(rng: Random, dtype: FloatDType): { inputs: { [name: string]: Tensor }; attrs: Conv1dAttrs } {
  const groups = 1 + rng.int(3);
  const Cin = groups * (1 + rng.int(2)), Cout = groups * (1 + rng.int(2));
  const N = 1 + rng.int(2);
  const k = 1 + rng.int(4);
  const dilation = 1 + rng.int(3);
  const mode = rng.int(10);
  let stride: number, padding: Conv1dAttrs["padding"], L: number;
  if (mode === 0) {
    stride = 1;
    padding = "same";
    L = 1 + rng.int(7);
  } else {
    stride = 1 + rng.int(3);
    const p = mode === 1 ? 0 : rng.int(k);
    padding = mode === 1 ? "valid" : p;
    const Lout = 1 + rng.int(4);
    L = Math.max(1, (Lout - 1) * stride + dilation * (k - 1) + 1 - 2 * p + rng.int(stride));
  }
  const inputs: { [name: string]: Tensor } = {
    input: randu([N, Cin, L], rng, { low: -1, high: 1, dtype }),
    weight: randu([Cout, Cin / groups, k], rng, { low: -1, high: 1, dtype }),
  };
  if (rng.int(4) > 0) inputs.bias = randu([Cout], rng, { low: -1, high: 1, dtype });
  return { inputs, attrs: { stride, padding, dilation, groups } };
}

/** `conv1d`: input, weight, bias? → output; grads for input, weight, bias. */
export const conv1dOp: OpDef<Conv1dAttrs, ConvCache> = convOp<Conv1dAttrs>({
  name: OP, attrs: conv1dAttrs, forward: conv1d, backward: conv1dBackward, sample: sampleConv1d,
});

/** The conv1d ops, for the registry. */
export const conv1dOps: OpDef[] = [conv1dOp];
