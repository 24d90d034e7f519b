/**
 * The ops that run on the WebAssembly kernels: `conv2d`, `conv_transpose2d`,
 * `linear`, `relu` and `max_pool2d`, forward and backward.
 * Each is its reference OpDef with the float32 work done by the kernels;
 * names, argument names, attributes, validation and errors are the
 * reference's own (its `attrs`, its geometry and shape checks are called
 * here; the upstream checks of relu and max_pool2d backward are errors.ts's
 * `checkUpstream`, the same checks in the same order as the reference files'
 * private helpers; for max_pool2d's rank and output size, private to pool.ts,
 * the same calls are made; specs hold the messages equal), so the two
 * backends accept exactly the same calls.
 * Float64 inputs run the reference, and so does a call whose problem does
 * not fit the kernels' memory (`orReference`): its regions past 2³¹ bytes (the
 * kernels' byte offsets are i32) or a memory that cannot grow. Sizes are
 * computed in float64 (the kernels' scratch sizes too), so a huge padding
 * no longer wraps to a negative size or a too small scratch (issue 9, item 6):
 * the wasm backend then answers what the js backend answers, errors included.
 *
 * Each call copies its inputs into the kernels' arena (./wasm.ts), runs the
 * kernel and copies the results into new arrays. The input gradients of
 * conv2d and linear are computed only when the caller needs them (the
 * `needed` argument of backward): the graph never needs the one of a
 * network's input (a third of the first linear layer's GEMM work; LeNet
 * conv1's input gradient cost 0.59 ms a step).
 *
 * The convolutions are im2col/col2im + GEMM as in ../ops/im2col.ts:
 *   conv2d forward            Z_g = W_g · cols                 (kernel conv2dForward)
 *   conv2d ∂L/∂input          dcols = W_gᵀ · dZ_g, col2im      (conv2dBackwardInput)
 *   conv2d ∂L/∂weight         dW_g = Σ_n dZ_g · colsᵀ          (conv2dBackwardWeight)
 *   conv_transpose2d is conv2d's adjoint: its forward is conv2d's input
 *   gradient, its input gradient conv2d's forward, its weight gradient
 *   conv2d's weight gradient with image and upstream swapped.
 * `linear` is three SGEMMs: y = x·Wᵀ, dx = dy·W, dW = dyᵀ·x.
 */
import { allocate, shapeString, Tensor, type FloatArray } from "../tensor.js";
import { checkUpstream, expectRank, fail, floatData } from "../errors.js";
import type { OpDef, Tensors } from "../ops/op.js";
import { conv2dOp, convBiasGrad, type ConvCache } from "../ops/conv2d.js";
import { convGeometry, type Conv2dAttrs, type ConvGeometry } from "../ops/conv_geometry.js";
import { convTranspose2dOp, convTranspose2dGeometry, type ConvTranspose2dAttrs } from "../ops/conv_transpose2d.js";
import { linearOp, linearShapes } from "../ops/linear.js";
import { reluOp } from "../ops/activations.js";
import { maxPool2dAttrs, maxPool2dOp, type MaxPool2dAttrs } from "../ops/max_pool2d.js";
import { pooledLength } from "../shapes.js";
import { ArenaTooSmallError, requireKernels } from "./wasm.js";
import {
  convOnThreads, convScratchBytesOnThreads, convWeightOnThreads, convWeightScratchBytesOnThreads, sgemmOnThreads, sgemmScratchBytesOnThreads,
} from "./parallel_kernels.js";

/** Bytes of the geometry record (16 × i32, the field order of assembly/conv.ts's ConvGeometry). */
export const GEOMETRY_BYTES = 64;

/** Room left after a convolution's input: the forward kernel may read NR (8) floats past it. */
const INPUT_SLACK = 64;

/**
 * A new Float32Array holding `length` floats of the kernels' memory from byte
 * offset `ptr`. (Allocating and `set` costs the same as `slice` here: about
 * 60–120 µs for LeNet conv1's 221,184 floats, most of it fresh memory; this is
 * where a training step's copies show up in a profile.)
 */
export function copyOutF32(ptr: number, length: number): Float32Array {
  const out = new Float32Array(length);
  out.set(requireKernels().arena.f32.subarray(ptr / 4, ptr / 4 + length));
  return out;
}

/** A new Int32Array holding `length` ints of the kernels' memory from byte offset `ptr` (see copyOutF32). */
export function copyOutI32(ptr: number, length: number): Int32Array {
  const out = new Int32Array(length);
  out.set(requireKernels().arena.i32.subarray(ptr / 4, ptr / 4 + length));
  return out;
}

/** Writes `geom` at byte offset `ptr` of the kernels' memory in the order assembly/conv.ts reads it. */
export function writeGeometry(heap: Int32Array, ptr: number, geom: ConvGeometry): void {
  const fields = [
    geom.N, geom.Cin, geom.H, geom.W, geom.Cout, geom.kh, geom.kw, geom.Hout, geom.Wout,
    geom.strideH, geom.strideW, geom.dilationH, geom.dilationW, geom.padTop, geom.padLeft, geom.groups,
  ];
  heap.set(fields, ptr / 4);
}

/**
 * `kernel`, except that a call whose problem does not fit the kernels' arena
 * (ArenaTooSmallError, thrown before any kernel runs) runs `reference`
 * instead. The two caches are interchangeable: the kernel ops already hand
 * float64 calls to the reference's forward and backward.
 */
function orReference<A, C>(reference: OpDef<A, C>, kernel: OpDef<A, C>): OpDef<A, C> {
  return {
    ...kernel,
    forward(inputs, attrs) {
      try {
        return kernel.forward(inputs, attrs);
      } catch (e) {
        if (e instanceof ArenaTooSmallError) return reference.forward(inputs, attrs);
        throw e;
      }
    },
    backward(upstream, cache, attrs, needed) {
      try {
        return kernel.backward!(upstream, cache, attrs, needed);
      } catch (e) {
        if (e instanceof ArenaTooSmallError) return reference.backward!(upstream, cache, attrs, needed);
        throw e;
      }
    },
  };
}

/** Lays out the geometry first and asks the kernel (`scratchOf`) how much scratch it needs. */
function geometryAndScratch(geom: ConvGeometry, scratchOf: (geomPtr: number) => number): { geomPtr: number; scratchBytes: number } {
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

// ───────────────────────────── conv2d ─────────────────────────────

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

// ───────────────────────────── conv_transpose2d ─────────────────────────────

/** conv_transpose2d on the kernels (float32) through conv2d's adjoint geometry; the reference for float64. */
export const convTranspose2dKernelOp: OpDef<ConvTranspose2dAttrs, ConvCache> = orReference(convTranspose2dOp, {
  ...convTranspose2dOp,
  forward(inputs, attrs) {
    const { input, weight, bias } = inputs;
    const { geom, outputShape } = convTranspose2dGeometry(input, weight, bias, attrs);
    if (input.dtype !== "float32") return convTranspose2dOp.forward(inputs, attrs);
    // The adjoint conv2d's input gradient with `input` as its upstream.
    const y = conv2dInputGradF32(geom, input.data as Float32Array, weight.data as Float32Array);
    if (bias) {
      const plane = geom.H * geom.W; // the adjoint conv2d's input is this op's output
      for (let nc = 0; nc < geom.N * geom.Cin; nc++) {
        const b = bias.data[nc % geom.Cin];
        for (let e = nc * plane; e < (nc + 1) * plane; e++) y[e] += b;
      }
    }
    return { outputs: { output: new Tensor(y, outputShape) }, cache: { input, weight, bias } };
  },
  backward(upstream, cache, attrs) {
    const { input, weight, bias } = cache;
    const { geom, outputShape } = convTranspose2dGeometry(input, weight, bias, attrs);
    if (input.dtype !== "float32") return convTranspose2dOp.backward!(upstream, cache, attrs);
    const dy = checkUpstream("conv_transpose2d", upstream.output, outputShape, input) as Float32Array;
    const grads: Tensors = {
      input: new Tensor(conv2dForwardF32(geom, dy, weight.data as Float32Array, undefined), input.shape),
      // The adjoint conv2d's weight gradient: its upstream is our input, its image is dy.
      weight: new Tensor(conv2dWeightGradF32(geom, input.data as Float32Array, dy), weight.shape),
    };
    if (bias) grads.bias = new Tensor(convBiasGrad(dy, geom.N, geom.Cin, geom.H * geom.W, "float32"), bias.shape);
    return grads;
  },
});

// ───────────────────────────── linear ─────────────────────────────

interface LinearCache {
  input: Tensor;
  weight: Tensor;
  hasBias: boolean;
}

/** y = x·Wᵀ + b on the kernels: x [rows, in], W [out, in], b [out]? → y [rows, out] (a new array). */
export function linearForwardF32(x: Float32Array, W: Float32Array, b: Float32Array | undefined, rows: number, inF: number, outF: number): Float32Array {
  const { exports, arena } = requireKernels();
  const [px, pw, py, scratch] = arena.layout([x.length * 4, W.length * 4, rows * outF * 4, sgemmScratchBytesOnThreads(rows, outF, inF)]);
  const heap = arena.f32;
  heap.set(x, px / 4);
  heap.set(W, pw / 4);
  if (b) for (let r = 0; r < rows; r++) heap.set(b, py / 4 + r * outF);
  sgemmOnThreads(false, true, rows, outF, inF, 1, px, Math.max(1, inF), pw, Math.max(1, inF), b ? 1 : 0, py, Math.max(1, outF), scratch);
  return copyOutF32(py, rows * outF);
}

/** dx = dy·W on the kernels: dy [rows, out], W [out, in] → a new array dx [rows, in]. */
export function linearInputGradF32(dy: Float32Array, W: Float32Array, rows: number, inF: number, outF: number): Float32Array {
  const { exports, arena } = requireKernels();
  const [pdy, pw, pdx, scratch] = arena.layout([dy.length * 4, W.length * 4, rows * inF * 4, sgemmScratchBytesOnThreads(rows, inF, outF)]);
  const heap = arena.f32;
  heap.set(dy, pdy / 4);
  heap.set(W, pw / 4);
  sgemmOnThreads(false, false, rows, inF, outF, 1, pdy, Math.max(1, outF), pw, Math.max(1, inF), 0, pdx, Math.max(1, inF), scratch);
  return copyOutF32(pdx, rows * inF);
}

/** dW = dyᵀ·x on the kernels: dy [rows, out], x [rows, in] → a new array dW [out, in]. */
export function linearWeightGradF32(dy: Float32Array, x: Float32Array, rows: number, inF: number, outF: number): Float32Array {
  const { exports, arena } = requireKernels();
  const [pdy, px, pdw, scratch] = arena.layout([dy.length * 4, x.length * 4, outF * inF * 4, sgemmScratchBytesOnThreads(outF, inF, rows)]);
  const heap = arena.f32;
  heap.set(dy, pdy / 4);
  heap.set(x, px / 4);
  sgemmOnThreads(true, false, outF, inF, rows, 1, pdy, Math.max(1, outF), px, Math.max(1, inF), 0, pdw, Math.max(1, inF), scratch);
  return copyOutF32(pdw, outF * inF);
}

/** linear on the kernels (float32), the reference for float64: same validation, same result. */
export const linearKernelOp: OpDef<Record<string, never>, LinearCache> = orReference(linearOp, {
  ...linearOp,
  forward(inputs, attrs) {
    const { input, weight, bias } = inputs;
    const { rows, inFeatures, outFeatures, outputShape } = linearShapes(input, weight, bias);
    if (input.dtype !== "float32") return linearOp.forward(inputs, attrs);
    const y = linearForwardF32(input.data as Float32Array, weight.data as Float32Array, bias?.data as Float32Array | undefined, rows, inFeatures, outFeatures);
    return { outputs: { output: new Tensor(y, outputShape) }, cache: { input, weight, hasBias: bias !== undefined } };
  },
  backward(upstream, cache, attrs, needed) {
    const { input, weight, hasBias } = cache;
    const { rows, inFeatures, outFeatures, outputShape } = linearShapes(input, weight);
    if (input.dtype !== "float32") return linearOp.backward!(upstream, cache, attrs);
    const g = checkUpstream("linear", upstream.output, outputShape, input);
    const dW = linearWeightGradF32(g as Float32Array, input.data as Float32Array, rows, inFeatures, outFeatures);
    const grads: Tensors = { weight: new Tensor(dW, weight.shape) };
    if (hasBias) {
      // db = Σ over rows of dy, accumulated in float64.
      const db = allocate("float32", outFeatures) as FloatArray;
      for (let j = 0; j < outFeatures; j++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += g[r * outFeatures + j];
        db[j] = sum;
      }
      grads.bias = new Tensor(db, [outFeatures]);
    }
    if (!needed || needed.has("input")) grads.input = new Tensor(linearInputGradF32(g as Float32Array, weight.data as Float32Array, rows, inFeatures, outFeatures), input.shape);
    return grads;
  },
});

// ───────────────────────────── relu ─────────────────────────────

/** relu on the kernels: x [any shape] (flat float32) → a new array max(x, 0) (NaN stays NaN, −0 gives +0, as the reference). */
export function reluF32(x: Float32Array): Float32Array {
  const { exports, arena } = requireKernels();
  const [px, py] = arena.layout([x.length * 4, x.length * 4]);
  arena.f32.set(x, px / 4);
  exports.reluForward(px, x.length, py);
  return copyOutF32(py, x.length);
}

/** relu's backward on the kernels: dx = (x ≤ 0) ? 0 : dy (a new array; dy passes at NaN, as the reference). */
export function reluBackwardF32(dy: Float32Array, x: Float32Array): Float32Array {
  const { exports, arena } = requireKernels();
  const [pdy, px, pdx] = arena.layout([dy.length * 4, x.length * 4, x.length * 4]);
  const heap = arena.f32;
  heap.set(dy, pdy / 4);
  heap.set(x, px / 4);
  exports.reluBackward(pdy, px, x.length, pdx);
  return copyOutF32(pdx, x.length);
}

/** relu on the kernels (float32), the reference for float64; the reference's checks and messages. */
export const reluKernelOp: OpDef<Record<string, never>, Tensor> = orReference(reluOp, {
  ...reluOp,
  forward(inputs, attrs) {
    const { input } = inputs;
    floatData("relu", "input", input);
    if (input.dtype !== "float32") return reluOp.forward(inputs, attrs);
    return { outputs: { output: new Tensor(reluF32(input.data as Float32Array), input.shape) }, cache: input };
  },
  backward(upstream, x, attrs) {
    if (x.dtype !== "float32") return reluOp.backward!(upstream, x, attrs);
    // errors.ts's checkUpstream: the checks of activations.ts's private helper, in its order.
    const dy = checkUpstream("relu", upstream.output, x.shape, x) as Float32Array;
    return { input: new Tensor(reluBackwardF32(dy, x.data as Float32Array), x.shape) };
  },
});

// ───────────────────────────── max_pool2d ─────────────────────────────

interface MaxPoolCache {
  input: Tensor;
  indices: Tensor;
}

/**
 * max_pool2d's backward on the kernels: dy [..., Ho, Wo] added at the
 * forward's arg-max `indices` of each window → dx of the input's shape (a new
 * array). dy is checked by errors.ts's `checkUpstream`, the same checks in the
 * same order as the reference's private helper in pool.ts (a spec holds the
 * messages equal).
 */
export function maxPool2dBackwardF32(dy: Tensor, input: Tensor, indices: Tensor): Float32Array {
  const g = checkUpstream("max_pool2d", dy, indices.shape, input) as Float32Array;
  const H = input.shape[input.rank - 2], W = input.shape[input.rank - 1];
  const planes = input.size / Math.max(1, H * W);
  const { exports, arena } = requireKernels();
  const [pdy, pi, pdx] = arena.layout([g.length * 4, g.length * 4, input.size * 4]);
  arena.f32.set(g, pdy / 4);
  arena.i32.set(indices.data as Int32Array, pi / 4);
  exports.maxPool2dBackward(pdy, pi, planes, g.length / Math.max(1, planes), H * W, pdx);
  return copyOutF32(pdx, input.size);
}

/**
 * max_pool2d on the kernels (float32), the reference for float64. Validates
 * as the reference's maxPool2d: attributes by its own `maxPool2dAttrs`, then
 * the same checks and messages for the input's rank and the output size.
 */
export const maxPool2dKernelOp: OpDef<MaxPool2dAttrs, MaxPoolCache> = orReference(maxPool2dOp, {
  ...maxPool2dOp,
  forward(inputs, attrs) {
    const { input } = inputs;
    if (!input || input.dtype !== "float32") return maxPool2dOp.forward(inputs, attrs);
    const op = "max_pool2d";
    const a = maxPool2dAttrs(attrs as unknown as Record<string, unknown>);
    expectRank(op, "input", input, [3, 4], "[N, C, H, W] or [C, H, W]");
    const lead = input.shape.slice(0, -2);
    const planes = lead.reduce((p, d) => p * d, 1);
    const H = input.shape[input.rank - 2], W = input.shape[input.rank - 1];
    const [kH, kW] = a.kernel_size, [sH, sW] = a.stride, [pH, pW] = a.padding, [dH, dW] = a.dilation;
    const Ho = pooledLength(H, kH, sH, pH, dH, a.ceil_mode);
    const Wo = pooledLength(W, kW, sW, pW, dW, a.ceil_mode);
    if (Ho < 1 || Wo < 1) {
      fail(op, "input", "a height and width that give an output of at least 1×1 with these attributes", `shape ${shapeString(input.shape)}, which gives ${Ho}×${Wo}`);
    }
    const { exports, arena } = requireKernels();
    const outLength = planes * Ho * Wo;
    const [px, py, pi] = arena.layout([input.size * 4, outLength * 4, outLength * 4]);
    arena.f32.set(input.data as Float32Array, px / 4);
    exports.maxPool2dForward(px, planes, H, W, kH, kW, sH, sW, pH, pW, dH, dW, Ho, Wo, py, pi);
    const shape = [...lead, Ho, Wo];
    const output = new Tensor(copyOutF32(py, outLength), shape);
    const indices = new Tensor(copyOutI32(pi, outLength), shape);
    const outputs: Tensors = a.return_indices ? { output, indices } : { output };
    return { outputs, cache: { input, indices } };
  },
  backward(upstream, cache, attrs) {
    const { input, indices } = cache;
    if (input.dtype !== "float32") return maxPool2dOp.backward!(upstream, cache, attrs);
    return { input: new Tensor(maxPool2dBackwardF32(upstream.output, input, indices), input.shape) };
  },
});

/** Every op with a kernel, for `registerKernels`. */
export const kernelOps: OpDef[] = [conv2dKernelOp, convTranspose2dKernelOp, linearKernelOp, reluKernelOp, maxPool2dKernelOp];
