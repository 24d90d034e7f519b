/**
 * add and mul on the WebAssembly kernels (assembly/arith.ts), forward and
 * backward. The reference allows no broadcasting (a and b of one shape and
 * dtype, checked by its own `samePair`; the upstream by its
 * `checkArithUpstream`), so every float32 call runs here; float64 runs the
 * reference. Results are bit-equal to the reference (see assembly/arith.ts).
 * add's backward is two copies of the upstream gradient, made here without
 * the kernels.
 */
import { Tensor } from "../../tensor.js";
import type { OpDef } from "../../ops/op.js";
import { binaryOp } from "../../ops/binary_op.js";
import { add, addBackward, addOp, checkArithUpstream, mul, mulBackward, mulOp, samePair } from "../../ops/arith.js";
import { requireKernels } from "../wasm.js";
import { ELEMENT_UNIT, rangeOnThreads } from "../parallel_kernels.js";
import { finishOutput, inputBytes, orReference, outputBytes, outputPointer, placeInput, planOutput } from "./arena.js";

/** One of the kernels' z ← f(x, y) for n floats. */
type PairKernel = "addForward" | "mulForward";

/**
 * `kernel` over x and y (float32, one shape) on the kernels → z of that shape
 * (resident inside a tidy scope; inputs read in place when resident). The
 * inputs' data are read only after the layout, as ./arena.ts says.
 */
function pairF32(kernel: PairKernel, x: Tensor, y: Tensor): Tensor {
  const { arena } = requireKernels();
  const z = planOutput(x.shape);
  const [px, py, pz] = arena.layout([inputBytes(x), inputBytes(y), outputBytes(z)]);
  const xAt = placeInput(x, px), yAt = placeInput(y, py), zAt = outputPointer(z, pz);
  rangeOnThreads(kernel, z.length, ELEMENT_UNIT, 3 * z.length, (s, e) => [xAt + 4 * s, yAt + 4 * s, e - s, zAt + 4 * s]);
  return finishOutput(z, pz);
}

/** a + b on the kernels (float32) or the reference; a, b: one shape → output of that shape. */
export function addKernel(a: Tensor, b: Tensor): Tensor {
  samePair("add", "a", a, "b", b);
  if (a.dtype !== "float32") return add(a, b);
  return pairF32("addForward", a, b);
}

/** d(a + b): two copies of dy (the shape of a); float64 by the reference. */
export function addBackwardKernel(dy: Tensor, a: Tensor): { a: Tensor; b: Tensor } {
  if (a.dtype !== "float32") return addBackward(dy, a);
  const g = checkArithUpstream("add", dy, a.shape, a.dtype) as Float32Array;
  return { a: new Tensor(g.slice(), a.shape), b: new Tensor(g.slice(), a.shape) };
}

/** a ⊙ b on the kernels (float32) or the reference; a, b: one shape → output of that shape. */
export function mulKernel(a: Tensor, b: Tensor): Tensor {
  samePair("mul", "a", a, "b", b);
  if (a.dtype !== "float32") return mul(a, b);
  return pairF32("mulForward", a, b);
}

/** d(a ⊙ b): dL/da = g ⊙ b, dL/db = g ⊙ a on the kernels (float32) or the reference; all the shape of a. */
export function mulBackwardKernel(dy: Tensor, a: Tensor, b: Tensor): { a: Tensor; b: Tensor } {
  samePair("mul", "a", a, "b", b);
  if (a.dtype !== "float32") return mulBackward(dy, a, b);
  checkArithUpstream("mul", dy, a.shape, a.dtype); // dy: a's shape and dtype
  return { a: pairF32("mulForward", dy, b), b: pairF32("mulForward", dy, a) };
}

/** add on the kernels: the reference's OpDef with these forward and backward. */
export const addKernelOp: OpDef = orReference(addOp, binaryOp({ name: "add", inputs: ["a", "b"], forward: addKernel, backward: (dy, a) => addBackwardKernel(dy, a), sample: addOp.sample }));

/** mul on the kernels: the reference's OpDef with these forward and backward. */
export const mulKernelOp: OpDef = orReference(mulOp, binaryOp({ name: "mul", inputs: ["a", "b"], forward: mulKernel, backward: mulBackwardKernel, sample: mulOp.sample }));
