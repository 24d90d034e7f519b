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
import { ELEMENT_UNIT, rangeOnThreads } from "../parallel_kernels.js";
import { finishOutput, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput } from "./arena.js";

/** relu on the kernels: x [any shape] (float32) → max(x, 0) of its shape (NaN stays NaN, −0 gives +0, as the reference); resident inside a tidy scope (./arena.ts). */
export function reluF32(x: Tensor): Tensor {
  const { arena } = requireKernels();
  const y = planOutput(x.shape);
  const [px, py] = arena.layout([inputBytes(x), outputBytes(y)]);
  const xAt = placeInput(x, px), yAt = outputPointer(y, py);
  rangeOnThreads("reluForward", x.size, ELEMENT_UNIT, 2 * x.size, (s, e) => [xAt + 4 * s, e - s, yAt + 4 * s]);
  return finishOutput(y, py);
}

/** relu's backward on the kernels: dy and x of one shape → dx = (x ≤ 0) ? 0 : dy (dy passes at NaN, as the reference). */
export function reluBackwardF32(dy: Tensor, x: Tensor): Tensor {
  const { arena } = requireKernels();
  const dx = planOutput(x.shape);
  const [pdy, px, pdx] = arena.layout([inputBytes(dy), inputBytes(x), outputBytes(dx)]);
  const dyAt = placeInput(dy, pdy), xAt = placeInput(x, px), dxAt = outputPointer(dx, pdx);
  rangeOnThreads("reluBackward", x.size, ELEMENT_UNIT, 3 * x.size, (s, e) => [dyAt + 4 * s, xAt + 4 * s, e - s, dxAt + 4 * s]);
  return finishOutput(dx, pdx);
}

/** relu on the kernels (float32), the reference for float64; the reference's checks and messages. */
export const reluKernelOp: OpDef<Record<string, never>, Tensor> = orReference(reluOp, {
  ...reluOp,
  forward(inputs, attrs) {
    const { input } = inputs;
    floatData("relu", "input", input);
    if (input.dtype !== "float32") return reluOp.forward(inputs, attrs);
    return { outputs: { output: reluF32(input) }, cache: input };
  },
  backward(upstream, x, attrs) {
    if (x.dtype !== "float32") return reluOp.backward!(upstream, x, attrs);
    // errors.ts's checkUpstream: the checks of activations.ts's private helper, in its order.
    checkUpstream("relu", upstream.output, x.shape, x);
    return { input: reluBackwardF32(upstream.output, x) };
  },
});
