/**
 * The ONNX ops nnref evaluates, by op type (default domain), and the shape
 * of an op's implementation. Ops that nnref has as reference ops (conv,
 * pooling, batch norm, LRN, activations, softmax) run through the autograd
 * functions, so the active backend (kernels or reference) runs them; the
 * glue of exported graphs is written out in ./ops_tensor.ts and
 * ./ops_spatial.ts.
 */
import type { Tensor } from "../tensor.js";
import type { NodeAttributes } from "./attributes.js";
import { tensorOps } from "./ops_tensor.js";
import { nnOps } from "./ops_nn.js";
import { spatialOps } from "./ops_spatial.js";

/**
 * One op: its inputs in ONNX order (undefined for an absent optional input),
 * its attributes, the model's opset and how many outputs the node asks for;
 * returns the outputs in order. Throws through `attrs.error` on bad input.
 */
export type OnnxOp = (inputs: ReadonlyArray<Tensor | undefined>, attrs: NodeAttributes, opset: number, outputCount: number) => Tensor[];

/** Every supported op type. */
export const onnxOps: Readonly<Record<string, OnnxOp>> = { ...tensorOps, ...nnOps, ...spatialOps };

/** The lowest and highest default-domain opsets nnref evaluates. */
export const ONNX_OPSETS = { min: 7, max: 17 } as const;

/** The supported op types, sorted. */
export function supportedOnnxOps(): string[] {
  return Object.keys(onnxOps).sort();
}
