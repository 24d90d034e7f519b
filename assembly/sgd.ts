// The SGD update of src/ops/sgd_step.ts's sgdStepInPlace, in place on float32
// arrays, computed in f64 exactly as the reference computes it in JS numbers
// (same operations in the same order, rounded to f32 only where it stores),
// so the results are bit-equal. Two elements at a time in f64x2 lanes.
//
//   d ← g (+ weightDecay·W when weightDecay ≠ 0)
//   momentum ≠ 0:  V ← firstStep ? d : μ·V + keep·d   (keep = 1 − dampening);  d ← nesterov ? d + μ·V : V
//   W ← W − lr·d

import { load2, store2 } from "./f64_lanes";

/** Lanes 2, 3 of `v` moved to lanes 0, 1. */
@inline
function high(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 2, 3, 2, 3);
}

/** Lanes 0, 1 of `lo` and lanes 0, 1 of `hi`. */
@inline
function join(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

/**
 * The update for n elements of param, grad and (when momentum ≠ 0) buffer.
 * flags: bit 0 firstStep (the buffer is not read), bit 1 nesterov.
 */
export function sgdStep(param: usize, grad: usize, buffer: usize, n: i32, lr: f64, momentum: f64, keep: f64, weightDecay: f64, flags: i32): void {
  const firstStep = (flags & 1) != 0, nesterov = (flags & 2) != 0;
  const useMomentum = momentum != 0, useDecay = weightDecay != 0;
  const vlr = f64x2.splat(lr), vmu = f64x2.splat(momentum), vkeep = f64x2.splat(keep), vwd = f64x2.splat(weightDecay);
  let i = 0;
  if (useMomentum && !useDecay && !firstStep && !nesterov) {
    // The common case (PyTorch's momentum after its first step), four floats
    // per iteration and no branches: V ← μ·V + keep·g;  W ← W − lr·V.
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i * 4;
      const w4 = v128.load(param + o), g4 = v128.load(grad + o), b4 = v128.load(buffer + o);
      const vLo = f64x2.add(f64x2.mul(vmu, f64x2.promote_low_f32x4(b4)), f64x2.mul(vkeep, f64x2.promote_low_f32x4(g4)));
      const vHi = f64x2.add(f64x2.mul(vmu, f64x2.promote_low_f32x4(high(b4))), f64x2.mul(vkeep, f64x2.promote_low_f32x4(high(g4))));
      v128.store(buffer + o, join(f32x4.demote_f64x2_zero(vLo), f32x4.demote_f64x2_zero(vHi)));
      const wLo = f64x2.sub(f64x2.promote_low_f32x4(w4), f64x2.mul(vlr, vLo));
      const wHi = f64x2.sub(f64x2.promote_low_f32x4(high(w4)), f64x2.mul(vlr, vHi));
      v128.store(param + o, join(f32x4.demote_f64x2_zero(wLo), f32x4.demote_f64x2_zero(wHi)));
    }
  }
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i * 4;
    const w = load2(param + o);
    let d = load2(grad + o);
    if (useDecay) d = f64x2.add(d, f64x2.mul(vwd, w));
    if (useMomentum) {
      const V = firstStep ? d : f64x2.add(f64x2.mul(vmu, load2(buffer + o)), f64x2.mul(vkeep, d));
      store2(buffer + o, V);
      d = nesterov ? f64x2.add(d, f64x2.mul(vmu, V)) : V;
    }
    store2(param + o, f64x2.sub(w, f64x2.mul(vlr, d)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const w = <f64>load<f32>(param + o);
    let d = <f64>load<f32>(grad + o);
    if (useDecay) d += weightDecay * w;
    if (useMomentum) {
      const V = firstStep ? d : momentum * <f64>load<f32>(buffer + o) + keep * d;
      store<f32>(buffer + o, <f32>V);
      d = nesterov ? d + momentum * V : V;
    }
    store<f32>(param + o, <f32>(w - lr * d));
  }
}
