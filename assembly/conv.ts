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

import { MR, NR, microkernel, microkernelIndirectB, microkernelScatterC, packA, packB } from "./gemm";
import { MAX_THREADS, threadIndex } from "./thread_local";

/**
 * One convolution's geometry, laid out as 16 consecutive i32 in memory (the
 * JS side writes it; `writeGeometry` in src/backend/kernel-ops.ts has the same order).
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
/** The forward reads im2col in place when at most this many A panels share a B panel. */
const DIRECT_MAX_PANELS: i32 = 8;
/** Pixel block of the weight gradient (depth of its GEMM). */
const PCONV: i32 = 256;

// Per-lane starting input row/column of the NR output pixels of a panel:
// one row of NR per thread (./thread_local.ts); `laneRow`/`laneCol` give this thread's.
const LANE_ROWS: usize = memory.data(NR * 4 * MAX_THREADS, 16);
const LANE_COLS: usize = memory.data(NR * 4 * MAX_THREADS, 16);

@inline
function laneRow(): usize {
  return LANE_ROWS + <usize>(threadIndex * NR * 4);
}

@inline
function laneCol(): usize {
  return LANE_COLS + <usize>(threadIndex * NR * 4);
}

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
  const LANE_ROW = laneRow(), LANE_COL = laneCol();
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
  const LANE_ROW = laneRow(), LANE_COL = laneCol();
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
  const LANE_ROW = laneRow(), LANE_COL = laneCol();
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

/** Number of panels of `width` for `rows` rows. */
@inline
function panelsOf(rows: i32, width: i32): i32 {
  return (rows + width - 1) / width;
}

// ───────────── the direct paths: im2col read in place from a padded image ─────────────
//
// With stride 1 along W, the pixels of one output row read consecutive input
// pixels for every kernel tap, so a B panel row (NR pixels of one output row,
// one tap) is NR consecutive floats of the zero-padded image: the microkernel
// reads them in place (`microkernelIndirectB`) through a table of K byte
// offsets, one per row of the column matrix. No im2col copy is made.

/** Rows of the zero-padded image: exactly the rows the output's windows cover. */
@inline
function paddedRows(g: ConvGeometry): i32 {
  return (g.Hout - 1) * g.strideH + g.dilationH * (g.kh - 1) + 1;
}

/** Columns of the zero-padded image. */
@inline
function paddedCols(g: ConvGeometry): i32 {
  return (g.Wout - 1) * g.strideW + g.dilationW * (g.kw - 1) + 1;
}

/** `paddedRows` in f64, for the scratch sizes (no i32 overflow whatever the geometry). */
@inline
function paddedRowsF64(g: ConvGeometry): f64 {
  return <f64>(g.Hout - 1) * <f64>g.strideH + <f64>g.dilationH * <f64>(g.kh - 1) + 1;
}

/** `paddedCols` in f64. */
@inline
function paddedColsF64(g: ConvGeometry): f64 {
  return <f64>(g.Wout - 1) * <f64>g.strideW + <f64>g.dilationW * <f64>(g.kw - 1) + 1;
}

/**
 * Copies C channels [C, H, W] at `src` into [C, Hp, Wp] at `dst`, shifted by
 * (padTop, padLeft) ≥ 0, zero elsewhere; input rows/columns that fall past
 * Hp/Wp (never read by any window) are dropped.
 */
export function padImage(src: usize, C: i32, H: i32, W: i32, dst: usize, Hp: i32, Wp: i32, padTop: i32, padLeft: i32): void {
  memory.fill(dst, 0, <usize>(C * Hp * Wp) * 4);
  const rows = min(H, Hp - padTop), cols = min(W, Wp - padLeft);
  if (rows <= 0 || cols <= 0) return;
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < rows; r++) {
      memory.copy(dst + <usize>(((c * Hp + r + padTop) * Wp + padLeft) * 4), src + <usize>(((c * H + r) * W) * 4), <usize>cols * 4);
    }
  }
}

/**
 * The inverse of `padImage`: writes [C, H, W] at `dst` from the part of
 * [C, Hp, Wp] at `src` that sits at (padTop, padLeft); pixels of dst that lie
 * past Hp/Wp get zero.
 */
export function unpadImage(src: usize, C: i32, H: i32, W: i32, dst: usize, Hp: i32, Wp: i32, padTop: i32, padLeft: i32): void {
  const rows = max(0, min(H, Hp - padTop)), cols = max(0, min(W, Wp - padLeft));
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < H; r++) {
      const out = dst + <usize>(((c * H + r) * W) * 4);
      if (r < rows) {
        memory.copy(out, src + <usize>(((c * Hp + r + padTop) * Wp + padLeft) * 4), <usize>cols * 4);
        if (cols < W) memory.fill(out + <usize>cols * 4, 0, <usize>(W - cols) * 4);
      } else {
        memory.fill(out, 0, <usize>W * 4);
      }
    }
  }
}

/**
 * The byte offset, inside a padded image [Cin/groups, Hp, Wp], of row
 * (c·kh + x)·kw + y of the column matrix relative to its output pixel's
 * window origin: ((c·Hp + x·dH)·Wp + y·dW)·4. Writes K u32 at `dst`.
 */
export function tapOffsets(geom: usize, Hp: i32, Wp: i32, dst: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const CinG = g.Cin / g.groups;
  let out = dst;
  for (let c = 0; c < CinG; c++) {
    for (let x = 0; x < g.kh; x++) {
      for (let y = 0; y < g.kw; y++) {
        store<u32>(out, <u32>(((c * Hp + x * g.dilationH) * Wp + y * g.dilationW) * 4));
        out += 4;
      }
    }
  }
}

/** 1×1 kernel, stride 1, no padding: the image is its own column matrix, contiguous over all pixels. */
@inline
function isFlat(g: ConvGeometry, Hp: i32, Wp: i32): bool {
  return g.kh == 1 && g.kw == 1 && g.strideH == 1 && g.strideW == 1 && Hp == g.H && Wp == g.W && g.padTop == 0 && g.padLeft == 0;
}

/**
 * No padding and every window inside the image: the direct paths read the
 * image itself (rows W apart) instead of a padded copy. The forward then
 * reads up to NR floats past the image's end (lanes it discards), so callers
 * leave that much room after the input.
 */
@inline
function readsInPlace(g: ConvGeometry, Hp: i32, Wp: i32): bool {
  return g.padTop == 0 && g.padLeft == 0 && Hp <= g.H && Wp <= g.W;
}

// ───────────── forward ─────────────

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
            for (let pc = 0; pc < K; pc += KCONV) {
              const kc = min(KCONV, K - pc);
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
          for (let pc = 0; pc < K; pc += KCONV) {
            const kc = min(KCONV, K - pc);
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

// ───────────── input gradient ─────────────

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
    // The rows of dcols in the order (y, x, c): the 4 rows of a tile then
    // land in different channels or image rows, so adding one row never
    // reads what the previous row's store just wrote (a store-forwarding
    // stall: taps y and y + 1 of one channel and row overlap by 7 floats).
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
    for (let gi = 0; gi < groups; gi++) {
      // Panel ip, depth f, lane r ← W_gᵀ[order[ip·MR + r], f] = w[(gi·CoutG + f)·K + order[…]], zero past K.
      const wg = w + <usize>(gi * CoutG * K) * 4;
      const dst = packedWT + <usize>gi * groupA;
      if (g.kh * g.kw == 1) { // one tap: the order is the identity
        packA(true, K, CoutG, wg, K, 0, 0, dst);
        continue;
      }
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

// ───────────── weight gradient ─────────────

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
  const pc = <f64>min(<f64>PCONV, <f64>g.Hout * <f64>g.Wout);
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
 * pixels cut into blocks of PCONV. Overwrites dw [Cout, Cin/groups, kh, kw].
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
  const geom = changetype<usize>(g);
  const K = convK(geom);
  const groups = g.groups;
  const CinG = g.Cin / groups, CoutG = g.Cout / groups;
  const P = g.Hout * g.Wout;
  const Hp = paddedRows(g), Wp = paddedCols(g);
  const offsets = scratch;
  const inPlace = readsInPlace(g, Hp, Wp);
  const colsImg = inPlace ? g.W : Wp;
  tapOffsets(geom, inPlace ? g.H : Hp, colsImg, offsets);
  const rowBytes = <usize>(g.Wout * 4);
  const rowStep = <usize>(g.strideH * colsImg * 4);
  const planeBytes = <usize>(P * 4);
  for (let gi = 0; gi < groups; gi++) {
    // Image n of this group starts at padded + n·image (a padded copy), or in a itself.
    let padded = scratch + <usize>(K + 4) * 4;
    let image = <usize>(CinG * Hp * Wp) * 4;
    if (inPlace) {
      padded = a + <usize>(gi * CinG * g.H * g.W) * 4;
      image = <usize>(g.Cin * g.H * g.W) * 4;
    } else {
      for (let n = 0; n < g.N; n++) {
        padImage(a + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4, CinG, g.H, g.W, padded + <usize>n * image, Hp, Wp, g.padTop, g.padLeft);
      }
    }
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
  const geom = changetype<usize>(g);
  const K = convK(geom);
  const groups = g.groups;
  const CinG = g.Cin / groups, CoutG = g.Cout / groups;
  const P = g.Hout * g.Wout;
  const Hp = paddedRows(g), Wp = paddedCols(g);
  const inPlace = readsInPlace(g, Hp, Wp);
  const colsImg = inPlace ? g.W : Wp;
  const offsets = scratch;
  tapOffsets(geom, inPlace ? g.H : Hp, colsImg, offsets);
  const paddedArea = scratch + <usize>(K + 4) * 4;
  const panelsF = panelsOf(CoutG, NR);
  const packedDZ = paddedArea + <usize>(g.N * CinG * Hp * Wp) * 4;
  const panelBytes = <usize>(g.N * P * NR) * 4;
  const rowStep = <usize>(g.strideH * colsImg) * 4;
  for (let gi = 0; gi < groups; gi++) {
    let images = paddedArea;
    let image = <usize>(CinG * Hp * Wp) * 4;
    if (inPlace) {
      images = a + <usize>(gi * CinG * g.H * g.W) * 4;
      image = <usize>(g.Cin * g.H * g.W) * 4;
    } else {
      for (let n = 0; n < g.N; n++) {
        padImage(a + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4, CinG, g.H, g.W, paddedArea + <usize>n * image, Hp, Wp, g.padTop, g.padLeft);
      }
    }
    // dZ_gᵀ panels: panel jp, pixel n·P + p, lane l ← dz[n, gi·CoutG + jp·NR + l, p] (zero past CoutG).
    for (let jp = 0; jp < panelsF; jp++) {
      const width = min(NR, CoutG - jp * NR);
      for (let n = 0; n < g.N; n++) {
        const src = dz + <usize>((n * g.Cout + gi * CoutG + jp * NR) * P) * 4;
        packB(true, P, width, src, P, 0, 0, packedDZ + <usize>jp * panelBytes + <usize>(n * P * NR) * 4);
      }
    }
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
