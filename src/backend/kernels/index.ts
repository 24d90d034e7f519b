/**
 * Every kernel the wasm backend registers with ../dispatch.ts (../load.ts
 * does it once the module loads): the ops, each its reference OpDef from
 * ../../ops/ with the float32 work done by assembly/, and the in-place
 * update rules. One file per op family, as in src/ops/:
 *   conv2d.ts            conv2d forward and backward (im2col/col2im + GEMM)
 *   conv2d_fused.ts      conv2d + residual add + ReLU in the forward's epilogue (inference)
 *   conv2d_packed.ts     conv weights packed once for inference (conv2d_fused reads the panels)
 *   conv_transpose2d.ts  conv_transpose2d through conv2d's adjoint
 *   conv2d_fused.ts      conv2d + residual + ReLU in the GEMM's epilogue (inference)
 *   linear.ts            linear: three SGEMMs
 *   activations.ts       relu
 *   pool.ts              max_pool2d
 *   sgd.ts               the SGD update in place (optimizer steps)
 *   batch_norm.ts        batch_norm, training and evaluation
 *   arith.ts             add and mul (elementwise, one shape)
 *   avg_pool2d.ts        adaptive_avg_pool2d to 1×1 (global average pooling)
 *   adam.ts              the Adam update in place (optimizer steps)
 *   softmax.ts           softmax and log_softmax over contiguous rows
 *   cross_entropy.ts     cross_entropy of [N, C] logits against class indices
 *   arena.ts             operands and results (resident tensors in place, plain ones
 *                        copied through the arena); the reference fallback
 * The public `sgemm()` is ../sgemm.ts.
 */
import type { OpDef } from "../../ops/op.js";
import type { UpdateRule } from "../dispatch.js";
import { conv2dKernelOp } from "./conv2d.js";
import { convTranspose2dKernelOp } from "./conv_transpose2d.js";
import { linearKernelOp } from "./linear.js";
import { reluKernelOp } from "./activations.js";
import { maxPool2dKernelOp } from "./pool.js";
import { sgdStepInPlaceKernel } from "./sgd.js";
import { batchNormKernelOp } from "./batch_norm.js";
import { addKernelOp, mulKernelOp } from "./arith.js";
import { adaptiveAvgPool2dKernelOp } from "./avg_pool2d.js";
import { adamStepInPlaceKernel } from "./adam.js";
import { conv2dFusedKernelOp } from "./conv2d_fused.js";
import { logSoftmaxKernelOp, softmaxKernelOp } from "./softmax.js";
import { crossEntropyKernelOp } from "./cross_entropy.js";

/** Every op with a kernel, for `registerKernels`. */
export const kernelOps: OpDef[] = [
  conv2dKernelOp, conv2dFusedKernelOp, convTranspose2dKernelOp, linearKernelOp, reluKernelOp, maxPool2dKernelOp,
  batchNormKernelOp, addKernelOp, mulKernelOp, adaptiveAvgPool2dKernelOp,
  softmaxKernelOp, logSoftmaxKernelOp, crossEntropyKernelOp,
];

/** Every in-place update rule with a kernel, by the name the optimizers resolve. */
export const kernelUpdates: Readonly<Record<string, UpdateRule>> = { sgd_step: sgdStepInPlaceKernel, adam_step: adamStepInPlaceKernel };
