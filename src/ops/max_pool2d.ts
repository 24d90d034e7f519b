/**
 * Max pooling over the last two dimensions of an NCHW tensor, and its
 * backward (PyTorch's torch.nn.functional.max_pool2d). The window attributes,
 * planes and size checks all pooling ops share are in ./pool_window.ts.
 *
 * 004, "Convolutional neural networks: Max-pooling"; 000, "Max Pool
 * operation" — a 2×2 window at stride 2 over the filtered "X" image.
 */
import { allocate, Tensor, type FloatDType } from "../tensor.js";
import { boolAttr, checkUpstream, floatData, intData, pairAttr } from "../errors.js";
import type { OpDef, RawAttrs, Tensors } from "./op.js";
import {
  checkPadding, distinctValues, planesOf, pooledPlanes, poolWindowAttrs, randomPadding, randomPair, randomPoolInputShape,
  type PooledPlanes, type SizePair, type SizePairLike,
} from "./pool_window.js";

// ───────────────────────────── max_pool2d ─────────────────────────────
// 000, "Max Pool operation": each output is the largest value in its window.
// The arg-max is remembered (flat index h·W + w within its plane, as
// PyTorch's `return_indices` gives it); backward routes the whole upstream
// gradient to it: ∂y/∂x_j = 1 if j is the window's arg-max, else 0. Ties go
// to the first position in row-major window order; padding counts as −∞.
// NaN propagates (a NaN in a window is its maximum), as in PyTorch.

/** Validated attributes of `max_pool2d`. */
export interface MaxPool2dAttrs {
  kernel_size: SizePair;
  stride: SizePair;
  padding: SizePair;
  dilation: SizePair;
  ceil_mode: boolean;
  /** Whether the forward also returns the int32 output "indices". */
  return_indices: boolean;
}

/** Attributes of `max_pool2d` as a caller writes them. */
export interface MaxPool2dAttrsLike {
  kernel_size: SizePairLike;
  /** Default: kernel_size. */
  stride?: SizePairLike | null;
  /** −∞ added on each side; default 0, at most ⌊kernel/2⌋. */
  padding?: SizePairLike;
  /** Spacing of the window's taps; default 1. */
  dilation?: SizePairLike;
  /** Round the output size up instead of down; default false. */
  ceil_mode?: boolean;
  return_indices?: boolean;
}

/** Validates `max_pool2d` attributes and fills PyTorch's defaults. */
export function maxPool2dAttrs(raw: RawAttrs): MaxPool2dAttrs {
  const op = "max_pool2d";
  const { kernel_size, stride, padding } = poolWindowAttrs(op, raw);
  const dilation = pairAttr(op, "dilation", raw.dilation ?? 1, 1);
  const ceil_mode = boolAttr(op, "ceil_mode", raw.ceil_mode ?? false);
  const return_indices = boolAttr(op, "return_indices", raw.return_indices ?? false);
  checkPadding(op, padding, kernel_size);
  return { kernel_size, stride, padding, dilation, ceil_mode, return_indices };
}

/**
 * The planes of a max pooling's input and its output size; throws OpError on
 * a wrong rank or an output smaller than 1×1 (a kernel can call it for the
 * same checks and messages).
 */
export function maxPool2dSizes(input: Tensor, a: MaxPool2dAttrs): PooledPlanes {
  return pooledPlanes("max_pool2d", input, a.kernel_size, a.stride, a.padding, a.dilation, a.ceil_mode);
}

/**
 * Max pooling. input [N, C, H, W] (or [C, H, W]) → output [N, C, H', W'] and
 * indices (int32, same shape): the flat position h·W + w of each maximum in
 * its input plane. A window with no input element (possible only with large
 * dilation) gives −∞ and index −1.
 */
export function maxPool2d(input: Tensor, options: MaxPool2dAttrsLike): { output: Tensor; indices: Tensor } {
  const op = "max_pool2d";
  const a = maxPool2dAttrs(options as unknown as RawAttrs);
  const x = floatData(op, "input", input);
  const { planes, H, W, lead, Ho, Wo } = maxPool2dSizes(input, a);
  const [kH, kW] = a.kernel_size, [sH, sW] = a.stride, [pH, pW] = a.padding, [dH, dW] = a.dilation;

  const y = allocate(input.dtype as FloatDType, planes * Ho * Wo);
  const indices = new Int32Array(planes * Ho * Wo);
  for (let p = 0; p < planes; p++) {
    const plane = p * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < kH; i++) {
          const h = oh * sH - pH + i * dH;
          if (h < 0 || h >= H) continue; // padding: −∞, never the maximum
          for (let j = 0; j < kW; j++) {
            const w = ow * sW - pW + j * dW;
            if (w < 0 || w >= W) continue;
            const v = x[plane + h * W + w];
            if (at < 0 || v > best || Number.isNaN(v)) {
              best = v;
              at = h * W + w;
            }
          }
        }
        const o = (p * Ho + oh) * Wo + ow;
        y[o] = best;
        indices[o] = at;
      }
    }
  }
  const shape = [...lead, Ho, Wo];
  return { output: new Tensor(y, shape), indices: new Tensor(indices, shape) };
}

/**
 * Backward of max pooling: dL/dx [same shape as input], with each upstream
 * value dL/dy [N, C, H', W'] added at its window's arg-max (`indices` from
 * the forward). Overlapping windows that share a maximum add up there.
 */
export function maxPool2dBackward(dy: Tensor, input: Tensor, indices: Tensor): Tensor {
  const op = "max_pool2d";
  const g = checkUpstream(op, dy, indices.shape, input);
  const at = intData(op, "indices", indices);
  const { planes, H, W } = planesOf(op, input);
  const perPlane = at.length / Math.max(planes, 1);
  const dx = allocate(input.dtype as FloatDType, input.size);
  for (let p = 0; p < planes; p++) {
    for (let k = 0; k < perPlane; k++) {
      const o = p * perPlane + k;
      if (at[o] >= 0) dx[p * H * W + at[o]] += g[o];
    }
  }
  return new Tensor(dx, input.shape);
}

// ───────────────────────────── OpDef ─────────────────────────────

interface MaxPoolCache { input: Tensor; indices: Tensor }

/** `max_pool2d`: input → output (and indices with return_indices). Grads: input. */
export const maxPool2dOp: OpDef<MaxPool2dAttrs, MaxPoolCache> = {
  name: "max_pool2d",
  inputs: ["input"],
  optional: [],
  outputs: ["output", "indices"],
  differentiableOutputs: ["output"],
  grads: ["input"],
  attrs: maxPool2dAttrs,
  forward: ({ input }, a) => {
    const { output, indices } = maxPool2d(input, a);
    const outputs: Tensors = a.return_indices ? { output, indices } : { output };
    return { outputs, cache: { input, indices } };
  },
  backward: ({ output }, c) => ({ input: maxPool2dBackward(output, c.input, c.indices) }),
  sample: (rng, dtype) => {
    const kernel_size = randomPair(rng, 1, 4);
    const dilation: SizePair = rng.bernoulli(0.3) ? randomPair(rng, 2, 3) : [1, 1];
    const attrs = maxPool2dAttrs({
      kernel_size, stride: randomPair(rng, 1, 5), padding: randomPadding(rng, kernel_size), dilation,
      ceil_mode: rng.bernoulli(0.5) === 1, return_indices: rng.bernoulli(0.5) === 1,
    });
    return { inputs: { input: distinctValues(randomPoolInputShape(rng, kernel_size, dilation), rng, dtype) }, attrs };
  },
};
