/**
 * `transpose`: the matrix transpose Aᵀ of a 2-D tensor (PyTorch's `t()`), an
 * nnref extension to the vectors format. An autoencoder with TIED weights
 * decodes with the transpose of its encoder's weight (004, "Autoencoder":
 * h_{W,b}(x) ≈ x with W⁽²⁾ = W⁽¹⁾ᵀ), so the transpose must pass gradients
 * back to the one shared weight.
 *
 *   output[j, i] = input[i, j]        input [R, C] → output [C, R]
 *   dL/dinput[i, j] = dL/doutput[j, i]   (the upstream, transposed back)
 */
import { allocate, randn, Tensor, type FloatDType } from "../tensor.js";
import { expectRank, expectSameDType, expectShape, floatData } from "../errors.js";
import type { OpDef } from "./op.js";
import { unaryOp } from "./unary_op.js";

/** Aᵀ: input [R, C] → output [C, R] (a copy). */
export function transpose(input: Tensor): Tensor {
  const a = floatData("transpose", "input", input);
  expectRank("transpose", "input", input, 2, "[R, C]");
  const [R, C] = input.shape;
  const out = allocate(input.dtype as FloatDType, R * C);
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) out[j * R + i] = a[i * C + j];
  return new Tensor(out, [C, R]);
}

/** Backward of `transpose`: dL/dinput [R, C] = (dL/doutput [C, R])ᵀ. */
export function transposeBackward(dy: Tensor, input: Tensor): Tensor {
  floatData("transpose", "upstream", dy);
  expectRank("transpose", "input", input, 2, "[R, C]");
  expectShape("transpose", "upstream", dy, [input.shape[1], input.shape[0]], "the shape of the output");
  expectSameDType("transpose", "upstream", input, dy);
  return transpose(dy);
}

/** `transpose`: input [R, C] → output [C, R]; no attributes. */
export const transposeOp = unaryOp({
  name: "transpose",
  forward: transpose,
  backward: transposeBackward,
  sample: (rng, dtype) => ({ input: randn([1 + rng.int(5), 1 + rng.int(5)], rng, { dtype }), attrs: {} }),
});

/** The transpose op, for the registry. */
export const transposeOps: OpDef[] = [transposeOp];
