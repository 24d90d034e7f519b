// conv2d forward (see ./conv_geometry.ts for the column matrix and the paths).

import { MR, NR, microkernel, microkernelIndirectB, packA } from "./gemm";
import { ConvGeometry, convK, isFlat, paddedCols, paddedColsF64, paddedRows, paddedRowsF64, panelsOf, readsInPlace } from "./conv_geometry";
import { im2colPanel, padImage, tapOffsets } from "./conv_panels";

/** K block of the conv GEMMs: a B panel of CONV_DEPTH_BLOCK·NR floats (16 KB) stays in L1. */
const CONV_DEPTH_BLOCK: i32 = 512;
/** The forward reads im2col in place when at most this many A panels share a B panel. */
const DIRECT_MAX_PANELS: i32 = 8;

/**
 * Bytes of scratch `conv2dForward` needs. Computed in f64 (as are the other
 * scratch sizes): a large padding made the i32 product wrap to a negative or a
 * too small size. The JS side runs the reference when the sum does not fit
 * the arena.
 */
export function conv2dForwardScratchBytes(geom: usize): f64 {
  const g = changetype<ConvGeometry>(geom);
  const K = <f64>convK(geom);
  const CinG = <f64>(g.Cin / g.groups), CoutG = g.Cout / g.groups;
  const packedW = <f64>g.groups * <f64>(panelsOf(CoutG, MR) * MR) * K;
  // Only the direct path (`forwardIsDirect`) needs a padded image; the other one, one im2col panel.
  const padded = forwardIsDirect(g) ? CinG * paddedRowsF64(g) * paddedColsF64(g) + NR : 0; // + NR: the last chunk's spare lanes read past the image
  return (packedW + K + max(padded, K * NR) + 4) * 4;
}

/**
 * Whether the forward reads im2col in place (stride 1 along W, and few A
 * panels per B panel or a 1×1 flat shape; see `conv2dForward`).
 */
function forwardIsDirect(g: ConvGeometry): bool {
  return g.strideW == 1 && (panelsOf(g.Cout / g.groups, MR) <= DIRECT_MAX_PANELS || isFlat(g, paddedRows(g), paddedCols(g)));
}

/**
 * z ← conv2d(a, w) + bias: a [N, Cin, H, W], w [Cout, Cin/groups, kh, kw],
 * bias [Cout] (pointer 0 for none), z [N, Cout, Hout, Wout]. Per image and
 * group Z_g = W_g · cols: with stride 1 along W straight from a padded copy
 * of the image (`microkernelIndirectB`), otherwise one packed im2col panel
 * at a time (`im2colPanel`). Reads up to NR floats past the end of `a`.
 */
export function conv2dForward(geom: usize, a: usize, w: usize, bias: usize, z: usize, scratch: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const groups = g.groups;
  const CinG = g.Cin / groups, CoutG = g.Cout / groups;
  const P = g.Hout * g.Wout;
  const Hp = paddedRows(g), Wp = paddedCols(g);
  const panelsA = panelsOf(CoutG, MR);
  const groupA = <usize>(panelsA * MR * K) * 4;
  const packedW = scratch;
  const offsets = packedW + <usize>groups * groupA;
  const images = offsets + <usize>(K + 4) * 4; // a padded image, or one im2col panel
  for (let gi = 0; gi < groups; gi++) {
    packA(false, CoutG, K, w + <usize>(gi * CoutG * K) * 4, K, 0, 0, packedW + <usize>gi * groupA);
  }
  // Direct when few A panels share each B panel; with many, one packed
  // im2col panel in L1 serves them all better than reading K scattered rows
  // of the image per panel (measured: VGG-like, 16 panels, K = 576: 36 vs 23
  // GFLOP/s; LeNet conv2, 4 panels: 40 vs 32 the other way).
  const flatShape = isFlat(g, Hp, Wp);
  const direct = forwardIsDirect(g);
  // 1×1, stride 1, no padding: the image is the column matrix; all of it is one "row".
  const flat = direct && flatShape;
  const outRows = flat ? 1 : g.Hout, outCols = flat ? P : g.Wout;
  // No padding and windows inside the image: read the image itself, rows W apart.
  const inPlace = readsInPlace(g, Hp, Wp);
  const rowsImg = inPlace ? g.H : Hp, colsImg = inPlace ? g.W : Wp;
  if (direct) tapOffsets(geom, rowsImg, colsImg, offsets);
  for (let n = 0; n < g.N; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const ag = a + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4;
      const zg = z + <usize>((n * g.Cout + gi * CoutG) * P) * 4;
      if (bias != 0) fillBias(zg, bias + <usize>(gi * CoutG) * 4, CoutG, P);
      const wg = packedW + <usize>gi * groupA;
      if (direct) {
        let img = ag;
        if (!inPlace) {
          padImage(ag, CinG, g.H, g.W, images, Hp, Wp, g.padTop, g.padLeft);
          img = images;
        }
        for (let i = 0; i < outRows; i++) {
          for (let j0 = 0; j0 < outCols; j0 += NR) {
            const width = min(NR, outCols - j0);
            const base = img + <usize>((i * g.strideH * colsImg + j0) * 4);
            const zTile = zg + <usize>((i * outCols + j0) * 4);
            for (let pc = 0; pc < K; pc += CONV_DEPTH_BLOCK) {
              const kc = min(CONV_DEPTH_BLOCK, K - pc);
              const beta: f32 = pc == 0 && bias == 0 ? 0 : 1;
              for (let ip = 0; ip < panelsA; ip++) {
                microkernelIndirectB(kc, wg + <usize>(ip * K + pc) * MR * 4, base, offsets + <usize>pc * 4,
                  zTile + <usize>(ip * MR * P) * 4, P, 1, beta, min(MR, CoutG - ip * MR), width);
              }
            }
          }
        }
      } else {
        for (let j0 = 0; j0 < P; j0 += NR) {
          const width = min(NR, P - j0);
          im2colPanel(geom, ag, j0, width, images);
          for (let pc = 0; pc < K; pc += CONV_DEPTH_BLOCK) {
            const kc = min(CONV_DEPTH_BLOCK, K - pc);
            const beta: f32 = pc == 0 && bias == 0 ? 0 : 1;
            for (let ip = 0; ip < panelsA; ip++) {
              microkernel(kc, wg + <usize>(ip * K + pc) * MR * 4, images + <usize>pc * NR * 4,
                zg + <usize>(ip * MR * P + j0) * 4, P, 1, beta, min(MR, CoutG - ip * MR), width);
            }
          }
        }
      }
    }
  }
}

/** Each of the `filters` planes of P floats at `z` ← its filter's bias (`bias`: one f32 per filter). */
function fillBias(z: usize, bias: usize, filters: i32, P: i32): void {
  for (let f = 0; f < filters; f++) {
    const v = f32x4.splat(load<f32>(bias + <usize>f * 4));
    const row = z + <usize>(f * P) * 4;
    let e = 0;
    for (; e + 4 <= P; e += 4) v128.store(row + <usize>e * 4, v);
    for (; e < P; e++) store<f32>(row + <usize>e * 4, f32x4.extract_lane(v, 0));
  }
}
