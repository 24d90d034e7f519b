/**
 * Bilinear upsampling (and downsampling) of NCHW feature maps.
 *
 * 001, "Deeplab: Atrous Convolution + Structured Prediction": the network's
 * coarse score map goes through "Bi-linear Interpolation" back to the image
 * size before the CRF; 001, "FCNNs" / 000, "Semantic Segmentation": the
 * network downsamples inside and upsamples to predictions of size H × W.
 *
 * Semantics are PyTorch's F.interpolate(mode="bilinear"). Along each axis,
 * output index d reads the input at the real-valued source position
 *   align_corners = true:   src = d · (in − 1)/(out − 1)   (src = 0 when out = 1)
 *   align_corners = false:  src = max(0, (d + ½) · scale − ½),
 *                           scale = in/out, or 1/scale_factor when a scale_factor is given,
 * and blends its two neighbours i₀ = ⌊src⌋ and i₁ = min(i₀ + 1, in − 1) with
 * weights λ₀ = 1 − (src − i₀), λ₁ = src − i₀. The output is the product of the
 * row and column blends:
 *   y(h, w) = Σ_{a,b ∈ {0,1}} λ_a(h) λ_b(w) x(i_a(h), i_b(w)),
 * linear in x, so the backward spreads dL/dy(h, w) back to the same four
 * inputs with the same four weights.
 */
import { allocate, Tensor, randn, shapeString, type FloatArray, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { boolAttr, checkUpstream, describeValue, expectRank, fail, floatData, intAttr, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { unaryOp } from "./unary_op.js";

/** Validated attributes of `interpolate_bilinear`: exactly one of size and scale_factor is non-null. */
export interface InterpolateBilinearAttrs {
  /** [H', W'], or null when scale_factor is given. */
  size: [number, number] | null;
  /** [s_h, s_w] > 0, or null when size is given; the output is ⌊in · s⌋. */
  scale_factor: [number, number] | null;
  /** Default false. */
  align_corners: boolean;
}

/** Attributes of `interpolate_bilinear` as a caller writes them (one of size, scale_factor). */
export interface InterpolateBilinearAttrsLike {
  size?: number | readonly [number, number] | null;
  scale_factor?: number | readonly [number, number] | null;
  align_corners?: boolean;
}

/** Validates `interpolate_bilinear` attributes. */
export function interpolateBilinearAttrs(raw: RawAttrs): InterpolateBilinearAttrs {
  const op = "interpolate_bilinear";
  const align_corners = boolAttr(op, "align_corners", raw.align_corners ?? false);
  const hasSize = raw.size !== undefined && raw.size !== null;
  const hasScale = raw.scale_factor !== undefined && raw.scale_factor !== null;
  if (hasSize === hasScale) fail(op, "size", "exactly one of size and scale_factor", hasSize ? "both" : "neither");
  if (hasSize) {
    const v = raw.size;
    if (typeof v === "number") return { size: [intAttr(op, "size", v, 1), v], scale_factor: null, align_corners };
    if (Array.isArray(v) && v.length === 2) return { size: [intAttr(op, "size[0]", v[0], 1), intAttr(op, "size[1]", v[1], 1)], scale_factor: null, align_corners };
    return fail(op, "size", "an integer ≥ 1 or a pair [H', W'] of them", describeValue(v));
  }
  const v = raw.scale_factor;
  const positive = (x: unknown, name: string): number => {
    const s = numberAttr(op, name, x);
    if (s <= 0) fail(op, name, "a number > 0", describeValue(x));
    return s;
  };
  if (typeof v === "number") return { size: null, scale_factor: [positive(v, "scale_factor"), v], align_corners };
  if (Array.isArray(v) && v.length === 2) return { size: null, scale_factor: [positive(v[0], "scale_factor[0]"), positive(v[1], "scale_factor[1]")], align_corners };
  return fail(op, "scale_factor", "a number > 0 or a pair of them", describeValue(v));
}

/** The two input neighbours of every output index along one axis, and their weights. */
export interface LinearTaps {
  i0: Int32Array;
  i1: Int32Array;
  lambda0: Float64Array;
  lambda1: Float64Array;
}

/**
 * PyTorch's source positions along one axis (see the file comment): for each
 * of `outSize` outputs, the neighbours i₀, i₁ in 0 … inSize − 1 and the
 * weights λ₀, λ₁. `scaleFactor` is the user's scale factor, if one was given.
 */
export function linearTaps(inSize: number, outSize: number, alignCorners: boolean, scaleFactor: number | null = null): LinearTaps {
  let scale: number;
  if (alignCorners) scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  else scale = scaleFactor !== null ? 1 / scaleFactor : inSize / outSize;
  const taps: LinearTaps = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), lambda0: new Float64Array(outSize), lambda1: new Float64Array(outSize) };
  for (let d = 0; d < outSize; d++) {
    const src = alignCorners ? d * scale : Math.max(0, (d + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const lambda1 = src - i0;
    taps.i0[d] = i0;
    taps.i1[d] = i0 < inSize - 1 ? i0 + 1 : i0;
    taps.lambda1[d] = lambda1;
    taps.lambda0[d] = 1 - lambda1;
  }
  return taps;
}

interface BilinearGeometry {
  N: number;
  C: number;
  H: number;
  W: number;
  Ho: number;
  Wo: number;
  rows: LinearTaps;
  cols: LinearTaps;
}

function bilinearGeometry(input: Tensor, a: InterpolateBilinearAttrs): BilinearGeometry {
  const op = "interpolate_bilinear";
  expectRank(op, "input", input, 4, "[N, C, H, W]");
  const [N, C, H, W] = input.shape;
  if (H < 1 || W < 1) fail(op, "input", "a height and width of at least 1", `shape ${shapeString(input.shape)}`);
  const Ho = a.size ? a.size[0] : Math.floor(H * a.scale_factor![0]);
  const Wo = a.size ? a.size[1] : Math.floor(W * a.scale_factor![1]);
  if (Ho < 1 || Wo < 1) fail(op, "scale_factor", `factors that give an output of at least 1×1 from ${H}×${W}`, `${describeValue(a.scale_factor)} (output ${Ho}×${Wo})`);
  return {
    N, C, H, W, Ho, Wo,
    rows: linearTaps(H, Ho, a.align_corners, a.scale_factor ? a.scale_factor[0] : null),
    cols: linearTaps(W, Wo, a.align_corners, a.scale_factor ? a.scale_factor[1] : null),
  };
}

/** Bilinear interpolation. input [N, C, H, W] → output [N, C, H', W'] (H', W' from size or ⌊H·s⌋, ⌊W·s⌋). */
export function interpolateBilinear(input: Tensor, options: InterpolateBilinearAttrsLike): Tensor {
  const op = "interpolate_bilinear";
  const a = interpolateBilinearAttrs(options as RawAttrs);
  const x = floatData(op, "input", input);
  const { N, C, H, W, Ho, Wo, rows, cols } = bilinearGeometry(input, a);
  const y = allocate(input.dtype as FloatDType, N * C * Ho * Wo);
  for (let p = 0; p < N * C; p++) {
    const plane = p * H * W;
    for (let h = 0; h < Ho; h++) {
      const r0 = plane + rows.i0[h] * W, r1 = plane + rows.i1[h] * W;
      for (let w = 0; w < Wo; w++) {
        const c0 = cols.i0[w], c1 = cols.i1[w];
        y[(p * Ho + h) * Wo + w] =
          rows.lambda0[h] * (cols.lambda0[w] * x[r0 + c0] + cols.lambda1[w] * x[r0 + c1]) +
          rows.lambda1[h] * (cols.lambda0[w] * x[r1 + c0] + cols.lambda1[w] * x[r1 + c1]);
      }
    }
  }
  return new Tensor(y, [N, C, Ho, Wo]);
}

/** Backward of bilinear interpolation: dL/dx [N, C, H, W] from dL/dy [N, C, H', W']. */
export function interpolateBilinearBackward(dy: Tensor, input: Tensor, attrs: InterpolateBilinearAttrs): Tensor {
  const op = "interpolate_bilinear";
  floatData(op, "input", input);
  const { N, C, H, W, Ho, Wo, rows, cols } = bilinearGeometry(input, attrs);
  const g: FloatArray = checkUpstream(op, dy, [N, C, Ho, Wo], input);
  const dx = allocate(input.dtype as FloatDType, input.size);
  for (let p = 0; p < N * C; p++) {
    const plane = p * H * W;
    for (let h = 0; h < Ho; h++) {
      const r0 = plane + rows.i0[h] * W, r1 = plane + rows.i1[h] * W;
      for (let w = 0; w < Wo; w++) {
        const u = g[(p * Ho + h) * Wo + w];
        const c0 = cols.i0[w], c1 = cols.i1[w];
        dx[r0 + c0] += u * rows.lambda0[h] * cols.lambda0[w];
        dx[r0 + c1] += u * rows.lambda0[h] * cols.lambda1[w];
        dx[r1 + c0] += u * rows.lambda1[h] * cols.lambda0[w];
        dx[r1 + c1] += u * rows.lambda1[h] * cols.lambda1[w];
      }
    }
  }
  return new Tensor(dx, input.shape);
}

// ───────────────────────────── OpDef ─────────────────────────────

function sampleAttrs(rng: Random): InterpolateBilinearAttrs {
  const align_corners = rng.bernoulli(0.5) === 1;
  if (rng.bernoulli(0.25)) return interpolateBilinearAttrs({ scale_factor: [0.75 + 2 * rng.uniform(), 0.75 + 2 * rng.uniform()], align_corners });
  return interpolateBilinearAttrs({ size: [1 + rng.int(7), 1 + rng.int(7)], align_corners });
}

/** `interpolate_bilinear`: input → output. Grads: input. */
export const interpolateBilinearOp = unaryOp<InterpolateBilinearAttrs>({
  name: "interpolate_bilinear",
  attrs: interpolateBilinearAttrs,
  forward: interpolateBilinear,
  backward: interpolateBilinearBackward,
  sample: (rng, dtype) => {
    const shape = [1 + rng.int(2), 1 + rng.int(2), 1 + rng.int(5), 1 + rng.int(5)];
    return { input: randn(shape, rng, { dtype }), attrs: sampleAttrs(rng) };
  },
});

/** The interpolation ops, for the registry. */
export const interpolateOps: OpDef[] = [interpolateBilinearOp];
