// conv2d input gradient (see ./conv_geometry.ts for the column matrix and the paths).

import { MR, NR, microkernel, microkernelScatterC, packA, packB } from "./gemm";
import { ConvGeometry, convK, isFlat, paddedColsF64, paddedCols, paddedRowsF64, paddedRows, panelsOf } from "./conv_geometry";
import { col2imPanel, unpadImage } from "./conv_panels";

/** Bytes of scratch `conv2dBackwardInput` needs. */
export function conv2dBackwardInputScratchBytes(geom: usize): f64 {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const CinG = <f64>(g.Cin / g.groups), CoutG = <f64>(g.Cout / g.groups);
  const rowsK = <f64>(panelsOf(K, MR) * MR);
  const common = <f64>g.groups * rowsK * CoutG + CoutG * NR;
  if (g.strideW == 1) return (common + 2 * rowsK + 8 + CinG * paddedRowsF64(g) * paddedColsF64(g) + NR) * 4;
  return (common + rowsK * NR) * 4;
}

/**
 * da ← ∂L/∂a of conv2d given dz = ∂L/∂z [N, Cout, Hout, Wout] and w: per
 * image and group dcols = W_gᵀ · dZ_g, NR columns at a time, and col2im of
 * those columns onto da [N, Cin, H, W]. With stride 1 along W col2im is fused
 * into the microkernel's store (`microkernelScatterC` adds each tile row onto
 * a padded image, cropped into da at the end); otherwise the tile goes to a
 * small dcols panel and `col2imPanel` adds it back. Overwrites da.
 * (Measured and dropped: for stride 1, running this as the forward
 * convolution of dz with flipped, channel-swapped weights was slower on
 * every benchmark shape — 10 vs 22 GFLOP/s on LeNet conv2, 22 vs 36 on the
 * VGG-like layer.)
 */
export function conv2dBackwardInput(geom: usize, dz: usize, w: usize, da: usize, scratch: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const groups = g.groups;
  const CinG = g.Cin / groups, CoutG = g.Cout / groups;
  const P = g.Hout * g.Wout;
  const panelsK = panelsOf(K, MR);
  const groupA = <usize>(panelsK * MR * CoutG) * 4;
  const packedWT = scratch;
  const panelDZ = scratch + <usize>groups * groupA;
  const rest = panelDZ + <usize>(CoutG * NR) * 4;
  if (g.strideW == 1) {
    const Hp = paddedRows(g), Wp = paddedCols(g);
    const order = rest;
    const offsets = order + <usize>(panelsK * MR + 4) * 4;
    const padded = offsets + <usize>(panelsK * MR + 4) * 4;
    scatterOrder(g, Hp, Wp, order, offsets);
    for (let gi = 0; gi < groups; gi++) {
      packWeightsInOrder(g, w + <usize>(gi * CoutG * K) * 4, order, packedWT + <usize>gi * groupA);
    }
    // 1×1, stride 1, no padding: all pixels are one "row" (as in the forward).
    const flat = isFlat(g, Hp, Wp);
    const outRows = flat ? 1 : g.Hout, outCols = flat ? P : g.Wout;
    for (let n = 0; n < g.N; n++) {
      for (let gi = 0; gi < groups; gi++) {
        const dzg = dz + <usize>((n * g.Cout + gi * CoutG) * P) * 4;
        const wt = packedWT + <usize>gi * groupA;
        memory.fill(padded, 0, <usize>(CinG * Hp * Wp + NR) * 4);
        for (let i = 0; i < outRows; i++) {
          for (let j0 = 0; j0 < outCols; j0 += NR) {
            const width = min(NR, outCols - j0);
            packB(false, CoutG, width, dzg, P, 0, i * outCols + j0, panelDZ);
            const base = padded + <usize>((i * g.strideH * Wp + j0) * 4);
            for (let ip = 0; ip < panelsK; ip++) {
              microkernelScatterC(CoutG, wt + <usize>(ip * CoutG * MR) * 4, panelDZ, base, offsets + <usize>(ip * MR) * 4, min(MR, K - ip * MR), width);
            }
          }
        }
        unpadImage(padded, CinG, g.H, g.W, da + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4, Hp, Wp, g.padTop, g.padLeft);
      }
    }
    return;
  }
  for (let gi = 0; gi < groups; gi++) {
    // op(A) = W_gᵀ [K, CoutG]: element (k, f) at w[(gi·CoutG + f)·K + k].
    packA(true, K, CoutG, w + <usize>(gi * CoutG * K) * 4, K, 0, 0, packedWT + <usize>gi * groupA);
  }
  const dcols = rest;
  memory.fill(da, 0, <usize>(g.N * g.Cin * g.H * g.W) * 4);
  for (let n = 0; n < g.N; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const dag = da + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4;
      const dzg = dz + <usize>((n * g.Cout + gi * CoutG) * P) * 4;
      const wt = packedWT + <usize>gi * groupA;
      for (let j0 = 0; j0 < P; j0 += NR) {
        const width = min(NR, P - j0);
        packB(false, CoutG, width, dzg, P, 0, j0, panelDZ);
        for (let ip = 0; ip < panelsK; ip++) {
          microkernel(CoutG, wt + <usize>(ip * CoutG * MR) * 4, panelDZ, dcols + <usize>(ip * MR * NR) * 4, NR, 1, 0, MR, NR);
        }
        col2imPanel(geom, dcols, j0, width, dag);
      }
    }
  }
}

/**
 * The rows of dcols in the order (y, x, c): `order` gets the K row indices
 * (c·kh + x)·kw + y, `offsets` their byte offsets in a padded image
 * [Cin/groups, Hp, Wp] (as `tapOffsets`, in this order). The 4 rows of a
 * tile then land in different channels or image rows, so adding one row
 * never reads what the previous row's store just wrote (a store-forwarding
 * stall: taps y and y + 1 of one channel and row overlap by 7 floats).
 */
function scatterOrder(g: ConvGeometry, Hp: i32, Wp: i32, order: usize, offsets: usize): void {
  const CinG = g.Cin / g.groups;
  let i = 0;
  for (let y = 0; y < g.kw; y++) {
    for (let x = 0; x < g.kh; x++) {
      for (let c = 0; c < CinG; c++) {
        const k = (c * g.kh + x) * g.kw + y;
        store<u32>(order + <usize>i * 4, k);
        store<u32>(offsets + <usize>i * 4, <u32>(((c * Hp + x * g.dilationH) * Wp + y * g.dilationW) * 4));
        i++;
      }
    }
  }
}

/**
 * Packs W_gᵀ [K, CoutG] (`wg`: group g's filters) into MR-row panels at `dst`
 * with its rows in `order` (`scatterOrder`): panel ip, depth f, lane r ←
 * W_gᵀ[order[ip·MR + r], f] = wg[f·K + order[…]], zero past K.
 */
function packWeightsInOrder(g: ConvGeometry, wg: usize, order: usize, dst: usize): void {
  const K = convK(changetype<usize>(g));
  const CoutG = g.Cout / g.groups;
  if (g.kh * g.kw == 1) { // one tap: the order is the identity
    packA(true, K, CoutG, wg, K, 0, 0, dst);
    return;
  }
  const panelsK = panelsOf(K, MR);
  for (let ip = 0; ip < panelsK; ip++) {
    for (let f = 0; f < CoutG; f++) {
      for (let r = 0; r < MR; r++) {
        const row = ip * MR + r;
        const v: f32 = row < K ? load<f32>(wg + <usize>(f * K + <i32>load<u32>(order + <usize>row * 4)) * 4) : 0;
        store<f32>(dst + <usize>((ip * CoutG + f) * MR + r) * 4, v);
      }
    }
  }
}
