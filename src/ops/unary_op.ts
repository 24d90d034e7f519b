/**
 * The plumbing of one-input ops (input → output), so that an op file holds
 * only its maths: `mapElements` / `mapGradient` validate, allocate and loop
 * for an elementwise forward and backward, and `unaryOp` wraps a forward and
 * backward in the `OpDef` shape (./op.ts) that gradcheck, the vectors and the
 * autograd graph read.
 */
import { allocate, Tensor, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { checkUpstream, floatData } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";

/** Attributes of an op that has none. */
export type NoAttrs = Record<string, never>;

/**
 * y = f(x) elementwise: a new tensor of x's shape and dtype. Throws OpError
 * (`op: input: …`) unless x is a float tensor.
 */
export function mapElements(op: string, x: Tensor, f: (x: number) => number): Tensor {
  const a = floatData(op, "input", x);
  const y = allocate(x.dtype as FloatDType, a.length);
  for (let i = 0; i < a.length; i++) y[i] = f(a[i]);
  return new Tensor(y, x.shape);
}

/**
 * dL/dx = grad(g, s) elementwise, where g = dL/dy and s is the tensor the
 * forward saved (its input or its output, of x's shape). `dy` must have the
 * shape and dtype of `saved` (OpError `op: upstream: …`).
 */
export function mapGradient(op: string, dy: Tensor, saved: Tensor, grad: (g: number, s: number) => number): Tensor {
  const g = checkUpstream(op, dy, saved.shape, saved);
  const s = saved.data;
  const dx = allocate(saved.dtype as FloatDType, s.length);
  for (let i = 0; i < s.length; i++) dx[i] = grad(g[i], s[i]);
  return new Tensor(dx, saved.shape);
}

/** A one-input op: its maths, without the OpDef plumbing. */
export interface UnaryOpSpec<A> {
  /** The vectors-format name, e.g. "relu". */
  name: string;
  /** Validates raw attributes and fills defaults (see `OpDef.attrs`); omitted for an op without attributes. */
  attrs?: (raw: RawAttrs) => A;
  /** What the backward receives: the forward's "input" (default) or its "output" (σ′ = σ(1 − σ) needs only σ). */
  saves?: "input" | "output";
  /** output = forward(input). */
  forward(input: Tensor, attrs: A): Tensor;
  /** dL/dinput from dL/doutput and the saved tensor. */
  backward(dy: Tensor, saved: Tensor, attrs: A): Tensor;
  /** A random valid case (see `OpDef.sample`). */
  sample(rng: Random, dtype: FloatDType): { input: Tensor; attrs: A };
}

/** The OpDef of a one-input op: input → output, the gradient for input. */
export function unaryOp<A = NoAttrs>(spec: UnaryOpSpec<A>): OpDef<A, Tensor> {
  const { name, forward, backward, sample } = spec;
  const savesOutput = spec.saves === "output";
  return {
    name,
    inputs: ["input"],
    optional: [],
    outputs: ["output"],
    differentiableOutputs: ["output"],
    grads: ["input"],
    attrs: spec.attrs ?? (() => ({}) as A),
    forward: ({ input }, attrs) => {
      const output = forward(input, attrs);
      return { outputs: { output }, cache: savesOutput ? output : input };
    },
    backward: ({ output }, saved, attrs) => ({ input: backward(output, saved, attrs) }),
    sample: (rng, dtype) => {
      const { input, attrs } = sample(rng, dtype);
      return { inputs: { input }, attrs };
    },
  };
}
