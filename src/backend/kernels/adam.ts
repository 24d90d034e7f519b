/**
 * The Adam update's kernel: `adamStepInPlace` of ../../ops/adam_step.ts run
 * by assembly/adam.ts for float32 arrays (the same f64 arithmetic in the same
 * order, so bit-equal). Registered as "adam_step" for ../dispatch.ts's
 * `resolveUpdate`, like ./sgd.ts; θ, g, m and v that are resident tensors'
 * data are updated in place, the others go through the arena ADAM_CHUNK
 * elements at a time (θ, m and v copied back).
 */
import type { FloatArray } from "../../tensor.js";
import { adamStepInPlace, type AdamHyper } from "../../ops/adam_step.js";
import { loadedKernels } from "../wasm.js";
import { offsetInKernels } from "./arena.js";

/** Elements per kernel call: four 8 KB regions that stay in L1 (as ./sgd.ts's SGD_CHUNK). */
export const ADAM_CHUNK = 2048;

/**
 * `adamStepInPlace` on the kernels where it can run there: float32 θ, g, m, v
 * of one length and a valid step number t go to assembly/adam.ts; anything
 * else to the reference (which throws where it throws). Same arguments, same
 * results, bit for bit.
 */
export function adamStepInPlaceKernel(theta: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, t: number, hyper: AdamHyper): void {
  const kernels = loadedKernels();
  const n = theta.length;
  const float32 = theta instanceof Float32Array && g instanceof Float32Array && m instanceof Float32Array && v instanceof Float32Array;
  if (!kernels || !float32 || g.length !== n || m.length !== n || v.length !== n || !Number.isInteger(t) || t < 1) {
    adamStepInPlace(theta, g, m, v, t, hyper);
    return;
  }
  const { lr, beta1, beta2, eps, weightDecay, decoupled } = hyper;
  const correction1 = 1 - Math.pow(beta1, t), correction2 = 1 - Math.pow(beta2, t);
  const { exports, arena } = kernels;
  const step = (pt: number, pg: number, pm: number, pv: number, len: number) =>
    exports.adamStep(pt, pg, pm, pv, len, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, correction1, correction2);
  // Offsets first: arrays that are resident tensors' data are views of the kernels' memory, updated there in
  // place; a layout below may grow the memory, which detaches those views (their offsets stay right).
  const arrays = [theta, g, m, v] as Float32Array[];
  const at = arrays.map((a) => offsetInKernels(a, arena.memory));
  if (at.every((p) => p >= 0)) {
    step(at[0], at[1], at[2], at[3], n);
    return;
  }
  const chunk = Math.min(n, ADAM_CHUNK);
  const regions = arena.layout(at.map((p) => (p >= 0 ? 0 : chunk * 4)));
  const heap = arena.f32;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk), len = end - start;
    const ptr = at.map((p, i) => (p >= 0 ? p + start * 4 : regions[i]));
    arrays.forEach((a, i) => { if (at[i] < 0) heap.set(a.subarray(start, end), ptr[i] / 4); });
    step(ptr[0], ptr[1], ptr[2], ptr[3], len);
    for (const i of [0, 2, 3]) if (at[i] < 0) arrays[i].set(heap.subarray(ptr[i] / 4, ptr[i] / 4 + len), start); // θ, m, v back
  }
}
