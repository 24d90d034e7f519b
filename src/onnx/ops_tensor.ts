/**
 * ONNX ops that move, reshape or combine tensors (the glue of exported
 * graphs) and the broadcasting arithmetic, following ONNX's Operators.md
 * for opsets 7–17. Forward only: nnref evaluates imported graphs, it does
 * not train them. Integer tensors (shapes, axes, indices) are int32 tensors.
 */
import { Tensor, allocate, sizeOf, shapeString, type DType } from "../tensor.js";
import type { OnnxOp } from "./onnx_op.js";

/** An axis in [-rank, rank) (or [-rank-1, rank] with `extra`), made non-negative. */
export function normalizeAxis(axis: number, rank: number, fail: (d: string) => never, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) fail(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Integer values of a 1-D (or scalar) int tensor input. */
export function intValues(t: Tensor | undefined, name: string, fail: (d: string) => never): number[] {
  if (!t) return fail(`input ${name} is required`);
  if (t.dtype !== "int32") fail(`input ${name}: expected an integer tensor, got ${t.dtype}`);
  return Array.from(t.data);
}

/** The most elements an op here creates (2²⁸, 1 GiB of float32): a larger size in a model is refused, not allocated. */
export const MAX_OUTPUT_ELEMENTS = 2 ** 28;

/** Refuses an output shape over MAX_OUTPUT_ELEMENTS. */
export function checkOutputSize(shape: readonly number[], fail: (d: string) => never): void {
  if (sizeOf(shape) > MAX_OUTPUT_ELEMENTS) fail(`the output ${shapeString(shape)} would hold ${sizeOf(shape)} elements, over nnref's limit of ${MAX_OUTPUT_ELEMENTS}`);
}

/** The required input `i` (error naming it otherwise). */
export function input(ins: ReadonlyArray<Tensor | undefined>, i: number, name: string, fail: (d: string) => never): Tensor {
  const t = ins[i];
  if (!t) return fail(`input ${i} (${name}) is missing`);
  return t;
}

/** The broadcast shape of a and b (numpy rules), or an error. */
export function broadcastShape(a: readonly number[], b: readonly number[], fail: (d: string) => never): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(`shapes ${shapeString(a)} and ${shapeString(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Row-major strides of `shape` aligned to `rank` dims, 0 where a dim is broadcast. */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = out.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/** Elementwise f(a, b) with broadcasting; result dtype is a's (both must match). */
export function broadcastBinary(a: Tensor, b: Tensor, f: (x: number, y: number) => number, fail: (d: string) => never): Tensor {
  if (a.dtype !== b.dtype) fail(`inputs have different data types ${a.dtype} and ${b.dtype}`);
  const shape = broadcastShape(a.shape, b.shape, fail);
  checkOutputSize(shape, fail);
  const n = sizeOf(shape);
  const out = allocate(a.dtype, n);
  const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
  const index = new Array<number>(shape.length).fill(0);
  let ia = 0, ib = 0;
  for (let k = 0; k < n; k++) {
    out[k] = f(a.data[ia], b.data[ib]);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      ia += sa[d];
      ib += sb[d];
      if (index[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      index[d] = 0;
    }
  }
  if (a.dtype === "int32") for (let k = 0; k < n; k++) out[k] = Math.trunc(out[k]);
  return new Tensor(out, shape);
}

const binary = (f: (x: number, y: number) => number): OnnxOp => (ins, a) => [broadcastBinary(input(ins, 0, "A", a.error), input(ins, 1, "B", a.error), f, a.error)];

/** Concatenation of any number of tensors along `axis`. */
export function concatAll(parts: Tensor[], axis: number, fail: (d: string) => never): Tensor {
  const rank = parts[0].rank;
  const ax = normalizeAxis(axis, rank, fail);
  for (const p of parts) {
    if (p.rank !== rank || p.dtype !== parts[0].dtype || p.shape.some((d, i) => i !== ax && d !== parts[0].shape[i])) {
      fail(`cannot concatenate ${parts.map((q) => `${q.dtype} ${shapeString(q.shape)}`).join(", ")} along axis ${axis}`);
    }
  }
  const outer = sizeOf(parts[0].shape.slice(0, ax)), inner = sizeOf(parts[0].shape.slice(ax + 1));
  const total = parts.reduce((s, p) => s + p.shape[ax], 0);
  const out = allocate(parts[0].dtype, outer * total * inner);
  let offset = 0;
  for (const p of parts) {
    const block = p.shape[ax] * inner;
    for (let o = 0; o < outer; o++) out.set(p.data.subarray(o * block, (o + 1) * block), o * total * inner + offset);
    offset += block;
  }
  const shape = [...parts[0].shape];
  shape[ax] = total;
  return new Tensor(out, shape);
}

/** Gather along `axis` with (possibly negative) integer indices of any shape. */
function gather(data: Tensor, indices: Tensor, axis: number, fail: (d: string) => never): Tensor {
  const ax = normalizeAxis(axis, data.rank, fail);
  if (indices.dtype !== "int32") fail(`indices: expected an integer tensor, got ${indices.dtype}`);
  const outer = sizeOf(data.shape.slice(0, ax)), inner = sizeOf(data.shape.slice(ax + 1)), size = data.shape[ax];
  checkOutputSize([outer, indices.size, inner], fail);
  const out = allocate(data.dtype, outer * indices.size * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.size; j++) {
      let i = indices.data[j];
      if (i < -size || i >= size) fail(`index ${i} is out of range for axis ${axis} of size ${size}`);
      if (i < 0) i += size;
      out.set(data.data.subarray((o * size + i) * inner, (o * size + i + 1) * inner), (o * indices.size + j) * inner);
    }
  }
  return new Tensor(out, [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)]);
}

/** The target of Reshape: 0 copies the input's dimension (unless allowzero), one -1 is inferred. */
function reshapeTarget(x: Tensor, shape: number[], allowZero: boolean, fail: (d: string) => never): number[] {
  const s = shape.map((d, i) => (d === 0 && !allowZero ? (x.shape[i] ?? fail(`shape entry ${i} is 0 but the input has rank ${x.rank}`)) : d));
  const unknown = s.indexOf(-1);
  if (s.filter((d) => d === -1).length > 1 || s.some((d) => d < -1)) fail(`invalid shape ${shapeString(shape)}`);
  if (unknown >= 0) {
    const known = sizeOf(s.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) fail(`cannot reshape ${shapeString(x.shape)} to ${shapeString(shape)}`);
    s[unknown] = x.size / known;
  }
  if (sizeOf(s) !== x.size) fail(`cannot reshape ${shapeString(x.shape)} (${x.size} elements) to ${shapeString(shape)}`);
  return s;
}

/** Axes of Unsqueeze/Squeeze: an attribute before opset 13, the second input from 13 on. */
function axesOf(ins: ReadonlyArray<Tensor | undefined>, a: Parameters<OnnxOp>[1], opset: number): number[] | undefined {
  return opset >= 13 ? (ins[1] ? intValues(ins[1], "axes", a.error) : undefined) : a.ints("axes", undefined);
}

function transpose(x: Tensor, perm: number[]): Tensor {
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = x.shape.map((_, i) => sizeOf(x.shape.slice(i + 1)));
  const out = allocate(x.dtype, x.size);
  const index = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < x.size; k++) {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += index[d] * inStrides[perm[d]];
    out[k] = x.data[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

const CAST_TARGETS: Readonly<Record<number, DType>> = { 1: "float32", 11: "float64", 6: "int32", 7: "int32", 3: "int32", 2: "int32", 9: "int32" };

/** The tensor ops by ONNX op type. */
export const tensorOps: Record<string, OnnxOp> = {
  Identity: (ins, a) => [input(ins, 0, "input", a.error)],
  // Inference: dropout is the identity (and its optional mask all true).
  Dropout: (ins, a) => {
    const x = input(ins, 0, "data", a.error);
    return [x, new Tensor(new Int32Array(x.size).fill(1), x.shape)];
  },
  Add: binary((x, y) => x + y),
  Sub: binary((x, y) => x - y),
  Mul: binary((x, y) => x * y),
  Div: binary((x, y) => x / y),
  Constant: (_ins, a) => {
    const t = a.tensor("value");
    if (t) return [t];
    if (a.has("value_float")) return [new Tensor(new Float32Array([a.float("value_float", 0)]), [])];
    if (a.has("value_floats")) {
      const values = a.floats("value_floats", [])!;
      return [new Tensor(Float32Array.from(values), [values.length])];
    }
    if (a.has("value_int")) return [new Tensor(new Int32Array([a.int("value_int", 0)]), [])];
    if (a.has("value_ints")) {
      const values = a.ints("value_ints", [])!;
      return [new Tensor(Int32Array.from(values), [values.length])];
    }
    return a.error("Constant: expected one of the attributes value, value_float, value_floats, value_int, value_ints (sparse and string values are not supported)");
  },
  Shape: (ins, a, opset) => {
    const x = input(ins, 0, "data", a.error);
    let dims = [...x.shape];
    if (opset >= 15) {
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + x.rank : v, 0), x.rank);
      dims = dims.slice(clamp(a.int("start", 0)), clamp(a.int("end", x.rank)));
    }
    return [new Tensor(Int32Array.from(dims), [dims.length])];
  },
  Gather: (ins, a) => [gather(input(ins, 0, "data", a.error), input(ins, 1, "indices", a.error), a.int("axis", 0), a.error)],
  Unsqueeze: (ins, a, opset) => {
    const x = input(ins, 0, "data", a.error);
    const axes = axesOf(ins, a, opset) ?? a.error("axes are required");
    const rank = x.rank + axes.length;
    const norm = axes.map((ax) => normalizeAxis(ax, rank, a.error)).sort((p, q) => p - q);
    const shape = [...x.shape];
    for (const ax of norm) shape.splice(ax, 0, 1);
    return [x.reshape(shape)];
  },
  Squeeze: (ins, a, opset) => {
    const x = input(ins, 0, "data", a.error);
    const axes = axesOf(ins, a, opset);
    const drop = new Set((axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((ax) => normalizeAxis(ax, x.rank, a.error)));
    for (const ax of drop) if (x.shape[ax] !== 1) a.error(`cannot squeeze axis ${ax} of size ${x.shape[ax]}`);
    return [x.reshape(x.shape.filter((_, i) => !drop.has(i)))];
  },
  Cast: (ins, a) => {
    const x = input(ins, 0, "input", a.error);
    const to = a.int("to", 0);
    const dtype = CAST_TARGETS[to] ?? a.error(`cast to data type ${to} is not supported (FLOAT, DOUBLE and the integer types are)`);
    return [x.dtype === dtype ? x : x.astype(dtype)];
  },
  Reshape: (ins, a, opset) => {
    const x = input(ins, 0, "data", a.error);
    const shape = intValues(ins[1], "shape", a.error);
    return [x.reshape(reshapeTarget(x, shape, opset >= 14 && a.int("allowzero", 0) === 1, a.error))];
  },
  Flatten: (ins, a) => {
    const x = input(ins, 0, "input", a.error);
    const axis = a.int("axis", 1);
    const ax = axis < 0 ? axis + x.rank : axis;
    if (ax < 0 || ax > x.rank) a.error(`axis ${axis} is out of range for rank ${x.rank}`);
    return [x.reshape([sizeOf(x.shape.slice(0, ax)), sizeOf(x.shape.slice(ax))])];
  },
  Concat: (ins, a) => {
    const parts = ins.filter((t): t is Tensor => t !== undefined);
    if (parts.length === 0) a.error("no inputs");
    if (!a.has("axis")) a.error("the attribute axis is required");
    return [concatAll(parts, a.int("axis", 0), a.error)];
  },
  Transpose: (ins, a) => {
    const x = input(ins, 0, "data", a.error);
    const perm = a.ints("perm", undefined) ?? x.shape.map((_, i) => x.rank - 1 - i);
    if (perm.length !== x.rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) a.error(`perm ${shapeString(perm)} is not a permutation of the ${x.rank} axes`);
    return [transpose(x, perm)];
  },
};

export { transpose };
