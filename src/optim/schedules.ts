/**
 * Step-size schedules. Each is a small object around an optimizer: `step()`
 * advances it (per epoch or per iteration — the caller decides) and writes the
 * new step size into `optimizer.lr`. Each has a plain-JSON `stateDict()` so
 * training resumes with the same schedule.
 *
 * - InverseTimeLR: ε_t = c / t (001, "(S)GD with adaptable stepsize": "reduce
 *   size over time, e.g. ε_t = c/t").
 * - StepLR: ε = ε₀ · γ^⌊epoch / stepSize⌋ (PyTorch's StepLR).
 * - ReduceLROnPlateau: divide by 10 when a validation metric stops improving —
 *   AlexNet's recipe (000, "Case Study: AlexNet": "learning rate 1e-2, reduced
 *   by 10 manually when val accuracy plateaus"), as PyTorch's ReduceLROnPlateau.
 */
import { describeValue } from "../errors.js";

/** Anything with a settable step size (every Optimizer). */
export interface HasLr {
  lr: number;
}

/** The state of a schedule: plain numbers. */
export type ScheduleState = Record<string, number>;

function positive(where: string, name: string, value: unknown, allowZero = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${where}: ${name}: expected a finite number ${allowZero ? "≥" : ">"} 0, got ${describeValue(value)}`);
  }
  return value;
}

function integer(where: string, name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) throw new RangeError(`${where}: ${name}: expected an integer ≥ ${min}, got ${describeValue(value)}`);
  return value;
}

function checkOptimizer(where: string, optimizer: HasLr): HasLr {
  if (!optimizer || typeof optimizer.lr !== "number") throw new TypeError(`${where}: optimizer: expected an object with a numeric lr, got ${String(optimizer)}`);
  return optimizer;
}

function loadKeys(where: string, state: ScheduleState, keys: readonly string[]): void {
  for (const k of keys) {
    if (typeof state?.[k] !== "number" || Number.isNaN(state[k])) throw new RangeError(`${where}.loadStateDict: ${k}: expected a number, got ${describeValue(state?.[k])}`);
  }
}

/**
 * ε_t = c / t for t = 1, 2, …: sets `optimizer.lr = c` now (t = 1) and
 * `c / t` after the (t − 1)-th `step()`.
 */
export class InverseTimeLR {
  /** The current t (1 before any step). */
  t = 1;

  constructor(readonly optimizer: HasLr, readonly c: number) {
    checkOptimizer("InverseTimeLR", optimizer);
    positive("InverseTimeLR", "c", c);
    optimizer.lr = c;
  }

  /** t ← t + 1; ε = c / t. */
  step(): void {
    this.t += 1;
    this.optimizer.lr = this.c / this.t;
  }

  stateDict(): ScheduleState {
    return { t: this.t };
  }

  loadStateDict(state: ScheduleState): void {
    loadKeys("InverseTimeLR", state, ["t"]);
    this.t = integer("InverseTimeLR.loadStateDict", "t", state.t, 1);
    this.optimizer.lr = this.c / this.t;
  }
}

/** ε = ε₀ · γ^⌊epoch / stepSize⌋, ε₀ the optimizer's lr when the schedule is made. */
export class StepLR {
  /** Steps taken so far. */
  epoch = 0;
  /** The initial step size ε₀. */
  readonly baseLr: number;

  constructor(readonly optimizer: HasLr, readonly stepSize: number, readonly gamma = 0.1) {
    checkOptimizer("StepLR", optimizer);
    integer("StepLR", "stepSize", stepSize, 1);
    positive("StepLR", "gamma", gamma);
    this.baseLr = optimizer.lr;
  }

  /** epoch ← epoch + 1; ε = ε₀ · γ^⌊epoch / stepSize⌋. */
  step(): void {
    this.epoch += 1;
    this.optimizer.lr = this.baseLr * Math.pow(this.gamma, Math.floor(this.epoch / this.stepSize));
  }

  stateDict(): ScheduleState {
    return { epoch: this.epoch };
  }

  loadStateDict(state: ScheduleState): void {
    loadKeys("StepLR", state, ["epoch"]);
    this.epoch = integer("StepLR.loadStateDict", "epoch", state.epoch, 0);
    this.optimizer.lr = this.baseLr * Math.pow(this.gamma, Math.floor(this.epoch / this.stepSize));
  }
}

/** Options of ReduceLROnPlateau (PyTorch's names and defaults). */
export interface ReduceLROnPlateauOptions {
  /** "min" (default) for a loss, "max" for an accuracy. */
  mode?: "min" | "max";
  /** Multiply the step size by this on a plateau (default 0.1: ÷10, AlexNet's recipe). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Least change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** "rel" (default): relative to the best value; "abs": absolute. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Never go below this step size (default 0). */
  minLr?: number;
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Divides the step size by 1/factor when `step(metric)` has seen no
 * improvement for more than `patience` calls.
 */
export class ReduceLROnPlateau {
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  /** The best metric so far (±∞ before the first step). */
  best: number;
  /** Calls since the last improvement. */
  numBadEpochs = 0;
  /** Calls left in the cooldown after a reduction. */
  cooldownCounter = 0;
  /** How many times the step size was reduced. */
  reductions = 0;

  constructor(readonly optimizer: HasLr, options: ReduceLROnPlateauOptions = {}) {
    const where = "ReduceLROnPlateau";
    checkOptimizer(where, optimizer);
    const { mode = "min", factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = "rel", cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    if (mode !== "min" && mode !== "max") throw new RangeError(`${where}: mode: expected "min" or "max", got ${describeValue(mode)}`);
    if (thresholdMode !== "rel" && thresholdMode !== "abs") throw new RangeError(`${where}: thresholdMode: expected "rel" or "abs", got ${describeValue(thresholdMode)}`);
    if (typeof factor !== "number" || !(factor > 0 && factor < 1)) throw new RangeError(`${where}: factor: expected a number in (0, 1), got ${describeValue(factor)}`);
    this.mode = mode;
    this.factor = factor;
    this.patience = integer(where, "patience", patience, 0);
    this.threshold = positive(where, "threshold", threshold, true);
    this.thresholdMode = thresholdMode;
    this.cooldown = integer(where, "cooldown", cooldown, 0);
    this.minLr = positive(where, "minLr", minLr, true);
    this.eps = positive(where, "eps", eps, true);
    this.best = mode === "min" ? Infinity : -Infinity;
  }

  /** Whether `value` improves on the best so far by more than the threshold. */
  isBetter(value: number): boolean {
    const { best, threshold } = this;
    if (this.mode === "min") return this.thresholdMode === "rel" ? value < best * (1 - threshold) : value < best - threshold;
    return this.thresholdMode === "rel" ? value > best * (1 + threshold) : value > best + threshold;
  }

  /** Records one validation metric (e.g. after each epoch); reduces the step size on a plateau. Returns true if it did. */
  step(metric: number): boolean {
    if (typeof metric !== "number" || !Number.isFinite(metric)) throw new RangeError(`ReduceLROnPlateau.step: metric: expected a finite number, got ${describeValue(metric)}`);
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
      const old = this.optimizer.lr;
      const lr = Math.max(old * this.factor, this.minLr);
      if (old - lr > this.eps) {
        this.optimizer.lr = lr;
        this.reductions += 1;
        return true;
      }
    }
    return false;
  }

  stateDict(): ScheduleState {
    return { best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, reductions: this.reductions, lr: this.optimizer.lr };
  }

  loadStateDict(state: ScheduleState): void {
    loadKeys("ReduceLROnPlateau", state, ["best", "numBadEpochs", "cooldownCounter", "reductions", "lr"]);
    this.best = state.best;
    this.numBadEpochs = integer("ReduceLROnPlateau.loadStateDict", "numBadEpochs", state.numBadEpochs, 0);
    this.cooldownCounter = integer("ReduceLROnPlateau.loadStateDict", "cooldownCounter", state.cooldownCounter, 0);
    this.reductions = integer("ReduceLROnPlateau.loadStateDict", "reductions", state.reductions, 0);
    this.optimizer.lr = positive("ReduceLROnPlateau.loadStateDict", "lr", state.lr, true);
  }
}
