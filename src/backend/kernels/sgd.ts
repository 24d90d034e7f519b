/**
 * The SGD update's kernel: `sgdStepInPlace` of ../../ops/sgd_step.ts (the one
 * statement of the rule) run by assembly/sgd.ts for float32 arrays (the same
 * f64 arithmetic in the same order, so the results are bit-equal). It is an
 * in-place update: ./index.ts registers it with ../dispatch.ts, and the
 * optimizer asks the dispatch (`resolveUpdate("sgd_step", sgdStepInPlace)`),
 * which hands it out on the wasm backend only.
 *
 * Resident tensors (../resident.ts) are updated in place in the kernels'
 * memory; plain arrays are copied into the arena and back (param and buffer),
 * SGD_CHUNK elements at a time; for the MLP's 100,352 weights
 * that is about 0.12 ms against 0.25–0.4 ms for the JS loop over float32
 * arrays (V8 converts each element to a double and back).
 */
import type { FloatArray } from "../../tensor.js";
import { sgdStepInPlace, type SgdHyper } from "../../ops/sgd_step.js";
import { loadedKernels } from "../wasm.js";
import { offsetInKernels } from "./arena.js";

/**
 * Elements per kernel call: the three 8 KB regions stay in L1 between
 * copying in, updating and copying out. For the MLP's 100,352 weights
 * (momentum) one step took 145–150 µs with whole-array copies and 115–125 µs
 * in chunks of 2,048 (4,096: 123–128, 1,024: 128, 16,384: 132).
 */
export const SGD_CHUNK = 2048;

/**
 * The update in place on flat float32 arrays on the kernels: param [n],
 * grad [n], buffer [n] (null when momentum is 0); `hyper` from `sgdHyper`.
 * Arrays that are views of the kernels' memory (resident tensors'
 * `data`) are updated where they are, with no copy; when all are, the whole
 * update is one kernel call and nothing is laid out. The others go through
 * the arena SGD_CHUNK elements at a time. Anything else (other dtypes,
 * missing or mismatched buffers, lengths that differ) goes to the reference,
 * which throws where it throws.
 */
export function sgdStepInPlaceF32(param: Float32Array, grad: Float32Array, buffer: Float32Array | null, hyper: SgdHyper, firstStep: boolean): void {
  const kernels = loadedKernels();
  const n = param.length;
  const withBuffer = hyper.momentum !== 0;
  if (!kernels || grad.length !== n || (withBuffer && (buffer === null || buffer.length !== n))) {
    sgdStepInPlace(param, grad, buffer, hyper, firstStep);
    return;
  }
  const { exports, arena } = kernels;
  // Offsets first: a layout below may grow the memory, which detaches these views (their offsets stay right).
  const rw = offsetInKernels(param, arena.memory), rg = offsetInKernels(grad, arena.memory);
  const rv = withBuffer ? offsetInKernels(buffer!, arena.memory) : 0;
  const flags = (firstStep ? 1 : 0) | (hyper.nesterov ? 2 : 0);
  const update = (pw: number, pg: number, pv: number, m: number) => exports.sgdStep(pw, pg, pv, m, hyper.lr, hyper.momentum, 1 - hyper.dampening, hyper.weightDecay, flags);
  if (rw >= 0 && rg >= 0 && rv >= 0) {
    update(rw, rg, rv, n);
    return;
  }
  const chunk = Math.min(n, SGD_CHUNK);
  const [pw, pg, pv] = arena.layout([rw >= 0 ? 0 : chunk * 4, rg >= 0 ? 0 : chunk * 4, withBuffer && rv < 0 ? chunk * 4 : 0]);
  const heap = arena.f32;
  // The update is elementwise: chunk by chunk through one small arena region
  // that stays in cache, instead of copying whole arrays through memory.
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk), m = end - start;
    if (rw < 0) heap.set(param.subarray(start, end), pw / 4);
    if (rg < 0) heap.set(grad.subarray(start, end), pg / 4);
    if (withBuffer && rv < 0 && !firstStep) heap.set(buffer!.subarray(start, end), pv / 4);
    update(rw >= 0 ? rw + start * 4 : pw, rg >= 0 ? rg + start * 4 : pg, rv >= 0 && withBuffer ? rv + start * 4 : pv, m);
    if (rw < 0) param.set(heap.subarray(pw / 4, pw / 4 + m), start);
    if (withBuffer && rv < 0) buffer!.set(heap.subarray(pv / 4, pv / 4 + m), start);
  }
}

/**
 * `sgdStepInPlace` on the kernels where it can run there: float32 arrays go
 * to `sgdStepInPlaceF32`, anything else to the reference. Same arguments,
 * same results (bit for bit); the dispatch calls it on the wasm backend.
 */
export function sgdStepInPlaceKernel(param: FloatArray, grad: FloatArray, buffer: FloatArray | null, hyper: SgdHyper, firstStep: boolean): void {
  if (param instanceof Float32Array && grad instanceof Float32Array && (buffer === null || buffer instanceof Float32Array)) {
    sgdStepInPlaceF32(param, grad, buffer, hyper, firstStep);
  } else {
    sgdStepInPlace(param, grad, buffer, hyper, firstStep);
  }
}
