/**
 * conv_transpose2d on the WebAssembly kernels: conv2d's adjoint. Its forward
 * is conv2d's input gradient, its input gradient conv2d's forward, its weight
 * gradient conv2d's weight gradient with image and upstream swapped (the
 * kernels of ./conv2d.ts on the adjoint geometry of
 * ../../ops/conv_transpose2d.ts's `convTranspose2dGeometry`); the bias
 * gradient is the reference's `convBiasGrad`. Float64 inputs run the reference.
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream } from "../../errors.js";
import type { OpDef, Tensors } from "../../ops/op.js";
import { convBiasGrad, type ConvCache } from "../../ops/conv2d.js";
import { convTranspose2dOp, convTranspose2dGeometry, type ConvTranspose2dAttrs } from "../../ops/conv_transpose2d.js";
import { conv2dForwardF32, conv2dInputGradF32, conv2dWeightGradF32 } from "./conv2d.js";
import { orReference } from "./arena.js";

/** conv_transpose2d on the kernels (float32) through conv2d's adjoint geometry; the reference for float64. */
export const convTranspose2dKernelOp: OpDef<ConvTranspose2dAttrs, ConvCache> = orReference(convTranspose2dOp, {
  ...convTranspose2dOp,
  forward(inputs, attrs) {
    const { input, weight, bias } = inputs;
    const { geom, outputShape } = convTranspose2dGeometry(input, weight, bias, attrs);
    if (input.dtype !== "float32") return convTranspose2dOp.forward(inputs, attrs);
    // The adjoint conv2d's input gradient with `input` as its upstream.
    const output = conv2dInputGradF32(geom, input, weight, outputShape);
    if (bias) {
      const y = output.data, b = bias.data; // read after the kernel call
      const plane = geom.H * geom.W; // the adjoint conv2d's input is this op's output
      for (let nc = 0; nc < geom.N * geom.Cin; nc++) {
        const bc = b[nc % geom.Cin];
        for (let e = nc * plane; e < (nc + 1) * plane; e++) y[e] += bc;
      }
    }
    return { outputs: { output }, cache: { input, weight, bias } };
  },
  backward(upstream, cache, attrs) {
    const { input, weight, bias } = cache;
    const { geom, outputShape } = convTranspose2dGeometry(input, weight, bias, attrs);
    if (input.dtype !== "float32") return convTranspose2dOp.backward!(upstream, cache, attrs);
    checkUpstream("conv_transpose2d", upstream.output, outputShape, input);
    const dy = upstream.output;
    const grads: Tensors = {
      input: conv2dForwardF32(geom, dy, weight, undefined, input.shape),
      // The adjoint conv2d's weight gradient: its upstream is our input, its image is dy.
      weight: conv2dWeightGradF32(geom, input, dy, weight.shape),
    };
    if (bias) grads.bias = new Tensor(convBiasGrad(dy.data as Float32Array, geom.N, geom.Cin, geom.H * geom.W, "float32"), bias.shape);
    return grads;
  },
});
