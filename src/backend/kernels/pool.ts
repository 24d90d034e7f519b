/**
 * max_pool2d on the WebAssembly kernels (assembly/pool.ts), forward and
 * backward. Attributes, the input's rank and the output size are checked by
 * the reference's own functions (`maxPool2dAttrs` in ../../ops/max_pool2d.ts,
 * `pooledPlanes` in ../../ops/pool_window.ts), the upstream by errors.ts's `checkUpstream`
 * as the reference does. Float64 inputs run the reference.
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream } from "../../errors.js";
import type { OpDef, Tensors } from "../../ops/op.js";
import { maxPool2dAttrs, maxPool2dOp, type MaxPool2dAttrs } from "../../ops/max_pool2d.js";
import { pooledPlanes } from "../../ops/pool_window.js";
import { requireKernels } from "../wasm.js";
import { rangeOnThreads } from "../parallel_kernels.js";
import { copyOutI32, finishOutput, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput } from "./arena.js";

interface MaxPoolCache {
  input: Tensor;
  indices: Tensor;
}

/**
 * max_pool2d's backward on the kernels: dy [..., Ho, Wo] added at the
 * forward's arg-max `indices` of each window → dx of the input's shape
 * (resident inside a tidy scope: ./arena.ts). dy is checked by errors.ts's
 * `checkUpstream` with the arguments the reference's `maxPool2dBackward`
 * passes it (a spec holds the messages equal).
 */
export function maxPool2dBackwardF32(dy: Tensor, input: Tensor, indices: Tensor): Tensor {
  checkUpstream("max_pool2d", dy, indices.shape, input);
  const H = input.shape[input.rank - 2], W = input.shape[input.rank - 1];
  const planes = input.size / Math.max(1, H * W);
  const { arena } = requireKernels();
  const dx = planOutput(input.shape);
  const [pdy, pi, pdx] = arena.layout([inputBytes(dy), dy.size * 4, outputBytes(dx)]);
  const dyAt = placeInput(dy, pdy);
  arena.i32.set(indices.data as Int32Array, pi / 4);
  const perPlane = dy.size / Math.max(1, planes), HW = H * W, dxAt = outputPointer(dx, pdx);
  rangeOnThreads("maxPool2dBackward", planes, 1, 2 * dy.size + input.size, (s, e) => [dyAt + 4 * s * perPlane, pi + 4 * s * perPlane, e - s, perPlane, HW, dxAt + 4 * s * HW]);
  return finishOutput(dx, pdx);
}

/**
 * max_pool2d on the kernels (float32), the reference for float64. Validates
 * with the reference's own functions: `maxPool2dAttrs`, then `pooledPlanes`
 * (the input's rank and the output size), in the reference's order. The
 * output is resident inside a tidy scope (./arena.ts); the indices (int32)
 * are always a plain array.
 */
export const maxPool2dKernelOp: OpDef<MaxPool2dAttrs, MaxPoolCache> = orReference(maxPool2dOp, {
  ...maxPool2dOp,
  forward(inputs, attrs) {
    const { input } = inputs;
    if (!input || input.dtype !== "float32") return maxPool2dOp.forward(inputs, attrs);
    const op = "max_pool2d";
    const a = maxPool2dAttrs(attrs as unknown as Record<string, unknown>);
    const { planes, H, W, lead, Ho, Wo } = pooledPlanes(op, input, a.kernel_size, a.stride, a.padding, a.dilation, a.ceil_mode);
    const [kH, kW] = a.kernel_size, [sH, sW] = a.stride, [pH, pW] = a.padding, [dH, dW] = a.dilation;
    const { arena } = requireKernels();
    const shape = [...lead, Ho, Wo];
    const y = planOutput(shape);
    const [px, py, pi] = arena.layout([inputBytes(input), outputBytes(y), y.length * 4]);
    const xAt = placeInput(input, px), yAt = outputPointer(y, py);
    rangeOnThreads("maxPool2dForward", planes, 1, input.size + 2 * y.length, (s, e) =>
      [xAt + 4 * s * H * W, e - s, H, W, kH, kW, sH, sW, pH, pW, dH, dW, Ho, Wo, yAt + 4 * s * Ho * Wo, pi + 4 * s * Ho * Wo]);
    const output = finishOutput(y, py);
    const indices = new Tensor(copyOutI32(pi, y.length), shape);
    const outputs: Tensors = a.return_indices ? { output, indices } : { output };
    return { outputs, cache: { input, indices } };
  },
  backward(upstream, cache, attrs) {
    const { input, indices } = cache;
    if (input.dtype !== "float32") return maxPool2dOp.backward!(upstream, cache, attrs);
    return { input: maxPool2dBackwardF32(upstream.output, input, indices) };
  },
});
