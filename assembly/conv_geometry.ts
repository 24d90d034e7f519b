// conv2d (NCHW, f32) forward and both backward passes as im2col/col2im + the
// GEMM microkernel. The column matrix of image n and group g is the one of
// src/ops/im2col.ts (its readable form):
//
//   cols [K = Cin/groups·kh·kw, P = Hout·Wout]
//   row (c·kh + x)·kw + y, column i·Wout + j,
//   entry a[n, g·Cin/groups + c, i·sH − padTop + x·dH, j·sW − padLeft + y·dW] (0 in the padding)
//
// The kernels never build the whole column matrix. General form: one packed
// panel of it at a time, exactly what `packB` would make of the full matrix,
// run through the microkernel while it is in L1:
//   forward  Z_g = W_g · cols          B panel = NR columns of cols      (im2colPanel)
//   input    dcols = W_gᵀ · dZ_g       C tile columns go back by col2im  (col2imPanel)
//   weight   dW_g += dZ_g · colsᵀ      B panel = NR rows of cols          (im2colRowsPanel)
// With stride 1 along W (the common case) the column matrix is read or
// written in place in the image instead — one output row's pixels are
// consecutive there — through a table of K byte offsets (`tapOffsets`):
// the forward's B panel rows, the input gradient's C tile rows, and the
// weight gradient's A rows come straight from (or go straight to) a padded
// image, or the input itself when no window reaches into padding.
//
// This file: the geometry record the JS side writes, and the sizes derived
// from it. The panels are in ./conv_panels.ts, the three passes in
// ./conv_forward.ts, ./conv_input_grad.ts and ./conv_weight_grad.ts.

/**
 * One convolution's geometry, laid out as 16 consecutive i32 in memory (the
 * JS side writes it; `writeGeometry` in src/backend/kernels/conv2d.ts has the same order).
 */
@unmanaged
export class ConvGeometry {
  N: i32;
  Cin: i32;
  H: i32;
  W: i32;
  Cout: i32;
  kh: i32;
  kw: i32;
  Hout: i32;
  Wout: i32;
  strideH: i32;
  strideW: i32;
  dilationH: i32;
  dilationW: i32;
  padTop: i32;
  padLeft: i32;
  groups: i32;
}

/** K = Cin/groups · kh · kw: rows of the column matrix. */
export function convK(geom: usize): i32 {
  const g = changetype<ConvGeometry>(geom);
  return (g.Cin / g.groups) * g.kh * g.kw;
}

/** Number of panels of `width` for `rows` rows. */
@inline
export function panelsOf(rows: i32, width: i32): i32 {
  return (rows + width - 1) / width;
}

// Sizes of the zero-padded image the direct paths read (./conv_panels.ts).

/** Rows of the zero-padded image: exactly the rows the output's windows cover. */
@inline
export function paddedRows(g: ConvGeometry): i32 {
  return (g.Hout - 1) * g.strideH + g.dilationH * (g.kh - 1) + 1;
}

/** Columns of the zero-padded image. */
@inline
export function paddedCols(g: ConvGeometry): i32 {
  return (g.Wout - 1) * g.strideW + g.dilationW * (g.kw - 1) + 1;
}

/** `paddedRows` in f64, for the scratch sizes (no i32 overflow whatever the geometry). */
@inline
export function paddedRowsF64(g: ConvGeometry): f64 {
  return <f64>(g.Hout - 1) * <f64>g.strideH + <f64>g.dilationH * <f64>(g.kh - 1) + 1;
}

/** `paddedCols` in f64. */
@inline
export function paddedColsF64(g: ConvGeometry): f64 {
  return <f64>(g.Wout - 1) * <f64>g.strideW + <f64>g.dilationW * <f64>(g.kw - 1) + 1;
}

/** 1×1 kernel, stride 1, no padding: the image is its own column matrix, contiguous over all pixels. */
@inline
export function isFlat(g: ConvGeometry, Hp: i32, Wp: i32): bool {
  return g.kh == 1 && g.kw == 1 && g.strideH == 1 && g.strideW == 1 && Hp == g.H && Wp == g.W && g.padTop == 0 && g.padLeft == 0;
}

/**
 * No padding and every window inside the image: the direct paths read the
 * image itself (rows W apart) instead of a padded copy. The forward then
 * reads up to NR floats past the image's end (lanes it discards), so callers
 * leave that much room after the input.
 */
@inline
export function readsInPlace(g: ConvGeometry, Hp: i32, Wp: i32): bool {
  return g.padTop == 0 && g.padLeft == 0 && Hp <= g.H && Wp <= g.W;
}
