/**
 * cross_entropy of logits against class indices on the WebAssembly kernels
 * (assembly/softmax.ts), forward and backward, for float32 input [N, C] (or
 * unbatched [C]) and int32 target [N] (or []): the classifier's loss in
 * training. Spatial inputs [N, C, d…], probability targets and float64 run
 * the reference (../../ops/class_losses.ts).
 *
 * 003 "Multi-Class Case": Eₙ = −Σₖ tₙᵏ ln pₙᵏ, pₙᵏ = softmax(yₙ)ₖ; with a one-hot
 * t, Eₙ = −log p[t] and ∂Eₙ/∂z = p − onehot(t). Label smoothing ε, ignore_index
 * and the reductions are the reference's: lossₙ = (1 − ε)(−log p[t]) − (ε/C) Σ_c log p[c],
 * dz = scale · (p − (1 − ε)·onehot − ε/C) with scale = dy, dy or dy / (kept rows)
 * for "none", "sum", "mean".
 *
 * The row statistics (m, s) and the per-row losses come from the kernels in
 * f64, log1p per row from the engine (./softmax.ts's `rowLogNormalizers`),
 * and the reduction is the reference's own `reduce` over the f64 losses, so
 * the loss and the gradient are bit-equal to the reference. The cache keeps
 * the row statistics (m, L) instead of the f64 log-probabilities; its `logp`
 * (what the reference's backward reads, when the arena is too small for the
 * kernel) is computed from them on first read, with the reference's bits.
 * Checks and messages are the reference's (`classLayout`, `reductionScale`).
 */
import { Tensor } from "../../tensor.js";
import type { OpDef } from "../../ops/op.js";
import { classLayout, countKept, crossEntropyOp, type CrossEntropyAttrs, type CrossEntropyCache } from "../../ops/class_losses.js";
import { isProbabilityTarget } from "../../ops/cross_entropy_probabilities.js";
import { reduce, reductionScale } from "../../ops/reduction.js";
import { requireKernels } from "../wasm.js";
import { finishOutput, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput, residentInScope } from "./arena.js";
import { rowLogNormalizers } from "./softmax.js";

/** The reference's cache, plus the row statistics (m, L) the kernel's backward reads. */
interface KernelCrossEntropyCache extends CrossEntropyCache {
  /** f64 pairs [rows, 2]: the row's maximum m and L = log1p(Σ_{k≠k*} exp(zₖ − m)) (NaN for a NaN row). */
  stats: Float64Array;
}

/** Whether the kernels take this call: float32 logits of rank 1 or 2, not empty, class-index targets, an int32 ignore_index. */
function kernelCase(input: Tensor | undefined, target: Tensor | undefined, a: CrossEntropyAttrs): boolean {
  return input !== undefined && target !== undefined && input.dtype === "float32" && (input.rank === 1 || input.rank === 2) &&
    input.size > 0 && !isProbabilityTarget(target) && a.ignore_index === (a.ignore_index | 0);
}

/** A cache whose `logp` (f64 [rows·C], (z − m) − L) is computed on first read. */
function lazyCache(input: Tensor, target: Tensor, stats: Float64Array, C: number): KernelCrossEntropyCache {
  let logp: Float64Array | undefined;
  return {
    input, target, stats,
    get logp(): Float64Array {
      if (!logp) {
        const z = input.data;
        logp = new Float64Array(z.length);
        for (let i = 0; i < z.length; i++) {
          const r = Math.floor(i / C);
          logp[i] = (z[i] - stats[2 * r]) - stats[2 * r + 1];
        }
      }
      return logp;
    },
  };
}

/** Copies the int32 `target` into the layout at byte offset `ptr`. */
function placeTarget(target: Tensor, ptr: number): number {
  requireKernels().arena.i32.set(target.data as Int32Array, ptr / 4);
  return ptr;
}

/** cross_entropy on the kernels for float32 [N, C] / [C] logits and class indices; the reference otherwise. */
export const crossEntropyKernelOp: OpDef<CrossEntropyAttrs, CrossEntropyCache> = orReference(crossEntropyOp, {
  ...crossEntropyOp,
  forward(inputs, a) {
    const { input, target } = inputs;
    if (!kernelCase(input, target, a)) {
      const { outputs, cache } = crossEntropyOp.forward(inputs, a);
      return { outputs: residentInScope(outputs), cache }; // resident in a scope, as a kernel's result
    }
    const layout = classLayout("cross_entropy", input, target, a.ignore_index); // the reference's checks, before anything is laid out
    const rows = layout.batch, C = layout.classes;
    const { exports, arena } = requireKernels();
    const [pxRegion, ptarget, pstats, plosses, scratch] = arena.layout([inputBytes(input), rows * 4, rows * 16, rows * 8, C * 8]);
    const px = placeInput(input, pxRegion);
    placeTarget(target, ptarget);
    exports.softmaxRowStats(px, rows, C, pstats, scratch);
    rowLogNormalizers(pstats, rows);
    exports.crossEntropyLosses(px, ptarget, rows, C, pstats, a.ignore_index, a.label_smoothing, plosses);
    const losses = new Float64Array(arena.memory.buffer, plosses, rows).slice();
    const stats = new Float64Array(arena.memory.buffer, pstats, rows * 2).slice();
    const t = target.data as Int32Array;
    const output = reduce(losses, layout.positionShape, a.reduction, "float32", countKept(t, a.ignore_index));
    return { outputs: residentInScope({ output }), cache: lazyCache(input, target, stats, C) };
  },
  backward(upstream, cache, a) {
    const { input, target } = cache;
    const stats = (cache as Partial<KernelCrossEntropyCache>).stats;
    if (!stats || !kernelCase(input, target, a)) return residentInScope(crossEntropyOp.backward!(upstream, cache, a));
    const layout = classLayout("cross_entropy", input, target, a.ignore_index);
    const rows = layout.batch, C = layout.classes;
    const count = countKept(target.data as Int32Array, a.ignore_index);
    const scale = reductionScale("cross_entropy", upstream.output, layout.positionShape, a.reduction, "float32", count);
    const perRow = a.reduction === "none";
    const dy = upstream.output;
    const { exports, arena } = requireKernels();
    const dz = planOutput(input.shape);
    const [pxRegion, ptarget, pstats, pdyRegion, pdz] = arena.layout([inputBytes(input), rows * 4, rows * 16, perRow ? inputBytes(dy) : 0, outputBytes(dz)]);
    const px = placeInput(input, pxRegion);
    placeTarget(target, ptarget);
    new Float64Array(arena.memory.buffer, pstats, rows * 2).set(stats);
    const pdy = perRow ? placeInput(dy, pdyRegion) : 0;
    exports.crossEntropyBackward(px, ptarget, rows, C, pstats, a.ignore_index, a.label_smoothing, pdy, perRow ? 1 : 0, perRow ? 0 : scale(0), outputPointer(dz, pdz));
    return { input: finishOutput(dz, pdz) };
  },
});
