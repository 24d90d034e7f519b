/**
 * conv2d_fused on the WebAssembly kernels: the reference OpDef of
 * ../../ops/conv2d_fused.ts with the float32 forward done by the kernel
 * export conv2dForwardFused (assembly/conv_forward.ts): conv2d's GEMM with
 * the residual add and ReLU applied to each output block as soon as its sums
 * are final, so no separate pass reads the output again. Validation is the
 * reference's own (`conv2dFusedGeometry`); float64 calls and calls too big
 * for the arena run the reference. A weight packed once for inference
 * (./conv2d_packed.ts) is read as its panels (kernel conv2dForwardPacked:
 * the same bits, without packing the weights on every call). The op is meant for inference: its
 * backward is the reference's (plain loops), correct but not fast.
 *
 * Tolerance against the reference: the convolution's sums are conv2d's
 * kernel sums (float32, in K blocks), the reference's are float64 rounded
 * once; the add and ReLU are then the same float32 operations on both sides.
 */
import type { Shape, Tensor } from "../../tensor.js";
import type { OpDef } from "../../ops/op.js";
import type { ConvGeometry } from "../../ops/conv_geometry.js";
import { conv2dFusedGeometry, conv2dFusedOp, type Conv2dFusedAttrs, type ConvFusedCache } from "../../ops/conv2d_fused.js";
import { requireKernels } from "../wasm.js";
import { convOnThreads, convScratchBytesOnThreads } from "../parallel_kernels.js";
import { finishOutput, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput } from "./arena.js";
import { GEOMETRY_BYTES, INPUT_SLACK, placeGeometry, scratchBytesFor } from "./conv2d.js";
import { packedConvWeightsOf } from "./conv2d_packed.js";

/** The float32 operands of one fused forward (bias and residual optional). */
export interface FusedOperands {
  a: Tensor;
  w: Tensor;
  bias?: Tensor;
  residual?: Tensor;
  /** Byte offset of w's panels packed once (./conv2d_packed.ts); w is then not read. */
  packed?: number;
}

/**
 * conv2d_fused forward on the kernels: a [N, Cin, H, W], w [Cout, Cin/groups,
 * kh, kw], bias [Cout]?, residual [N, Cout, Hout, Wout]? → y = act(conv + bias
 * + residual) of `shape` (resident inside a tidy scope, ./arena.ts; inputs
 * read in place when resident); `relu` picks act. The glue follows
 * ./arena.ts's order: plan, layout, place the inputs, run, finish.
 */
export function conv2dFusedForwardF32(geom: ConvGeometry, operands: FusedOperands, relu: boolean, shape: Shape): Tensor {
  const { a, w, bias, residual, packed } = operands;
  const { exports, arena } = requireKernels();
  const z = planOutput(shape);
  const name = packed === undefined ? "conv2dForwardFused" : "conv2dForwardPacked";
  const scratchBytes = scratchBytesFor(geom, (p) => (packed === undefined ? exports.conv2dForwardScratchBytes(p) : exports.conv2dForwardPackedScratchBytes(p)));
  const [pg, pa, pw, pbias, pres, pz, scratch] = arena.layout([
    GEOMETRY_BYTES, inputBytes(a, INPUT_SLACK), packed === undefined ? inputBytes(w) : 0, inputBytes(bias), inputBytes(residual), outputBytes(z),
    convScratchBytesOnThreads(geom, name, scratchBytes),
  ]);
  const inImage = geom.Cin * geom.H * geom.W * 4, outPlane = geom.Hout * geom.Wout * 4, outImage = geom.Cout * outPlane;
  const filter = (geom.Cin / geom.groups) * geom.kh * geom.kw * 4;
  const operandsInArena = [
    { ptr: placeInput(a, pa), imageBytes: inImage, filterBytes: 0 }, { ptr: packed ?? placeInput(w, pw), imageBytes: 0, filterBytes: filter },
    { ptr: bias ? placeInput(bias, pbias) : 0, imageBytes: 0, filterBytes: 4 },
    { ptr: residual ? placeInput(residual, pres) : 0, imageBytes: outImage, filterBytes: outPlane },
    { ptr: outputPointer(z, pz), imageBytes: outImage, filterBytes: outPlane },
  ];
  convOnThreads(name, geom, placeGeometry(geom, pg), operandsInArena, scratch, scratchBytes, [relu ? 1 : 0]);
  return finishOutput(z, pz);
}

/** conv2d_fused on the kernels (float32), the reference for float64: same validation, same result within float32 rounding. */
export const conv2dFusedKernelOp: OpDef<Conv2dFusedAttrs, ConvFusedCache> = orReference(conv2dFusedOp, {
  ...conv2dFusedOp,
  forward(inputs, attrs) {
    const { input, weight, bias, residual } = inputs;
    const { geom, outputShape } = conv2dFusedGeometry(inputs, attrs);
    if (input.dtype !== "float32") return conv2dFusedOp.forward(inputs, attrs);
    const ptr = packedConvWeightsOf(weight, geom.groups);
    const packed = ptr >= 0 ? ptr : undefined;
    const output = conv2dFusedForwardF32(geom, { a: input, w: weight, bias, residual, packed }, attrs.activation === "relu", outputShape);
    return { outputs: { output }, cache: { input, weight, bias, residual, output } };
  },
});
