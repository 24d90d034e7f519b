/**
 * Global average pooling on the WebAssembly kernels (assembly/pool.ts):
 * adaptive_avg_pool2d whose output is 1×1 (the head of ResNet and its kin),
 * forward and backward, bit-equal to the reference (the same f64 sum in the
 * same order). The call is checked by the reference's `floatData` and
 * `adaptiveSizes`, the upstream by errors.ts's `checkUpstream` as the
 * reference does; other output sizes and float64 run the reference.
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream, floatData } from "../../errors.js";
import type { OpDef } from "../../ops/op.js";
import { adaptiveAvgPool2dOp, adaptiveSizes, type AdaptiveAvgPool2dAttrs } from "../../ops/avg_pool2d.js";
import { requireKernels } from "../wasm.js";
import { rangeOnThreads } from "../parallel_kernels.js";
import { finishOutput, residentInScope, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput } from "./arena.js";

/** The planes of a 1×1 adaptive pooling of `input` (float32), or null when the call is not one. */
function globalPlanes(input: Tensor, a: AdaptiveAvgPool2dAttrs): { planes: number; HW: number; outShape: number[] } | null {
  floatData("adaptive_avg_pool2d", "input", input);
  const { planes, H, W, lead, Ho, Wo } = adaptiveSizes(input, a);
  if (input.dtype !== "float32" || Ho !== 1 || Wo !== 1) return null;
  return { planes, HW: H * W, outShape: [...lead, 1, 1] };
}

/** adaptive_avg_pool2d on the kernels when the output is 1×1 (float32), else the reference; the reference's checks. */
export const adaptiveAvgPool2dKernelOp: OpDef<AdaptiveAvgPool2dAttrs, Tensor> = orReference(adaptiveAvgPool2dOp, {
  ...adaptiveAvgPool2dOp,
  forward(inputs, attrs) {
    const { input } = inputs;
    const global = input ? globalPlanes(input, attrs) : null;
    if (!global) {
      const { outputs, cache } = adaptiveAvgPool2dOp.forward(inputs, attrs);
      return { outputs: residentInScope(outputs), cache };
    }
    const { planes, HW, outShape } = global;
    const { arena } = requireKernels();
    const y = planOutput(outShape);
    const [px, py] = arena.layout([inputBytes(input), outputBytes(y)]);
    const xAt = placeInput(input, px), yAt = outputPointer(y, py);
    rangeOnThreads("globalAvgPoolForward", planes, 1, input.size, (s, e) => [xAt + 4 * s * HW, e - s, HW, yAt + 4 * s]);
    return { outputs: { output: finishOutput(y, py) }, cache: input };
  },
  backward(upstream, input, attrs) {
    const global = globalPlanes(input, attrs);
    if (!global) return adaptiveAvgPool2dOp.backward!(upstream, input, attrs);
    const { planes, HW, outShape } = global;
    checkUpstream("adaptive_avg_pool2d", upstream.output, outShape, input);
    const { arena } = requireKernels();
    const dx = planOutput(input.shape);
    const [pdy, pdx] = arena.layout([inputBytes(upstream.output), outputBytes(dx)]);
    const dyAt = placeInput(upstream.output, pdy), dxAt = outputPointer(dx, pdx);
    rangeOnThreads("globalAvgPoolBackward", planes, 1, input.size, (s, e) => [dyAt + 4 * s, e - s, HW, dxAt + 4 * s * HW]);
    return { input: finishOutput(dx, pdx) };
  },
});
