// The Adam update of src/ops/adam_step.ts's adamStepInPlace, in place on
// float32 arrays, computed in f64 with the reference's operations in its
// order (rounded to f32 only where it stores), so bit-equal. Two elements at
// a time in f64x2 lanes (f64x2.sqrt is IEEE's correctly rounded square root,
// as Math.sqrt).
//
//   decay ≠ 0:  θ ← θ·(1 − lr·decay) (decoupled) or g ← g + decay·θ
//   m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g·g
//   θ ← θ − lr·(m / c₁) / (√(v / c₂) + ε)     c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ

import { load2, store2 } from "./f64_lanes";

/** The update for n elements of θ, g, m and v; `decoupled` 0/1. */
export function adamStep(theta: usize, grad: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
  weightDecay: f64, decoupled: i32, correction1: f64, correction2: f64): void {
  const useDecay = weightDecay != 0, shrinkTheta = useDecay && decoupled != 0, addToGrad = useDecay && decoupled == 0;
  const shrink = 1 - lr * weightDecay, keep1 = 1 - beta1, keep2 = 1 - beta2;
  const vlr = f64x2.splat(lr), vb1 = f64x2.splat(beta1), vb2 = f64x2.splat(beta2), veps = f64x2.splat(eps), vwd = f64x2.splat(weightDecay);
  const vshrink = f64x2.splat(shrink), vk1 = f64x2.splat(keep1), vk2 = f64x2.splat(keep2), vc1 = f64x2.splat(correction1), vc2 = f64x2.splat(correction2);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i * 4;
    let th = load2(theta + o), gi = load2(grad + o);
    if (shrinkTheta) th = f64x2.mul(th, vshrink);
    if (addToGrad) gi = f64x2.add(gi, f64x2.mul(vwd, th));
    const mi = f64x2.add(f64x2.mul(vb1, load2(m + o)), f64x2.mul(vk1, gi));
    const vi = f64x2.add(f64x2.mul(vb2, load2(v + o)), f64x2.mul(f64x2.mul(vk2, gi), gi));
    store2(m + o, mi);
    store2(v + o, vi);
    const step = f64x2.div(f64x2.mul(vlr, f64x2.div(mi, vc1)), f64x2.add(f64x2.sqrt(f64x2.div(vi, vc2)), veps));
    store2(theta + o, f64x2.sub(th, step));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    let th = <f64>load<f32>(theta + o), gi = <f64>load<f32>(grad + o);
    if (shrinkTheta) th = th * shrink;
    if (addToGrad) gi = gi + weightDecay * th;
    const mi = beta1 * <f64>load<f32>(m + o) + keep1 * gi;
    const vi = beta2 * <f64>load<f32>(v + o) + keep2 * gi * gi;
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(theta + o, <f32>(th - (lr * (mi / correction1)) / (Math.sqrt(vi / correction2) + eps)));
  }
}
