/**
 * batch_norm on the WebAssembly kernels (assembly/batch_norm.ts), training
 * and evaluation forward and the backward. The call is checked by the
 * reference's own `batchNormCall`, and the reference's `channelScales` and
 * `updatedRunningStats` compute the per-channel values; the kernels do the
 * per-element work in f64 with the reference's operations in its order, so
 * every result is bit-equal to the reference (spec/backend/backends.spec.ts
 * holds it so). The cache is the reference's, with x̂ computed only if the
 * reference's backward asks for it (an arena too small for the backward).
 * Float64 inputs run the reference.
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream } from "../../errors.js";
import type { OpDef, Tensors } from "../../ops/op.js";
import { batchNormCall, batchNormOp, channelScales, updatedRunningStats, type BatchNormAttrs, type BatchNormCache } from "../../ops/norm.js";
import { requireKernels } from "../wasm.js";
import { copyOutF32, finishOutput, residentInScope, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput } from "./arena.js";

/** The reference's cache plus the mean the forward normalized with; x̂ is computed on first read. */
interface KernelBatchNormCache extends BatchNormCache {
  mean: Float64Array;
}

/** A BatchNormCache whose x̂ = (x − mean)·invStd (float64, as the reference stores it) is computed when first read. */
function lazyCache(input: Tensor, mean: Float64Array, invStd: Float64Array, gamma: Float64Array, training: boolean, hasWeight: boolean, hasBias: boolean): KernelBatchNormCache {
  let xhat: Float64Array | undefined;
  return {
    input, mean, invStd, gamma, training, hasWeight, hasBias,
    get xhat(): Float64Array {
      if (!xhat) {
        const x = input.data, C = mean.length, S = input.size / Math.max(1, input.shape[0] * C);
        xhat = new Float64Array(input.size);
        for (let k = 0; k < xhat.length; k++) {
          const c = Math.floor(k / S) % C;
          xhat[k] = (x[k] - mean[c]) * invStd[c];
        }
      }
      return xhat;
    },
  };
}

/** `values` [C] into the arena at byte offset `ptr` as float64. */
function f64In(ptr: number, values: ArrayLike<number>): void {
  new Float64Array(requireKernels().arena.memory.buffer, ptr, values.length).set(values);
}

/** batch_norm on the kernels (float32), the reference for float64; the reference's checks and messages. */
export const batchNormKernelOp: OpDef<BatchNormAttrs, BatchNormCache> = orReference(batchNormOp, {
  ...batchNormOp,
  forward(inputs, attrs) {
    const { input, running_mean, running_var, weight, bias } = inputs;
    if (!input || input.dtype !== "float32") return batchNormOp.forward(inputs, attrs);
    const operands = { running_mean, running_var, weight, bias };
    const C = batchNormCall(input, operands, attrs).C; // the reference's checks, before anything is laid out
    const { exports, arena } = requireKernels();
    const y = planOutput(input.shape);
    const [pxRegion, py, pmean, pvar, pinv, pgamma, pbeta] = arena.layout([inputBytes(input), outputBytes(y), C * 8, C * 8, C * 8, C * 8, C * 8]);
    // Every operand's data is read only now, after the layout (./arena.ts): resident
    // statistics, γ and β are views of the kernels' memory, which the layout may have grown.
    const call = batchNormCall(input, operands, attrs);
    const { a, N, S, rm, rv, w, b } = call;
    const px = placeInput(input, pxRegion);
    let mean: Float64Array, variance: Float64Array;
    if (a.training) {
      exports.batchNormStats(px, N, C, S, pmean, pvar);
      mean = new Float64Array(arena.memory.buffer, pmean, C).slice();
      variance = new Float64Array(arena.memory.buffer, pvar, C).slice();
    } else {
      mean = Float64Array.from(rm!);
      variance = Float64Array.from(rv!);
      f64In(pmean, mean);
    }
    const { invStd, gamma } = channelScales(variance, w, a.eps);
    f64In(pinv, invStd);
    f64In(pgamma, gamma);
    f64In(pbeta, b ? b : new Float64Array(C));
    exports.batchNormForward(px, N, C, S, pmean, pinv, pgamma, pbeta, outputPointer(y, py));
    const outputs: Tensors = { output: finishOutput(y, py) };
    if (rm && rv) Object.assign(outputs, residentInScope(updatedRunningStats(call, mean, variance, "float32")));
    return { outputs, cache: lazyCache(input, mean, invStd, gamma, a.training, w !== undefined, b !== undefined) };
  },
  backward(upstream, cache, attrs) {
    const { input, invStd, gamma } = cache;
    if (input.dtype !== "float32") return batchNormOp.backward!(upstream, cache, attrs);
    checkUpstream("batch_norm", upstream.output, input.shape, input);
    const dy = upstream.output;
    const [N, C] = input.shape, S = input.size / Math.max(1, N * C);
    const { exports, arena } = requireKernels();
    const dx = planOutput(input.shape);
    const [pdyRegion, pxRegion, pdx, pmean, pinv, pgamma, pdg, pdb] = arena.layout([inputBytes(dy), inputBytes(input), outputBytes(dx), C * 8, C * 8, C * 8, C * 4, C * 4]);
    const pdy = placeInput(dy, pdyRegion), px = placeInput(input, pxRegion); // data read only after the layout
    f64In(pmean, (cache as KernelBatchNormCache).mean);
    f64In(pinv, invStd);
    f64In(pgamma, gamma);
    exports.batchNormBackward(pdy, px, N, C, S, pmean, pinv, pgamma, cache.training ? 1 : 0, outputPointer(dx, pdx), pdg, pdb);
    const grads: Tensors = { input: finishOutput(dx, pdx) };
    if (cache.hasWeight) grads.weight = new Tensor(copyOutF32(pdg, C), [C]);
    if (cache.hasBias) grads.bias = new Tensor(copyOutF32(pdb, C), [C]);
    return grads;
  },
});
