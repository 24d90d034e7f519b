// batch_norm (src/ops/norm.ts) on float32 arrays [N, C, S], computed in f64
// with the reference's operations in the reference's order (its sums run
// sequentially over n then s, as its loops do), rounded to f32 only where it
// stores: the results are bit-equal to the reference. The elementwise passes
// run two values at a time in f64x2 lanes; the sums stay sequential (a
// reordered sum would differ in the last bits of μ_B and σ²_B).
//
// Per-channel vectors (mean, variance, invStd, gamma, beta) are f64 [C].

import { load2, store2 } from "./f64_lanes";

/**
 * The batch statistics of x [N, C, S] per channel: mean[c] = Σx / n and
 * variance[c] = Σ(x − mean)² / n (biased), n = N·S.
 */
export function batchNormStats(x: usize, N: i32, C: i32, S: i32, mean: usize, variance: usize): void {
  const n = <f64>N * <f64>S;
  for (let c = 0; c < C; c++) {
    let sum: f64 = 0;
    for (let i = 0; i < N; i++) {
      const p = x + <usize>(i * C + c) * <usize>S * 4;
      for (let s = 0; s < S; s++) sum += <f64>load<f32>(p + <usize>s * 4);
    }
    const mu = sum / n;
    let sq: f64 = 0;
    for (let i = 0; i < N; i++) {
      const p = x + <usize>(i * C + c) * <usize>S * 4;
      for (let s = 0; s < S; s++) {
        const d = <f64>load<f32>(p + <usize>s * 4) - mu;
        sq += d * d;
      }
    }
    store<f64>(mean + <usize>c * 8, mu);
    store<f64>(variance + <usize>c * 8, sq / n);
  }
}

/** y ← γ·((x − mean)·invStd) + β for x [N, C, S] (β = 0 without a bias, as the reference adds it). */
export function batchNormForward(x: usize, N: i32, C: i32, S: i32, mean: usize, invStd: usize, gamma: usize, beta: usize, y: usize): void {
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < C; c++) {
      const m = load<f64>(mean + <usize>c * 8), r = load<f64>(invStd + <usize>c * 8);
      const g = load<f64>(gamma + <usize>c * 8), b = load<f64>(beta + <usize>c * 8);
      const vm = f64x2.splat(m), vr = f64x2.splat(r), vg = f64x2.splat(g), vb = f64x2.splat(b);
      const off = <usize>(i * C + c) * <usize>S * 4;
      let s = 0;
      for (; s + 2 <= S; s += 2) {
        const o = off + <usize>s * 4;
        const xhat = f64x2.mul(f64x2.sub(load2(x + o), vm), vr);
        store2(y + o, f64x2.add(f64x2.mul(vg, xhat), vb));
      }
      for (; s < S; s++) {
        const o = off + <usize>s * 4;
        store<f32>(y + o, <f32>(g * ((<f64>load<f32>(x + o) - m) * r) + b));
      }
    }
  }
}

/**
 * The backward: with x̂ = (x − mean)·invStd and g = γ·dy,
 *   dβ[c] = Σ dy,  dγ[c] = Σ dy·x̂ (sequential sums, stored as f32 [C]);
 *   dx = training ? (invStd/n)·(n·g − γ·Σdy − x̂·γ·Σdy x̂) : g·invStd.
 */
export function batchNormBackward(dy: usize, x: usize, N: i32, C: i32, S: i32, mean: usize, invStd: usize, gamma: usize, training: i32, dx: usize, dgamma: usize, dbeta: usize): void {
  const n = <f64>N * <f64>S;
  for (let c = 0; c < C; c++) {
    const m = load<f64>(mean + <usize>c * 8), r = load<f64>(invStd + <usize>c * 8), g = load<f64>(gamma + <usize>c * 8);
    let sumDy: f64 = 0, sumDyXhat: f64 = 0;
    for (let i = 0; i < N; i++) {
      const off = <usize>(i * C + c) * <usize>S * 4;
      for (let s = 0; s < S; s++) {
        const o = off + <usize>s * 4;
        const up = <f64>load<f32>(dy + o);
        sumDy += up;
        sumDyXhat += up * ((<f64>load<f32>(x + o) - m) * r);
      }
    }
    store<f32>(dbeta + <usize>c * 4, <f32>sumDy);
    store<f32>(dgamma + <usize>c * 4, <f32>sumDyXhat);
    const scale = r / n, gSumDy = g * sumDy;
    const vm = f64x2.splat(m), vr = f64x2.splat(r), vg = f64x2.splat(g), vn = f64x2.splat(n);
    const vscale = f64x2.splat(scale), vgSumDy = f64x2.splat(gSumDy), vSumDyXhat = f64x2.splat(sumDyXhat);
    for (let i = 0; i < N; i++) {
      const off = <usize>(i * C + c) * <usize>S * 4;
      let s = 0;
      for (; s + 2 <= S; s += 2) {
        const o = off + <usize>s * 4;
        const gv = f64x2.mul(vg, load2(dy + o));
        if (training) {
          const xhat = f64x2.mul(f64x2.sub(load2(x + o), vm), vr);
          const inner = f64x2.sub(f64x2.sub(f64x2.mul(vn, gv), vgSumDy), f64x2.mul(f64x2.mul(xhat, vg), vSumDyXhat));
          store2(dx + o, f64x2.mul(vscale, inner));
        } else {
          store2(dx + o, f64x2.mul(gv, vr));
        }
      }
      for (; s < S; s++) {
        const o = off + <usize>s * 4;
        const gs = g * <f64>load<f32>(dy + o);
        const xhat = (<f64>load<f32>(x + o) - m) * r;
        store<f32>(dx + o, <f32>(training ? scale * (n * gs - gSumDy - xhat * g * sumDyXhat) : gs * r));
      }
    }
  }
}
