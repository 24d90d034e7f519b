// Panels of the column matrix of conv2d (see ./conv_geometry.ts): packed
// im2col panels and their adjoint for the general paths, and the padded
// images and tap offsets the direct paths read in place.

import { NR } from "./gemm";
import { MAX_THREADS, threadIndex } from "./thread_local";
import { ConvGeometry } from "./conv_geometry";

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

// Fills LANE_ROW/LANE_COL for output pixels j0 … j0+width−1 and returns
// whether the panel is one run of NR consecutive outputs of one row (then
// lane l reads column LANE_COL[0] + l·strideW + y·dW).
function laneOrigins(g: ConvGeometry, j0: i32, width: i32): bool {
  let i = j0 / g.Wout;
  let j = j0 - i * g.Wout;
  const sameRow = width == NR && j + NR <= g.Wout;
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
  walkPanel(false, geom, a, j0, width, dst);
}

/**
 * The adjoint of `im2colPanel`: adds the panel [K][NR] at `src` (columns
 * j0 … j0+width−1 of a column matrix) onto the pixels of one image and group
 * that im2col took them from. `a` points at channel g·Cin/groups of image n.
 */
export function col2imPanel(geom: usize, src: usize, j0: i32, width: i32, a: usize): void {
  walkPanel(true, geom, a, j0, width, src);
}

/**
 * The one body of `im2colPanel` (`adjoint` false: panel ← pixels) and
 * `col2imPanel` (true: pixels += panel), walking the K rows (c, x, y) of the
 * panel at `panel` and the pixels of the image at `a` they come from.
 * `adjoint` is a constant at each call site, folded once inlined.
 */
@inline
function walkPanel(adjoint: bool, geom: usize, a: usize, j0: i32, width: i32, panel: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const CinG = g.Cin / g.groups;
  const H = g.H, W = g.W;
  const plane = <usize>(H * W) * 4;
  const sameRow = laneOrigins(g, j0, width);
  const fast = sameRow && g.strideW == 1;
  const everyOther = !adjoint && sameRow && g.strideW == 2; // ResNet's stride-2 convolutions
  const LANE_ROW = laneRow(), LANE_COL = laneCol();
  const row0 = load<i32>(LANE_ROW), col0 = load<i32>(LANE_COL);
  let at = panel;
  let channel = a;
  for (let c = 0; c < CinG; c++) {
    for (let x = 0; x < g.kh; x++) {
      const dx = x * g.dilationH;
      for (let y = 0; y < g.kw; y++) {
        const dy = y * g.dilationW;
        if (fast) panelRowOfOneImageRow(adjoint, channel, H, W, row0 + dx, col0 + dy, at);
        else if (everyOther) panelRowOfEveryOtherPixel(channel, H, W, row0 + dx, col0 + dy, at);
        else panelRowByLanes(adjoint, channel, H, W, LANE_ROW, LANE_COL, dx, dy, width, at);
        at += NR * 4;
      }
    }
    channel += plane;
  }
}

/**
 * One panel row whose NR lanes are the consecutive pixels (r, q … q+NR−1) of
 * one image row (`laneOrigins` said so): copied into the row at `at`, or
 * (`adjoint`) the row added onto them; pixels outside the image are zero
 * (or skipped).
 */
@inline
function panelRowOfOneImageRow(adjoint: bool, channel: usize, H: i32, W: i32, r: i32, q: i32, at: usize): void {
  if (<u32>r >= <u32>H) {
    if (!adjoint) {
      v128.store(at, f32x4.splat(0));
      v128.store(at, f32x4.splat(0), 16);
    }
  } else if (q >= 0 && q + NR <= W) {
    const pixels = channel + (<usize>r * <usize>W + <usize>q) * 4;
    if (adjoint) {
      v128.store(pixels, f32x4.add(v128.load(pixels), v128.load(at)));
      v128.store(pixels, f32x4.add(v128.load(pixels, 16), v128.load(at, 16)), 16);
    } else {
      v128.store(at, v128.load(pixels));
      v128.store(at, v128.load(pixels, 16), 16);
    }
  } else {
    const row = channel + <usize>r * <usize>W * 4;
    for (let l = 0; l < NR; l++) {
      const ql = q + l;
      if (adjoint) {
        if (<u32>ql < <u32>W) {
          const p = row + <usize>ql * 4;
          store<f32>(p, load<f32>(p) + load<f32>(at + <usize>l * 4));
        }
      } else {
        store<f32>(at + <usize>l * 4, <u32>ql < <u32>W ? load<f32>(row + <usize>ql * 4) : 0);
      }
    }
  }
}

/**
 * One panel row whose NR lanes are every other pixel (r, q), (r, q + 2) …
 * (r, q + 2·(NR−1)) of one image row (stride 2, `laneOrigins` said so),
 * copied into the row at `at`: the even lanes of 2·NR consecutive floats
 * when all lie in the row (the last one read may be the next row's first,
 * or one float past the image: discarded; callers leave that room), else
 * lane by lane with zeros outside the image.
 */
@inline
function panelRowOfEveryOtherPixel(channel: usize, H: i32, W: i32, r: i32, q: i32, at: usize): void {
  if (<u32>r >= <u32>H) {
    v128.store(at, f32x4.splat(0));
    v128.store(at, f32x4.splat(0), 16);
  } else if (q >= 0 && q + 2 * NR <= W + 1) {
    const pixels = channel + (<usize>r * <usize>W + <usize>q) * 4;
    v128.store(at, v128.shuffle<f32>(v128.load(pixels), v128.load(pixels, 16), 0, 2, 4, 6));
    v128.store(at, v128.shuffle<f32>(v128.load(pixels, 32), v128.load(pixels, 48), 0, 2, 4, 6), 16);
  } else {
    const row = channel + <usize>r * <usize>W * 4;
    for (let l = 0; l < NR; l++) {
      const ql = q + 2 * l;
      store<f32>(at + <usize>l * 4, <u32>ql < <u32>W ? load<f32>(row + <usize>ql * 4) : 0);
    }
  }
}

/**
 * One panel row lane by lane, each lane at its own origin (LANE_ROW/LANE_COL
 * plus the tap's dx, dy): copied into the row at `at` (lanes ≥ width and
 * pixels outside the image zero), or (`adjoint`) its first `width` lanes
 * added onto their pixels inside the image.
 */
@inline
function panelRowByLanes(adjoint: bool, channel: usize, H: i32, W: i32, LANE_ROW: usize, LANE_COL: usize, dx: i32, dy: i32, width: i32, at: usize): void {
  const lanes = adjoint ? width : NR;
  for (let l = 0; l < lanes; l++) {
    const r = load<i32>(LANE_ROW + <usize>l * 4) + dx;
    const q = load<i32>(LANE_COL + <usize>l * 4) + dy;
    if (adjoint) {
      if (<u32>r < <u32>H && <u32>q < <u32>W) {
        const p = channel + (<usize>r * <usize>W + <usize>q) * 4;
        store<f32>(p, load<f32>(p) + load<f32>(at + <usize>l * 4));
      }
    } else {
      const inside = l < width && <u32>r < <u32>H && <u32>q < <u32>W;
      store<f32>(at + <usize>l * 4, inside ? load<f32>(channel + (<usize>r * <usize>W + <usize>q) * 4) : 0);
    }
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

// ───────────── the direct paths: im2col read in place from a padded image ─────────────
//
// With stride 1 along W, the pixels of one output row read consecutive input
// pixels for every kernel tap, so a B panel row (NR pixels of one output row,
// one tap) is NR consecutive floats of the zero-padded image: the microkernel
// reads them in place (`microkernelIndirectB`) through a table of K byte
// offsets, one per row of the column matrix. No im2col copy is made.

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
