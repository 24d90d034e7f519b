/**
 * The Adam update as a pure rule on flat arrays (PyTorch's torch.optim.Adam;
 * the derivation is in src/optim/adam.ts, which keeps the per-parameter
 * state and calls this through the dispatch, so that the wasm backend's
 * kernel, src/backend/kernels/adam.ts, can run it). Here, below the backend,
 * so that the kernel's glue can fall back to it.
 */
import type { FloatArray } from "../tensor.js";

/** Validated Adam hyper-parameters. */
export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/**
 * One Adam step in place: θ, m and v (same length as g) are overwritten; `t`
 * is the step number of this update (1 for the first). Each element is
 * computed in float64 and stored into the arrays' type.
 */
export function adamStepInPlace(theta: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, t: number, hyper: AdamHyper): void {
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`adamStepInPlace: t: expected the step number (an integer ≥ 1), got ${t}`);
  if (g.length !== theta.length || m.length !== theta.length || v.length !== theta.length) {
    throw new RangeError(`adamStepInPlace: expected θ, g, m and v of one length, got ${theta.length}, ${g.length}, ${m.length}, ${v.length}`);
  }
  const { lr, beta1: b1, beta2: b2, eps, weightDecay, decoupled } = hyper;
  const correction1 = 1 - Math.pow(b1, t);
  const correction2 = 1 - Math.pow(b2, t);
  for (let i = 0; i < theta.length; i++) {
    let th = theta[i];
    let gi = g[i];
    if (weightDecay !== 0) {
      if (decoupled) th = th * (1 - lr * weightDecay);
      else gi = gi + weightDecay * th;
    }
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const mHat = mi / correction1;
    const vHat = vi / correction2;
    theta[i] = th - (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}

