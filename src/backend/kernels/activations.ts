/**
 * relu on the WebAssembly kernels (assembly/elementwise.ts), forward and
 * backward; the reference's checks and messages (`floatData`, and
 * errors.ts's `checkUpstream` as ../../ops/activations.ts calls it). Float64
 * inputs run the reference.
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream, floatData } from "../../errors.js";
import type { OpDef } from "../../ops/op.js";
import { reluOp } from "../../ops/activations.js";
import { requireKernels } from "../wasm.js";
import { copyOutF32, orReference } from "./arena.js";

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
