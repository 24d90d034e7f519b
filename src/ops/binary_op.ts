/**
 * The OpDef plumbing of two-input ops (first, second → output), the pair of
 * ./unary_op.ts: add and mul (a, b), correlate2d (input, kernel), the losses
 * (input, target). The op file keeps its forward and backward functions; the
 * helper gives them the `OpDef` shape (./op.ts) and keeps both inputs for
 * the backward.
 */
import type { FloatDType, Tensor } from "../tensor.js";
import type { Random } from "../random.js";
import type { OpDef, RawAttrs, SampledCase, Tensors } from "./op.js";

/** A two-input op: its maths, without the OpDef plumbing. */
export interface BinaryOpSpec<A> {
  /** The vectors-format name, e.g. "add". */
  name: string;
  /** The two tensor arguments in order, e.g. ["a", "b"] or ["input", "target"]. */
  inputs: readonly [string, string];
  /** Those of `inputs` that receive a gradient (default: both; a loss: ["input"]). */
  grads?: readonly string[];
  /** Validates raw attributes and fills defaults (see `OpDef.attrs`); omitted for an op without attributes. */
  attrs?: (raw: RawAttrs) => A;
  /** output = forward(first, second). */
  forward(first: Tensor, second: Tensor, attrs: A): Tensor;
  /** The gradients by input name, from dL/doutput and both inputs. */
  backward(dy: Tensor, first: Tensor, second: Tensor, attrs: A): Tensors;
  /** A random valid case (see `OpDef.sample`), the inputs by name. */
  sample(rng: Random, dtype: FloatDType): SampledCase<A>;
}

/** The OpDef of a two-input op; the backward receives both inputs. */
export function binaryOp<A = Record<string, never>>(spec: BinaryOpSpec<A>): OpDef<A, [Tensor, Tensor]> {
  const { name, inputs, forward, backward } = spec;
  const [firstName, secondName] = inputs;
  return {
    name,
    inputs,
    optional: [],
    outputs: ["output"],
    differentiableOutputs: ["output"],
    grads: spec.grads ?? inputs,
    attrs: spec.attrs ?? (() => ({}) as A),
    forward: (tensors, attrs) => {
      const first = tensors[firstName], second = tensors[secondName];
      return { outputs: { output: forward(first, second, attrs) }, cache: [first, second] };
    },
    backward: ({ output }, [first, second], attrs) => backward(output, first, second, attrs),
    sample: spec.sample,
  };
}
