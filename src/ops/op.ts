/**
 * The interface every op presents by name — the same names and argument names
 * as the vectors format (`docs/vectors/format.md`, PyTorch's
 * torch.nn.functional). gradcheck, `nnref check`/`nnref vectors` and the
 * autograd graph all go through it, so each gradient is derived once: in the
 * op's own backward.
 *
 * An op file exports plain functions first (e.g. `relu(x)`,
 * `reluBackward(dy, x)`), which is what a student reads beside the lecture,
 * and then an `OpDef` that wraps them for the machinery.
 */
import type { FloatDType, Tensor } from "../tensor.js";
import type { Random } from "../random.js";

/** Tensors by argument name, e.g. `{ input, weight, bias }`. */
export type Tensors = { [name: string]: Tensor };

/** Attributes as they arrive from JSON or a caller: unvalidated. */
export type RawAttrs = { [name: string]: unknown };

/** What a forward returns: outputs by name, and whatever backward needs. */
export interface ForwardResult<C = unknown> {
  outputs: Tensors;
  cache: C;
}

/** A random valid case for properties, gradcheck and `nnref vectors`. */
export interface SampledCase<A> {
  inputs: Tensors;
  attrs: A;
}

/** An op by name. `A` is its validated attribute type (plain JSON values). */
export interface OpDef<A = any, C = any> {
  /** The vectors-format name, e.g. "conv2d". */
  readonly name: string;
  /** Tensor arguments in order (the vectors format's names, docs/vectors/format.md). */
  readonly inputs: readonly string[];
  /** Those of `inputs` that may be absent (e.g. "bias"). */
  readonly optional: readonly string[];
  /** Output names in order. */
  readonly outputs: readonly string[];
  /** Outputs that receive an upstream gradient (usually all; batch_norm: only "output"). */
  readonly differentiableOutputs: readonly string[];
  /** Inputs that backward returns a gradient for; empty for forward-only ops. */
  readonly grads: readonly string[];
  /**
   * Validates raw attributes and fills PyTorch's defaults for missing ones.
   * The result is plain JSON (what `nnref vectors` writes). Throws OpError.
   */
  attrs(raw: RawAttrs): A;
  /** The forward pass. Validates inputs (OpError on bad shapes or dtypes). */
  forward(inputs: Tensors, attrs: A): ForwardResult<C>;
  /**
   * The hand-derived backward: the vector-Jacobian product. Given
   * dL/d(output) for each differentiable output, returns dL/d(input) for each
   * name in `grads` (that was present in the forward).
   *
   * `needed`, when given, names the inputs whose gradients the caller will
   * read (the autograd graph passes those that require a gradient); an op
   * may leave the others out. The reference ops compute them all, for
   * readability; the kernels skip the rest (a network's first layer never
   * needs the gradient of its input).
   */
  backward?(upstream: Tensors, cache: C, attrs: A, needed?: ReadonlySet<string>): Tensors;
  /**
   * Draws a random valid case in `dtype`, with sizes small enough for finite
   * differences, and with sample points kept away from kinks (relu at 0,
   * ties in max) so that central differences are meaningful.
   */
  sample(rng: Random, dtype: FloatDType): SampledCase<A>;
}
