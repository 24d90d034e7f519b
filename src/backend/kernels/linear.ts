/**
 * linear on the WebAssembly kernels: three SGEMMs, y = x·Wᵀ, dx = dy·W,
 * dW = dyᵀ·x (the threads' SGEMM of ../parallel_kernels.ts); shapes and
 * checks are the reference's (`linearShapes`, `checkUpstream`) and so is the
 * bias gradient (`linearBiasGrad`). dx only when the caller needs it (the
 * graph never needs a network input's gradient: a third of the first
 * layer's GEMM work). Float64 inputs run the reference.
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream } from "../../ops/errors.js";
import type { OpDef, Tensors } from "../../ops/op.js";
import { linearBiasGrad, linearOp, linearShapes } from "../../ops/linear.js";
import { requireKernels } from "../wasm.js";
import { sgemmOnThreads, sgemmScratchBytesOnThreads } from "../parallel_kernels.js";
import { copyOutF32, orReference } from "./arena.js";

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
    if (hasBias) grads.bias = new Tensor(linearBiasGrad(g, rows, outFeatures, "float32"), [outFeatures]);
    if (!needed || needed.has("input")) grads.input = new Tensor(linearInputGradF32(g as Float32Array, weight.data as Float32Array, rows, inFeatures, outFeatures), input.shape);
    return grads;
  },
});
