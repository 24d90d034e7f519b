/**
 * Stopping training on a non-finite parameter (issue 9, item 2). The loop
 * already stops when the loss is NaN or infinite (DivergenceError); a NaN
 * weight does not always show in the loss at once (it did not while relu
 * turned NaN into 0), and a checkpoint may hold one before any step runs.
 * So the trainer checks every parameter and float buffer (batch norm's
 * running statistics) once per epoch and after resuming, and names the first
 * non-finite one.
 *
 * Cost: one subtraction and one addition per element (x − x is 0 for a finite
 * x, NaN for NaN and ±∞), once per epoch: for the MLP's 100k weights about
 * 0.1 ms against an epoch of seconds; the per-element search runs only when
 * the sum says there is something to find.
 */
import type { Tensor } from "../tensor.js";
import type { Module } from "../nn/module.js";

/** Where a non-finite value sits: the state-dict name, the flat index and the value. */
export interface NonFiniteEntry {
  /** PyTorch state-dict name, e.g. "fc1.weight" or "bn1.running_var". */
  readonly name: string;
  /** Flat (row-major) index of the first non-finite element. */
  readonly index: number;
  /** NaN, Infinity or −Infinity. */
  readonly value: number;
}

/** Thrown when training meets a parameter or buffer that is NaN or infinite; names it and says when. */
export class NonFiniteParameterError extends Error {
  /** The offending entry. */
  readonly entry: NonFiniteEntry;

  constructor(entry: NonFiniteEntry, where: string) {
    super(`training stopped: ${entry.name}[${entry.index}] is ${entry.value} ${where} ` +
      "(a NaN or infinite parameter would train on silently; try a smaller learning rate, or a checkpoint from before the divergence)");
    this.name = "NonFiniteParameterError";
    this.entry = entry;
  }
}

/** The first non-finite element of `t` (flat index), or −1. */
function firstNonFinite(t: Tensor): number {
  const d = t.data;
  let probe = 0;
  for (let i = 0; i < d.length; i++) probe += d[i] - d[i];
  if (probe === 0) return -1;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}

/**
 * The first NaN or infinite element among `model`'s parameters, then its
 * float buffers, in state-dict order; null when all are finite.
 */
export function findNonFiniteParameter(model: Module): NonFiniteEntry | null {
  const tensors: Array<[string, Tensor]> = [
    ...model.namedParameters().map(([name, p]): [string, Tensor] => [name, p.value]),
    ...model.namedBuffers().filter(([, t]) => t.dtype === "float32" || t.dtype === "float64"),
  ];
  for (const [name, t] of tensors) {
    const index = firstNonFinite(t);
    if (index >= 0) return { name, index, value: t.data[index] };
  }
  return null;
}

/**
 * Throws NonFiniteParameterError naming the first non-finite parameter or
 * buffer of `model`; `where` completes the message ("after epoch 3",
 * "in checkpoint runs/lenet5-0/checkpoint.safetensors").
 */
export function checkFiniteParameters(model: Module, where: string): void {
  const entry = findNonFiniteParameter(model);
  if (entry) throw new NonFiniteParameterError(entry, where);
}
