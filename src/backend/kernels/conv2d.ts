/**
 * conv2d on the WebAssembly kernels (assembly/conv_*.ts), forward and backward:
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
import type { Shape, Tensor } from "../../tensor.js";
import { checkUpstream } from "../../errors.js";
import type { OpDef, Tensors } from "../../ops/op.js";
import { conv2dOp, type ConvCache } from "../../ops/conv2d.js";
import { convGeometry, type Conv2dAttrs, type ConvGeometry } from "../../ops/conv_geometry.js";
import { ArenaTooSmallError, requireKernels } from "../wasm.js";
import { convOnThreads, convScratchBytesOnThreads, convWeightOnThreads, convWeightScratchBytesOnThreads } from "../parallel_kernels.js";
import { finishOutput, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput } from "./arena.js";

/** Bytes of the geometry record (16 × i32, the field order of assembly/conv_geometry.ts's ConvGeometry). */
export const GEOMETRY_BYTES = 64;

/** Room left after a convolution's input: the forward kernel may read NR (8) floats past it. */
export const INPUT_SLACK = 64;

/** Writes `geom` at byte offset `ptr` of the kernels' memory in the order assembly/conv_geometry.ts reads it. */
export function writeGeometry(heap: Int32Array, ptr: number, geom: ConvGeometry): void {
  const fields = [
    geom.N, geom.Cin, geom.H, geom.W, geom.Cout, geom.kh, geom.kw, geom.Hout, geom.Wout,
    geom.strideH, geom.strideW, geom.dilationH, geom.dilationW, geom.padTop, geom.padLeft, geom.groups,
  ];
  heap.set(fields, ptr / 4);
}

/**
 * Checks that every geometry field fits an i32, writes the geometry in a
 * first layout and asks the kernel (`scratchOf`) how much scratch the call
 * needs. The call's own layout then starts with the geometry again
 * (`placeGeometry`): that layout may move the arena's call block.
 */
export function scratchBytesFor(geom: ConvGeometry, scratchOf: (geomPtr: number) => number): number {
  for (const [name, value] of Object.entries(geom)) {
    if (typeof value === "number" && value > 2 ** 31 - 1) throw new ArenaTooSmallError(`conv kernels: geometry field ${name} = ${value} does not fit an i32`);
  }
  const { arena } = requireKernels();
  const [geomPtr] = arena.layout([GEOMETRY_BYTES]);
  writeGeometry(arena.i32, geomPtr, geom);
  return scratchOf(geomPtr);
}

/** Writes `geom` at `ptr` (the first region of the call's layout) and returns `ptr`. */
export function placeGeometry(geom: ConvGeometry, ptr: number): number {
  writeGeometry(requireKernels().arena.i32, ptr, geom);
  return ptr;
}

/**
 * conv2d forward on the kernels: a [N, Cin, H, W], w [Cout, Cin/groups, kh, kw],
 * bias [Cout]? (float32) → z [N, Cout, Hout, Wout] (or `shape`, of as many
 * elements; resident inside a tidy scope, ./arena.ts; inputs read in place
 * when resident).
 */
export function conv2dForwardF32(geom: ConvGeometry, a: Tensor, w: Tensor, bias: Tensor | undefined, shape: Shape = [geom.N, geom.Cout, geom.Hout, geom.Wout]): Tensor {
  const { exports, arena } = requireKernels();
  const z = planOutput(shape);
  const scratchBytes = scratchBytesFor(geom, (p) => exports.conv2dForwardScratchBytes(p));
  // The kernel may read up to NR floats past the input (lanes it discards): leave room (a resident block has it: TAIL_SLACK_BYTES).
  const [pg, pa, pw, pbias, pz, scratch] = arena.layout([GEOMETRY_BYTES, inputBytes(a, INPUT_SLACK), inputBytes(w), inputBytes(bias), outputBytes(z), convScratchBytesOnThreads(geom, "conv2dForward", scratchBytes)]);
  const inImage = geom.Cin * geom.H * geom.W * 4, outPlane = geom.Hout * geom.Wout * 4, outImage = geom.Cout * outPlane;
  const filter = (geom.Cin / geom.groups) * geom.kh * geom.kw * 4;
  const operands = [
    { ptr: placeInput(a, pa), imageBytes: inImage, filterBytes: 0 }, { ptr: placeInput(w, pw), imageBytes: 0, filterBytes: filter },
    { ptr: bias ? placeInput(bias, pbias) : 0, imageBytes: 0, filterBytes: 4 }, { ptr: outputPointer(z, pz), imageBytes: outImage, filterBytes: outPlane },
  ];
  convOnThreads("conv2dForward", geom, placeGeometry(geom, pg), operands, scratch, scratchBytes);
  return finishOutput(z, pz);
}

/**
 * conv2d's input gradient on the kernels: dz [N, Cout, Hout, Wout] and
 * w [Cout, Cin/groups, kh, kw] → da [N, Cin, H, W] (or `shape`, of as many
 * elements; resident inside a tidy scope).
 */
export function conv2dInputGradF32(geom: ConvGeometry, dz: Tensor, w: Tensor, shape: Shape = [geom.N, geom.Cin, geom.H, geom.W]): Tensor {
  const { exports, arena } = requireKernels();
  const da = planOutput(shape);
  const scratchBytes = scratchBytesFor(geom, (p) => exports.conv2dBackwardInputScratchBytes(p));
  const [pg, pdz, pw, pda, scratch] = arena.layout([GEOMETRY_BYTES, inputBytes(dz), inputBytes(w), outputBytes(da), convScratchBytesOnThreads(geom, "conv2dBackwardInput", scratchBytes)]);
  const outImage = geom.Cout * geom.Hout * geom.Wout * 4, inImage = geom.Cin * geom.H * geom.W * 4;
  const operands = [
    { ptr: placeInput(dz, pdz), imageBytes: outImage, filterBytes: 0 }, { ptr: placeInput(w, pw), imageBytes: 0, filterBytes: 0 },
    { ptr: outputPointer(da, pda), imageBytes: inImage, filterBytes: 0 },
  ];
  convOnThreads("conv2dBackwardInput", geom, placeGeometry(geom, pg), operands, scratch, scratchBytes);
  return finishOutput(da, pda);
}

/**
 * conv2d's weight gradient (and, with `withBias`, the bias gradient) on the
 * kernels in one layout: dz [N, Cout, Hout, Wout], a [N, Cin, H, W] →
 * dw [Cout, Cin/groups, kh, kw] (or `dwShape`) and db [Cout] (resident inside a tidy scope).
 */
export function conv2dWeightBiasGradF32(geom: ConvGeometry, dz: Tensor, a: Tensor, withBias: boolean, dwShape: Shape = [geom.Cout, geom.Cin / geom.groups, geom.kh, geom.kw]): { dw: Tensor; db?: Tensor } {
  const { exports, arena } = requireKernels();
  const dw = planOutput(dwShape);
  const db = withBias ? planOutput([geom.Cout]) : null;
  const scratchBytes = scratchBytesFor(geom, (p) => exports.conv2dBackwardWeightScratchBytes(p));
  const [pg, pdz, pa, pdw, pdb, scratch] = arena.layout([GEOMETRY_BYTES, inputBytes(dz), inputBytes(a), outputBytes(dw), db ? outputBytes(db) : 0, convWeightScratchBytesOnThreads(geom, scratchBytes)]);
  const dzAt = placeInput(dz, pdz);
  convWeightOnThreads(geom, placeGeometry(geom, pg), dzAt, placeInput(a, pa), outputPointer(dw, pdw), scratch, scratchBytes);
  // ∂L/∂b_f = Σ_n Σ_p ∂L/∂z[n, f, p] (in f64, as the reference's convBiasGrad).
  if (db) exports.channelSums(dzAt, geom.N, geom.Cout, geom.Hout * geom.Wout, outputPointer(db, pdb));
  const grads: { dw: Tensor; db?: Tensor } = { dw: finishOutput(dw, pdw) };
  if (db) grads.db = finishOutput(db, pdb);
  return grads;
}

/** conv2d's weight gradient alone (conv_transpose2d's adjoint): dz, a → dw [Cout, Cin/groups, kh, kw] (or `dwShape`, of as many elements). */
export function conv2dWeightGradF32(geom: ConvGeometry, dz: Tensor, a: Tensor, dwShape?: Shape): Tensor {
  return conv2dWeightBiasGradF32(geom, dz, a, false, dwShape).dw;
}

/** conv2d on the kernels (float32), the reference for float64: same validation, same result. */
export const conv2dKernelOp: OpDef<Conv2dAttrs, ConvCache> = orReference(conv2dOp, {
  ...conv2dOp,
  forward(inputs, attrs) {
    const { input, weight, bias } = inputs;
    const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, attrs);
    if (input.dtype !== "float32") return conv2dOp.forward(inputs, attrs);
    return { outputs: { output: conv2dForwardF32(geom, input, weight, bias, outputShape) }, cache: { input, weight, bias } };
  },
  backward(upstream, cache, attrs, needed) {
    const { input, weight, bias } = cache;
    const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, attrs);
    if (input.dtype !== "float32") return conv2dOp.backward!(upstream, cache, attrs);
    checkUpstream("conv2d", upstream.output, outputShape, input);
    const dz = upstream.output;
    const { dw, db } = conv2dWeightBiasGradF32(geom, dz, input, bias !== undefined, weight.shape);
    const grads: Tensors = { weight: dw };
    if (bias) grads.bias = db!;
    if (!needed || needed.has("input")) grads.input = conv2dInputGradF32(geom, dz, weight, input.shape);
    return grads;
  },
});
