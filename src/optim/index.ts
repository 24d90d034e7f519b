/**
 * Optimizers (src/optim/): pure update rules and the thin stateful wrappers
 * that keep their per-parameter state, step-size schedules and gradient
 * clipping.
 */
export type { Optimizer, OptimizerStateDict, ParamState } from "./optimizer.js";
export * from "./sgd.js";
export * from "./adam.js";
export * from "./schedules.js";
export * from "./clip.js";
export type { ParamGroup, Params } from "./optimizer.js";
export * from "./weight_decay_groups.js";
