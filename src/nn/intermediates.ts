/**
 * Freeing a forward pass's intermediate activations as soon as they are dead
 * (inference under `noGrad`, inside a `tidy` scope — where the wasm kernels
 * make their outputs resident in the kernels' memory,
 * src/tensor_lifetime.ts). Without it every activation of a forward stays
 * until the scope ends, so an inference's peak memory is the sum of all its
 * activations (ResNet-50 at 224×224: 143 MB beside 97 MB of weights); with
 * it, the activations live at once (a block's input kept for its residual
 * sum, the layer's input and its output: under 10 MB).
 *
 * The rule, for a container (Sequential, NamedSequential, the residual
 * blocks, squeeze-and-excitation): once a module has returned `result`, an
 * activation `used` that the container made during this forward and will not
 * read again is disposed, unless
 *
 *   - gradients are on (a graph node may have saved it for backward);
 *   - it is the caller's input, or was made before the container's forward
 *     began (`mark`): only what was made after the mark can go;
 *   - `result` is the very same tensor (a module that returned its input as it is);
 *     a view of it (Flatten's reshape) shares the block, freed with the last view;
 *   - the innermost tidy scope does not own it: a `keep`-ed tensor, a plain
 *     tensor (outside any scope; the garbage collector's), or one an inner
 *     scope handed on to an outer one.
 *
 * So a freed tensor is one the scope would have disposed at its end anyway,
 * only sooner; nothing the caller holds is touched. Disposing leaves the
 * FinalizationRegistry net, so no block is released twice.
 */
import { isGradEnabled } from "../autograd/apply.js";
import type { Variable } from "../autograd/variable.js";
import { disposeScopedSince, residentMark } from "../tensor_lifetime.js";
import type { Module } from "./module.js";

/** The mark a container takes as its forward begins (`residentMark`): intermediates made after it may be freed. */
export function intermediatesMark(): number {
  return residentMark();
}

/**
 * Disposes the activation `used` once `result` (what the module that read
 * it returned) is made, when it is a dead intermediate by the rule of the
 * file comment; otherwise does nothing.
 */
export function releaseIntermediate(used: Variable, result: Variable, mark: number): void {
  if (isGradEnabled() || used.value === result.value) return;
  disposeScopedSince(used.value, mark, "as an intermediate activation, once the next layer had read it (noGrad)");
}

/**
 * y = f_k(… f_2(f_1(x))): runs `modules` in order from `x`, freeing each
 * intermediate output once the next module has returned (the rule above);
 * `x` and the result are never freed.
 */
export function forwardChain(modules: Iterable<Module>, x: Variable): Variable {
  const mark = intermediatesMark();
  let h = x;
  for (const module of modules) {
    const next = module.forward(h);
    if (h !== x) releaseIntermediate(h, next, mark);
    h = next;
  }
  return h;
}
