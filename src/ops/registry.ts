/**
 * Every reference op by its vectors-format name. This is the table that
 * gradcheck, `nnref check` / `nnref vectors` and the backend dispatch read.
 * Each op file exports its list; adding an op means adding it to that list.
 */
import type { OpDef } from "./op.js";
import { activationOps } from "./activations.js";
import { linearOps } from "./linear.js";
import { lossOps } from "./losses.js";
import { sgdStepOps } from "./sgd_step.js";
import { dropoutOps } from "./dropout.js";
import { arithOps } from "./arith.js";
import { conv2dOps } from "./conv2d.js";
import { convTranspose2dOps } from "./conv_transpose2d.js";
import { conv1dOps } from "./conv1d.js";
import { maxPool2dOp } from "./max_pool2d.js";
import { adaptiveAvgPool2dOp, avgPool2dOp, sumPool2dOp } from "./avg_pool2d.js";
import { maxUnpool2dOp } from "./max_unpool2d.js";
import { filterOps } from "./filters.js";
import { normOps } from "./norm.js";
import { interpolateOps } from "./interpolate.js";
import { transposeOps } from "./transpose.js";
import { klSparsityOps } from "./kl_sparsity.js";
import { conv2dFusedOps } from "./conv2d_fused.js";

/** The pooling ops (./max_pool2d.ts, ./avg_pool2d.ts, ./max_unpool2d.ts). */
export const poolOps: OpDef[] = [maxPool2dOp, avgPool2dOp, sumPool2dOp, adaptiveAvgPool2dOp, maxUnpool2dOp];

const all: OpDef[] = [...activationOps, ...linearOps, ...lossOps, ...sgdStepOps, ...dropoutOps, ...arithOps, ...conv2dOps, ...convTranspose2dOps, ...conv1dOps, ...poolOps, ...filterOps, ...normOps, ...interpolateOps, ...transposeOps, ...klSparsityOps, ...conv2dFusedOps];

/** Reference ops by name. */
export const referenceOps: ReadonlyMap<string, OpDef> = new Map(all.map((op) => [op.name, op]));

/** The reference op called `name`, or undefined. */
export function findOp(name: string): OpDef | undefined {
  return referenceOps.get(name);
}
