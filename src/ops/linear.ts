/**
 * The fully connected (affine) layer: y = x Wᵀ + b, and its backward.
 *
 * 000, "Multi-Layered Perceptrons": each layer is an affine map followed by a
 * non-linearity, f_i(z) = σ((Wⁱ)ᵀ z + bⁱ); 003, "Multi-Layer Perceptron":
 * h = σ₁(W₁ x + b₁). This op is the affine part. Its weight is stored as
 * PyTorch stores it, W [out, in] (003's W₁, the transpose of 000's Wⁱ), so one
 * row of the input gives yⱼ = Σₗ W[j, l] x[l] + b[j] — 000's
 * pⱼ = Σₗ W⁽¹⁾ₗⱼ xₗ + b⁽¹⁾ⱼ with the indices of W swapped.
 *
 * Backward, with g = dL/dy [rows, out]:
 *   dL/dx = g W          [rows, in]
 *   dL/dW = gᵀ x         [out, in]   (000's ∂J/∂W⁽²⁾ₗ′ₖ = δₖ q_l′, summed over rows)
 *   dL/db = Σ_rows g     [out]       (000's ∂J/∂b⁽²⁾ₖ = δₖ)
 */
import { allocate, randn, shapeString, Tensor, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { checkUpstream, expectRank, expectSameDType, expectShape, fail, floatData } from "../errors.js";
import type { OpDef, Tensors } from "./op.js";

/** The sizes of a linear call after validation. */
export interface LinearShapes {
  /** Product of the input's leading dimensions (1 for an input of rank 1). */
  rows: number;
  /** in_features: the input's last dimension. */
  inFeatures: number;
  /** out_features: the weight's first dimension. */
  outFeatures: number;
  /** The output's shape: the input's leading dimensions, then out_features. */
  outputShape: number[];
}

/**
 * Validates the arguments of `linear` (input [*, in], weight [out, in],
 * optional bias [out], one float dtype) and returns the sizes. Throws OpError.
 * Shared by the reference and the kernels so that both accept the same calls.
 */
export function linearShapes(input: Tensor, weight: Tensor, bias?: Tensor): LinearShapes {
  floatData("linear", "input", input);
  floatData("linear", "weight", weight);
  if (input.rank < 1) fail("linear", "input", "rank ≥ 1 [*, in_features]", `shape ${shapeString(input.shape)}`);
  expectRank("linear", "weight", weight, 2, "[out_features, in_features]");
  expectSameDType("linear", "weight", input, weight);
  const inFeatures = input.shape[input.rank - 1];
  const outFeatures = weight.shape[0];
  if (weight.shape[1] !== inFeatures) {
    fail("linear", "weight", `shape [out_features, ${inFeatures}] (in_features = the input's last dimension)`, `shape ${shapeString(weight.shape)}`);
  }
  if (bias !== undefined) {
    floatData("linear", "bias", bias);
    expectSameDType("linear", "bias", input, bias);
    expectShape("linear", "bias", bias, [outFeatures], "[out_features]");
  }
  const leading = input.shape.slice(0, -1);
  let rows = 1;
  for (const d of leading) rows *= d;
  return { rows, inFeatures, outFeatures, outputShape: [...leading, outFeatures] };
}

/**
 * y = x Wᵀ + b. input [*, in], weight [out, in], bias [out] (optional) →
 * output [*, out]. Sums run in float64 and are stored in the input's dtype.
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const { rows, inFeatures, outFeatures, outputShape } = linearShapes(input, weight, bias);
  const x = input.data as FloatArray, W = weight.data as FloatArray, b = bias?.data as FloatArray | undefined;
  const y = allocate(input.dtype as FloatDType, rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outFeatures; j++) {
      let sum = b ? b[j] : 0;
      for (let l = 0; l < inFeatures; l++) sum += W[j * inFeatures + l] * x[r * inFeatures + l];
      y[r * outFeatures + j] = sum;
    }
  }
  return new Tensor(y, outputShape);
}

/** The gradients of `linear`; `bias` is present when the forward had a bias. */
export interface LinearGrads {
  input: Tensor;
  weight: Tensor;
  bias?: Tensor;
}

/**
 * Backward of `linear`: given dy [*, out] and the forward's input and weight,
 * returns dx = dy W [*, in], dW = dyᵀ x [out, in] and, when `hasBias`,
 * db = Σ dy over all leading dimensions [out].
 */
export function linearBackward(dy: Tensor, input: Tensor, weight: Tensor, hasBias: boolean): LinearGrads {
  const { rows, inFeatures, outFeatures, outputShape } = linearShapes(input, weight);
  const g = checkUpstream("linear", dy, outputShape, input);
  const x = input.data as FloatArray, W = weight.data as FloatArray;
  const dtype = input.dtype as FloatDType;

  const dx = allocate(dtype, rows * inFeatures);
  for (let r = 0; r < rows; r++) {
    for (let l = 0; l < inFeatures; l++) {
      let sum = 0;
      for (let j = 0; j < outFeatures; j++) sum += g[r * outFeatures + j] * W[j * inFeatures + l];
      dx[r * inFeatures + l] = sum;
    }
  }
  const dW = allocate(dtype, outFeatures * inFeatures);
  for (let j = 0; j < outFeatures; j++) {
    for (let l = 0; l < inFeatures; l++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += g[r * outFeatures + j] * x[r * inFeatures + l];
      dW[j * inFeatures + l] = sum;
    }
  }
  const grads: LinearGrads = { input: new Tensor(dx, input.shape), weight: new Tensor(dW, weight.shape) };
  if (hasBias) grads.bias = new Tensor(linearBiasGrad(g, rows, outFeatures, dtype), [outFeatures]);
  return grads;
}

/** The bias gradient of `linear`: db = Σ over the rows of dy [rows, out] → [out], summed in float64 (the kernels call it too). */
export function linearBiasGrad(g: FloatArray, rows: number, outFeatures: number, dtype: FloatDType): FloatArray {
  const db = allocate(dtype, outFeatures);
  for (let j = 0; j < outFeatures; j++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += g[r * outFeatures + j];
    db[j] = sum;
  }
  return db;
}

/** What the backward of `linear` needs. */
interface LinearCache {
  input: Tensor;
  weight: Tensor;
  hasBias: boolean;
}

function sampleLinear(rng: Random, dtype: FloatDType) {
  const inFeatures = 1 + rng.int(5), outFeatures = 1 + rng.int(5);
  const leading = Array.from({ length: rng.int(3) }, () => 1 + rng.int(4)); // rank 1, 2 or 3 input
  const inputs: Tensors = {
    input: randn([...leading, inFeatures], rng, { dtype }),
    weight: randn([outFeatures, inFeatures], rng, { std: 0.5, dtype }),
  };
  if (rng.bernoulli(0.7)) inputs.bias = randn([outFeatures], rng, { std: 0.5, dtype });
  return { inputs, attrs: {} };
}

/** `linear`: input [*, in], weight [out, in], optional bias [out] → output [*, out]. No attributes. */
export const linearOp: OpDef<Record<string, never>, LinearCache> = {
  name: "linear",
  inputs: ["input", "weight", "bias"],
  optional: ["bias"],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input", "weight", "bias"],
  attrs: () => ({}),
  forward: ({ input, weight, bias }) => ({
    outputs: { output: linear(input, weight, bias) },
    cache: { input, weight, hasBias: bias !== undefined },
  }),
  backward: ({ output }, c) => {
    const { input, weight, bias } = linearBackward(output, c.input, c.weight, c.hasBias);
    const grads: Tensors = { input, weight };
    if (bias) grads.bias = bias;
    return grads;
  },
  sample: sampleLinear,
};

/** The linear op, for the registry. */
export const linearOps: OpDef[] = [linearOp];
