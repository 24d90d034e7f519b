/**
 * ONNX's spatial rearrangements as plain loops: Pad (constant, reflect,
 * edge), Resize and Upsample (nearest and linear, with ONNX's coordinate
 * transformation modes, applied one axis after another — linear
 * interpolation along each axis in turn is bilinear on an image), and
 * MaxUnpool (values scattered back to the flat indices MaxPool recorded;
 * 000's segmentation "unpooling"). Semantics from ONNX's Operators.md,
 * opsets 7–17.
 */
import { Tensor, allocate, shapeString, sizeOf } from "../tensor.js";
import type { OnnxOp } from "./onnx_op.js";
import type { NodeAttributes } from "./attributes.js";
import { checkOutputSize, input, intValues } from "./ops_tensor.js";

/** The ways Pad fills the border. */
export type PadMode = "constant" | "reflect" | "edge";

/**
 * Pads `x` by `pads` = [begin_0, …, begin_{r−1}, end_0, …, end_{r−1}]
 * (negative values crop). Output shape: shape[i] + begin_i + end_i.
 */
export function padTensor(x: Tensor, pads: readonly number[], mode: PadMode, value: number): Tensor {
  const r = x.rank;
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
  if (shape.some((d) => d < 0)) throw new RangeError(`pads ${shapeString(pads)} crop more than the input ${shapeString(x.shape)} has`);
  const out = allocate(x.dtype, sizeOf(shape));
  const strides = x.shape.map((_, i) => sizeOf(x.shape.slice(i + 1)));
  const index = new Array<number>(r).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    let inside = true;
    for (let d = 0; d < r; d++) {
      let i = index[d] - pads[d];
      const n = x.shape[d];
      if (i < 0 || i >= n) {
        if (mode === "constant" || n === 0) inside = false;
        else if (mode === "edge") i = i < 0 ? 0 : n - 1;
        else {
          const period = 2 * (n - 1);
          i = period === 0 ? 0 : Math.abs(((i % period) + period) % period);
          if (i >= n) i = period - i;
        }
      }
      src += i * strides[d];
    }
    out[k] = inside ? x.data[src] : value;
    for (let d = r - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

const pad: OnnxOp = (ins, a, opset) => {
  const x = input(ins, 0, "data", a.error);
  const mode = a.string("mode", "constant");
  if (mode !== "constant" && mode !== "reflect" && mode !== "edge") a.error(`mode ${JSON.stringify(mode)}: expected constant, reflect or edge`);
  let pads: number[];
  let value = 0;
  if (opset < 11) {
    pads = a.ints("pads", undefined) ?? a.error("the attribute pads is required");
    value = a.float("value", 0);
  } else {
    pads = intValues(ins[1], "pads", a.error);
    if (ins[2] && ins[2].size > 0) value = ins[2].data[0];
    if (ins[3]) a.error("the axes input (opset 18) is not supported");
  }
  if (pads.length !== 2 * x.rank) a.error(`pads ${shapeString(pads)}: expected ${2 * x.rank} values for an input of rank ${x.rank}`);
  checkOutputSize(x.shape.map((d, i) => d + pads[i] + pads[i + x.rank]), a.error);
  if (mode === "reflect" && x.shape.some((d, i) => pads[i] >= d || pads[i + x.rank] >= d)) a.error(`reflect pads ${shapeString(pads)} must be smaller than the input's dims ${shapeString(x.shape)}`);
  try {
    return [padTensor(x, pads, mode as PadMode, value)];
  } catch (err) {
    return a.error(err instanceof Error ? err.message : String(err));
  }
};

/** How one output coordinate maps to an input coordinate along an axis. */
type CoordinateMode = "half_pixel" | "pytorch_half_pixel" | "align_corners" | "asymmetric";

interface ResizeSpec {
  mode: "nearest" | "linear";
  coordinate: CoordinateMode;
  nearest: "round_prefer_floor" | "round_prefer_ceil" | "floor" | "ceil";
}

function sourceCoordinate(x: number, inSize: number, outSize: number, scale: number, mode: CoordinateMode): number {
  if (mode === "half_pixel") return (x + 0.5) / scale - 0.5;
  if (mode === "pytorch_half_pixel") return outSize > 1 ? (x + 0.5) / scale - 0.5 : 0;
  if (mode === "align_corners") return outSize === 1 ? 0 : (x * (inSize - 1)) / (outSize - 1);
  return x / scale;
}

function nearestIndex(v: number, mode: ResizeSpec["nearest"], inSize: number): number {
  let i: number;
  if (mode === "floor") i = Math.floor(v);
  else if (mode === "ceil") i = Math.ceil(v);
  else if (v - Math.floor(v) === 0.5) i = mode === "round_prefer_floor" ? Math.floor(v) : Math.ceil(v);
  else i = Math.round(v);
  return Math.min(Math.max(i, 0), inSize - 1);
}

/** Resizes `x` along `axis` to `outSize` with `scale` (output/input). */
function resizeAxis(x: Tensor, axis: number, outSize: number, scale: number, spec: ResizeSpec): Tensor {
  const inSize = x.shape[axis];
  const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
  const out = allocate(x.dtype, outer * outSize * inner);
  for (let o = 0; o < outSize; o++) {
    const v = sourceCoordinate(o, inSize, outSize, scale, spec.coordinate);
    let i0: number, i1: number, w: number;
    if (spec.mode === "nearest") {
      i0 = i1 = nearestIndex(v, spec.nearest, inSize);
      w = 0;
    } else {
      const c = Math.min(Math.max(v, 0), inSize - 1);
      i0 = Math.floor(c);
      i1 = Math.min(i0 + 1, inSize - 1);
      w = c - i0;
    }
    for (let p = 0; p < outer; p++) {
      const a0 = (p * inSize + i0) * inner, a1 = (p * inSize + i1) * inner, dst = (p * outSize + o) * inner;
      for (let q = 0; q < inner; q++) out[dst + q] = w === 0 ? x.data[a0 + q] : x.data[a0 + q] * (1 - w) + x.data[a1 + q] * w;
    }
  }
  const shape = [...x.shape];
  shape[axis] = outSize;
  return new Tensor(out, shape);
}

/** Resize by `scales` or to `sizes` (one of them), one axis at a time. */
function resize(x: Tensor, scales: number[] | undefined, sizes: number[] | undefined, spec: ResizeSpec, a: NodeAttributes): Tensor {
  if (x.dtype === "int32") a.error("expected a float tensor");
  const given = sizes ?? scales ?? a.error("expected scales or sizes");
  if (given.length !== x.rank) a.error(`${sizes ? "sizes" : "scales"} ${shapeString(given)}: expected ${x.rank} values, one per axis of ${shapeString(x.shape)}`);
  let y = x;
  for (let d = 0; d < x.rank; d++) {
    const outSize = sizes ? sizes[d] : Math.floor(x.shape[d] * scales![d]);
    const scale = sizes ? sizes[d] / x.shape[d] : scales![d];
    if (!(scale > 0) || !Number.isFinite(scale) || outSize < 1) a.error(`axis ${d}: scale ${scale} (size ${outSize}) is not a positive resize`);
    if (outSize === x.shape[d] && scale === 1) continue;
    checkOutputSize([...y.shape.slice(0, d), outSize, ...y.shape.slice(d + 1)], a.error);
    y = resizeAxis(y, d, outSize, scale, spec);
  }
  return y;
}

function resizeMode(a: NodeAttributes, fallback: string): ResizeSpec["mode"] {
  const mode = a.string("mode", fallback);
  if (mode === "nearest") return "nearest";
  if (mode === "linear" || mode === "bilinear") return "linear";
  return a.error(`mode ${JSON.stringify(mode)}: nnref supports nearest and linear (bilinear) resizing`);
}

const resizeOp: OnnxOp = (ins, a, opset) => {
  const x = input(ins, 0, "X", a.error);
  const mode = resizeMode(a, "nearest");
  if (opset < 11) {
    const scales = Array.from(input(ins, 1, "scales", a.error).data);
    return [resize(x, scales, undefined, { mode, coordinate: "asymmetric", nearest: "floor" }, a)];
  }
  const coordinate = a.string("coordinate_transformation_mode", "half_pixel");
  if (!["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"].includes(coordinate)) a.error(`coordinate_transformation_mode ${JSON.stringify(coordinate)} is not supported`);
  const nearest = a.string("nearest_mode", "round_prefer_floor");
  if (!["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].includes(nearest)) a.error(`nearest_mode ${JSON.stringify(nearest)} is not supported`);
  if (opset >= 18 && (a.has("axes") || a.has("antialias"))) a.error("the attributes axes and antialias (opset 18) are not supported");
  const scales = ins[2] && ins[2].size > 0 ? Array.from(ins[2].data) : undefined;
  const sizes = ins[3] && ins[3].size > 0 ? intValues(ins[3], "sizes", a.error) : undefined;
  if (scales && sizes) a.error("scales and sizes are both given; ONNX allows one");
  return [resize(x, scales, sizes, { mode, coordinate: coordinate as CoordinateMode, nearest: nearest as ResizeSpec["nearest"] }, a)];
};

const upsample: OnnxOp = (ins, a, opset) => {
  const x = input(ins, 0, "X", a.error);
  const scales = opset >= 9 ? Array.from(input(ins, 1, "scales", a.error).data) : (a.floats("scales", undefined) ?? a.error("the attribute scales is required"));
  return [resize(x, scales, undefined, { mode: resizeMode(a, "nearest"), coordinate: "asymmetric", nearest: "floor" }, a)];
};

const maxUnpool: OnnxOp = (ins, a) => {
  const x = input(ins, 0, "X", a.error), indices = input(ins, 1, "I", a.error);
  if (x.rank !== 4) a.error(`expected X of rank 4 [N, C, H, W], got ${shapeString(x.shape)}`);
  if (indices.dtype !== "int32" || indices.shape.some((d, i) => d !== x.shape[i])) a.error(`indices I: expected an integer tensor of X's shape ${shapeString(x.shape)}, got ${indices.dtype} ${shapeString(indices.shape)}`);
  const kernel = a.ints("kernel_shape", undefined) ?? a.error("the attribute kernel_shape is required");
  const strides = a.ints("strides", [1, 1])!;
  const pads = a.ints("pads", [0, 0, 0, 0])!;
  let shape = [x.shape[0], x.shape[1], ...[0, 1].map((i) => (x.shape[2 + i] - 1) * strides[i] + kernel[i] - pads[i] - pads[i + 2])];
  if (ins[2]) shape = intValues(ins[2], "output_shape", a.error);
  if (shape.length !== 4 || shape.some((d) => d < 1)) a.error(`output shape ${shapeString(shape)} is not a valid [N, C, H, W]`);
  checkOutputSize(shape, a.error);
  const out = allocate(x.dtype, sizeOf(shape));
  for (let k = 0; k < x.size; k++) {
    const at = indices.data[k];
    if (at < 0 || at >= out.length) a.error(`index ${at} at position ${k} is outside the output ${shapeString(shape)}`);
    out[at] = x.data[k];
  }
  return [new Tensor(out, shape)];
};

/** The spatial ops by ONNX op type. */
export const spatialOps: Record<string, OnnxOp> = { Pad: pad, Resize: resizeOp, Upsample: upsample, MaxUnpool: maxUnpool };
