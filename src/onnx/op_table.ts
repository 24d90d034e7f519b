/**
 * The ONNX ops nnref evaluates, by op type (default domain); the shape of an
 * op's implementation is ./onnx_op.ts's `OnnxOp`. Ops that nnref has as reference ops (conv,
 * pooling, batch norm, LRN, activations, softmax) run through the autograd
 * functions, so the active backend (kernels or reference) runs them; the
 * glue of exported graphs is written out in ./ops_tensor.ts and
 * ./ops_spatial.ts.
 */
import type { OnnxOp } from "./onnx_op.js";
import { tensorOps } from "./ops_tensor.js";
import { nnOps } from "./ops_nn.js";
import { spatialOps } from "./ops_spatial.js";

export type { OnnxOp } from "./onnx_op.js";

/** Every supported op type. */
export const onnxOps: Readonly<Record<string, OnnxOp>> = { ...tensorOps, ...nnOps, ...spatialOps };

/** The lowest and highest default-domain opsets nnref evaluates. */
export const ONNX_OPSETS = { min: 7, max: 17 } as const;

/** The supported op types, sorted. */
export function supportedOnnxOps(): string[] {
  return Object.keys(onnxOps).sort();
}
