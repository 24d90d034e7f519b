/**
 * Dropout: at training time each unit is kept or zeroed by a Bernoulli mask;
 * at test time the network is deterministic and scaled so that a unit's
 * expected output is the same in both.
 *
 * 001, "Dropout block": rⱼ ~ Bernoulli(p), ỹ = r ∗ y; "Test time: Deterministic
 * approximation": the weights are multiplied by p at test time. NOTE the
 * names: the lecture's p is the probability of KEEPING a unit; here, as in
 * PyTorch, `p` is the probability of DROPPING it, so the keep probability is
 * q = 1 − p.
 *
 * Two conventions, which give the same expected output:
 *   "inverted" (PyTorch, our default): training y = x·r / q, test y = x.
 *   "lecture"  (001):                  training y = x·r,     test y = q·x.
 * With p = 1 (q = 0) the inverted training output is 0, as in PyTorch.
 *
 * The mask is an input, not drawn inside the op, so the op is deterministic
 * and gradcheckable; `dropoutMask` draws it from a seeded `Random`. Dropout is
 * not a vectors op (docs/vectors/format.md): its randomness is checked by properties.
 */
import { allocate, randn, Tensor, type FloatArray, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { boolAttr, choiceAttr, expectSameDType, expectShape, fail, floatData, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs, Tensors } from "./op.js";

/** Where the 1/q or q scaling happens: "inverted" (training, PyTorch) or "lecture" (test time, 001). */
export type DropoutConvention = "inverted" | "lecture";
const CONVENTIONS: readonly DropoutConvention[] = ["inverted", "lecture"];

/**
 * A keep-mask of `shape`: each element independently 1 with probability
 * 1 − p (kept) and 0 with probability p (dropped), drawn from `rng`.
 */
export function dropoutMask(shape: Shape, p: number, rng: Random, dtype: FloatDType = "float32"): Tensor {
  numberAttr("dropout", "p", p, 0, 1);
  const r = allocate(dtype, shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < r.length; i++) r[i] = rng.bernoulli(1 - p);
  return new Tensor(r, shape);
}

/** The factor a kept unit is multiplied by at training time. */
function trainingScale(p: number, convention: DropoutConvention): number {
  if (convention === "lecture") return 1;
  return p === 1 ? 0 : 1 / (1 - p);
}

/** The factor every unit is multiplied by at test time. */
function testScale(p: number, convention: DropoutConvention): number {
  return convention === "lecture" ? 1 - p : 1;
}

/** Checks a 0/1 mask of x's shape and dtype and returns its data. */
function checkMask(x: Tensor, mask: Tensor): FloatArray {
  const r = floatData("dropout", "mask", mask);
  expectSameDType("dropout", "mask", x, mask);
  expectShape("dropout", "mask", mask, x.shape, "the shape of the input");
  for (let i = 0; i < r.length; i++) {
    if (r[i] !== 0 && r[i] !== 1) fail("dropout", "mask", "only 0 (dropped) and 1 (kept)", `${r[i]} at flat index ${i}`);
  }
  return r;
}

/**
 * Elementwise a · r · scale (r omitted: every unit kept), in a's shape and
 * dtype. A product, not a select, as PyTorch's input · mask · scale: a NaN or
 * infinite unit stays NaN where it is dropped (NaN · 0), so dropout never
 * hides a NaN.
 */
function scaled(a: Tensor, r: FloatArray | null, scale: number): Tensor {
  const d = a.data;
  const out = allocate(a.dtype as FloatDType, d.length);
  for (let i = 0; i < d.length; i++) out[i] = r === null ? d[i] * scale : d[i] * r[i] * scale;
  return new Tensor(out, a.shape);
}

/**
 * Training-time dropout: y = x · mask · (1/(1 − p) for "inverted", 1 for
 * "lecture"). input and mask (0/1, from `dropoutMask`) have the same shape.
 */
export function dropout(input: Tensor, mask: Tensor, p: number, convention: DropoutConvention = "inverted"): Tensor {
  floatData("dropout", "input", input);
  return scaled(input, checkMask(input, mask), trainingScale(p, convention));
}

/** Backward of training-time dropout: dL/dx = dL/dy · mask · the same scale. dy, mask, dL/dx: one shape (any). */
export function dropoutBackward(dy: Tensor, mask: Tensor, p: number, convention: DropoutConvention = "inverted"): Tensor {
  floatData("dropout", "upstream", dy);
  return scaled(dy, checkMask(dy, mask), trainingScale(p, convention));
}

/** Test-time dropout: y = x ("inverted") or y = (1 − p) · x ("lecture"). Any shape; y has the shape of x. */
export function dropoutEval(input: Tensor, p: number, convention: DropoutConvention = "inverted"): Tensor {
  floatData("dropout", "input", input);
  return scaled(input, null, testScale(p, convention));
}

/** Backward of test-time dropout: dL/dx = dL/dy · the same scale. Any shape; dL/dx has the shape of dy. */
export function dropoutEvalBackward(dy: Tensor, p: number, convention: DropoutConvention = "inverted"): Tensor {
  floatData("dropout", "upstream", dy);
  return scaled(dy, null, testScale(p, convention));
}

// ───────────────────────────── OpDef ─────────────────────────────

/** Attributes of `dropout`. */
export interface DropoutAttrs {
  /** Probability of dropping a unit, in [0, 1] (default 0.5). */
  p: number;
  /** Default "inverted". */
  convention: DropoutConvention;
  /** Training (mask applied) or test time (default true, as F.dropout). */
  training: boolean;
}

interface DropoutCache {
  input: Tensor;
  mask: Tensor | undefined;
}

function dropoutAttrs(raw: RawAttrs): DropoutAttrs {
  return {
    p: raw.p === undefined ? 0.5 : numberAttr("dropout", "p", raw.p, 0, 1),
    convention: raw.convention === undefined ? "inverted" : choiceAttr("dropout", "convention", raw.convention, CONVENTIONS),
    training: raw.training === undefined ? true : boolAttr("dropout", "training", raw.training),
  };
}

/**
 * `dropout`: input, mask (0/1, same shape; needed when training) → output;
 * attributes p, convention, training. Not a vectors op; registered for
 * gradcheck and the graph.
 */
export const dropoutOp: OpDef<DropoutAttrs, DropoutCache> = {
  name: "dropout",
  inputs: ["input", "mask"],
  optional: ["mask"],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: dropoutAttrs,
  forward: ({ input, mask }, a) => {
    if (!a.training) return { outputs: { output: dropoutEval(input, a.p, a.convention) }, cache: { input, mask: undefined } };
    if (mask === undefined) fail("dropout", "mask", "a 0/1 mask tensor when training (see dropoutMask)", "nothing");
    return { outputs: { output: dropout(input, mask, a.p, a.convention) }, cache: { input, mask } };
  },
  backward: ({ output }, c, a) => ({
    input: c.mask === undefined ? dropoutEvalBackward(output, a.p, a.convention) : dropoutBackward(output, c.mask, a.p, a.convention),
  }),
  sample: (rng, dtype) => {
    const shape = Array.from({ length: 1 + rng.int(3) }, () => 1 + rng.int(4));
    const p = Math.round(rng.uniformIn(0, 0.9) * 1000) / 1000;
    const attrs: DropoutAttrs = { p, convention: rng.bernoulli(0.5) ? "inverted" : "lecture", training: rng.bernoulli(0.8) === 1 };
    const inputs: Tensors = { input: randn(shape, rng, { dtype }) };
    if (attrs.training) inputs.mask = dropoutMask(shape, p, rng, dtype);
    return { inputs, attrs };
  },
};

/** The dropout op, for the registry. */
export const dropoutOps: OpDef[] = [dropoutOp];
