/**
 * Elementwise non-linearities and their derivatives.
 *
 * Each op is a pair: `f(x)` and `fBackward(dy, …cache)` returning dL/dx,
 * followed by its `OpDef` for the machinery (see ./op.ts).
 */
import { allocate, Tensor, randu, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { expectSameDType, expectShape, floatData } from "./errors.js";
import type { OpDef } from "./op.js";

/** A new tensor of the dtype and shape of `like`, with `data`. */
function withData(like: Tensor, data: FloatArray): Tensor {
  return new Tensor(data, like.shape);
}

/** Checks that an upstream gradient matches the forward's output. */
function checkUpstream(op: string, dy: Tensor, like: Tensor): FloatArray {
  const d = floatData(op, "upstream", dy);
  expectShape(op, "upstream", dy, like.shape, "the shape of the output");
  expectSameDType(op, "upstream", like, dy);
  return d;
}

/** Uniform samples in ±[0.1, 2] — kept away from the kink at 0. */
function awayFromZero(shape: number[], rng: Random, dtype: FloatDType): Tensor {
  const t = randu(shape, rng, { low: 0.1, high: 2, dtype });
  for (let i = 0; i < t.size; i++) if (rng.bernoulli(0.5)) t.data[i] = -t.data[i];
  return t;
}

function randomShape(rng: Random): number[] {
  const rank = 1 + rng.int(3);
  return Array.from({ length: rank }, () => 1 + rng.int(5));
}

// ───────────────────────────── ReLU ─────────────────────────────
// 001, "Vanishing gradients" / "ReLU": g(a) = max(0, a), whose derivative is
// 1 for a > 0 and 0 for a < 0 — it does not shrink the gradient as σ′ ≤ ¼ does.
// At a = 0 we take relu′(0) = 0, as PyTorch does.

/** relu(x) = max(0, x), elementwise. Any shape. */
export function relu(x: Tensor): Tensor {
  const a = floatData("relu", "input", x);
  const y = allocate(x.dtype as FloatDType, a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] > 0 ? a[i] : 0;
  return withData(x, y);
}

/** dL/dx = dL/dy · 1[x > 0]. `dy` and `x` have the same shape. */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  const g = checkUpstream("relu", dy, x);
  const a = x.data;
  const dx = allocate(x.dtype as FloatDType, a.length);
  for (let i = 0; i < a.length; i++) dx[i] = a[i] > 0 ? g[i] : 0;
  return withData(x, dx);
}

// ───────────────────────────── sigmoid ─────────────────────────────
// 002, "Neural Net – Non-Linearities": σ(z) = 1 / (1 + e^(−z)),
// σ′(z) = σ(z)(1 − σ(z)). The backward reuses the forward's output σ.

/** σ(x) = 1 / (1 + e^(−x)), elementwise, computed without overflow for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  const z = floatData("sigmoid", "input", x);
  const s = allocate(x.dtype as FloatDType, z.length);
  for (let i = 0; i < z.length; i++) {
    // For z < 0 write σ(z) = e^z / (1 + e^z) so that e^(−z) never overflows.
    if (z[i] >= 0) s[i] = 1 / (1 + Math.exp(-z[i]));
    else {
      const e = Math.exp(z[i]);
      s[i] = e / (1 + e);
    }
  }
  return withData(x, s);
}

/** dL/dz = dL/dσ · σ(1 − σ), given the forward's output `s = σ(z)`. */
export function sigmoidBackward(dy: Tensor, s: Tensor): Tensor {
  const g = checkUpstream("sigmoid", dy, s);
  const sd = s.data;
  const dz = allocate(s.dtype as FloatDType, sd.length);
  for (let i = 0; i < sd.length; i++) dz[i] = g[i] * sd[i] * (1 - sd[i]);
  return withData(s, dz);
}

// ───────────────────────────── OpDefs ─────────────────────────────

/** `relu`: input → output. No attributes. */
export const reluOp: OpDef<Record<string, never>, Tensor> = {
  name: "relu",
  inputs: ["input"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: () => ({}),
  forward: ({ input }) => ({ outputs: { output: relu(input) }, cache: input }),
  backward: ({ output }, x) => ({ input: reluBackward(output, x) }),
  sample: (rng, dtype) => ({ inputs: { input: awayFromZero(randomShape(rng), rng, dtype) }, attrs: {} }),
};

/** `sigmoid`: input → output. No attributes. */
export const sigmoidOp: OpDef<Record<string, never>, Tensor> = {
  name: "sigmoid",
  inputs: ["input"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: () => ({}),
  forward: ({ input }) => {
    const s = sigmoid(input);
    return { outputs: { output: s }, cache: s };
  },
  backward: ({ output }, s) => ({ input: sigmoidBackward(output, s) }),
  sample: (rng, dtype) => ({ inputs: { input: randu(randomShape(rng), rng, { low: -4, high: 4, dtype }) }, attrs: {} }),
};

/** The activation ops, for the registry. */
export const activationOps: OpDef[] = [reluOp, sigmoidOp];
