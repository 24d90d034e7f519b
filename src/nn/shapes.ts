/**
 * Shape checks shared by the spatial layers: pairs, and the output sizes of
 * convolution, transposed convolution and pooling with the layers' own
 * errors. The formulas are ../shapes.ts's (PyTorch's, the ones the ops
 * compute), so `outputShape` agrees with the ops. Layers call these from
 * `outputShape` and before every forward, so a wrong input shape is reported
 * in the layer's own terms.
 */
import { describeValue } from "../errors.js";
import { convOutputLength, convTransposeOutputLength, kernelSpan, pooledLength } from "../shapes.js";
import { shapeString, type Shape } from "../tensor.js";

/** A size given as one number (both dimensions) or as [height, width]. */
export type Pair = number | [number, number];

/** `pair(3)` → [3, 3]; `pair([3, 5])` → [3, 5]; each entry an integer ≥ `min`. */
export function pair(layer: string, name: string, value: Pair, min: number): [number, number] {
  const p: unknown[] = typeof value === "number" ? [value, value] : Array.isArray(value) && value.length === 2 ? value : [];
  if (p.length !== 2 || p.some((v) => typeof v !== "number" || !Number.isInteger(v) || v < min)) {
    throw new RangeError(`${layer}: ${name}: expected an integer ≥ ${min} or a pair of them, got ${describeValue(value)}`);
  }
  return p as [number, number];
}

/** Checks that `inputShape` is [N, C, H, W] with C = `channels` (any C when undefined). */
export function expectImageBatch(layer: string, inputShape: Shape, channels?: number): void {
  const c = channels === undefined ? "C" : String(channels);
  if (inputShape.length !== 4 || (channels !== undefined && inputShape[1] !== channels)) {
    throw new RangeError(`${layer}: expected input [N, ${c}, H, W], got ${shapeString(inputShape)}`);
  }
}

/**
 * Output length of a convolution along one dimension:
 * ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
 * Throws when the (padded) input is smaller than the dilated kernel.
 */
export function convOutputSize(layer: string, size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  const span = kernelSpan(kernel, dilation);
  const out = convOutputLength(size, kernel, stride, 2 * padding, dilation);
  if (out < 1) throw new RangeError(`${layer}: input size ${size} with padding ${padding} is smaller than the ${dilation > 1 ? "dilated " : ""}kernel (${span})`);
  return out;
}

/**
 * Output length of a transposed convolution along one dimension:
 * (size − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1.
 */
export function convTransposeOutputSize(layer: string, size: number, kernel: number, stride: number, padding: number, outputPadding: number, dilation: number): number {
  const out = convTransposeOutputLength(size, kernel, stride, padding, outputPadding, dilation);
  if (out < 1) throw new RangeError(`${layer}: output size would be ${out} for input size ${size} (padding ${padding} too large)`);
  return out;
}

/**
 * Output length of max/avg pooling along one dimension (PyTorch's rule):
 * ⌊ or ⌈ (size + 2·padding − dilation·(kernel − 1) − 1) / stride ⌉ + 1, and in
 * ceil mode a last window that would start inside the right padding is
 * dropped. Padding may be at most half the kernel.
 */
export function poolOutputSize(layer: string, size: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean): number {
  if (2 * padding > kernel) throw new RangeError(`${layer}: padding: expected at most half the kernel size (${kernel}), got ${padding}`);
  const out = pooledLength(size, kernel, stride, padding, dilation, ceilMode);
  if (out < 1) throw new RangeError(`${layer}: input size ${size} with padding ${padding} is smaller than the kernel (${kernelSpan(kernel, dilation)})`);
  return out;
}

/**
 * The output shape of a pooling layer: input [N, C, H, W] → [N, C, Hout, Wout]
 * with `poolOutputSize` along H and W (its errors, in the layer's terms).
 */
export function pooledShape(layer: string, inputShape: Shape, kernel: [number, number], stride: [number, number], padding: [number, number], dilation: [number, number], ceilMode: boolean): Shape {
  expectImageBatch(layer, inputShape);
  const [n, c, h, w] = inputShape;
  const out = [h, w].map((size, i) => poolOutputSize(layer, size, kernel[i], stride[i], padding[i], dilation[i], ceilMode));
  return [n, c, out[0], out[1]];
}
