/**
 * Convolution as a matrix multiply: im2col, col2im and conv2d forward and
 * backward built from them and `gemm`. This is the readable form of what the
 * WebAssembly kernels do fast; the result equals the direct loops of
 * ./conv2d.ts (the spec checks forward and all three gradients).
 *
 * ## The column matrix (one per image n and group g)
 *
 *   cols [Cin/groups · kh · kw, Hout · Wout]   row-major, contiguous
 *
 *   row    (c · kh + x) · kw + y   — channel c inside the group, kernel tap (x, y)
 *   column i · Wout + j            — output pixel (i, j)
 *   entry  a[n, g·Cin/groups + c, i·sH − padTop + x·dH, j·sW − padLeft + y·dW],
 *          0 where that pixel lies in the padding
 *
 * Column (i, j) is the receptive field of output pixel (i, j), unrolled in
 * the same order as one filter's weights: w [Cout, Cin/groups, kh, kw] read
 * as a [Cout, Cin/groups·kh·kw] matrix has rows that line up with the rows of
 * cols, and group g's filters are rows g·Cout/groups … of that matrix (a
 * contiguous block, no copy). So, with K = Cin/groups·kh·kw and
 * P = Hout·Wout, for every image n and group g:
 *
 *   forward  Z_g [Cout/g, P]  = W_g [Cout/g, K] · cols [K, P]  + b (per row)
 *   weight   dW_g [Cout/g, K] += dZ_g [Cout/g, P] · colsᵀ       (summed over n)
 *   input    dcols [K, P]     = W_gᵀ · dZ_g,   then da = col2im(dcols)
 *   bias     db_f             = Σ_n Σ_p dZ[n, f, p]
 *
 * where Z_g, dZ_g are the contiguous [Cout/groups, P] blocks of the output
 * (and its gradient) for image n, channels g·Cout/groups …. col2im is the
 * adjoint (transpose) of im2col: it sends every entry of a column matrix back
 * to the pixel im2col took it from, adding where windows overlap.
 */
import { allocate, sizeOf, Tensor, type FloatArray, type FloatDType } from "../tensor.js";
import { checkUpstream, describeValue, fail } from "../errors.js";
import { gemm } from "./gemm.js";
import { convBiasGrad, type ConvGrads } from "./conv2d.js";
import { conv2dAttrs, convGeometry, outputIndexFor, tapInput, type Conv2dOpOptions, type ConvGeometry } from "./conv_geometry.js";

/** Rows of the column matrix: Cin/groups · kh · kw. */
export function im2colRows(geom: ConvGeometry): number {
  return (geom.Cin / geom.groups) * geom.kh * geom.kw;
}

/** Columns of the column matrix: Hout · Wout. */
export function im2colColumns(geom: ConvGeometry): number {
  return geom.Hout * geom.Wout;
}

function checkImageAndGroup(op: string, n: number, g: number, geom: ConvGeometry): void {
  if (!Number.isInteger(n) || n < 0 || n >= geom.N) fail(op, "n", `an image index in [0, ${geom.N})`, describeValue(n));
  if (!Number.isInteger(g) || g < 0 || g >= geom.groups) fail(op, "g", `a group index in [0, ${geom.groups})`, describeValue(g));
}

function checkLength(op: string, name: string, array: FloatArray, needed: number, what: string): void {
  if (array.length < needed) fail(op, name, `at least ${needed} elements (${what})`, `${array.length}`);
}

/**
 * im2col for image n and group g: from the input a [N, Cin, H, W] (flat,
 * row-major) fills cols [Cin/groups·kh·kw, Hout·Wout] (layout in the file
 * comment) and returns it; allocates cols, of a's element type, when not given.
 */
export function im2col(a: FloatArray, n: number, g: number, geom: ConvGeometry, cols?: FloatArray): FloatArray {
  const { N, Cin, H, W, kh, kw, Hout, Wout, groups } = geom;
  checkImageAndGroup("im2col", n, g, geom);
  checkLength("im2col", "a", a, N * Cin * H * W, "the input [N, Cin, H, W]");
  const K = im2colRows(geom), P = Hout * Wout;
  const out = cols ?? (a instanceof Float32Array ? new Float32Array(K * P) : new Float64Array(K * P));
  checkLength("im2col", "cols", out, K * P, `[${K}, ${P}]`);
  const CinG = Cin / groups;
  for (let c = 0; c < CinG; c++) {
    const channel = g * CinG + c;
    for (let x = 0; x < kh; x++) {
      for (let y = 0; y < kw; y++) {
        const rowOfCols = (c * kh + x) * kw + y;
        for (let i = 0; i < Hout; i++) {
          for (let j = 0; j < Wout; j++) out[rowOfCols * P + i * Wout + j] = tapInput(a, geom, n, channel, i, j, x, y);
        }
      }
    }
  }
  return out;
}

/**
 * col2im for image n and group g, the adjoint of im2col: overwrites the
 * channels of group g of image n in a [N, Cin, H, W] with, for every pixel,
 * the sum of the column-matrix entries that im2col copied from it:
 *
 *   a[n, channel, r, q] = Σ cols[(c·kh + x)·kw + y, i·Wout + j]
 *                         over taps (x, y) and outputs (i, j) with
 *                         r = i·sH − padTop + x·dH,  q = j·sW − padLeft + y·dW.
 *
 * (A fast kernel zeroes the image and scatter-adds each entry instead; the
 * sums are the same.)
 */
export function col2im(cols: FloatArray, n: number, g: number, geom: ConvGeometry, a: FloatArray): void {
  const { N, Cin, H, W, kh, kw, Hout, Wout, strideH, strideW, dilationH, dilationW, padTop, padLeft, groups } = geom;
  checkImageAndGroup("col2im", n, g, geom);
  const P = Hout * Wout;
  checkLength("col2im", "cols", cols, im2colRows(geom) * P, `[${im2colRows(geom)}, ${P}]`);
  checkLength("col2im", "a", a, N * Cin * H * W, "the input [N, Cin, H, W]");
  const CinG = Cin / groups;
  for (let c = 0; c < CinG; c++) {
    const channel = g * CinG + c;
    for (let r = 0; r < H; r++) {
      for (let q = 0; q < W; q++) {
        let sum = 0;
        for (let x = 0; x < kh; x++) {
          const i = outputIndexFor(r, x, strideH, padTop, dilationH, Hout);
          if (i < 0) continue;
          for (let y = 0; y < kw; y++) {
            const j = outputIndexFor(q, y, strideW, padLeft, dilationW, Wout);
            if (j < 0) continue;
            sum += cols[((c * kh + x) * kw + y) * P + i * Wout + j];
          }
        }
        a[((n * Cin + channel) * H + r) * W + q] = sum;
      }
    }
  }
}

/**
 * conv2d as im2col + GEMM: the same arguments, result and errors as
 * `conv2d` in ./conv2d.ts. input [N, Cin, H, W], weight [Cout, Cin/groups,
 * kh, kw], bias [Cout]? → output [N, Cout, Hout, Wout].
 */
export function conv2dIm2col(input: Tensor, weight: Tensor, bias?: Tensor, options: Conv2dOpOptions = {}): Tensor {
  const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, conv2dAttrs(options));
  const { N, groups, Cout } = geom;
  const K = im2colRows(geom), P = im2colColumns(geom), CoutG = Cout / groups;
  const w = weight.data as FloatArray;
  const z = allocate(input.dtype as FloatDType, sizeOf(outputShape));
  // Start every output row at its bias, then Z_g ← W_g · cols + Z_g (β = 1).
  if (bias) for (let nf = 0; nf < N * Cout; nf++) z.fill(bias.data[nf % Cout], nf * P, (nf + 1) * P);
  const cols = allocate(input.dtype as FloatDType, K * P);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      im2col(input.data as FloatArray, n, g, geom, cols);
      const Wg = w.subarray(g * CoutG * K, (g + 1) * CoutG * K);
      const Zg = z.subarray((n * Cout + g * CoutG) * P, (n * Cout + (g + 1) * CoutG) * P);
      gemm(false, false, CoutG, P, K, 1, Wg, K, cols, P, bias ? 1 : 0, Zg, P);
    }
  }
  return new Tensor(z, outputShape);
}

/**
 * The backward of conv2d as im2col/col2im + GEMM: the same arguments and
 * results as `conv2dBackward` in ./conv2d.ts (∂L/∂input, ∂L/∂weight and, when
 * `bias` is given, ∂L/∂bias), computed as in the file comment.
 */
export function conv2dIm2colBackward(dz: Tensor, input: Tensor, weight: Tensor, bias?: Tensor, options: Conv2dOpOptions = {}): ConvGrads {
  const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, conv2dAttrs(options));
  const g0 = checkUpstream("conv2d", dz, outputShape, input);
  const { N, groups, Cout } = geom;
  const dtype = input.dtype as FloatDType;
  const K = im2colRows(geom), P = im2colColumns(geom), CoutG = Cout / groups;
  const w = weight.data as FloatArray;
  const da = allocate(dtype, input.size);
  const dw = allocate(dtype, weight.size);
  const cols = allocate(dtype, K * P);
  const dcols = allocate(dtype, K * P);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const Wg = w.subarray(g * CoutG * K, (g + 1) * CoutG * K);
      const dWg = dw.subarray(g * CoutG * K, (g + 1) * CoutG * K);
      const dZg = g0.subarray((n * Cout + g * CoutG) * P, (n * Cout + (g + 1) * CoutG) * P);
      // dW_g += dZ_g · colsᵀ   (β = 0 for the first image overwrites, then accumulates)
      im2col(input.data as FloatArray, n, g, geom, cols);
      gemm(false, true, CoutG, K, P, 1, dZg, P, cols, P, n === 0 ? 0 : 1, dWg, K);
      // dcols = W_gᵀ · dZ_g, then back onto the image
      gemm(true, false, K, P, CoutG, 1, Wg, K, dZg, P, 0, dcols, P);
      col2im(dcols, n, g, geom, da);
    }
  }
  const grads: ConvGrads = { input: new Tensor(da, input.shape), weight: new Tensor(dw, weight.shape) };
  if (bias) grads.bias = new Tensor(convBiasGrad(g0, N, Cout, P, dtype), bias.shape);
  return grads;
}
