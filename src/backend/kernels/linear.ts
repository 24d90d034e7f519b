/**
 * linear on the WebAssembly kernels: three SGEMMs, y = x·Wᵀ, dx = dy·W,
 * dW = dyᵀ·x (the threads' SGEMM of ../parallel_kernels.ts); shapes and
 * checks are the reference's (`linearShapes`, `checkUpstream`) and so is the
 * bias gradient (`linearBiasGrad`). dx only when the caller needs it (the
 * graph never needs a network input's gradient: a third of the first
 * layer's GEMM work). Float64 inputs run the reference.
 */
import { Tensor, type FloatArray, type Shape } from "../../tensor.js";
import { checkUpstream } from "../../errors.js";
import type { OpDef, Tensors } from "../../ops/op.js";
import { linearBiasGrad, linearOp, linearShapes } from "../../ops/linear.js";
import { requireKernels } from "../wasm.js";
import { sgemmOnThreads, sgemmScratchBytesOnThreads } from "../parallel_kernels.js";
import { finishOutput, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput } from "./arena.js";

interface LinearCache {
  input: Tensor;
  weight: Tensor;
  hasBias: boolean;
}

/**
 * C = op(A)·op(B) [m, n] on the kernels, a Tensor of `shape` (resident inside
 * a tidy scope: ./arena.ts): A and B read in place when resident, else copied
 * into the arena; the threads' SGEMM (α = 1); with `bias` [n] each row of C
 * starts as the bias (β = 1), else β = 0.
 */
function productF32(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Tensor, lda: number, b: Tensor, ldb: number, bias: Tensor | undefined, shape: Shape): Tensor {
  const { arena } = requireKernels();
  const c = planOutput(shape);
  const [pa, pb, pc, scratch] = arena.layout([inputBytes(a), inputBytes(b), outputBytes(c), sgemmScratchBytesOnThreads(m, n, k)]);
  const aAt = placeInput(a, pa), bAt = placeInput(b, pb), cAt = outputPointer(c, pc);
  if (bias) {
    const heap = arena.f32, row = bias.data as Float32Array;
    for (let r = 0; r < m; r++) heap.set(row, cAt / 4 + r * n);
  }
  sgemmOnThreads(transA, transB, m, n, k, 1, aAt, lda, bAt, ldb, bias ? 1 : 0, cAt, Math.max(1, n), scratch);
  return finishOutput(c, pc);
}

/** y = x·Wᵀ + b on the kernels: x [rows, in], W [out, in], b [out]? → y of `shape` ([…, out], rows·out elements). */
export function linearForwardF32(x: Tensor, W: Tensor, b: Tensor | undefined, rows: number, inF: number, outF: number, shape: Shape): Tensor {
  return productF32(false, true, rows, outF, inF, x, Math.max(1, inF), W, Math.max(1, inF), b, shape);
}

/** dx = dy·W on the kernels: dy [rows, out], W [out, in] → dx of `shape` (the input's, rows·in elements). */
export function linearInputGradF32(dy: Tensor, W: Tensor, rows: number, inF: number, outF: number, shape: Shape): Tensor {
  return productF32(false, false, rows, inF, outF, dy, Math.max(1, outF), W, Math.max(1, inF), undefined, shape);
}

/** dW = dyᵀ·x on the kernels: dy [rows, out], x [rows, in] → dW [out, in]. */
export function linearWeightGradF32(dy: Tensor, x: Tensor, rows: number, inF: number, outF: number): Tensor {
  return productF32(true, false, outF, inF, rows, dy, Math.max(1, outF), x, Math.max(1, inF), undefined, [outF, inF]);
}

/** linear on the kernels (float32), the reference for float64: same validation, same result. */
export const linearKernelOp: OpDef<Record<string, never>, LinearCache> = orReference(linearOp, {
  ...linearOp,
  forward(inputs, attrs) {
    const { input, weight, bias } = inputs;
    const { rows, inFeatures, outFeatures, outputShape } = linearShapes(input, weight, bias);
    if (input.dtype !== "float32") return linearOp.forward(inputs, attrs);
    const y = linearForwardF32(input, weight, bias, rows, inFeatures, outFeatures, outputShape);
    return { outputs: { output: y }, cache: { input, weight, hasBias: bias !== undefined } };
  },
  backward(upstream, cache, attrs, needed) {
    const { input, weight, hasBias } = cache;
    const { rows, inFeatures, outFeatures, outputShape } = linearShapes(input, weight);
    if (input.dtype !== "float32") return linearOp.backward!(upstream, cache, attrs);
    checkUpstream("linear", upstream.output, outputShape, input);
    const dy = upstream.output;
    const grads: Tensors = { weight: linearWeightGradF32(dy, input, rows, inFeatures, outFeatures) };
    // dy's data read now, after the kernel call (a view taken before it may have been detached by a grow).
    if (hasBias) grads.bias = new Tensor(linearBiasGrad(dy.data as FloatArray, rows, outFeatures, "float32"), [outFeatures]);
    if (!needed || needed.has("input")) grads.input = linearInputGradF32(dy, weight, rows, inFeatures, outFeatures, input.shape);
    return grads;
  },
});
