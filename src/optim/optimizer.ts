/**
 * What every optimizer shares: the parameters it updates (in a fixed order),
 * a step size that schedules may change, `zeroGrad()`, and a state dict that
 * holds everything needed to resume training exactly (momentum buffers, Adam
 * moments, step counts, the current step size).
 *
 * Optimizers are thin stateful wrappers around pure update rules: the rule
 * reads (parameter, gradient, state) and writes (parameter, state); the
 * wrapper only keeps the state per parameter and loops.
 */
import { describeValue } from "../errors.js";
import { Tensor, shapeString } from "../tensor.js";
import type { Variable } from "../autograd/variable.js";

/** The per-parameter state of an optimizer: tensors (copies) by PyTorch's names, and an optional step count. */
export interface ParamState {
  /** Updates applied to this parameter so far (Adam's t). */
  step?: number;
  /** e.g. `momentum_buffer` (SGD), `exp_avg` and `exp_avg_sq` (Adam); absent before the first step. */
  tensors: Record<string, Tensor>;
}

/**
 * An optimizer's resumable state. Plain data: tensors are copies, so saving
 * one and continuing to train does not change it.
 */
export interface OptimizerStateDict {
  /** "SGD" or "Adam" — loading into another kind is an error. */
  optimizer: string;
  /** Hyper-parameters, including the current `lr` (a schedule may have changed it). */
  hyper: Record<string, number | boolean>;
  /** One entry per parameter, in the order the optimizer was given them. */
  state: ParamState[];
}

/** The interface the training loop and the schedules use. */
export interface Optimizer {
  /** The current step size ε (schedules set it). */
  lr: number;
  /** The parameters, in order. */
  readonly params: readonly Variable[];
  /** Applies one update to every parameter that has a gradient. */
  step(): void;
  /** Clears every parameter's gradient. */
  zeroGrad(): void;
  /** A copy of the state needed to resume exactly. */
  stateDict(): OptimizerStateDict;
  /** Restores a state from `stateDict()` (same kind, same parameter count and shapes). */
  loadStateDict(state: OptimizerStateDict): void;
}

/**
 * Parameters that share a weight decay: PyTorch's parameter groups, for the
 * one option that may differ per group here (e.g. no decay on biases, or a
 * λ per layer; `weightDecayGroups` builds them from a model).
 */
export interface ParamGroup {
  params: Iterable<Variable>;
  /** This group's weight decay (2λ of its λΣW²); the optimizer's `weightDecay` when absent. */
  weightDecay?: number;
}

/** What an optimizer takes: parameters, or parameter groups. */
export type Params = Iterable<Variable> | readonly ParamGroup[];

function isGroup(x: unknown): x is ParamGroup {
  return typeof x === "object" && x !== null && "params" in x && !("value" in x);
}

/**
 * Flattens `params` (parameters, or groups of them) into the parameter list,
 * in order, and each parameter's weight decay (`weightDecay` unless its group
 * gives one). Checks both like `checkParams`.
 */
export function checkParamGroups(optimizer: string, params: Params, weightDecay: number): { params: Variable[]; weightDecays: number[] } {
  const items = Array.isArray(params) ? (params as readonly unknown[]) : null;
  if (!items || !items.some(isGroup)) {
    const list = checkParams(optimizer, params as Iterable<Variable>);
    return { params: list, weightDecays: list.map(() => weightDecay) };
  }
  const flat: Variable[] = [];
  const weightDecays: number[] = [];
  items.forEach((g, k) => {
    if (!isGroup(g)) throw new TypeError(`${optimizer}: params[${k}]: expected a parameter group { params, weightDecay } like the others, got ${String(g)}`);
    const decay = g.weightDecay ?? weightDecay;
    if (typeof decay !== "number" || !Number.isFinite(decay) || decay < 0) throw new RangeError(`${optimizer}: params[${k}].weightDecay: expected a finite number ≥ 0, got ${describeValue(decay)}`);
    for (const p of g.params) {
      flat.push(p);
      weightDecays.push(decay);
    }
  });
  return { params: checkParams(optimizer, flat), weightDecays };
}

/** Checks and freezes the parameter list given to an optimizer. */
export function checkParams(optimizer: string, params: Iterable<Variable>): Variable[] {
  const list = [...params];
  if (list.length === 0) throw new RangeError(`${optimizer}: params: expected at least one parameter, got none`);
  list.forEach((p, i) => {
    if (!p || typeof p !== "object" || !("value" in p) || !(p.value instanceof Tensor)) throw new TypeError(`${optimizer}: params[${i}]: expected a Variable (e.g. a Parameter), got ${String(p)}`);
    if (!p.requiresGrad) throw new RangeError(`${optimizer}: params[${i}]: expected a variable that requires a gradient`);
    if (p.value.dtype === "int32") throw new RangeError(`${optimizer}: params[${i}]: expected a float32 or float64 parameter, got int32`);
  });
  if (new Set(list).size !== list.length) throw new RangeError(`${optimizer}: params: the same parameter appears more than once`);
  return list;
}

/** Checks a finite step size ≥ 0. */
export function checkLr(optimizer: string, lr: unknown): number {
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) throw new RangeError(`${optimizer}: lr: expected a finite number ≥ 0, got ${describeValue(lr)}`);
  return lr;
}

/**
 * Checks that `state` came from an optimizer of kind `optimizer` over
 * parameters of the same count and shapes as `params`; `tensorNames` are the
 * per-parameter tensors that kind may hold.
 */
export function checkStateDict(optimizer: string, state: OptimizerStateDict, params: readonly Variable[], tensorNames: readonly string[]): void {
  const where = `${optimizer}.loadStateDict`;
  if (!state || typeof state !== "object" || !Array.isArray(state.state)) throw new TypeError(`${where}: expected a state dict from stateDict(), got ${String(state)}`);
  if (state.optimizer !== optimizer) throw new RangeError(`${where}: expected the state of a ${optimizer} optimizer, got ${describeValue(state.optimizer)}`);
  if (state.state.length !== params.length) throw new RangeError(`${where}: expected state for ${params.length} parameters, got ${state.state.length}`);
  state.state.forEach((s, i) => {
    for (const [name, t] of Object.entries(s.tensors ?? {})) {
      if (!tensorNames.includes(name)) throw new RangeError(`${where}: state[${i}]: unexpected tensor ${describeValue(name)} (expected ${tensorNames.join(", ")})`);
      const want = params[i].value.shape;
      if (!(t instanceof Tensor) || t.rank !== want.length || t.shape.some((d, k) => d !== want[k])) {
        throw new RangeError(`${where}: state[${i}].${name}: expected shape ${shapeString(want)}, got ${t instanceof Tensor ? shapeString(t.shape) : String(t)}`);
      }
    }
    if (s.step !== undefined && (!Number.isInteger(s.step) || s.step < 0)) throw new RangeError(`${where}: state[${i}].step: expected an integer ≥ 0, got ${describeValue(s.step)}`);
  });
}

/** A copy of `t` in the dtype of `like` (state tensors follow their parameter's dtype). */
export function copyAs(t: Tensor, like: Tensor): Tensor {
  return t.dtype === like.dtype ? t.clone() : t.astype(like.dtype);
}
