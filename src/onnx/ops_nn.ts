/**
 * The ONNX ops that nnref has as reference ops (convolution, pooling, batch
 * normalization, local response normalization, activations, softmax, the
 * fully connected Gemm), mapped onto them through the autograd functions so
 * that the active backend runs them; plus MatMul and the general Gemm as
 * plain loops. Attribute names, defaults and opset differences follow ONNX's
 * Operators.md (opsets 7–17).
 */
import { Tensor, allocate, shapeString, sizeOf, type FloatDType } from "../tensor.js";
import { convTransposeOutputLength } from "../shapes.js";
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import type { NodeAttributes } from "./attributes.js";
import type { OnnxOp } from "./onnx_op.js";
import { broadcastBinary, broadcastShape, checkOutputSize, input, transpose } from "./ops_tensor.js";
import { padTensor } from "./ops_spatial.js";

/** Runs an autograd function without recording and returns its tensor. */
function run(fn: () => Variable): Tensor {
  return noGrad(() => fn().value);
}

/** Kernel geometry of a 2-D conv or pool node: symmetric padding nnref takes, or `prePad` for the rest. */
interface Window2d {
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  /** Symmetric padding [h, w] for the nnref op. */
  padding: [number, number];
  /** ONNX pads [top, left, bottom, right] applied before the op when they are asymmetric or too large; null otherwise. */
  prePad: number[] | null;
}

function pair(values: number[] | undefined, fallback: number, name: string, a: NodeAttributes): [number, number] {
  const v = values ?? [fallback, fallback];
  if (v.length !== 2) a.error(`${name} ${shapeString(v)}: nnref evaluates 2-D convolution and pooling only (2 values expected)`);
  return [v[0], v[1]];
}

/** Reads kernel_shape, strides, dilations, pads and auto_pad for an [N, C, H, W] input. */
function window2d(x: Tensor, a: NodeAttributes, kernelFallback?: number[], maxPad?: (k: number) => number): Window2d {
  if (x.rank !== 4) a.error(`expected an input of rank 4 [N, C, H, W], got ${shapeString(x.shape)} (nnref evaluates the 2-D case)`);
  const kernel = pair(a.ints("kernel_shape", kernelFallback), 1, "kernel_shape", a);
  const stride = pair(a.ints("strides", undefined), 1, "strides", a);
  const dilation = pair(a.ints("dilations", undefined), 1, "dilations", a);
  const autoPad = a.string("auto_pad", "NOTSET");
  let pads = a.ints("pads", undefined) ?? [0, 0, 0, 0];
  if (pads.length !== 4) a.error(`pads ${shapeString(pads)}: expected 4 values [top, left, bottom, right]`);
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    pads = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      const size = x.shape[2 + i], out = Math.ceil(size / stride[i]);
      const total = Math.max(0, (out - 1) * stride[i] + (kernel[i] - 1) * dilation[i] + 1 - size);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === "SAME_UPPER" ? small : total - small;
      pads[i + 2] = total - pads[i];
    }
  } else if (autoPad === "VALID") pads = [0, 0, 0, 0];
  else if (autoPad !== "NOTSET") a.error(`auto_pad ${JSON.stringify(autoPad)}: expected NOTSET, SAME_UPPER, SAME_LOWER or VALID`);
  if (pads.some((p) => !Number.isInteger(p) || p < 0)) a.error(`pads ${shapeString(pads)}: expected non-negative integers`);
  // Nothing larger than the padded input (per output channel) is created; a huge pad in a model is refused here.
  checkOutputSize([x.shape[0], x.shape[1], x.shape[2] + pads[0] + pads[2], x.shape[3] + pads[1] + pads[3]], a.error);
  const symmetric = pads[0] === pads[2] && pads[1] === pads[3] && (!maxPad || (pads[0] <= maxPad(kernel[0]) && pads[1] <= maxPad(kernel[1])));
  return { kernel, stride, dilation, padding: symmetric ? [pads[0], pads[1]] : [0, 0], prePad: symmetric ? null : pads };
}

function prePadded(x: Tensor, w: Window2d, value: number): Tensor {
  if (!w.prePad) return x;
  const [t, l, b, r] = w.prePad;
  return padTensor(x, [0, 0, t, l, 0, 0, b, r], "constant", value);
}

const conv: OnnxOp = (ins, a) => {
  const x = input(ins, 0, "X", a.error), weight = input(ins, 1, "W", a.error);
  if (weight.rank !== 4) a.error(`weight W: expected rank 4 [M, C/group, kH, kW], got ${shapeString(weight.shape)}`);
  const w = window2d(x, a, weight.shape.slice(2));
  if (w.kernel[0] !== weight.shape[2] || w.kernel[1] !== weight.shape[3]) a.error(`kernel_shape ${shapeString(w.kernel)} disagrees with the weight's ${shapeString(weight.shape)}`);
  const attrs = { stride: w.stride, padding: w.padding, dilation: w.dilation, groups: a.int("group", 1) };
  return [run(() => F.conv2d(prePadded(x, w, 0), weight, ins[2], attrs))];
};

const convTranspose: OnnxOp = (ins, a) => {
  const x = input(ins, 0, "X", a.error), weight = input(ins, 1, "W", a.error);
  if (weight.rank !== 4) a.error(`weight W: expected rank 4 [C, M/group, kH, kW], got ${shapeString(weight.shape)}`);
  if (x.rank !== 4) a.error(`expected an input of rank 4 [N, C, H, W], got ${shapeString(x.shape)}`);
  const kernel = pair(a.ints("kernel_shape", weight.shape.slice(2)), 1, "kernel_shape", a);
  const stride = pair(a.ints("strides", undefined), 1, "strides", a);
  const dilation = pair(a.ints("dilations", undefined), 1, "dilations", a);
  let outputPadding = pair(a.ints("output_padding", undefined), 0, "output_padding", a);
  let pads = a.ints("pads", undefined) ?? [0, 0, 0, 0];
  const outputShape = a.ints("output_shape", undefined);
  if (outputShape) {
    const spatial = outputShape.slice(-2);
    pads = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      const total = stride[i] * (x.shape[2 + i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilation[i] + 1 - spatial[i];
      if (total < 0) {
        outputPadding = i === 0 ? [outputPadding[0] - total, outputPadding[1]] : [outputPadding[0], outputPadding[1] - total];
        continue;
      }
      const upper = a.string("auto_pad", "NOTSET") === "SAME_UPPER";
      pads[i] = upper ? total - Math.floor(total / 2) : Math.floor(total / 2);
      pads[i + 2] = total - pads[i];
    }
  }
  if (pads.length !== 4 || pads[0] !== pads[2] || pads[1] !== pads[3]) a.error(`pads ${shapeString(pads)}: nnref's transposed convolution takes symmetric pads only`);
  const size = [0, 1].map((i) => convTransposeOutputLength(x.shape[2 + i], kernel[i], stride[i], pads[i], outputPadding[i], dilation[i]));
  checkOutputSize([x.shape[0], weight.shape[1] * a.int("group", 1), ...size], a.error);
  const attrs = { stride, padding: [pads[0], pads[1]] as [number, number], output_padding: outputPadding, dilation, groups: a.int("group", 1) };
  return [run(() => F.convTranspose2d(x, weight, ins[2], attrs))];
};

const maxPool: OnnxOp = (ins, a, opset, outputCount) => {
  const x = input(ins, 0, "X", a.error);
  if (a.int("storage_order", 0) !== 0) a.error("storage_order 1 (column-major indices) is not supported");
  const w = window2d(x, a, undefined, (k) => Math.floor(k / 2));
  if (!a.has("kernel_shape")) a.error("the attribute kernel_shape is required");
  const attrs = { kernel_size: w.kernel, stride: w.stride, padding: w.padding, dilation: w.dilation, ceil_mode: opset >= 10 && a.int("ceil_mode", 0) === 1 };
  const padded = prePadded(x, w, -Infinity);
  if (outputCount < 2) return [run(() => F.maxPool2d(padded, attrs))];
  if (w.prePad) a.error("the Indices output with asymmetric pads is not supported");
  const { output, indices } = noGrad(() => F.maxPool2dWithIndices(padded, attrs));
  // nnref's indices are h·W + w within a plane; ONNX's are flat over the whole [N, C, H, W] tensor.
  const [, , H, W] = x.shape;
  const plane = indices.shape[2] * indices.shape[3];
  const flat = new Int32Array(indices.size);
  for (let i = 0; i < flat.length; i++) flat[i] = indices.data[i] + Math.floor(i / plane) * H * W;
  return [output.value, new Tensor(flat, indices.shape)];
};

const averagePool: OnnxOp = (ins, a, opset) => {
  const x = input(ins, 0, "X", a.error);
  if (!a.has("kernel_shape")) a.error("the attribute kernel_shape is required");
  const w = window2d(x, a, undefined, (k) => Math.floor(k / 2));
  const countIncludePad = a.int("count_include_pad", 0) === 1;
  if (w.prePad && !countIncludePad && w.prePad.some((p) => p > 0)) a.error(`pads ${shapeString(w.prePad)} that are asymmetric (or over half the kernel) with count_include_pad 0 are not supported`);
  if (opset >= 19 && (w.dilation[0] !== 1 || w.dilation[1] !== 1)) a.error("dilations are not supported for AveragePool");
  const attrs = { kernel_size: w.kernel, stride: w.stride, padding: w.padding, ceil_mode: opset >= 10 && a.int("ceil_mode", 0) === 1, count_include_pad: countIncludePad };
  return [run(() => F.avgPool2d(prePadded(x, w, 0), attrs))];
};

const globalMaxPool: OnnxOp = (ins, a) => {
  const x = input(ins, 0, "X", a.error);
  if (x.rank !== 4) a.error(`expected an input of rank 4 [N, C, H, W], got ${shapeString(x.shape)}`);
  return [run(() => F.maxPool2d(x, { kernel_size: [x.shape[2], x.shape[3]] }))];
};

const batchNormalization: OnnxOp = (ins, a, opset) => {
  const x = input(ins, 0, "X", a.error);
  if (opset < 9 && a.int("spatial", 1) !== 1) a.error("spatial 0 (per-activation statistics) is not supported");
  if (a.int("training_mode", 0) !== 0) a.error("training_mode 1 is not supported: nnref evaluates models in inference mode");
  const eps = a.float("epsilon", 1e-5);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => input(ins, i, ["", "scale", "B", "input_mean", "input_var"][i], a.error));
  return [run(() => F.batchNorm(x, mean, variance, scale, bias, { training: false, eps }).output)];
};

const lrn: OnnxOp = (ins, a) => {
  const x = input(ins, 0, "X", a.error);
  const size = a.int("size", 0);
  if (size < 1) a.error("the attribute size is required (a positive integer)");
  // ONNX's window is [c − ⌊(n−1)/2⌋, c + ⌈(n−1)/2⌉], PyTorch's (nnref's) [c − ⌊n/2⌋, c + ⌊(n−1)/2⌋]: the same for odd n only.
  if (size % 2 === 0) a.error(`size ${size}: for an even size ONNX's channel window differs from nnref's local_response_norm (odd sizes agree)`);
  return [run(() => F.localResponseNorm(x, { size, alpha: a.float("alpha", 1e-4), beta: a.float("beta", 0.75), k: a.float("bias", 1) }))];
};

/** Softmax / LogSoftmax: before opset 13 the input is coerced to 2-D at `axis` (default 1); from 13 on, one axis (default −1). */
function softmaxLike(log: boolean): OnnxOp {
  return (ins, a, opset) => {
    const x = input(ins, 0, "input", a.error);
    const f = log ? F.logSoftmax : F.softmax;
    if (opset >= 13) return [run(() => f(x, a.int("axis", -1)))];
    const axis = a.int("axis", 1);
    const ax = axis < 0 ? axis + x.rank : axis;
    if (ax < 0 || ax > x.rank) a.error(`axis ${axis} is out of range for rank ${x.rank}`);
    const flat = x.reshape([sizeOf(x.shape.slice(0, ax)), sizeOf(x.shape.slice(ax))]);
    return [run(() => f(flat, 1)).reshape(x.shape)];
  };
}

/** A 2-D matrix product of float tensors [M, K]·[K, N] (plain loops, float64 accumulation). */
function matmul2d(A: Tensor, B: Tensor, M: number, K: number, N: number, aOff: number, bOff: number, out: Float32Array | Float64Array, oOff: number): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A.data[aOff + i * K + k] * B.data[bOff + k * N + j];
      out[oOff + i * N + j] = s;
    }
  }
}

const matMul: OnnxOp = (ins, a) => {
  let A = input(ins, 0, "A", a.error), B = input(ins, 1, "B", a.error);
  if (A.dtype === "int32" || A.dtype !== B.dtype) a.error(`expected two float tensors of one dtype, got ${A.dtype} and ${B.dtype}`);
  const aVector = A.rank === 1, bVector = B.rank === 1;
  if (aVector) A = A.reshape([1, A.shape[0]]);
  if (bVector) B = B.reshape([B.shape[0], 1]);
  const [M, K] = A.shape.slice(-2), [K2, N] = B.shape.slice(-2);
  if (K !== K2) a.error(`shapes ${shapeString(A.shape)} and ${shapeString(B.shape)} do not multiply (${K} ≠ ${K2})`);
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2), a.error);
  const count = sizeOf(batch);
  checkOutputSize([count, M, N], a.error);
  const out = allocate(A.dtype as FloatDType, count * M * N);
  const aBatch = sizeOf(A.shape.slice(0, -2)), bBatch = sizeOf(B.shape.slice(0, -2));
  if ((aBatch !== 1 && aBatch !== count) || (bBatch !== 1 && bBatch !== count)) a.error(`batch dimensions ${shapeString(A.shape)} × ${shapeString(B.shape)}: only equal batch shapes or a batch of one broadcast here`);
  for (let b = 0; b < count; b++) matmul2d(A, B, M, K, N, aBatch === 1 ? 0 : b * M * K, bBatch === 1 ? 0 : b * K * N, out, b * M * N);
  const shape = [...batch, ...(aVector ? [] : [M]), ...(bVector ? [] : [N])];
  return [new Tensor(out, shape)];
};

const gemm: OnnxOp = (ins, a) => {
  const A = input(ins, 0, "A", a.error), B = input(ins, 1, "B", a.error), C = ins[2];
  if (A.rank !== 2 || B.rank !== 2) a.error(`expected 2-D A and B, got ${shapeString(A.shape)} and ${shapeString(B.shape)}`);
  const alpha = a.float("alpha", 1), beta = a.float("beta", 1), transA = a.int("transA", 0) === 1, transB = a.int("transB", 0) === 1;
  // The fully connected layer y = x Wᵀ + b: nnref's linear op (through the backend).
  if (alpha === 1 && beta === 1 && !transA && transB && (!C || (C.rank === 1 && C.shape[0] === B.shape[0]))) {
    if (A.shape[1] !== B.shape[1]) a.error(`A ${shapeString(A.shape)} and Bᵀ of ${shapeString(B.shape)} do not multiply`);
    return [run(() => F.linear(A, B, C))];
  }
  const At = transA ? transpose(A, [1, 0]) : A, Bt = transB ? transpose(B, [1, 0]) : B;
  let y = matMul([At, Bt], a, 13, 1)[0];
  if (alpha !== 1) y = broadcastBinary(y, new Tensor(allocate(y.dtype, 1).fill(alpha), []), (p, q) => p * q, a.error);
  if (C && beta !== 0) y = broadcastBinary(y, C, (p, q) => p + beta * q, a.error);
  return [y];
};

const unary = (f: (x: Variable | Tensor) => Variable): OnnxOp => (ins, a) => [run(() => f(input(ins, 0, "X", a.error)))];

/** The nn ops by ONNX op type. */
export const nnOps: Record<string, OnnxOp> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  Gemm: gemm,
  MatMul: matMul,
  Relu: unary(F.relu),
  Sigmoid: unary(F.sigmoid),
  Tanh: unary(F.tanh),
  LeakyRelu: (ins, a) => [run(() => F.leakyRelu(input(ins, 0, "X", a.error), a.float("alpha", 0.01)))],
  Softmax: softmaxLike(false),
  LogSoftmax: softmaxLike(true),
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: (ins, a) => [run(() => F.adaptiveAvgPool2d(input(ins, 0, "X", a.error), 1))],
  GlobalMaxPool: globalMaxPool,
  BatchNormalization: batchNormalization,
  LRN: lrn,
};
