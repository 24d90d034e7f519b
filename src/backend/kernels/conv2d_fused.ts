/**
 * conv2d_fused on the WebAssembly kernels: the reference OpDef of
 * ../../ops/conv2d_fused.ts with the float32 forward done by the kernel
 * export conv2dForwardFused (assembly/conv_forward.ts): conv2d's GEMM with
 * the residual add and ReLU applied to each output block as soon as its sums
 * are final, so no separate pass reads the output again. Validation is the
 * reference's own (`conv2dFusedGeometry`); float64 calls and calls too big
 * for the arena run the reference. The op is meant for inference: its
 * backward is the reference's (plain loops), correct but not fast.
 *
 * Tolerance against the reference: the convolution's sums are conv2d's
 * kernel sums (float32, in K blocks), the reference's are float64 rounded
 * once; the add and ReLU are then the same float32 operations on both sides.
 */
import { Tensor } from "../../tensor.js";
import type { OpDef } from "../../ops/op.js";
import type { ConvGeometry } from "../../ops/conv_geometry.js";
import { conv2dFusedGeometry, conv2dFusedOp, type Conv2dFusedAttrs, type ConvFusedCache } from "../../ops/conv2d_fused.js";
import { requireKernels } from "../wasm.js";
import { convOnThreads, convScratchBytesOnThreads } from "../parallel_kernels.js";
import { copyOutF32, orReference } from "./arena.js";
import { GEOMETRY_BYTES, INPUT_SLACK, geometryAndScratch } from "./conv2d.js";

/** The float32 operands of one fused forward (flat arrays; bias and residual optional). */
export interface FusedOperands {
  a: Float32Array;
  w: Float32Array;
  bias?: Float32Array;
  residual?: Float32Array;
}

/**
 * conv2d_fused forward on the kernels: a [N, Cin, H, W], w [Cout, Cin/groups,
 * kh, kw], bias [Cout]?, residual [N, Cout, Hout, Wout]? → y = act(conv + bias
 * + residual) [N, Cout, Hout, Wout] (a new array); `relu` picks act.
 */
export function conv2dFusedForwardF32(geom: ConvGeometry, operands: FusedOperands, relu: boolean): Float32Array {
  const { a, w, bias, residual } = operands;
  const { exports, arena } = requireKernels();
  const zLength = geom.N * geom.Cout * geom.Hout * geom.Wout;
  const { geomPtr, scratchBytes } = geometryAndScratch(geom, (p) => exports.conv2dForwardScratchBytes(p));
  const [, pa, pw, pbias, pres, pz, scratch] = arena.layout([
    GEOMETRY_BYTES, a.length * 4 + INPUT_SLACK, w.length * 4, (bias?.length ?? 0) * 4, (residual?.length ?? 0) * 4, zLength * 4,
    convScratchBytesOnThreads(geom, "conv2dForwardFused", scratchBytes),
  ]);
  const heap = arena.f32;
  heap.set(a, pa / 4);
  heap.set(w, pw / 4);
  if (bias) heap.set(bias, pbias / 4);
  if (residual) heap.set(residual, pres / 4);
  const inImage = geom.Cin * geom.H * geom.W * 4, outPlane = geom.Hout * geom.Wout * 4, outImage = geom.Cout * outPlane;
  const filter = (geom.Cin / geom.groups) * geom.kh * geom.kw * 4;
  const operandsInArena = [
    { ptr: pa, imageBytes: inImage, filterBytes: 0 }, { ptr: pw, imageBytes: 0, filterBytes: filter },
    { ptr: bias ? pbias : 0, imageBytes: 0, filterBytes: 4 }, { ptr: residual ? pres : 0, imageBytes: outImage, filterBytes: outPlane },
    { ptr: pz, imageBytes: outImage, filterBytes: outPlane },
  ];
  convOnThreads("conv2dForwardFused", geom, geomPtr, operandsInArena, scratch, scratchBytes, [relu ? 1 : 0]);
  return copyOutF32(pz, zLength);
}

/** conv2d_fused on the kernels (float32), the reference for float64: same validation, same result within float32 rounding. */
export const conv2dFusedKernelOp: OpDef<Conv2dFusedAttrs, ConvFusedCache> = orReference(conv2dFusedOp, {
  ...conv2dFusedOp,
  forward(inputs, attrs) {
    const { input, weight, bias, residual } = inputs;
    const { geom, outputShape } = conv2dFusedGeometry(inputs, attrs);
    if (input.dtype !== "float32") return conv2dFusedOp.forward(inputs, attrs);
    const operands = { a: input.data as Float32Array, w: weight.data as Float32Array, bias: bias?.data as Float32Array | undefined, residual: residual?.data as Float32Array | undefined };
    const output = new Tensor(conv2dFusedForwardF32(geom, operands, attrs.activation === "relu"), outputShape);
    return { outputs: { output }, cache: { input, weight, bias, residual, output } };
  },
});
