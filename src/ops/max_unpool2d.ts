/**
 * Max unpooling (PyTorch's torch.nn.functional.max_unpool2d), the upsampling
 * half of 000, "Semantic Segmentation": "Upsampling: Unpooling". The planes
 * and window attributes it shares with the pooling ops are in
 * ./pool_window.ts; the indices it takes are max_pool2d's (./max_pool2d.ts).
 */
import { allocate, Tensor, shapeString, randn, type FloatDType } from "../tensor.js";
import { checkUpstream, describeValue, expectShape, fail, floatData, intAttr, intData } from "../errors.js";
import { convTransposeOutputLength } from "../shapes.js";
import type { OpDef, RawAttrs } from "./op.js";
import { maxPool2d } from "./max_pool2d.js";
import { distinctValues, planesOf, poolWindowAttrs, randomPadding, randomPair, type PooledPlanes, type SizePair, type SizePairLike } from "./pool_window.js";

// ───────────────────────────── max_unpool2d ─────────────────────────────
// 000, "Semantic Segmentation": "Upsampling: Unpooling". Each input value is
// put back at the position its max pooling came from (`indices`, flat h·W + w
// per output plane); every other output is 0. So ∂y_k/∂x_i = 1 exactly where
// k = indices_i: the backward gathers dL/dx_i = dL/dy[indices_i].
// With duplicate indices (overlapping pooling windows sharing a maximum) the
// forward keeps the last value written, and the backward still gathers for
// every input, as PyTorch's does.

/** Validated attributes of `max_unpool2d`. */
export interface MaxUnpool2dAttrs {
  kernel_size: SizePair;
  stride: SizePair;
  padding: SizePair;
  /** [H', W'] of the output, or null for the default (H − 1)·s − 2p + k. */
  output_size: SizePair | null;
}

/** Attributes of `max_unpool2d` as a caller writes them. */
export interface MaxUnpool2dAttrsLike {
  kernel_size: SizePairLike;
  stride?: SizePairLike | null;
  padding?: SizePairLike;
  /** [H', W'] (or a full shape whose last two entries are used); default (H − 1)·s − 2p + k. */
  output_size?: readonly number[] | null;
}

/** Validates `max_unpool2d` attributes and fills PyTorch's defaults. */
export function maxUnpool2dAttrs(raw: RawAttrs): MaxUnpool2dAttrs {
  const op = "max_unpool2d";
  const { kernel_size, stride, padding } = poolWindowAttrs(op, raw);
  let output_size: SizePair | null = null;
  const v = raw.output_size;
  if (v !== undefined && v !== null) {
    if (!Array.isArray(v) || v.length < 2 || v.length > 4) fail(op, "output_size", "null or [H, W] (or a full shape ending in H, W)", describeValue(v));
    const last = v.slice(-2);
    output_size = [intAttr(op, "output_size", last[0], 1), intAttr(op, "output_size", last[1], 1)];
  }
  return { kernel_size, stride, padding, output_size };
}

/** The default output size (H − 1)·s − 2p + k: ../shapes.ts's transposed-convolution length with d = 1. */
function defaultUnpoolSize(H: number, W: number, a: MaxUnpool2dAttrs): SizePair {
  return [
    convTransposeOutputLength(H, a.kernel_size[0], a.stride[0], a.padding[0], 0, 1),
    convTransposeOutputLength(W, a.kernel_size[1], a.stride[1], a.padding[1], 0, 1),
  ];
}

function unpoolSize(input: Tensor, a: MaxUnpool2dAttrs): PooledPlanes {
  const op = "max_unpool2d";
  const planes = planesOf(op, input);
  const defaults = defaultUnpoolSize(planes.H, planes.W, a);
  const size = a.output_size ?? defaults;
  for (const axis of [0, 1]) {
    const lo = defaults[axis] - a.stride[axis], hi = defaults[axis] + a.stride[axis];
    if (a.output_size && !(size[axis] > lo && size[axis] < hi)) {
      fail(op, "output_size", `sizes strictly between ${lo} and ${hi} on axis ${axis} (the default ${defaults[axis]} ± stride)`, describeValue(a.output_size));
    }
    if (size[axis] < 1) fail(op, "input", "a height and width that give an output of at least 1×1 with these attributes", `shape ${shapeString(input.shape)}, which gives ${size[0]}×${size[1]}`);
  }
  return { ...planes, Ho: size[0], Wo: size[1] };
}

/**
 * Max unpooling. input [N, C, H, W] (or [C, H, W]) and indices (int32, same
 * shape, flat positions in the output plane) → output [N, C, H', W'] with
 * output[.., indices[i]] = input[i] and zeros elsewhere.
 */
export function maxUnpool2d(input: Tensor, indices: Tensor, options: MaxUnpool2dAttrsLike): Tensor {
  const op = "max_unpool2d";
  const a = maxUnpool2dAttrs(options as unknown as RawAttrs);
  const x = floatData(op, "input", input);
  const at = checkIndices(input, indices, a);
  const { planes, H, W, lead, Ho, Wo } = unpoolSize(input, a);
  const y = allocate(input.dtype as FloatDType, planes * Ho * Wo);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < H * W; i++) y[p * Ho * Wo + at[p * H * W + i]] = x[p * H * W + i];
  }
  return new Tensor(y, [...lead, Ho, Wo]);
}

function checkIndices(input: Tensor, indices: Tensor, a: MaxUnpool2dAttrs): Int32Array {
  const op = "max_unpool2d";
  const at = intData(op, "indices", indices);
  expectShape(op, "indices", indices, input.shape, "the shape of input");
  const { Ho, Wo } = unpoolSize(input, a);
  for (let i = 0; i < at.length; i++) {
    if (at[i] < 0 || at[i] >= Ho * Wo) fail(op, "indices", `flat positions in [0, ${Ho * Wo}) of the ${Ho}×${Wo} output plane`, `${at[i]} at flat index ${i}`);
  }
  return at;
}

/** Backward of max unpooling: dL/dx [shape of input] = dL/dy gathered at `indices`. */
export function maxUnpool2dBackward(dy: Tensor, input: Tensor, indices: Tensor, attrs: MaxUnpool2dAttrs): Tensor {
  const op = "max_unpool2d";
  floatData(op, "input", input);
  const at = checkIndices(input, indices, attrs);
  const { planes, H, W, lead, Ho, Wo } = unpoolSize(input, attrs);
  const g = checkUpstream(op, dy, [...lead, Ho, Wo], input);
  const dx = allocate(input.dtype as FloatDType, input.size);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < H * W; i++) dx[p * H * W + i] = g[p * Ho * Wo + at[p * H * W + i]];
  }
  return new Tensor(dx, input.shape);
}

// ───────────────────────────── OpDef ─────────────────────────────

interface UnpoolCache { input: Tensor; indices: Tensor }

/** `max_unpool2d`: input, indices → output. Grads: input (indices are integers). */
export const maxUnpool2dOp: OpDef<MaxUnpool2dAttrs, UnpoolCache> = {
  name: "max_unpool2d",
  inputs: ["input", "indices"],
  optional: [],
  outputs: ["output"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: maxUnpool2dAttrs,
  forward: ({ input, indices }, a) => ({ outputs: { output: maxUnpool2d(input, indices, a) }, cache: { input, indices } }),
  backward: ({ output }, c, a) => ({ input: maxUnpool2dBackward(output, c.input, c.indices, a) }),
  sample: (rng, dtype) => {
    // Indices as a real max pooling gives them: pool an image of the unpooled
    // size with stride ≥ kernel (non-overlapping windows, so no duplicates).
    for (;;) {
      const kernel_size = randomPair(rng, 1, 3);
      const stride: SizePair = [kernel_size[0] + rng.int(2), kernel_size[1] + rng.int(2)];
      const padding = randomPadding(rng, kernel_size);
      const [N, C, H, W] = [1 + rng.int(2), 1 + rng.int(2), 1 + rng.int(4), 1 + rng.int(4)];
      const [defaultHo, defaultWo] = defaultUnpoolSize(H, W, { kernel_size, stride, padding, output_size: null });
      const Ho = defaultHo + rng.int(stride[0]);
      const Wo = defaultWo + rng.int(stride[1]);
      if (Ho < 1 || Wo < 1) continue;
      const { indices } = maxPool2d(distinctValues([N, C, Ho, Wo], rng, dtype), { kernel_size, stride, padding });
      if (indices.shape[2] !== H || indices.shape[3] !== W || indices.data.some((v) => v < 0)) continue;
      const attrs = maxUnpool2dAttrs({ kernel_size, stride, padding, output_size: [Ho, Wo] });
      return { inputs: { input: randn([N, C, H, W], rng, { dtype }), indices }, attrs };
    }
  },
};
