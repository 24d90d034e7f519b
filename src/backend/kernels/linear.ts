/**
 * linear on the WebAssembly kernels: three SGEMMs, y = x·Wᵀ, dx = dy·W,
 * dW = dyᵀ·x (the threads' SGEMM of ../parallel_kernels.ts); shapes and
 * checks are the reference's (`linearShapes`, `checkUpstream`) and so is the
 * bias gradient (`linearBiasGrad`). dx only when the caller needs it (the
 * graph never needs a network input's gradient: a third of the first
 * layer's GEMM work). Float64 inputs run the reference.
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream } from "../../errors.js";
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

/**
 * C = op(A)·op(B) [m, n] on the kernels (a new array): A and B copied into
 * the arena, the threads' SGEMM (α = 1), C copied out; with `bias` [n] each
 * row of C starts as the bias (β = 1), else β = 0.
 */
function productF32(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, lda: number, b: Float32Array, ldb: number, bias?: Float32Array): Float32Array {
  const { arena } = requireKernels();
  const [pa, pb, pc, scratch] = arena.layout([a.length * 4, b.length * 4, m * n * 4, sgemmScratchBytesOnThreads(m, n, k)]);
  const heap = arena.f32;
  heap.set(a, pa / 4);
  heap.set(b, pb / 4);
  if (bias) for (let r = 0; r < m; r++) heap.set(bias, pc / 4 + r * n);
  sgemmOnThreads(transA, transB, m, n, k, 1, pa, lda, pb, ldb, bias ? 1 : 0, pc, Math.max(1, n), scratch);
  return copyOutF32(pc, m * n);
}

/** y = x·Wᵀ + b on the kernels: x [rows, in], W [out, in], b [out]? → y [rows, out] (a new array). */
export function linearForwardF32(x: Float32Array, W: Float32Array, b: Float32Array | undefined, rows: number, inF: number, outF: number): Float32Array {
  return productF32(false, true, rows, outF, inF, x, Math.max(1, inF), W, Math.max(1, inF), b);
}

/** dx = dy·W on the kernels: dy [rows, out], W [out, in] → a new array dx [rows, in]. */
export function linearInputGradF32(dy: Float32Array, W: Float32Array, rows: number, inF: number, outF: number): Float32Array {
  return productF32(false, false, rows, inF, outF, dy, Math.max(1, outF), W, Math.max(1, inF));
}

/** dW = dyᵀ·x on the kernels: dy [rows, out], x [rows, in] → a new array dW [out, in]. */
export function linearWeightGradF32(dy: Float32Array, x: Float32Array, rows: number, inF: number, outF: number): Float32Array {
  return productF32(true, false, outF, inF, rows, dy, Math.max(1, outF), x, Math.max(1, inF));
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
