// conv2d weight gradient (see ./conv_geometry.ts for the column matrix and the paths).

import { MR, NR, microkernel, packA, packB } from "./gemm";
import { ConvGeometry, convK, isFlat, paddedColsF64, paddedCols, paddedRowsF64, paddedRows, panelsOf, readsInPlace } from "./conv_geometry";
import { im2colRowsPanel, padImage, tapOffsets } from "./conv_panels";

/** Pixel block of the weight gradient (depth of its GEMM). */
const CONV_PIXEL_BLOCK: i32 = 256;

/**
 * Which weight-gradient path (measured, kernel alone, GFLOP/s):
 *  - tiles (`weightGradTiles`): stride 1 along W, at least one full panel of
 *    NR filters, not a 1×1 stride-1 layer — LeNet conv2 27 → 31, VGG-like
 *    38 → 42 over the dot products; with 6 filters (LeNet conv1) 19 vs 24,
 *    and on the 1×1 layer its transposing of dz costs more than it saves;
 *  - dot products (`weightGradDot`): stride 1 along W, Wout a multiple of 4;
 *  - otherwise a GEMM over packed colsᵀ panels.
 */
function tilesApply(g: ConvGeometry): bool {
  return g.strideW == 1 && g.Cout / g.groups >= NR && !isFlat(g, paddedRows(g), paddedCols(g));
}

/**
 * The direct weight gradient applies with stride 1 along W and whole f32x4
 * vectors per output row (Wout a multiple of 4).
 */
function dotApplies(g: ConvGeometry): bool {
  return g.strideW == 1 && g.Wout % 4 == 0;
}

/** Bytes of scratch `conv2dBackwardWeight` needs. */
export function conv2dBackwardWeightScratchBytes(geom: usize): f64 {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const CinG = g.Cin / g.groups, CoutG = g.Cout / g.groups;
  const images = <f64>g.N * <f64>CinG * paddedRowsF64(g) * paddedColsF64(g);
  const pixels = <f64>g.N * <f64>g.Hout * <f64>g.Wout;
  if (tilesApply(g)) return (<f64>K + 4 + images + <f64>(panelsOf(CoutG, NR) * NR) * pixels) * 4;
  if (dotApplies(g)) return (<f64>K + 4 + images) * 4;
  const pc = <f64>min(<f64>CONV_PIXEL_BLOCK, <f64>g.Hout * <f64>g.Wout);
  return (<f64>(panelsOf(CoutG, MR) * MR) * pc + <f64>(panelsOf(K, NR) * NR) * pc) * 4;
}

/** Sum of the four lanes. */
@inline
function lanesSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * dw ← ∂L/∂w of conv2d given dz = ∂L/∂z [N, Cout, Hout, Wout] and a:
 * dW_g[f, k] = Σ_n Σ_p dZ_g[f, p] · cols[k, p], by one of three paths
 * (`tilesApply`): register tiles over all pixels, dot products over pixels
 * (4 filters × 2 rows of cols at a time), both reading cols in place from
 * the (padded) images; or a GEMM over packed panels of colsᵀ, the sum over
 * pixels cut into blocks of CONV_PIXEL_BLOCK. Overwrites dw [Cout, Cin/groups, kh, kw].
 */
export function conv2dBackwardWeight(geom: usize, dz: usize, a: usize, dw: usize, scratch: usize): void {
  conv2dBackwardWeightColumns(geom, dz, a, dw, scratch, 0, convK(geom));
}

/**
 * `conv2dBackwardWeight` for the columns kBegin … kEnd−1 of dW_g (kBegin a
 * multiple of NR, kEnd ≤ K; each group's same columns): the other columns
 * of dw are not written. Every element is computed by the same instructions
 * as in the whole call, so threads that take disjoint column ranges
 * (src/backend/parallel_kernels.ts) give the same bits as one thread.
 */
export function conv2dBackwardWeightColumns(geom: usize, dz: usize, a: usize, dw: usize, scratch: usize, kBegin: i32, kEnd: i32): void {
  const g = changetype<ConvGeometry>(geom);
  if (tilesApply(g)) {
    weightGradTiles(g, dz, a, dw, scratch, kBegin, kEnd);
    return;
  }
  if (dotApplies(g)) {
    weightGradDot(g, dz, a, dw, scratch, kBegin, kEnd);
    return;
  }
  const K = convK(geom);
  const groups = g.groups;
  const CinG = g.Cin / groups, CoutG = g.Cout / groups;
  const P = g.Hout * g.Wout;
  const panelsM = panelsOf(CoutG, MR);
  const panelsN = panelsOf(kEnd, NR);
  const pcMax = min(CONV_PIXEL_BLOCK, P);
  const packedDZ = scratch;
  const packedCols = scratch + <usize>(panelsM * MR * pcMax) * 4;
  for (let gi = 0; gi < groups; gi++) {
    const dwg = dw + <usize>(gi * CoutG * K) * 4;
    let first = true;
    for (let n = 0; n < g.N; n++) {
      const ag = a + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4;
      const dzg = dz + <usize>((n * g.Cout + gi * CoutG) * P) * 4;
      for (let p0 = 0; p0 < P; p0 += CONV_PIXEL_BLOCK) {
        const pc = min(CONV_PIXEL_BLOCK, P - p0);
        packA(false, CoutG, pc, dzg, P, 0, p0, packedDZ);
        for (let jp = kBegin / NR; jp < panelsN; jp++) {
          im2colRowsPanel(geom, ag, jp * NR, min(NR, kEnd - jp * NR), p0, pc, packedCols + <usize>(jp * pc * NR) * 4);
        }
        const beta: f32 = first ? 0 : 1;
        for (let jp = kBegin / NR; jp < panelsN; jp++) {
          const pb = packedCols + <usize>(jp * pc * NR) * 4;
          const nr = min(NR, kEnd - jp * NR);
          for (let ip = 0; ip < panelsM; ip++) {
            microkernel(pc, packedDZ + <usize>(ip * pc * MR) * 4, pb, dwg + <usize>(ip * MR * K + jp * NR) * 4, K, 1, beta, min(MR, CoutG - ip * MR), nr);
          }
        }
        first = false;
      }
    }
  }
}

/** The dot-product weight gradient (see conv2dBackwardWeight). */
function weightGradDot(g: ConvGeometry, dz: usize, a: usize, dw: usize, scratch: usize, kBegin: i32, kEnd: i32): void {
  const K = convK(changetype<usize>(g));
  const CoutG = g.Cout / g.groups;
  const P = g.Hout * g.Wout;
  const offsets = scratch;
  const colsImg = directTapOffsets(g, offsets);
  const rowBytes = <usize>(g.Wout * 4);
  const rowStep = <usize>(g.strideH * colsImg * 4);
  const planeBytes = <usize>(P * 4);
  const image = groupImageBytes(g);
  for (let gi = 0; gi < g.groups; gi++) {
    // Image n of this group starts at padded + n·image (a padded copy), or in a itself.
    const padded = groupImages(g, a, gi, scratch + <usize>(K + 4) * 4);
    for (let f0 = 0; f0 < CoutG; f0 += 4) {
      // Rows past CoutG repeat the last filter (computed, not stored): no branches inside.
      const f1 = min(f0 + 1, CoutG - 1), f2 = min(f0 + 2, CoutG - 1), f3 = min(f0 + 3, CoutG - 1);
      for (let k0 = kBegin; k0 < kEnd; k0 += 2) {
        const k1 = min(k0 + 1, kEnd - 1);
        const off0 = <usize>load<u32>(offsets + <usize>k0 * 4), off1 = <usize>load<u32>(offsets + <usize>k1 * 4);
        let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
        let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
        for (let n = 0; n < g.N; n++) {
          const dzg = dz + <usize>((n * g.Cout + gi * CoutG) * P) * 4;
          let d0 = dzg + <usize>f0 * planeBytes, d1 = dzg + <usize>f1 * planeBytes;
          let d2 = dzg + <usize>f2 * planeBytes, d3 = dzg + <usize>f3 * planeBytes;
          let x0 = padded + <usize>n * image + off0, x1 = padded + <usize>n * image + off1;
          for (let i = 0; i < g.Hout; i++) {
            for (let j: usize = 0; j < rowBytes; j += 16) {
              const b0 = v128.load(x0 + j), b1 = v128.load(x1 + j);
              const a0 = v128.load(d0 + j);
              s00 = f32x4.add(s00, f32x4.mul(a0, b0));
              s01 = f32x4.add(s01, f32x4.mul(a0, b1));
              const a1 = v128.load(d1 + j);
              s10 = f32x4.add(s10, f32x4.mul(a1, b0));
              s11 = f32x4.add(s11, f32x4.mul(a1, b1));
              const a2 = v128.load(d2 + j);
              s20 = f32x4.add(s20, f32x4.mul(a2, b0));
              s21 = f32x4.add(s21, f32x4.mul(a2, b1));
              const a3 = v128.load(d3 + j);
              s30 = f32x4.add(s30, f32x4.mul(a3, b0));
              s31 = f32x4.add(s31, f32x4.mul(a3, b1));
            }
            d0 += rowBytes; d1 += rowBytes; d2 += rowBytes; d3 += rowBytes;
            x0 += rowStep; x1 += rowStep;
          }
        }
        const row = dw + <usize>((gi * CoutG + f0) * K + k0) * 4;
        const kBytes = <usize>K * 4;
        const two = k0 + 1 < kEnd;
        store<f32>(row, lanesSum(s00));
        if (two) store<f32>(row, lanesSum(s01), 4);
        if (f0 + 1 < CoutG) { store<f32>(row + kBytes, lanesSum(s10)); if (two) store<f32>(row + kBytes, lanesSum(s11), 4); }
        if (f0 + 2 < CoutG) { store<f32>(row + 2 * kBytes, lanesSum(s20)); if (two) store<f32>(row + 2 * kBytes, lanesSum(s21), 4); }
        if (f0 + 3 < CoutG) { store<f32>(row + 3 * kBytes, lanesSum(s30)); if (two) store<f32>(row + 3 * kBytes, lanesSum(s31), 4); }
      }
    }
  }
}

/**
 * The weight gradient as dW_gᵀ = cols · dZ_gᵀ with the whole sum over images
 * and pixels in registers: a tile is 4 rows of cols (taps, read in place
 * from the image with `v128.load32_splat`, one pointer each, advancing one
 * pixel per step) × 8 filters (a panel of dZ_gᵀ packed pixel-major), stored
 * once, transposed, at the end. Stride 1 along W.
 */
function weightGradTiles(g: ConvGeometry, dz: usize, a: usize, dw: usize, scratch: usize, kBegin: i32, kEnd: i32): void {
  const K = convK(changetype<usize>(g));
  const CoutG = g.Cout / g.groups;
  const P = g.Hout * g.Wout;
  const offsets = scratch;
  const colsImg = directTapOffsets(g, offsets);
  const paddedArea = scratch + <usize>(K + 4) * 4;
  const panelsF = panelsOf(CoutG, NR);
  const packedDZ = paddedArea + <usize>(g.N * (g.Cin / g.groups) * paddedRows(g) * paddedCols(g)) * 4;
  const panelBytes = <usize>(g.N * P * NR) * 4;
  const rowStep = <usize>(g.strideH * colsImg) * 4;
  const image = groupImageBytes(g);
  for (let gi = 0; gi < g.groups; gi++) {
    const images = groupImages(g, a, gi, paddedArea);
    packFilterPanels(g, dz, gi, packedDZ);
    for (let k0 = kBegin; k0 < kEnd; k0 += 4) {
      // Taps past kEnd repeat the last one (computed, not stored): no branches inside.
      const o0 = <usize>load<u32>(offsets + <usize>k0 * 4);
      const o1 = <usize>load<u32>(offsets + <usize>min(k0 + 1, kEnd - 1) * 4);
      const o2 = <usize>load<u32>(offsets + <usize>min(k0 + 2, kEnd - 1) * 4);
      const o3 = <usize>load<u32>(offsets + <usize>min(k0 + 3, kEnd - 1) * 4);
      for (let jp = 0; jp < panelsF; jp++) {
        let pb = packedDZ + <usize>jp * panelBytes;
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        for (let n = 0; n < g.N; n++) {
          let rowBase = images + <usize>n * image;
          for (let i = 0; i < g.Hout; i++) {
            let x0 = rowBase + o0, x1 = rowBase + o1, x2 = rowBase + o2, x3 = rowBase + o3;
            const end = pb + <usize>(g.Wout * NR) * 4;
            while (pb < end) {
              const b0 = v128.load(pb);
              const b1 = v128.load(pb, 16);
              const a0 = v128.load32_splat(x0);
              c00 = f32x4.add(c00, f32x4.mul(a0, b0));
              c01 = f32x4.add(c01, f32x4.mul(a0, b1));
              const a1 = v128.load32_splat(x1);
              c10 = f32x4.add(c10, f32x4.mul(a1, b0));
              c11 = f32x4.add(c11, f32x4.mul(a1, b1));
              const a2 = v128.load32_splat(x2);
              c20 = f32x4.add(c20, f32x4.mul(a2, b0));
              c21 = f32x4.add(c21, f32x4.mul(a2, b1));
              const a3 = v128.load32_splat(x3);
              c30 = f32x4.add(c30, f32x4.mul(a3, b0));
              c31 = f32x4.add(c31, f32x4.mul(a3, b1));
              x0 += 4; x1 += 4; x2 += 4; x3 += 4;
              pb += NR * 4;
            }
            rowBase += rowStep;
          }
        }
        // Lane l of c_r0 / c_r1 is dW[gi·CoutG + jp·NR + l (+4), k0 + r].
        const f0 = gi * CoutG + jp * NR;
        const fEnd = gi * CoutG + CoutG;
        storeTapColumn(dw, K, f0, fEnd, k0, c00, c01);
        if (k0 + 1 < kEnd) storeTapColumn(dw, K, f0, fEnd, k0 + 1, c10, c11);
        if (k0 + 2 < kEnd) storeTapColumn(dw, K, f0, fEnd, k0 + 2, c20, c21);
        if (k0 + 3 < kEnd) storeTapColumn(dw, K, f0, fEnd, k0 + 3, c30, c31);
      }
    }
  }
}

/** dw[f, k] ← lanes of (lo, hi) for filters f0 … f0+7 below fEnd (dw rows K apart). */
@inline
function storeTapColumn(dw: usize, K: i32, f0: i32, fEnd: i32, k: i32, lo: v128, hi: v128): void {
  const at = dw + <usize>(f0 * K + k) * 4;
  const step = <usize>K * 4;
  const n = fEnd - f0;
  store<f32>(at, f32x4.extract_lane(lo, 0));
  if (n > 1) store<f32>(at + step, f32x4.extract_lane(lo, 1));
  if (n > 2) store<f32>(at + 2 * step, f32x4.extract_lane(lo, 2));
  if (n > 3) store<f32>(at + 3 * step, f32x4.extract_lane(lo, 3));
  if (n > 4) store<f32>(at + 4 * step, f32x4.extract_lane(hi, 0));
  if (n > 5) store<f32>(at + 5 * step, f32x4.extract_lane(hi, 1));
  if (n > 6) store<f32>(at + 6 * step, f32x4.extract_lane(hi, 2));
  if (n > 7) store<f32>(at + 7 * step, f32x4.extract_lane(hi, 3));
}

/**
 * The direct paths' table of K tap offsets (`tapOffsets`) at `offsets`, into
 * the image itself when `readsInPlace`, else into its padded copy; returns
 * the length of an image row there.
 */
function directTapOffsets(g: ConvGeometry, offsets: usize): i32 {
  const Hp = paddedRows(g), Wp = paddedCols(g);
  const inPlace = readsInPlace(g, Hp, Wp);
  const colsImg = inPlace ? g.W : Wp;
  tapOffsets(changetype<usize>(g), inPlace ? g.H : Hp, colsImg, offsets);
  return colsImg;
}

/** Bytes from one image of a group to the next as `groupImages` lays them out. */
@inline
function groupImageBytes(g: ConvGeometry): usize {
  const Hp = paddedRows(g), Wp = paddedCols(g);
  return readsInPlace(g, Hp, Wp) ? <usize>(g.Cin * g.H * g.W) * 4 : <usize>((g.Cin / g.groups) * Hp * Wp) * 4;
}

/**
 * Where image 0 of group gi starts for the direct paths (images
 * `groupImageBytes` apart): in `a` itself when `readsInPlace`, otherwise in the
 * zero-padded copies [N][Cin/groups, Hp, Wp] this writes at `paddedArea`.
 */
function groupImages(g: ConvGeometry, a: usize, gi: i32, paddedArea: usize): usize {
  const CinG = g.Cin / g.groups;
  const Hp = paddedRows(g), Wp = paddedCols(g);
  if (readsInPlace(g, Hp, Wp)) return a + <usize>(gi * CinG * g.H * g.W) * 4;
  const image = groupImageBytes(g);
  for (let n = 0; n < g.N; n++) {
    padImage(a + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4, CinG, g.H, g.W, paddedArea + <usize>n * image, Hp, Wp, g.padTop, g.padLeft);
  }
  return paddedArea;
}

/**
 * dZ_gᵀ of group gi packed for `weightGradTiles` at `dst`: panel jp
 * (N·P·NR floats), pixel n·P + p, lane l ← dz[n, gi·CoutG + jp·NR + l, p]
 * (zero past CoutG).
 */
function packFilterPanels(g: ConvGeometry, dz: usize, gi: i32, dst: usize): void {
  const CoutG = g.Cout / g.groups;
  const P = g.Hout * g.Wout;
  const panelBytes = <usize>(g.N * P * NR) * 4;
  for (let jp = 0; jp < panelsOf(CoutG, NR); jp++) {
    const width = min(NR, CoutG - jp * NR);
    for (let n = 0; n < g.N; n++) {
      const src = dz + <usize>((n * g.Cout + gi * CoutG + jp * NR) * P) * 4;
      packB(true, P, width, src, P, 0, 0, dst + <usize>jp * panelBytes + <usize>(n * P * NR) * 4);
    }
  }
}
