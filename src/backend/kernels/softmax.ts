/**
 * softmax and log_softmax on the WebAssembly kernels (assembly/softmax.ts),
 * forward and backward, for float32 along a dimension whose slices are
 * contiguous rows: the last one, or any one followed only by dimensions of
 * size 1. Other dimensions, float64 and empty tensors run the reference.
 *
 * 002 "Deep Neural Nets - Adaptations": softmax(z)ᵢ = exp(zᵢ) / Σₖ exp(zₖ);
 * the stable form, the backward formulas and the NaN rules are the
 * reference's (../../ops/activations.ts). The kernels compute in f64 with the
 * reference's operations in its order and an exp with the bits of the
 * engine's Math.exp (assembly/exp_f64.ts); log1p, once per row, is the
 * engine's own, called here between two kernel calls. So every result is
 * bit-equal to the reference (spec/backend/backends.spec.ts, BIT_EQUAL, and
 * spec/backend/softmax.spec.ts). The checks and messages are the reference's
 * (`floatData`, `resolveDim`, `checkUpstream`), in its order.
 */
import { Tensor } from "../../tensor.js";
import { checkUpstream, floatData } from "../../errors.js";
import type { OpDef } from "../../ops/op.js";
import { implicitSoftmaxDim, logSoftmaxOp, resolveDim, softmaxOp, type SoftmaxAttrs } from "../../ops/activations.js";
import { requireKernels } from "../wasm.js";
import { finishOutput, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput, residentInScope } from "./arena.js";

/** `x` as rows × C for a softmax along `dim` (already resolved), or null when the slices are not contiguous rows (or x is empty). */
function rowsAlong(x: Tensor, dim: number): { rows: number; C: number } | null {
  if (x.size === 0) return null;
  if (x.rank === 0) return { rows: 1, C: 1 };
  for (let d = dim + 1; d < x.rank; d++) if (x.shape[d] !== 1) return null;
  const C = x.shape[dim];
  return { rows: x.size / C, C };
}

/** The resolved dim of a softmax call, with the reference's message for a bad one. */
function resolved(op: string, t: Tensor, a: SoftmaxAttrs): number {
  return resolveDim(op, a.dim ?? implicitSoftmaxDim(t.rank), t.rank);
}

/**
 * Replaces each row's s (f64 pairs (m, s) at byte offset `stats`) by L = log1p(s),
 * or NaN where the reference's row is NaN (m not finite, or s NaN).
 */
export function rowLogNormalizers(stats: number, rows: number): void {
  const v = new Float64Array(requireKernels().arena.memory.buffer, stats, rows * 2);
  for (let r = 0; r < rows; r++) {
    const m = v[2 * r], s = v[2 * r + 1];
    v[2 * r + 1] = !Number.isFinite(m) || Number.isNaN(s) ? NaN : Math.log1p(s);
  }
}

/** softmax of x [rows, C] (float32) along its rows, on the kernels; resident inside a tidy scope (./arena.ts). */
export function softmaxF32(x: Tensor, rows: number, C: number): Tensor {
  const { exports, arena } = requireKernels();
  const y = planOutput(x.shape);
  const [px, py, scratch] = arena.layout([inputBytes(x), outputBytes(y), C * 8]);
  exports.softmaxForward(placeInput(x, px), rows, C, outputPointer(y, py), scratch);
  return finishOutput(y, py);
}

/** log_softmax of x [rows, C] (float32) along its rows, on the kernels. */
export function logSoftmaxF32(x: Tensor, rows: number, C: number): Tensor {
  const { exports, arena } = requireKernels();
  const y = planOutput(x.shape);
  const [pxRegion, py, stats, scratch] = arena.layout([inputBytes(x), outputBytes(y), rows * 16, C * 8]);
  const px = placeInput(x, pxRegion);
  exports.softmaxRowStats(px, rows, C, stats, scratch);
  rowLogNormalizers(stats, rows);
  exports.logSoftmaxForward(px, rows, C, stats, outputPointer(y, py));
  return finishOutput(y, py);
}

/** The backward of softmax (`log` false: dz = y ⊙ (g − Σ g⊙y)) or log_softmax (`log`: dz = g − exp(l)·Σ g) over rows. */
function backwardF32(dy: Tensor, saved: Tensor, rows: number, C: number, log: boolean): Tensor {
  const { exports, arena } = requireKernels();
  const dz = planOutput(saved.shape);
  const [pdyRegion, psRegion, pdz] = arena.layout([inputBytes(dy), inputBytes(saved), outputBytes(dz)]);
  const pdy = placeInput(dy, pdyRegion), ps = placeInput(saved, psRegion);
  if (log) exports.logSoftmaxBackward(pdy, ps, rows, C, outputPointer(dz, pdz));
  else exports.softmaxBackward(pdy, ps, rows, C, outputPointer(dz, pdz));
  return finishOutput(dz, pdz);
}

/** The kernel OpDef of softmax (`log` false) or log_softmax (`log` true): the reference for what the kernels do not cover. */
function softmaxKernelOpFor(reference: OpDef<SoftmaxAttrs, Tensor>, log: boolean): OpDef<SoftmaxAttrs, Tensor> {
  const op = reference.name;
  return orReference(reference, {
    ...reference,
    forward(inputs, a) {
      const { input } = inputs;
      floatData(op, "input", input);
      const shape = input.dtype === "float32" ? rowsAlong(input, resolved(op, input, a)) : null;
      if (!shape) {
        const { output } = residentInScope(reference.forward(inputs, a).outputs); // resident in a scope, as a kernel's result
        return { outputs: { output }, cache: output };
      }
      const output = log ? logSoftmaxF32(input, shape.rows, shape.C) : softmaxF32(input, shape.rows, shape.C);
      return { outputs: { output }, cache: output };
    },
    backward(upstream, saved, a) {
      if (saved.dtype !== "float32") return reference.backward!(upstream, saved, a);
      checkUpstream(op, upstream.output, saved.shape, saved);
      const shape = rowsAlong(saved, resolved(op, saved, a));
      if (!shape) return residentInScope(reference.backward!(upstream, saved, a));
      return { input: backwardF32(upstream.output, saved, shape.rows, shape.C, log) };
    },
  });
}

/** softmax on the kernels (float32, contiguous rows), the reference otherwise. */
export const softmaxKernelOp = softmaxKernelOpFor(softmaxOp, false);

/** log_softmax on the kernels (float32, contiguous rows), the reference otherwise. */
export const logSoftmaxKernelOp = softmaxKernelOpFor(logSoftmaxOp, true);
