/**
 * Applying an op to variables: runs the op's forward (through the backend
 * dispatch, so the kernel runs when the wasm backend is active) and records a
 * graph node when a gradient is needed.
 *
 * `noGrad(fn)` runs `fn` without recording ("the gradients along only some of
 * the paths", 000): evaluation and the optimizer's updates. Whether recording
 * is on is the one piece of state here; it is readable with `isGradEnabled()`
 * and only ever changed for the duration of a `noGrad` call.
 */
import type { Tensor } from "../tensor.js";
import type { OpDef } from "../ops/op.js";
import { resolveOp } from "../backend/dispatch.js";
import { Variable, type Node } from "./variable.js";

let noGradDepth = 0;

/** Runs `fn` without recording graph nodes; returns its result. */
export function noGrad<T>(fn: () => T): T {
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

/** Whether ops applied now record graph nodes (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return noGradDepth === 0;
}

/** A variable or a plain tensor (a constant: no gradient) as an op argument. */
export type Operand = Variable | Tensor;

function asVariable(x: Operand): Variable {
  return x instanceof Variable ? x : new Variable(x, false, null);
}

/**
 * Applies the op called `name` to `inputs` (by argument name; undefined
 * entries are absent optional inputs) with `attrs`, returning every output as
 * a Variable. The op is resolved per call (kernel or reference).
 */
export function applyOp(name: string, inputs: Record<string, Operand | undefined>, attrs: Record<string, unknown> = {}): Record<string, Variable> {
  const op: OpDef | undefined = resolveOp(name);
  if (!op) throw new Error(`applyOp: unknown op ${JSON.stringify(name)}`);
  const vars: Record<string, Variable> = {};
  const tensors: Record<string, Tensor> = {};
  for (const [k, x] of Object.entries(inputs)) {
    if (x === undefined) continue;
    vars[k] = asVariable(x);
    tensors[k] = vars[k].value;
  }
  const a = op.attrs(attrs);
  const { outputs, cache } = op.forward(tensors, a);
  const record = isGradEnabled() && op.grads.some((g) => vars[g]?.requiresGrad);
  const result: Record<string, Variable> = {};
  if (!record) {
    for (const [k, t] of Object.entries(outputs)) result[k] = new Variable(t, false, null);
    return result;
  }
  const outVars: Record<string, Variable> = {};
  const node: Node = { op, attrs: a, cache, freed: false, inputs: vars, outputs: outVars };
  for (const [k, t] of Object.entries(outputs)) {
    outVars[k] = new Variable(t, op.differentiableOutputs.includes(k), op.differentiableOutputs.includes(k) ? node : null);
    result[k] = outVars[k];
  }
  return result;
}

/** `applyOp` for single-output ops: returns the output called "output". */
export function apply(name: string, inputs: Record<string, Operand | undefined>, attrs: Record<string, unknown> = {}): Variable {
  const out = applyOp(name, inputs, attrs);
  if (!out.output) throw new Error(`apply: op ${name} has no output called "output"`);
  return out.output;
}
