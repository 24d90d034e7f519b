/**
 * conv2d_fused: a convolution with its epilogue — bias, an optional residual
 * added, an optional ReLU — as one op, the form an inference pass gives a
 * Conv2d → BatchNorm2d (→ ReLU) chain and the last convolution of a ResNet
 * block (001, "Residual networks": y = ReLU(F(x) + x)).
 *
 *   input    a [N, Cin, H, W]
 *   weight   w [Cout, Cin/groups, kh, kw]
 *   bias     b [Cout]                  (optional)
 *   residual r [N, Cout, Hout, Wout]   (optional: the shortcut)
 *   output   y = act(conv2d(a, w, b) + r),  act = relu or the identity
 *
 * This reference is exactly the three ops in a row (./conv2d.ts's loops,
 * an add, ./activations.ts's relu), each rounded to the dtype as those ops
 * are; the kernel (src/backend/kernels/conv2d_fused.ts) does the add and
 * ReLU on each output block while it is still in cache. Backward: with
 * y = relu(s), s = z + r, ∂L/∂s = ∂L/∂y where s > 0 (relu's derivative,
 * 0 at s ≤ 0; from y: where y > 0 or NaN), then ∂L/∂r = ∂L/∂s and the
 * conv2d backward of ∂L/∂s gives the rest.
 */
import { allocate, Tensor, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { checkUpstream, choiceAttr, expectSameDType, expectShape } from "../errors.js";
import type { OpDef, RawAttrs, Tensors } from "./op.js";
import { conv2dBackward, directConv2d, sampleConv2d } from "./conv2d.js";
import { conv2dAttrs, convGeometry, type Conv2dAttrs, type ConvGeometry } from "./conv_geometry.js";

/** The activations the epilogue can apply. */
export const FUSED_ACTIVATIONS = ["none", "relu"] as const;

/** conv2d's attributes plus the epilogue's activation. */
export interface Conv2dFusedAttrs extends Conv2dAttrs {
  activation: (typeof FUSED_ACTIVATIONS)[number];
}

/** Validates conv2d_fused's attributes: conv2d's, and `activation` "none" (default) or "relu". */
export function conv2dFusedAttrs(raw: RawAttrs): Conv2dFusedAttrs {
  return { ...conv2dAttrs(raw), activation: choiceAttr("conv2d_fused", "activation", raw.activation ?? "none", FUSED_ACTIVATIONS) };
}

/**
 * The geometry of a conv2d_fused call, with the residual checked: the
 * output's shape and the input's dtype.
 */
export function conv2dFusedGeometry(inputs: Tensors, attrs: Conv2dFusedAttrs): { geom: ConvGeometry; outputShape: number[] } {
  const { input, weight, bias, residual } = inputs;
  const { geom, outputShape } = convGeometry("conv2d_fused", input, weight, bias, attrs);
  if (residual) {
    expectSameDType("conv2d_fused", "residual", residual, input);
    expectShape("conv2d_fused", "residual", residual, outputShape, "the convolution's output shape");
  }
  return { geom, outputShape: [...outputShape] };
}

/** y ← act(z + r) in place over z (r optional): the epilogue, rounded to z's dtype at each step. */
export function fusedEpilogue(z: FloatArray, r: FloatArray | undefined, activation: Conv2dFusedAttrs["activation"]): void {
  if (r) for (let i = 0; i < z.length; i++) z[i] = z[i] + r[i];
  if (activation === "relu") for (let i = 0; i < z.length; i++) z[i] = z[i] > 0 || z[i] !== z[i] ? z[i] : 0;
}

/**
 * A random case: conv2d's, with a residual in two thirds of them; ReLU only
 * with a residual, chosen so that the sum lies in ±[0.1, 2] (kept away from
 * ReLU's kink at 0, for central differences).
 */
function sampleConv2dFused(rng: Random, dtype: FloatDType): { inputs: Tensors; attrs: Conv2dFusedAttrs } {
  const { inputs, attrs } = sampleConv2d(rng, dtype);
  const kind = rng.int(3); // 0: plain, 1: + residual, 2: + residual, ReLU
  const activation = kind === 2 ? "relu" : "none";
  const { geom, outputShape } = conv2dFusedGeometry(inputs, { ...attrs, activation });
  if (kind > 0) {
    const z = allocate(dtype, outputShape.reduce((p, d) => p * d, 1));
    directConv2d(inputs.input.data as FloatArray, inputs.weight.data as FloatArray, inputs.bias?.data as FloatArray | undefined, geom, z);
    const r = allocate(dtype, z.length);
    for (let i = 0; i < r.length; i++) {
      const target = (rng.int(2) === 0 ? -1 : 1) * rng.uniformIn(0.1, 2);
      r[i] = kind === 2 ? target - z[i] : rng.uniformIn(-1, 1);
    }
    inputs.residual = new Tensor(r, outputShape);
  }
  return { inputs, attrs: { ...attrs, activation } };
}

/** What backward needs: the forward's arguments and its output (ReLU's mask). */
export interface ConvFusedCache {
  input: Tensor;
  weight: Tensor;
  bias?: Tensor;
  residual?: Tensor;
  output: Tensor;
}

/** ∂L/∂input, weight, bias, residual from ∂L/∂y (see the file comment). */
export function conv2dFusedBackward(dy: Tensor, cache: ConvFusedCache, attrs: Conv2dFusedAttrs): Tensors {
  const { input, weight, bias, residual, output } = cache;
  const g = checkUpstream("conv2d_fused", dy, output.shape, input);
  const ds = allocate(input.dtype as FloatDType, g.length);
  const y = output.data;
  for (let i = 0; i < g.length; i++) ds[i] = attrs.activation === "relu" && y[i] <= 0 ? 0 : g[i];
  const dsT = new Tensor(ds, output.shape);
  const grads: Tensors = { ...conv2dBackward(dsT, input, weight, bias, attrs) };
  if (residual) grads.residual = dsT;
  return grads;
}

/** `conv2d_fused`: input, weight, bias?, residual? → output; grads for all four. */
export const conv2dFusedOp: OpDef<Conv2dFusedAttrs, ConvFusedCache> = {
  name: "conv2d_fused",
  inputs: ["input", "weight", "bias", "residual"],
  optional: ["bias", "residual"],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input", "weight", "bias", "residual"],
  attrs: conv2dFusedAttrs,
  forward(inputs, attrs) {
    const { input, weight, bias, residual } = inputs;
    const { geom, outputShape } = conv2dFusedGeometry(inputs, attrs);
    const z = allocate(input.dtype as FloatDType, outputShape.reduce((p, d) => p * d, 1));
    directConv2d(input.data as FloatArray, weight.data as FloatArray, bias?.data as FloatArray | undefined, geom, z);
    fusedEpilogue(z, residual?.data as FloatArray | undefined, attrs.activation);
    const output = new Tensor(z, outputShape);
    return { outputs: { output }, cache: { input, weight, bias, residual, output } };
  },
  backward: ({ output }, cache, attrs) => conv2dFusedBackward(output, cache, attrs),
  sample: sampleConv2dFused,
};

/** The conv2d_fused ops, for the registry. */
export const conv2dFusedOps: OpDef[] = [conv2dFusedOp];
