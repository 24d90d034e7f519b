/**
 * What every pooling op shares: the input seen as H×W planes, the window
 * attributes (kernel_size, stride, padding) and their checks, and the random
 * cases the ops' specs and vectors draw. The ops themselves are in
 * ./max_pool2d.ts, ./avg_pool2d.ts (average, sum, adaptive average) and
 * ./max_unpool2d.ts.
 *
 * 004, "Convolutional neural networks: Max-pooling" — spatial pooling
 * "reduces the dimensionality of each feature map but retains the most
 * important information" and "can be of different types: Max, Average, Sum".
 * 000, "Max Pool operation" — a 2×2 window at stride 2 over the filtered
 * "X" image; 000, "Semantic Segmentation" — downsampling by pooling,
 * upsampling by unpooling.
 *
 * Every op accepts input [N, C, H, W] or [C, H, W]; each H×W plane is pooled
 * on its own. Semantics, defaults and output sizes are PyTorch's
 * (torch.nn.functional.max_pool2d, avg_pool2d, adaptive_avg_pool2d,
 * max_unpool2d); `sum_pool2d` is an nnref extension (the window sum).
 *
 * Output size along one axis: ../shapes.ts's `pooledLength` (PyTorch's
 * pooling_output_shape, with ceil_mode). Padding may be at most ⌊k/2⌋ and the
 * output must be at least 1×1; anything else is an OpError.
 */
import { allocate, Tensor, shapeString, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { describeValue, expectRank, fail, pairAttr } from "../errors.js";
import { kernelSpan, pooledLength } from "../shapes.js";
import type { RawAttrs } from "./op.js";

/** A (height, width) pair, e.g. a kernel size. */
export type SizePair = [number, number];
/** An attribute given as one integer (both axes) or a (height, width) pair. */
export type SizePairLike = number | readonly [number, number];

// ───────────────────────────── planes ─────────────────────────────

/** The input seen as `planes` H×W planes; `lead` is the shape before H, W. */
export interface Planes {
  planes: number;
  H: number;
  W: number;
  lead: number[];
}

/** Planes and the output's height and width. */
export type PooledPlanes = Planes & { Ho: number; Wo: number };

/** Checks the input's rank ([N, C, H, W] or [C, H, W]) and returns its planes. */
export function planesOf(op: string, x: Tensor): Planes {
  expectRank(op, "input", x, [3, 4], "[N, C, H, W] or [C, H, W]");
  const lead = x.shape.slice(0, -2);
  return { planes: lead.reduce((a, b) => a * b, 1), H: x.shape[x.rank - 2], W: x.shape[x.rank - 1], lead };
}

/**
 * The planes of a pooling's input and its output size H' × W' (../shapes.ts's
 * `pooledLength` per axis). Throws OpError on a wrong rank or an output
 * smaller than 1×1.
 */
export function pooledPlanes(op: string, input: Tensor, kernel: SizePair, stride: SizePair, padding: SizePair, dilation: SizePair, ceilMode: boolean): PooledPlanes {
  const planes = planesOf(op, input);
  const Ho = pooledLength(planes.H, kernel[0], stride[0], padding[0], dilation[0], ceilMode);
  const Wo = pooledLength(planes.W, kernel[1], stride[1], padding[1], dilation[1], ceilMode);
  if (Ho < 1 || Wo < 1) {
    fail(op, "input", "a height and width that give an output of at least 1×1 with these attributes", `shape ${shapeString(input.shape)}, which gives ${Ho}×${Wo}`);
  }
  return { ...planes, Ho, Wo };
}

// ───────────────────────────── attributes ─────────────────────────────

/** PyTorch's limit: padding ≤ ⌊kernel/2⌋ on each axis. */
export function checkPadding(op: string, padding: SizePair, kernel: SizePair): void {
  for (const axis of [0, 1]) {
    const half = Math.floor(kernel[axis] / 2);
    if (padding[axis] > half) {
      fail(op, "padding", `at most half the kernel size (⌊${kernel[axis]}/2⌋ = ${half})`, describeValue(padding[axis]));
    }
  }
}

/** `stride`: a pair, or absent / null / [] for "equal to kernel_size" (PyTorch's default). */
function strideAttr(op: string, value: unknown, kernel: SizePair): SizePair {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return [kernel[0], kernel[1]];
  return pairAttr(op, "stride", value, 1);
}

/** The window every pooling op takes. */
export interface PoolWindow {
  kernel_size: SizePair;
  stride: SizePair;
  padding: SizePair;
}

/**
 * Validates kernel_size (required), stride (default kernel_size) and padding
 * (default 0), in that order; the caller checks the padding's limit after its
 * own attributes, as PyTorch does.
 */
export function poolWindowAttrs(op: string, raw: RawAttrs): PoolWindow {
  const kernel_size = pairAttr(op, "kernel_size", raw.kernel_size, 1);
  const stride = strideAttr(op, raw.stride, kernel_size);
  const padding = pairAttr(op, "padding", raw.padding ?? 0, 0);
  return { kernel_size, stride, padding };
}

// ───────────────────────────── sampling ─────────────────────────────

/**
 * Values that are pairwise at least 0.08 apart (a random permutation of
 * 0 … n−1 scaled by 0.1, centred, plus noise in [0, 0.02)), so that the
 * arg-max of a window never flips under finite-difference steps of 2e-3.
 */
export function distinctValues(shape: Shape, rng: Random, dtype: FloatDType): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = rng.permutation(n);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = (perm[i] - n / 2) * 0.1 + 0.02 * rng.uniform();
  return new Tensor(data, shape);
}

/** Two random integers in [low, high]. */
export function randomPair(rng: Random, low: number, high: number): SizePair {
  return [low + rng.int(high - low + 1), low + rng.int(high - low + 1)];
}

/** A random input [N, C, H, W] (or [C, H, W]) in which every window holds an input element. */
export function randomPoolInputShape(rng: Random, kernel: SizePair, dilation: SizePair): number[] {
  const H = kernelSpan(kernel[0], dilation[0]) + rng.int(5);
  const W = kernelSpan(kernel[1], dilation[1]) + rng.int(5);
  return rng.bernoulli(0.8) ? [1 + rng.int(2), 1 + rng.int(2), H, W] : [1 + rng.int(2), H, W];
}

/** A random padding within PyTorch's limit ⌊kernel/2⌋. */
export function randomPadding(rng: Random, kernel: SizePair): SizePair {
  return [rng.int(Math.floor(kernel[0] / 2) + 1), rng.int(Math.floor(kernel[1] / 2) + 1)];
}
