/**
 * The Adam update's kernel: `adamStepInPlace` of ../../ops/adam_step.ts run
 * by assembly/adam.ts for float32 arrays (the same f64 arithmetic in the same
 * order, so bit-equal). Registered as "adam_step" for ../dispatch.ts's
 * `resolveUpdate`, like ./sgd.ts; θ, g, m and v go through the arena
 * ADAM_CHUNK elements at a time (θ, m and v copied back).
 */
import type { FloatArray } from "../../tensor.js";
import { adamStepInPlace, type AdamHyper } from "../../ops/adam_step.js";
import { loadedKernels } from "../wasm.js";

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
  const chunk = Math.min(n, ADAM_CHUNK);
  const [pt, pg, pm, pv] = arena.layout([chunk * 4, chunk * 4, chunk * 4, chunk * 4]);
  const heap = arena.f32;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk), len = end - start;
    heap.set(theta.subarray(start, end), pt / 4);
    heap.set(g.subarray(start, end), pg / 4);
    heap.set(m.subarray(start, end), pm / 4);
    heap.set(v.subarray(start, end), pv / 4);
    exports.adamStep(pt, pg, pm, pv, len, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, correction1, correction2);
    theta.set(heap.subarray(pt / 4, pt / 4 + len), start);
    m.set(heap.subarray(pm / 4, pm / 4 + len), start);
    v.set(heap.subarray(pv / 4, pv / 4 + len), start);
  }
}
