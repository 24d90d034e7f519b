/**
 * The small ops that the autograd graph and the models are built from:
 * add, mul, mul_scalar, scale_channels (squeeze-and-excitation), concat
 * (Inception's filter concatenation), reshape (flatten), sum and mean.
 *
 * Each is a forward and a backward (the vector-Jacobian product for every
 * tensor input), then an OpDef. No broadcasting: shapes must agree exactly,
 * so a shape mistake is an OpError rather than a silently broadcast result.
 */
import { allocate, randn, shapeString, sizeOf, Tensor, type FloatArray, type FloatDType } from "../tensor.js";
import { describeValue, expectRank, expectSameDType, expectShape, fail, floatData, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import type { Random } from "../random.js";
import { randomShape } from "./random_cases.js";
import { unaryOp, type NoAttrs } from "./unary_op.js";
import { binaryOp } from "./binary_op.js";

/** A new tensor of `dtype` and `shape` from a function of the flat index. */
function build(dtype: FloatDType, shape: readonly number[], f: (i: number) => number): Tensor {
  const out = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = f(i);
  return new Tensor(out, shape);
}

/** Checks that an upstream gradient is a float tensor of `shape` and `dtype`; returns its data. */
function checkUpstream(op: string, dy: Tensor, shape: readonly number[], dtype: string): FloatArray {
  const g = floatData(op, "upstream", dy);
  expectShape(op, "upstream", dy, shape, "the shape of the output");
  if (dy.dtype !== dtype) fail(op, "upstream", `dtype ${dtype} (the dtype of the output)`, dy.dtype);
  return g;
}

/** Checks two float tensors of one shape and dtype (`a` first); returns their data. */
export function samePair(op: string, aName: string, a: Tensor, bName: string, b: Tensor): [FloatArray, FloatArray] {
  const x = floatData(op, aName, a);
  const y = floatData(op, bName, b);
  expectSameDType(op, bName, a, b);
  expectShape(op, bName, b, a.shape, `the shape of ${aName}`);
  return [x, y];
}

/** The upstream check of these ops, for the kernels' glue (src/backend/kernels/arith.ts). */
export { checkUpstream as checkArithUpstream };

// ───────────────────────────── add, mul, mul_scalar ─────────────────────────────

/** a + b, elementwise; a and b have the same shape. */
export function add(a: Tensor, b: Tensor): Tensor {
  const [x, y] = samePair("add", "a", a, "b", b);
  return build(a.dtype as FloatDType, a.shape, (i) => x[i] + y[i]);
}

/** d(a + b): dL/da = dL/db = g (copies). dy, dL/da, dL/db: the shape of a. */
export function addBackward(dy: Tensor, a: Tensor): { a: Tensor; b: Tensor } {
  const g = checkUpstream("add", dy, a.shape, a.dtype);
  return { a: build(a.dtype as FloatDType, a.shape, (i) => g[i]), b: build(a.dtype as FloatDType, a.shape, (i) => g[i]) };
}

/** a ⊙ b, elementwise (Hadamard product); a and b have the same shape. */
export function mul(a: Tensor, b: Tensor): Tensor {
  const [x, y] = samePair("mul", "a", a, "b", b);
  return build(a.dtype as FloatDType, a.shape, (i) => x[i] * y[i]);
}

/** d(a ⊙ b): dL/da = g ⊙ b, dL/db = g ⊙ a. dy, dL/da, dL/db: the shape of a. */
export function mulBackward(dy: Tensor, a: Tensor, b: Tensor): { a: Tensor; b: Tensor } {
  const [x, y] = samePair("mul", "a", a, "b", b);
  const g = checkUpstream("mul", dy, a.shape, a.dtype);
  const dtype = a.dtype as FloatDType;
  return { a: build(dtype, a.shape, (i) => g[i] * y[i]), b: build(dtype, a.shape, (i) => g[i] * x[i]) };
}

/** value · x, elementwise. Any shape. */
export function mulScalar(x: Tensor, value: number): Tensor {
  const d = floatData("mul_scalar", "input", x);
  return build(x.dtype as FloatDType, x.shape, (i) => value * d[i]);
}

/** d(value · x): dL/dx = value · g. dy, dL/dx: the shape of x. */
export function mulScalarBackward(dy: Tensor, x: Tensor, value: number): Tensor {
  const g = checkUpstream("mul_scalar", dy, x.shape, x.dtype);
  return build(x.dtype as FloatDType, x.shape, (i) => value * g[i]);
}

// ───────────────────────────── scale_channels ─────────────────────────────
// 000, "Squeeze-and-Excitation Networks (SENet)": squeeze-and-excitation rescales each channel of a feature map
// by a learned weight: output[n, c, …] = input[n, c, …] · scale[n, c].
//   dL/dinput[n, c, …] = g[n, c, …] · scale[n, c]
//   dL/dscale[n, c]    = Σ_… g[n, c, …] · input[n, c, …]

/** The size of one [n, c] plane of a scale_channels input (the product of its dims after C). */
function channelPlanes(input: Tensor, scale: Tensor): { plane: number } {
  floatData("scale_channels", "input", input);
  floatData("scale_channels", "scale", scale);
  if (input.rank < 2) fail("scale_channels", "input", "rank ≥ 2 [N, C, …]", `shape ${shapeString(input.shape)}`);
  expectSameDType("scale_channels", "scale", input, scale);
  expectShape("scale_channels", "scale", scale, input.shape.slice(0, 2), "[N, C] of the input");
  return { plane: sizeOf(input.shape.slice(2)) };
}

/** output[n, c, …] = input[n, c, …] · scale[n, c]. input [N, C, …], scale [N, C] → output [N, C, …]. */
export function scaleChannels(input: Tensor, scale: Tensor): Tensor {
  const { plane } = channelPlanes(input, scale);
  const x = input.data, s = scale.data;
  return build(input.dtype as FloatDType, input.shape, (i) => x[i] * s[Math.floor(i / plane)]);
}

/** Backward of `scaleChannels`: dL/dinput [N, C, …] and dL/dscale [N, C]. */
export function scaleChannelsBackward(dy: Tensor, input: Tensor, scale: Tensor): { input: Tensor; scale: Tensor } {
  const { plane } = channelPlanes(input, scale);
  const g = checkUpstream("scale_channels", dy, input.shape, input.dtype);
  const x = input.data, s = scale.data;
  const dtype = input.dtype as FloatDType;
  const dInput = build(dtype, input.shape, (i) => g[i] * s[Math.floor(i / plane)]);
  const dScale = build(dtype, scale.shape, (nc) => {
    let sum = 0;
    for (let k = nc * plane; k < (nc + 1) * plane; k++) sum += g[k] * x[k];
    return sum;
  });
  return { input: dInput, scale: dScale };
}

// ───────────────────────────── concat ─────────────────────────────
// 000, "GoogLeNet / InceptionNet v1 (and v2, v3) 2014": an Inception module concatenates its branches along the
// channel dimension. Backward: the upstream gradient split back at the seam.

/** The tensors seen as [outer, size along dim, inner]. */
function concatLayout(a: Tensor, b: Tensor, dim: number): { outer: number; na: number; nb: number; inner: number; d: number; shape: number[] } {
  floatData("concat", "a", a);
  floatData("concat", "b", b);
  expectSameDType("concat", "b", a, b);
  if (a.rank < 1) fail("concat", "a", "rank ≥ 1 (a zero-dimensional tensor cannot be concatenated)", `shape ${shapeString(a.shape)}`);
  expectRank("concat", "b", b, a.rank, `(the rank of a, ${shapeString(a.shape)})`);
  if (!Number.isInteger(dim) || dim < -a.rank || dim >= a.rank) fail("concat", "dim", `an integer in [${-a.rank}, ${a.rank - 1}] for rank ${a.rank}`, describeValue(dim));
  const d = dim < 0 ? dim + a.rank : dim;
  for (let k = 0; k < a.rank; k++) {
    if (k !== d && a.shape[k] !== b.shape[k]) {
      const want = `[${a.shape.map((s, j) => (j === d ? "*" : s)).join(", ")}]`;
      fail("concat", "b", `shape ${want} (the shape of a except along dim ${d})`, `shape ${shapeString(b.shape)}`);
    }
  }
  const shape = [...a.shape];
  shape[d] = a.shape[d] + b.shape[d];
  return { outer: sizeOf(a.shape.slice(0, d)), na: a.shape[d], nb: b.shape[d], inner: sizeOf(a.shape.slice(d + 1)), d, shape };
}

/** a and b joined along `dim` (negative counts from the end; default 0, as torch.cat). a [… na …], b [… nb …] → [… na + nb …]. */
export function concat(a: Tensor, b: Tensor, dim = 0): Tensor {
  const { outer, na, nb, inner, shape } = concatLayout(a, b, dim);
  const out = allocate(a.dtype as FloatDType, sizeOf(shape));
  const rowA = na * inner, rowB = nb * inner;
  for (let o = 0; o < outer; o++) {
    out.set(a.data.subarray(o * rowA, (o + 1) * rowA), o * (rowA + rowB));
    out.set(b.data.subarray(o * rowB, (o + 1) * rowB), o * (rowA + rowB) + rowA);
  }
  return new Tensor(out, shape);
}

/** Backward of `concat`: the upstream gradient [… na + nb …] split into dL/da and dL/db. */
export function concatBackward(dy: Tensor, a: Tensor, b: Tensor, dim = 0): { a: Tensor; b: Tensor } {
  const { outer, na, nb, inner, shape } = concatLayout(a, b, dim);
  const g = checkUpstream("concat", dy, shape, a.dtype);
  const dtype = a.dtype as FloatDType;
  const rowA = na * inner, rowB = nb * inner;
  const da = allocate(dtype, a.size), db = allocate(dtype, b.size);
  for (let o = 0; o < outer; o++) {
    da.set(g.subarray(o * (rowA + rowB), o * (rowA + rowB) + rowA), o * rowA);
    db.set(g.subarray(o * (rowA + rowB) + rowA, (o + 1) * (rowA + rowB)), o * rowB);
  }
  return { a: new Tensor(da, a.shape), b: new Tensor(db, b.shape) };
}

// ───────────────────────────── reshape ─────────────────────────────

/**
 * The concrete shape for `shape` (one entry may be −1, inferred) over
 * `size` elements; OpError when impossible.
 */
function resolveShape(shape: readonly number[], size: number, from: readonly number[]): number[] {
  const s = [...shape];
  const unknown = s.indexOf(-1);
  if (unknown >= 0) {
    const known = sizeOf(s.filter((_, i) => i !== unknown));
    if (known === 0 || size % known !== 0) fail("reshape", "shape", `a shape whose −1 can be inferred for ${size} elements (input ${shapeString(from)})`, shapeString(shape));
    s[unknown] = size / known;
  }
  if (sizeOf(s) !== size) fail("reshape", "shape", `a shape of ${size} elements (input ${shapeString(from)})`, shapeString(shape));
  return s;
}

/**
 * The same elements in the same order under `shape` (one entry may be −1).
 * A view, as PyTorch's reshape of a contiguous tensor: the output shares the
 * input's data (no op writes into its inputs or its outputs, so sharing is
 * safe inside a graph; code that writes into a result's `data` writes into
 * the input too). Copying cost the MLP's flatten 3–5% of a training step.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  floatData("reshape", "input", x);
  // Tensor.reshape: a resident input's view shares its block (a plain wrapper of its data would not survive a memory grow).
  return x.reshape(resolveShape(shape, x.size, x.shape));
}

/** Backward of `reshape`: the upstream gradient under the input's shape (a copy: gradients may be scaled in place, e.g. by clipping). */
export function reshapeBackward(dy: Tensor, x: Tensor, shape: readonly number[]): Tensor {
  const g = checkUpstream("reshape", dy, resolveShape(shape, x.size, x.shape), x.dtype);
  return new Tensor(g.slice(), x.shape);
}

// ───────────────────────────── sum, mean ─────────────────────────────

/** Σ of all elements → scalar (shape []). Accumulated in float64. */
export function sum(x: Tensor): Tensor {
  const d = floatData("sum", "input", x);
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  return build(x.dtype as FloatDType, [], () => s);
}

/** d(Σx)/dx = 1: every element receives the scalar upstream g. dy [] → the shape of x. */
export function sumBackward(dy: Tensor, x: Tensor): Tensor {
  const g = checkUpstream("sum", dy, [], x.dtype);
  return build(x.dtype as FloatDType, x.shape, () => g[0]);
}

/** Mean of all elements → scalar (shape []); NaN for an empty tensor, as in PyTorch. */
export function mean(x: Tensor): Tensor {
  const d = floatData("mean", "input", x);
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  return build(x.dtype as FloatDType, [], () => s / d.length);
}

/** d(mean x)/dx = 1/n: every element receives g / n. dy [] → the shape of x. */
export function meanBackward(dy: Tensor, x: Tensor): Tensor {
  const g = checkUpstream("mean", dy, [], x.dtype);
  return build(x.dtype as FloatDType, x.shape, () => g[0] / x.size);
}

// ───────────────────────────── OpDefs ─────────────────────────────

/** Two tensors a, b of one random shape. */
function sampleSameShape(rng: Random, dtype: FloatDType): { inputs: { a: Tensor; b: Tensor }; attrs: NoAttrs } {
  const shape = randomShape(rng);
  return { inputs: { a: randn(shape, rng, { dtype }), b: randn(shape, rng, { dtype }) }, attrs: {} };
}

/** `add`: a, b (same shape) → output. */
export const addOp = binaryOp({ name: "add", inputs: ["a", "b"], forward: add, backward: (dy, a) => addBackward(dy, a), sample: sampleSameShape });

/** `mul`: a, b (same shape) → output. */
export const mulOp = binaryOp({ name: "mul", inputs: ["a", "b"], forward: mul, backward: mulBackward, sample: sampleSameShape });

/** Attributes of `mul_scalar`. */
export interface MulScalarAttrs {
  /** The factor (required). */
  value: number;
}

/** `mul_scalar`: input → output = value · input. */
export const mulScalarOp = unaryOp<MulScalarAttrs>({
  name: "mul_scalar",
  attrs: (raw) => ({ value: numberAttr("mul_scalar", "value", raw.value) }),
  forward: (input, a) => mulScalar(input, a.value),
  backward: (dy, x, a) => mulScalarBackward(dy, x, a.value),
  sample: (rng, dtype) => ({ input: randn(randomShape(rng), rng, { dtype }), attrs: { value: Math.round(rng.uniformIn(-3, 3) * 1000) / 1000 } }),
});

/** `scale_channels`: input [N, C, …], scale [N, C] → output [N, C, …]. */
export const scaleChannelsOp = binaryOp({
  name: "scale_channels",
  inputs: ["input", "scale"],
  forward: scaleChannels,
  backward: scaleChannelsBackward,
  sample: (rng, dtype) => {
    const shape = [1 + rng.int(3), 1 + rng.int(4), ...randomShape(rng).slice(0, 2)];
    return { inputs: { input: randn(shape, rng, { dtype }), scale: randn(shape.slice(0, 2), rng, { dtype }) }, attrs: {} };
  },
});

/** Attributes of `concat`. */
export interface ConcatAttrs {
  /** The dimension to join along; negative counts from the end (default 0). */
  dim: number;
}

/** `concat`: a, b (equal except along dim) → output; attribute dim. */
export const concatOp = binaryOp<ConcatAttrs>({
  name: "concat",
  inputs: ["a", "b"],
  attrs: (raw) => {
    if (raw.dim === undefined) return { dim: 0 };
    if (typeof raw.dim !== "number" || !Number.isInteger(raw.dim)) fail("concat", "dim", "an integer", describeValue(raw.dim));
    return { dim: raw.dim };
  },
  forward: (a, b, attrs) => concat(a, b, attrs.dim),
  backward: (dy, a, b, attrs) => concatBackward(dy, a, b, attrs.dim),
  sample: (rng, dtype) => {
    const shapeA = randomShape(rng, { minRank: 1 });
    const d = rng.int(shapeA.length);
    const shapeB = [...shapeA];
    shapeB[d] = 1 + rng.int(3);
    const dim = rng.bernoulli(0.5) ? d : d - shapeA.length;
    return { inputs: { a: randn(shapeA, rng, { dtype }), b: randn(shapeB, rng, { dtype }) }, attrs: { dim } };
  },
});

/** Attributes of `reshape`. */
export interface ReshapeAttrs {
  /** The new shape (required); one entry may be −1. */
  shape: number[];
}

function reshapeAttrs(raw: RawAttrs): ReshapeAttrs {
  const s = raw.shape;
  if (!Array.isArray(s) || s.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < -1) || s.filter((d) => d === -1).length > 1) {
    fail("reshape", "shape", "an array of non-negative integers with at most one −1", describeValue(s));
  }
  return { shape: [...(s as number[])] };
}

/** `reshape`: input → output with attribute shape (e.g. flatten [N, C, H, W] → [N, −1]). */
export const reshapeOp = unaryOp<ReshapeAttrs>({
  name: "reshape",
  attrs: reshapeAttrs,
  forward: (input, a) => reshape(input, a.shape),
  backward: (dy, x, a) => reshapeBackward(dy, x, a.shape),
  sample: (rng, dtype) => {
    const shape = randomShape(rng, { minRank: 1 });
    const size = sizeOf(shape);
    const target = rng.bernoulli(0.5) ? [shape[0], -1] : [size];
    return { input: randn(shape, rng, { dtype }), attrs: { shape: target } };
  },
});

/** `sum`: input → scalar output Σ input. */
export const sumOp = unaryOp({
  name: "sum",
  forward: sum,
  backward: sumBackward,
  sample: (rng, dtype) => ({ input: randn(randomShape(rng), rng, { dtype }), attrs: {} }),
});

/** `mean`: input → scalar output, the mean of input. */
export const meanOp = unaryOp({
  name: "mean",
  forward: mean,
  backward: meanBackward,
  sample: (rng, dtype) => ({ input: randn(randomShape(rng), rng, { dtype }), attrs: {} }),
});

/** The arithmetic ops, for the registry. */
export const arithOps: OpDef[] = [addOp, mulOp, mulScalarOp, scaleChannelsOp, concatOp, reshapeOp, sumOp, meanOp];
