/**
 * conv2d on the WebAssembly kernels (assembly/conv.ts), forward and backward:
 * the reference OpDef of ../../ops/conv2d.ts with the float32 work done by the
 * kernels; its attributes, geometry and shape checks (`convGeometry`,
 * errors.ts's `checkUpstream`) are called here, so both backends accept
 * exactly the same calls. Float64 inputs run the reference, and so does a
 * call whose problem does not fit the kernels' memory (./arena.ts's
 * `orReference`). Sizes are computed in float64 (the kernels' scratch sizes
 * too), so a huge padding does not wrap to a negative size (issue 9, item 6).
 *
 * im2col/col2im + GEMM as in ../../ops/im2col.ts:
 *   forward            Z_g = W_g · cols                 (kernel conv2dForward)
 *   ∂L/∂input          dcols = W_gᵀ · dZ_g, col2im      (conv2dBackwardInput)
 *   ∂L/∂weight         dW_g = Σ_n dZ_g · colsᵀ          (conv2dBackwardWeight)
 * The input gradient is computed only when the caller needs it (the
 * `needed` argument of backward): the graph never needs the one of a
 * network's input (LeNet conv1's input gradient cost 0.59 ms a step).
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream } from "../../errors.js";
import type { OpDef, Tensors } from "../../ops/op.js";
import { conv2dOp, type ConvCache } from "../../ops/conv2d.js";
import { convGeometry, type Conv2dAttrs, type ConvGeometry } from "../../ops/conv_geometry.js";
import { ArenaTooSmallError, requireKernels } from "../wasm.js";
import { convOnThreads, convScratchBytesOnThreads, convWeightOnThreads, convWeightScratchBytesOnThreads } from "../parallel_kernels.js";
import { copyOutF32, orReference } from "./arena.js";

/** Bytes of the geometry record (16 × i32, the field order of assembly/conv.ts's ConvGeometry). */
export const GEOMETRY_BYTES = 64;

/** Room left after a convolution's input: the forward kernel may read NR (8) floats past it. */
export const INPUT_SLACK = 64;

/** Writes `geom` at byte offset `ptr` of the kernels' memory in the order assembly/conv.ts reads it. */
export function writeGeometry(heap: Int32Array, ptr: number, geom: ConvGeometry): void {
  const fields = [
    geom.N, geom.Cin, geom.H, geom.W, geom.Cout, geom.kh, geom.kw, geom.Hout, geom.Wout,
    geom.strideH, geom.strideW, geom.dilationH, geom.dilationW, geom.padTop, geom.padLeft, geom.groups,
  ];
  heap.set(fields, ptr / 4);
}

/** Lays out the geometry first and asks the kernel (`scratchOf`) how much scratch it needs. */
export function geometryAndScratch(geom: ConvGeometry, scratchOf: (geomPtr: number) => number): { geomPtr: number; scratchBytes: number } {
  for (const [name, value] of Object.entries(geom)) {
    if (typeof value === "number" && value > 2 ** 31 - 1) throw new ArenaTooSmallError(`conv kernels: geometry field ${name} = ${value} does not fit an i32`);
  }
  const { arena } = requireKernels();
  const [geomPtr] = arena.layout([GEOMETRY_BYTES]);
  writeGeometry(arena.i32, geomPtr, geom);
  return { geomPtr, scratchBytes: scratchOf(geomPtr) };
}

/**
 * conv2d forward on the kernels: a [N, Cin, H, W], w [Cout, Cin/groups, kh, kw],
 * bias [Cout]? (flat float32) → z [N, Cout, Hout, Wout] (a new array).
 */
export function conv2dForwardF32(geom: ConvGeometry, a: Float32Array, w: Float32Array, bias: Float32Array | undefined): Float32Array {
  const { exports, arena } = requireKernels();
  const zLength = geom.N * geom.Cout * geom.Hout * geom.Wout;
  const { geomPtr, scratchBytes } = geometryAndScratch(geom, (p) => exports.conv2dForwardScratchBytes(p));
  // The kernel may read up to NR floats past the input (lanes it discards): leave room.
  const [, pa, pw, pbias, pz, scratch] = arena.layout([GEOMETRY_BYTES, a.length * 4 + INPUT_SLACK, w.length * 4, (bias?.length ?? 0) * 4, zLength * 4, convScratchBytesOnThreads(geom, "conv2dForward", scratchBytes)]);
  const heap = arena.f32;
  heap.set(a, pa / 4);
  heap.set(w, pw / 4);
  if (bias) heap.set(bias, pbias / 4);
  const inImage = geom.Cin * geom.H * geom.W * 4, outPlane = geom.Hout * geom.Wout * 4, outImage = geom.Cout * outPlane;
  const filter = (geom.Cin / geom.groups) * geom.kh * geom.kw * 4;
  const operands = [
    { ptr: pa, imageBytes: inImage, filterBytes: 0 }, { ptr: pw, imageBytes: 0, filterBytes: filter },
    { ptr: bias ? pbias : 0, imageBytes: 0, filterBytes: 4 }, { ptr: pz, imageBytes: outImage, filterBytes: outPlane },
  ];
  convOnThreads("conv2dForward", geom, geomPtr, operands, scratch, scratchBytes);
  return copyOutF32(pz, zLength);
}

/**
 * conv2d's input gradient on the kernels: dz [N, Cout, Hout, Wout] and
 * w [Cout, Cin/groups, kh, kw] → da [N, Cin, H, W] (a new array).
 */
export function conv2dInputGradF32(geom: ConvGeometry, dz: Float32Array, w: Float32Array): Float32Array {
  const { exports, arena } = requireKernels();
  const aLength = geom.N * geom.Cin * geom.H * geom.W;
  const { geomPtr, scratchBytes } = geometryAndScratch(geom, (p) => exports.conv2dBackwardInputScratchBytes(p));
  const [, pdz, pw, pda, scratch] = arena.layout([GEOMETRY_BYTES, dz.length * 4, w.length * 4, aLength * 4, convScratchBytesOnThreads(geom, "conv2dBackwardInput", scratchBytes)]);
  const heap = arena.f32;
  heap.set(dz, pdz / 4);
  heap.set(w, pw / 4);
  const outImage = geom.Cout * geom.Hout * geom.Wout * 4, inImage = geom.Cin * geom.H * geom.W * 4;
  const operands = [{ ptr: pdz, imageBytes: outImage, filterBytes: 0 }, { ptr: pw, imageBytes: 0, filterBytes: 0 }, { ptr: pda, imageBytes: inImage, filterBytes: 0 }];
  convOnThreads("conv2dBackwardInput", geom, geomPtr, operands, scratch, scratchBytes);
  return copyOutF32(pda, aLength);
}

/**
 * conv2d's weight gradient on the kernels: dz [N, Cout, Hout, Wout] and
 * a [N, Cin, H, W] → dw [Cout, Cin/groups, kh, kw] (a new array).
 */
export function conv2dWeightGradF32(geom: ConvGeometry, dz: Float32Array, a: Float32Array): Float32Array {
  const { exports, arena } = requireKernels();
  const wLength = geom.Cout * (geom.Cin / geom.groups) * geom.kh * geom.kw;
  const { geomPtr, scratchBytes } = geometryAndScratch(geom, (p) => exports.conv2dBackwardWeightScratchBytes(p));
  const [, pdz, pa, pdw, scratch] = arena.layout([GEOMETRY_BYTES, dz.length * 4, a.length * 4, wLength * 4, convWeightScratchBytesOnThreads(geom, scratchBytes)]);
  const heap = arena.f32;
  heap.set(dz, pdz / 4);
  heap.set(a, pa / 4);
  convWeightOnThreads(geom, geomPtr, pdz, pa, pdw, scratch, scratchBytes);
  return copyOutF32(pdw, wLength);
}

/**
 * conv2d's weight and bias gradients on the kernels in one layout (dz copied
 * in once): dz [N, Cout, Hout, Wout], a [N, Cin, H, W] → new arrays
 * dw [Cout, Cin/groups, kh, kw] and, with `withBias`, db [Cout].
 */
export function conv2dWeightBiasGradF32(geom: ConvGeometry, dz: Float32Array, a: Float32Array, withBias: boolean): { dw: Float32Array; db?: Float32Array } {
  const { exports, arena } = requireKernels();
  const wLength = geom.Cout * (geom.Cin / geom.groups) * geom.kh * geom.kw;
  const { geomPtr, scratchBytes } = geometryAndScratch(geom, (p) => exports.conv2dBackwardWeightScratchBytes(p));
  const [, pdz, pa, pdw, pdb, scratch] = arena.layout([GEOMETRY_BYTES, dz.length * 4, a.length * 4, wLength * 4, withBias ? geom.Cout * 4 : 0, convWeightScratchBytesOnThreads(geom, scratchBytes)]);
  const heap = arena.f32;
  heap.set(dz, pdz / 4);
  heap.set(a, pa / 4);
  convWeightOnThreads(geom, geomPtr, pdz, pa, pdw, scratch, scratchBytes);
  // ∂L/∂b_f = Σ_n Σ_p ∂L/∂z[n, f, p] (in f64, as the reference's convBiasGrad).
  if (withBias) exports.channelSums(pdz, geom.N, geom.Cout, geom.Hout * geom.Wout, pdb);
  const grads: { dw: Float32Array; db?: Float32Array } = { dw: copyOutF32(pdw, wLength) };
  if (withBias) grads.db = copyOutF32(pdb, geom.Cout);
  return grads;
}


/** conv2d on the kernels (float32), the reference for float64: same validation, same result. */
export const conv2dKernelOp: OpDef<Conv2dAttrs, ConvCache> = orReference(conv2dOp, {
  ...conv2dOp,
  forward(inputs, attrs) {
    const { input, weight, bias } = inputs;
    const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, attrs);
    if (input.dtype !== "float32") return conv2dOp.forward(inputs, attrs);
    const z = conv2dForwardF32(geom, input.data as Float32Array, weight.data as Float32Array, bias?.data as Float32Array | undefined);
    return { outputs: { output: new Tensor(z, outputShape) }, cache: { input, weight, bias } };
  },
  backward(upstream, cache, attrs, needed) {
    const { input, weight, bias } = cache;
    const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, attrs);
    if (input.dtype !== "float32") return conv2dOp.backward!(upstream, cache, attrs);
    const dz = checkUpstream("conv2d", upstream.output, outputShape, input) as Float32Array;
    const { dw, db } = conv2dWeightBiasGradF32(geom, dz, input.data as Float32Array, bias !== undefined);
    const grads: Tensors = { weight: new Tensor(dw, weight.shape) };
    if (bias) grads.bias = new Tensor(db!, bias.shape);
    if (!needed || needed.has("input")) grads.input = new Tensor(conv2dInputGradF32(geom, dz, weight.data as Float32Array), input.shape);
    return grads;
  },
});
