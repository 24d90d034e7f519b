/**
 * nnref — the public API. Everything a program can do, the CLI does through
 * these exports too.
 */
export * from "./tensor.js";
export * from "./random.js";
export * from "./ops/errors.js";
export type * from "./ops/op.js";
export * from "./ops/registry.js";
export * from "./ops/activations.js";
export * from "./ops/linear.js";
export * from "./ops/losses.js";
export * from "./ops/sgd_step.js";
export * from "./ops/dropout.js";
// src/nn/dropout.ts declares the same union; name the op floor's as the public one.
export type { DropoutConvention } from "./ops/dropout.js";
export * from "./ops/arith.js";
export * from "./ops/gemm.js";
export * from "./ops/conv2d.js";
export * from "./ops/im2col.js";
export * from "./ops/conv_transpose2d.js";
export * from "./ops/conv1d.js";
export * from "./ops/pool.js";
export * from "./ops/filters.js";
export * from "./backend/dispatch.js";
export * from "./io/vectors.js";
export * from "./check/vectors.js";
export * from "./autograd/index.js";
export * from "./nn/index.js";
export * from "./optim/index.js";
