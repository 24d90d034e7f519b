/**
 * The size rules of the spatial layers, written once: how long an output is
 * along one axis after a convolution, a transposed convolution or a pooling
 * window, and which input pixels one unit depends on (its receptive field).
 * Pure arithmetic on integers, no tensors: the ops (../ops/), the layers
 * (../nn/shapes.ts), the kernels and the model summary all ask here.
 *
 * The lectures name the quantities — 004, "Image 2d-convolution
 * hyperparameters": depth, stride ("the number of pixels by which we slide
 * our filter matrix"), zero-padding — and 000, "Case Study: AlexNet" lists
 * the sizes they give (227 → 55 for 11×11 filters at stride 4, pad 0:
 * (227 − 11)/4 + 1 = 55; 55 → 27 for 3×3 pools at stride 2). The formulas
 * below are PyTorch's, of which those are the undilated, unpadded cases.
 *
 * Per axis: input length n, kernel k, stride s, padding p (zeros on each
 * side), dilation d (taps d apart, so a kernel spans d(k − 1) + 1 inputs).
 */
import { describeValue, fail } from "./errors.js";

// ───────────────────────────── output sizes ─────────────────────────────

/** Input positions a kernel of `kernel` taps spaced `dilation` apart covers: d(k − 1) + 1. */
export function kernelSpan(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

/**
 * Output length of a convolution along one axis (PyTorch's conv2d):
 *   out = ⌊(n + padTotal − d(k − 1) − 1)/s⌋ + 1,
 * where `padTotal` is the zeros before plus after (2p when both sides get p).
 * May return < 1; callers check and word the error in their own terms.
 */
export function convOutputLength(inputSize: number, kernel: number, stride: number, padTotal: number, dilation: number): number {
  return Math.floor((inputSize + padTotal - kernelSpan(kernel, dilation)) / stride) + 1;
}

/**
 * Output length of a transposed convolution along one axis (PyTorch's
 * conv_transpose2d): out = (n − 1)·s − 2p + d(k − 1) + outputPadding + 1 —
 * the largest input length a convolution with these attributes maps to n,
 * plus `outputPadding`. With d = 1 and no output padding it is also max
 * unpooling's default size (n − 1)·s − 2p + k. May return < 1; callers check.
 */
export function convTransposeOutputLength(inputSize: number, kernel: number, stride: number, padding: number, outputPadding: number, dilation: number): number {
  return (inputSize - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
}

/**
 * Zeros before and after one axis for PyTorch's padding "same" (stride 1):
 * d(k − 1) in total, the odd one after.
 */
export function samePadding(kernel: number, dilation: number): [number, number] {
  const total = dilation * (kernel - 1);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Number of pooling windows along one axis (PyTorch's pooling_output_shape):
 *   out = ⌊(n + 2p − d(k − 1) − 1 + (ceil_mode ? s − 1 : 0))/s⌋ + 1,
 * and with ceil_mode a last window that would start inside the right padding,
 * (out − 1)·s ≥ n + p, is dropped. May return < 1; callers check.
 */
export function pooledLength(inputSize: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean): number {
  const numerator = inputSize + 2 * padding - kernelSpan(kernel, dilation);
  let out = Math.floor((numerator + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= inputSize + padding) out--;
  return out;
}

// ───────────────────────────── receptive field ─────────────────────────────
// Receptive-field arithmetic for a stack of convolution and pooling layers:
// which input pixels one unit of each layer depends on. The model summary
// prints it.
//
// 001, "Pooling Layer: Receptive Field Size" asks: "If convolutional filters
// have size K×K and stride 1, and pooling layer has pools of size P×P, then
// each unit in the pooling layer depends upon a patch (at the input of the
// preceding conv. layer) of size:" — (K + P − 1)×(K + P − 1), which is what
// this calculator gives for [{kernel: K, stride: 1}, {kernel: P, stride: P}]
// (the spec checks it).
//
// Per axis, a layer with kernel k, stride s, padding p and dilation d spans
// k′ = d(k − 1) + 1 of its own input; with r, j, c the size, jump and start
// of the layer below (the input itself has r = 1, j = 1, c = 0):
//
//   size   r ← r + (k′ − 1)·j         the span of one unit, in input pixels
//   jump   j ← j·s                    input pixels between neighbouring units
//   start  c ← c + ((k′ − 1)/2 − p)·j the input coordinate of the centre of
//                                     the first unit's field (may be
//                                     fractional, or negative with padding)
//
// and, when the input size n is given, n ← ⌊(n + 2p − k′)/s⌋ + 1 (conv2d's
// output size, `convOutputLength`). With dilation the field has holes;
// `size` is its extent.

const OP = "receptive_field";

/** One conv or pool layer; every field is one number or a pair [along H, along W]. */
export interface ReceptiveFieldLayer {
  kernel: number | readonly [number, number];
  stride: number | readonly [number, number];
  /** Zeros on each side (default 0). */
  padding?: number | readonly [number, number];
  /** Spacing of the kernel taps (default 1). */
  dilation?: number | readonly [number, number];
}

/** The layer's units along one axis. */
export interface ReceptiveField1d {
  /** Extent of one unit's receptive field, in input pixels. */
  size: number;
  /** Distance in input pixels between neighbouring units (the product of the strides so far). */
  jump: number;
  /** Input coordinate of the centre of the first unit's field. */
  start: number;
  /** First input index of the first unit's field: start − (size − 1)/2 (negative when it reaches into padding). */
  first: number;
  /** Number of units along the axis, when the input size was given. */
  outputSize?: number;
}

/** The layer's units in 2-D: each field is [along H, along W]. */
export interface ReceptiveField2d {
  size: [number, number];
  jump: [number, number];
  start: [number, number];
  first: [number, number];
  outputSize?: [number, number];
}

/** One axis of a layer, as plain numbers. */
export interface ReceptiveFieldLayer1d {
  kernel: number;
  stride: number;
  padding?: number;
  dilation?: number;
}

function checkInt(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) fail(OP, name, `an integer ≥ ${min}`, describeValue(value));
  return value;
}

/**
 * Size, jump and start of every layer's units along one axis, from the first
 * layer to the last; with `inputSize`, also each layer's output size (an
 * output size below 1 is an OpError).
 */
export function receptiveField1d(layers: readonly ReceptiveFieldLayer1d[], inputSize?: number): ReceptiveField1d[] {
  if (!Array.isArray(layers)) fail(OP, "layers", "an array of layers", describeValue(layers));
  let n = inputSize === undefined ? undefined : checkInt("inputSize", inputSize, 1);
  let size = 1, jump = 1, start = 0;
  const out: ReceptiveField1d[] = [];
  layers.forEach((layer, l) => {
    const where = `layers[${l}]`;
    if (typeof layer !== "object" || layer === null) fail(OP, where, "a layer {kernel, stride, padding?, dilation?}", describeValue(layer));
    const k = checkInt(`${where}.kernel`, layer.kernel, 1);
    const s = checkInt(`${where}.stride`, layer.stride, 1);
    const p = checkInt(`${where}.padding`, layer.padding ?? 0, 0);
    const d = checkInt(`${where}.dilation`, layer.dilation ?? 1, 1);
    const span = kernelSpan(k, d);
    size = size + (span - 1) * jump;
    start = start + ((span - 1) / 2 - p) * jump;
    jump = jump * s;
    const unit: ReceptiveField1d = { size, jump, start, first: start - (size - 1) / 2 };
    if (n !== undefined) {
      const next = convOutputLength(n, k, s, 2 * p, d);
      if (next < 1) fail(OP, where, `an input of at least ${span - 2 * p} (kernel span ${span}, padding ${p}) so that the output size is ≥ 1`, `${n}`);
      n = next;
      unit.outputSize = n;
    }
    out.push(unit);
  });
  return out;
}

/** Picks one axis (0 = H, 1 = W) of a number-or-pair field. */
function axis(value: unknown, t: number): unknown {
  if (Array.isArray(value)) {
    if (value.length !== 2) return value; // checkInt reports it
    return value[t];
  }
  return value;
}

/**
 * Size, jump and start of every layer's units along H and W, for layers whose
 * fields are one number (square) or a pair [H, W]; with `inputSize`
 * (a number or [H, W]) also each layer's output size.
 */
export function receptiveField(layers: readonly ReceptiveFieldLayer[], inputSize?: number | readonly [number, number]): ReceptiveField2d[] {
  if (!Array.isArray(layers)) fail(OP, "layers", "an array of layers", describeValue(layers));
  const perAxis = [0, 1].map((t) =>
    receptiveField1d(
      layers.map((layer) => ({
        kernel: axis(layer?.kernel, t) as number,
        stride: axis(layer?.stride, t) as number,
        padding: axis(layer?.padding, t) as number | undefined,
        dilation: axis(layer?.dilation, t) as number | undefined,
      })),
      inputSize === undefined ? undefined : (axis(inputSize, t) as number),
    ),
  );
  return perAxis[0].map((h, l) => {
    const w = perAxis[1][l];
    const unit: ReceptiveField2d = { size: [h.size, w.size], jump: [h.jump, w.jump], start: [h.start, w.start], first: [h.first, w.first] };
    if (h.outputSize !== undefined && w.outputSize !== undefined) unit.outputSize = [h.outputSize, w.outputSize];
    return unit;
  });
}
