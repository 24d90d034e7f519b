// conv2d (NCHW, f32) forward and both backward passes as im2col/col2im + the
// GEMM microkernel. The column matrix of image n and group g is the one of
// src/ops/im2col.ts (its readable form):
//
//   cols [K = Cin/groups·kh·kw, P = Hout·Wout]
//   row (c·kh + x)·kw + y, column i·Wout + j,
//   entry a[n, g·Cin/groups + c, i·sH − padTop + x·dH, j·sW − padLeft + y·dW] (0 in the padding)
//
// The kernels never build the whole column matrix: they build one packed
// panel of it at a time, exactly what `packB` would make of the full matrix,
// and run the microkernel on it while it is in L1:
//   forward  Z_g = W_g · cols          B panel = NR columns of cols      (im2colPanel)
//   input    dcols = W_gᵀ · dZ_g       C tile columns go back by col2im  (col2imPanel)
//   weight   dW_g += dZ_g · colsᵀ      B panel = NR rows of cols          (im2colRowsPanel)

import { MR, NR, microkernel, packA, packB } from "./gemm";

/**
 * One convolution's geometry, laid out as 16 consecutive i32 in memory (the
 * JS side writes it; src/backend/wasm-conv.ts has the same order).
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

/** K block of the conv GEMMs: a B panel of KCONV·NR floats (16 KB) stays in L1. */
const KCONV: i32 = 512;
/** Pixel block of the weight gradient (depth of its GEMM). */
const PCONV: i32 = 256;

// Per-lane starting input row/column of the NR output pixels of a panel.
const LANE_ROW: usize = memory.data(NR * 4, 16);
const LANE_COL: usize = memory.data(NR * 4, 16);

/** K = Cin/groups · kh · kw: rows of the column matrix. */
export function convK(geom: usize): i32 {
  const g = changetype<ConvGeometry>(geom);
  return (g.Cin / g.groups) * g.kh * g.kw;
}

// Fills LANE_ROW/LANE_COL for output pixels j0 … j0+width−1 and returns
// whether the panel is one run of NR consecutive outputs of one row with
// stride 1 along W (then lane l reads column LANE_COL[0] + l + y·dW).
function laneOrigins(g: ConvGeometry, j0: i32, width: i32): bool {
  let i = j0 / g.Wout;
  let j = j0 - i * g.Wout;
  const sameRow = width == NR && j + NR <= g.Wout && g.strideW == 1;
  for (let l = 0; l < NR; l++) {
    store<i32>(LANE_ROW + <usize>l * 4, i * g.strideH - g.padTop);
    store<i32>(LANE_COL + <usize>l * 4, j * g.strideW - g.padLeft);
    if (++j == g.Wout) { j = 0; i++; }
  }
  return sameRow;
}

/**
 * Packs columns j0 … j0+width−1 (width ≤ NR) of the column matrix of one image
 * and group into one B panel [K][NR] at `dst` (lanes ≥ width are zero): what
 * `packB` makes of those columns. `a` points at channel g·Cin/groups of image n.
 */
export function im2colPanel(geom: usize, a: usize, j0: i32, width: i32, dst: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const CinG = g.Cin / g.groups;
  const H = g.H, W = g.W;
  const plane = <usize>(H * W) * 4;
  const fast = laneOrigins(g, j0, width);
  const row0 = load<i32>(LANE_ROW), col0 = load<i32>(LANE_COL);
  let out = dst;
  let channel = a;
  for (let c = 0; c < CinG; c++) {
    for (let x = 0; x < g.kh; x++) {
      const dx = x * g.dilationH;
      for (let y = 0; y < g.kw; y++) {
        const dy = y * g.dilationW;
        if (fast) {
          const r = row0 + dx, q = col0 + dy;
          if (<u32>r >= <u32>H) {
            v128.store(out, f32x4.splat(0));
            v128.store(out, f32x4.splat(0), 16);
          } else if (q >= 0 && q + NR <= W) {
            const src = channel + (<usize>r * <usize>W + <usize>q) * 4;
            v128.store(out, v128.load(src));
            v128.store(out, v128.load(src, 16), 16);
          } else {
            const src = channel + <usize>r * <usize>W * 4;
            for (let l = 0; l < NR; l++) {
              const ql = q + l;
              store<f32>(out + <usize>l * 4, <u32>ql < <u32>W ? load<f32>(src + <usize>ql * 4) : 0);
            }
          }
        } else {
          for (let l = 0; l < NR; l++) {
            const r = load<i32>(LANE_ROW + <usize>l * 4) + dx;
            const q = load<i32>(LANE_COL + <usize>l * 4) + dy;
            const inside = l < width && <u32>r < <u32>H && <u32>q < <u32>W;
            store<f32>(out + <usize>l * 4, inside ? load<f32>(channel + (<usize>r * <usize>W + <usize>q) * 4) : 0);
          }
        }
        out += NR * 4;
      }
    }
    channel += plane;
  }
}

/**
 * The adjoint of `im2colPanel`: adds the panel [K][NR] at `src` (columns
 * j0 … j0+width−1 of a column matrix) onto the pixels of one image and group
 * that im2col took them from. `a` points at channel g·Cin/groups of image n.
 */
export function col2imPanel(geom: usize, src: usize, j0: i32, width: i32, a: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const CinG = g.Cin / g.groups;
  const H = g.H, W = g.W;
  const plane = <usize>(H * W) * 4;
  const fast = laneOrigins(g, j0, width);
  const row0 = load<i32>(LANE_ROW), col0 = load<i32>(LANE_COL);
  let from = src;
  let channel = a;
  for (let c = 0; c < CinG; c++) {
    for (let x = 0; x < g.kh; x++) {
      const dx = x * g.dilationH;
      for (let y = 0; y < g.kw; y++) {
        const dy = y * g.dilationW;
        if (fast) {
          const r = row0 + dx, q = col0 + dy;
          if (<u32>r < <u32>H) {
            if (q >= 0 && q + NR <= W) {
              const dst = channel + (<usize>r * <usize>W + <usize>q) * 4;
              v128.store(dst, f32x4.add(v128.load(dst), v128.load(from)));
              v128.store(dst, f32x4.add(v128.load(dst, 16), v128.load(from, 16)), 16);
            } else {
              const dst = channel + <usize>r * <usize>W * 4;
              for (let l = 0; l < NR; l++) {
                const ql = q + l;
                if (<u32>ql < <u32>W) {
                  const p = dst + <usize>ql * 4;
                  store<f32>(p, load<f32>(p) + load<f32>(from + <usize>l * 4));
                }
              }
            }
          }
        } else {
          for (let l = 0; l < width; l++) {
            const r = load<i32>(LANE_ROW + <usize>l * 4) + dx;
            const q = load<i32>(LANE_COL + <usize>l * 4) + dy;
            if (<u32>r < <u32>H && <u32>q < <u32>W) {
              const p = channel + (<usize>r * <usize>W + <usize>q) * 4;
              store<f32>(p, load<f32>(p) + load<f32>(from + <usize>l * 4));
            }
          }
        }
        from += NR * 4;
      }
    }
    channel += plane;
  }
}

/**
 * Packs rows k0 … k0+width−1 (width ≤ NR) of the column matrix of one image
 * and group, restricted to columns p0 … p0+pc−1, into one B panel [pc][NR] of
 * colsᵀ at `dst` (lanes ≥ width are zero): what `packB` with transB makes of
 * those rows. `a` points at channel g·Cin/groups of image n.
 */
export function im2colRowsPanel(geom: usize, a: usize, k0: i32, width: i32, p0: i32, pc: i32, dst: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const H = g.H, W = g.W, Wout = g.Wout;
  const taps = g.kh * g.kw;
  if (width < NR) memory.fill(dst, 0, <usize>(pc * NR) * 4);
  const i0 = p0 / Wout;
  const j0 = p0 - i0 * Wout;
  for (let l = 0; l < width; l++) {
    const k = k0 + l;
    const c = k / taps;
    const tap = k - c * taps;
    const x = tap / g.kw;
    const y = tap - x * g.kw;
    const channel = a + <usize>(c * H * W) * 4;
    const dr = x * g.dilationH - g.padTop;
    const dq = y * g.dilationW - g.padLeft;
    let out = dst + <usize>l * 4;
    let i = i0, j = j0;
    let p = 0;
    while (p < pc) {
      // One run along output row i: columns j … end of the row or of the block.
      const run = min(Wout - j, pc - p);
      const r = i * g.strideH + dr;
      if (<u32>r >= <u32>H) {
        for (let t = 0; t < run; t++) { store<f32>(out, 0); out += NR * 4; }
      } else {
        const rowPtr = channel + <usize>r * <usize>W * 4;
        let q = j * g.strideW + dq;
        for (let t = 0; t < run; t++) {
          store<f32>(out, <u32>q < <u32>W ? load<f32>(rowPtr + <usize>q * 4) : 0);
          q += g.strideW;
          out += NR * 4;
        }
      }
      p += run;
      j = 0;
      i++;
    }
  }
}

/** Number of MR-row panels for `rows` rows. */
@inline
function panelsOf(rows: i32, width: i32): i32 {
  return (rows + width - 1) / width;
}

/** Bytes of scratch `conv2dForward` needs. */
export function conv2dForwardScratchBytes(geom: usize): i32 {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const CoutG = g.Cout / g.groups;
  return (g.groups * panelsOf(CoutG, MR) * MR * K + K * NR) * 4;
}

/**
 * z ← conv2d(a, w) + bias: a [N, Cin, H, W], w [Cout, Cin/groups, kh, kw],
 * bias [Cout] (pointer 0 for none), z [N, Cout, Hout, Wout]. Per image and
 * group: Z_g = W_g · cols, one B panel of cols at a time.
 */
export function conv2dForward(geom: usize, a: usize, w: usize, bias: usize, z: usize, scratch: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const groups = g.groups;
  const CinG = g.Cin / groups, CoutG = g.Cout / groups;
  const P = g.Hout * g.Wout;
  const panelsA = panelsOf(CoutG, MR);
  const groupA = <usize>(panelsA * MR * K) * 4;
  const packedW = scratch;
  const panelB = scratch + <usize>groups * groupA;
  for (let gi = 0; gi < groups; gi++) {
    packA(false, CoutG, K, w + <usize>(gi * CoutG * K) * 4, K, 0, 0, packedW + <usize>gi * groupA);
  }
  for (let n = 0; n < g.N; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const ag = a + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4;
      const zg = z + <usize>((n * g.Cout + gi * CoutG) * P) * 4;
      if (bias != 0) {
        for (let f = 0; f < CoutG; f++) {
          const v = f32x4.splat(load<f32>(bias + <usize>(gi * CoutG + f) * 4));
          const row = zg + <usize>(f * P) * 4;
          let e = 0;
          for (; e + 4 <= P; e += 4) v128.store(row + <usize>e * 4, v);
          for (; e < P; e++) store<f32>(row + <usize>e * 4, f32x4.extract_lane(v, 0));
        }
      }
      const wg = packedW + <usize>gi * groupA;
      for (let j0 = 0; j0 < P; j0 += NR) {
        const width = min(NR, P - j0);
        im2colPanel(geom, ag, j0, width, panelB);
        for (let pc = 0; pc < K; pc += KCONV) {
          const kc = min(KCONV, K - pc);
          const beta: f32 = pc == 0 && bias == 0 ? 0 : 1;
          for (let ip = 0; ip < panelsA; ip++) {
            microkernel(kc, wg + <usize>(ip * K + pc) * MR * 4, panelB + <usize>pc * NR * 4,
              zg + <usize>(ip * MR * P + j0) * 4, P, 1, beta, min(MR, CoutG - ip * MR), width);
          }
        }
      }
    }
  }
}

/** Bytes of scratch `conv2dBackwardInput` needs. */
export function conv2dBackwardInputScratchBytes(geom: usize): i32 {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const CoutG = g.Cout / g.groups;
  const rowsK = panelsOf(K, MR) * MR;
  return (g.groups * rowsK * CoutG + CoutG * NR + rowsK * NR) * 4;
}

/**
 * da ← ∂L/∂a of conv2d given dz = ∂L/∂z [N, Cout, Hout, Wout] and w: per
 * image and group dcols = W_gᵀ · dZ_g, made NR columns at a time and added
 * back onto da [N, Cin, H, W] by col2im. Overwrites da.
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
  const dcols = panelDZ + <usize>(CoutG * NR) * 4;
  memory.fill(da, 0, <usize>(g.N * g.Cin * g.H * g.W) * 4);
  for (let gi = 0; gi < groups; gi++) {
    // op(A) = W_gᵀ [K, CoutG]: element (k, f) at w[(gi·CoutG + f)·K + k].
    packA(true, K, CoutG, w + <usize>(gi * CoutG * K) * 4, K, 0, 0, packedWT + <usize>gi * groupA);
  }
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

/** Bytes of scratch `conv2dBackwardWeight` needs. */
export function conv2dBackwardWeightScratchBytes(geom: usize): i32 {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const CoutG = g.Cout / g.groups;
  const pc = min(PCONV, g.Hout * g.Wout);
  return (panelsOf(CoutG, MR) * MR * pc + panelsOf(K, NR) * NR * pc) * 4;
}

/**
 * dw ← ∂L/∂w of conv2d given dz = ∂L/∂z [N, Cout, Hout, Wout] and a: per
 * group dW_g = Σ_n dZ_g · colsᵀ, the sum over pixels cut into blocks of
 * PCONV. Overwrites dw [Cout, Cin/groups, kh, kw].
 */
export function conv2dBackwardWeight(geom: usize, dz: usize, a: usize, dw: usize, scratch: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const groups = g.groups;
  const CinG = g.Cin / groups, CoutG = g.Cout / groups;
  const P = g.Hout * g.Wout;
  const panelsM = panelsOf(CoutG, MR);
  const panelsN = panelsOf(K, NR);
  const pcMax = min(PCONV, P);
  const packedDZ = scratch;
  const packedCols = scratch + <usize>(panelsM * MR * pcMax) * 4;
  for (let gi = 0; gi < groups; gi++) {
    const dwg = dw + <usize>(gi * CoutG * K) * 4;
    let first = true;
    for (let n = 0; n < g.N; n++) {
      const ag = a + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4;
      const dzg = dz + <usize>((n * g.Cout + gi * CoutG) * P) * 4;
      for (let p0 = 0; p0 < P; p0 += PCONV) {
        const pc = min(PCONV, P - p0);
        packA(false, CoutG, pc, dzg, P, 0, p0, packedDZ);
        for (let jp = 0; jp < panelsN; jp++) {
          im2colRowsPanel(geom, ag, jp * NR, min(NR, K - jp * NR), p0, pc, packedCols + <usize>(jp * pc * NR) * 4);
        }
        const beta: f32 = first ? 0 : 1;
        for (let jp = 0; jp < panelsN; jp++) {
          const pb = packedCols + <usize>(jp * pc * NR) * 4;
          const nr = min(NR, K - jp * NR);
          for (let ip = 0; ip < panelsM; ip++) {
            microkernel(pc, packedDZ + <usize>(ip * pc * MR) * 4, pb, dwg + <usize>(ip * MR * K + jp * NR) * 4, K, 1, beta, min(MR, CoutG - ip * MR), nr);
          }
        }
        first = false;
      }
    }
  }
}
