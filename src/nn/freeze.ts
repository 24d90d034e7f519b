/**
 * Freezing parameters for transfer learning and fine-tuning (000, "Transfer
 * Learning": with little data "Use Linear Classifier on top layer", with more
 * "Finetune a few layers"; 004, "Deep neural networks: Fine-tuning": "Initial
 * layers → learn general features … Fine-tuning freezes the first layers, and
 * relearns weights from the last").
 *
 * A frozen parameter is a leaf with `requiresGrad = false`:
 * - ops whose inputs are all frozen (or plain data) record no graph node, so
 *   a frozen stem at the start of a network costs no backward work at all;
 * - backward gives a frozen leaf no gradient, and `freeze` clears any
 *   gradient it still had, so an optimizer (which skips parameters without a
 *   gradient) leaves it bit-identical — weight decay and momentum included.
 *
 * Build an optimizer over `trainableParameters(model)`: optimizers refuse a
 * parameter that requires no gradient. An optimizer built before freezing
 * simply skips the frozen ones.
 */
import type { Variable } from "../autograd/variable.js";
import { Module, type Parameter } from "./module.js";

/** What to freeze: a module (all its parameters, children included) or parameters. */
export type FreezeTarget = Module | Iterable<Variable>;

function parametersOf(target: FreezeTarget, where: string): Variable[] {
  if (target instanceof Module) return target.parameters();
  if (target === null || target === undefined || typeof (target as Iterable<Variable>)[Symbol.iterator] !== "function") {
    throw new TypeError(`${where}: expected a Module or an iterable of parameters, got ${String(target)}`);
  }
  const list = [...target];
  list.forEach((p, i) => {
    if (!p || typeof p !== "object" || !("requiresGrad" in p) || !p.isLeaf) throw new TypeError(`${where}: item ${i}: expected a leaf Variable (a Parameter), got ${String(p)}`);
  });
  return list;
}

/**
 * Freezes every parameter of `target`: no gradient is recorded, computed into
 * or applied to them until `unfreeze`. Clears their current gradients.
 * Returns the number of scalars frozen.
 */
export function freeze(target: FreezeTarget): number {
  let count = 0;
  for (const p of parametersOf(target, "freeze")) {
    p.requiresGrad = false;
    p.grad = null;
    count += p.value.size;
  }
  return count;
}

/** Makes every parameter of `target` trainable again. Returns the number of scalars unfrozen. */
export function unfreeze(target: FreezeTarget): number {
  let count = 0;
  for (const p of parametersOf(target, "unfreeze")) {
    p.requiresGrad = true;
    count += p.value.size;
  }
  return count;
}

/** The parameters of `module` that are not frozen, in `parameters()` order (what to give an optimizer). */
export function trainableParameters(module: Module): Parameter[] {
  return module.parameters().filter((p) => p.requiresGrad);
}

/** Whether every parameter of `module` is frozen (true for a module without parameters). */
export function isFrozen(module: Module): boolean {
  return module.parameters().every((p) => !p.requiresGrad);
}
