/**
 * The shape of one ONNX op's implementation, in a file of its own so that
 * the op files (./ops_tensor.ts, ./ops_nn.ts, ./ops_spatial.ts) and the table
 * that lists them (./op_table.ts) import it without importing each other.
 */
import type { Tensor } from "../tensor.js";
import type { NodeAttributes } from "./attributes.js";

/**
 * One op: its inputs in ONNX order (undefined for an absent optional input),
 * its attributes, the model's opset and how many outputs the node asks for;
 * returns the outputs in order. Throws through `attrs.error` on bad input.
 */
export type OnnxOp = (inputs: ReadonlyArray<Tensor | undefined>, attrs: NodeAttributes, opset: number, outputCount: number) => Tensor[];
