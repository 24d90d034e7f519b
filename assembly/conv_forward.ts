// conv2d forward (see ./conv_geometry.ts for the column matrix and the paths).

import { MR, NR, microkernel, microkernelIndirectB, packA } from "./gemm";
import { ConvGeometry, convK, isFlat, paddedCols, paddedColsF64, paddedRows, paddedRowsF64, panelsOf, readsInPlace } from "./conv_geometry";
import { im2colPanel, padImage, tapOffsets } from "./conv_panels";

/** K block of the conv GEMMs: a B panel of CONV_DEPTH_BLOCK·NR floats (16 KB) stays in L1. */
const CONV_DEPTH_BLOCK: i32 = 512;
/** The forward reads im2col in place when at most this many A panels share a B panel. */
const DIRECT_MAX_PANELS: i32 = 8;
/**
 * Packed weights of one group above this size (bytes) are streamed from L3
 * or memory once per B panel when one B panel runs through all of them: the
 * im2col path then builds a block of B panels at once and runs each over
 * blocks of A_BLOCK_PANELS A panels, so each A block is read from L2 by every
 * B panel of the block. Measured (interleaved, one thread, under load): 512
 * filters × K = 4608 (9.4 MB) at 7², 14², 28²: 1.08–1.18× faster; 256 × 2304
 * (2.4 MB) at 56² and 128 × 1152 at 112² 3–11 % slower with a 256 KB
 * threshold, hence 4 MB.
 */
const BLOCKED_MIN_A_BYTES: i32 = 4 * 1024 * 1024;
/** A panels per A block of the blocked im2col path: A_BLOCK_PANELS·CONV_DEPTH_BLOCK·MR floats = 128 KB. */
const A_BLOCK_PANELS: i32 = 16;
/** Bytes of the im2col panels the blocked path builds at once (K rows of a multiple of NR columns). */
const COLUMN_BLOCK_BYTES: i32 = 1024 * 1024;

/**
 * Bytes of scratch `conv2dForward` needs. Computed in f64 (as are the other
 * scratch sizes): a large padding made the i32 product wrap to a negative or a
 * too small size. The JS side runs the reference when the sum does not fit
 * the arena.
 */
export function conv2dForwardScratchBytes(geom: usize): f64 {
  return conv2dPackedWeightsBytes(geom) + conv2dForwardPackedScratchBytes(geom);
}

/**
 * Bytes of the weights packed into MR panels (`conv2dPackWeights`): per
 * group ceil(CoutG/MR)·MR rows of K floats, the rows past CoutG zero. In f64.
 */
export function conv2dPackedWeightsBytes(geom: usize): f64 {
  const g = changetype<ConvGeometry>(geom);
  return <f64>g.groups * <f64>(panelsOf(g.Cout / g.groups, MR) * MR) * <f64>convK(geom) * 4;
}

/** Bytes of scratch `conv2dForwardPacked` needs: `conv2dForward`'s less the packed weights. In f64. */
export function conv2dForwardPackedScratchBytes(geom: usize): f64 {
  const g = changetype<ConvGeometry>(geom);
  const K = <f64>convK(geom);
  const CinG = <f64>(g.Cin / g.groups);
  // Only the direct path needs a padded image; the other one, one im2col panel. Room for the image
  // whenever stride 1 along W allows the direct path: a part of a call cut by filters (parallel_kernels.ts)
  // has fewer A panels and may take it when the whole call does not (it then wrote past its scratch).
  const padded = g.strideW == 1 ? CinG * paddedRowsF64(g) * paddedColsF64(g) + NR : 0; // + NR: the last chunk's spare lanes read past the image
  return (K + max(padded, K * <f64>panelColumns(g, convK(geom))) + 4) * 4;
}

/**
 * Columns of the im2col panels the im2col path builds at once: NR, or for
 * weights too large for L2 (`BLOCKED_MIN_A_BYTES`) as many multiples of NR
 * as fit COLUMN_BLOCK_BYTES, at most all P columns rounded up to NR.
 */
function panelColumns(g: ConvGeometry, K: i32): i32 {
  const groupABytes = <f64>(panelsOf(g.Cout / g.groups, MR) * MR) * <f64>K * 4;
  if (groupABytes <= <f64>BLOCKED_MIN_A_BYTES) return NR;
  const fit = max(1, COLUMN_BLOCK_BYTES / (K * 4 * NR)) * NR;
  return min(fit, panelsOf(g.Hout * g.Wout, NR) * NR);
}

/**
 * Packs w [Cout, Cin/groups, kh, kw] into the A panels the forward's GEMM
 * reads (`conv2dPackedWeightsBytes` bytes at `dst`): group g's filters as
 * `packA` makes them, groups one after the other. A frozen (inference)
 * convolution packs once and calls `conv2dForwardPacked`.
 */
export function conv2dPackWeights(geom: usize, w: usize, dst: usize): void {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const CoutG = g.Cout / g.groups;
  const groupA = <usize>(panelsOf(CoutG, MR) * MR * K) * 4;
  for (let gi = 0; gi < g.groups; gi++) {
    packA(false, CoutG, K, w + <usize>(gi * CoutG * K) * 4, K, 0, 0, dst + <usize>gi * groupA);
  }
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
  conv2dPackWeights(geom, w, scratch);
  convForward(geom, a, scratch, bias, 0, z, scratch + <usize>conv2dPackedWeightsBytes(geom), false);
}

/**
 * z ← act(conv2d(a, w) + bias + residual), act = ReLU when `relu` ≠ 0 else
 * the identity: `conv2dForward` with an epilogue. residual [N, Cout, Hout,
 * Wout] (pointer 0 for none) is added, then ReLU applied, to each block of
 * output columns right after its GEMM sums are final (still in cache), so
 * no separate pass reads z again. The conv sums are `conv2dForward`'s bits.
 */
export function conv2dForwardFused(geom: usize, a: usize, w: usize, bias: usize, residual: usize, z: usize, scratch: usize, relu: i32): void {
  conv2dPackWeights(geom, w, scratch);
  convForward(geom, a, scratch, bias, residual, z, scratch + <usize>conv2dPackedWeightsBytes(geom), relu != 0);
}

/**
 * `conv2dForwardFused` with the weights already packed (`packed`: what
 * `conv2dPackWeights` wrote for this geometry's Cout, Cin/groups, kh, kw,
 * groups); `scratch` holds `conv2dForwardPackedScratchBytes`. The same
 * bits: only the packing step is skipped.
 */
export function conv2dForwardPacked(geom: usize, a: usize, packed: usize, bias: usize, residual: usize, z: usize, scratch: usize, relu: i32): void {
  convForward(geom, a, packed, bias, residual, z, scratch, relu != 0);
}

/**
 * The forwards: `packedW` holds the packed weights (`conv2dPackWeights`);
 * the epilogue runs only when `residual` ≠ 0 or `relu`.
 */
function convForward(geom: usize, a: usize, packedW: usize, bias: usize, residual: usize, z: usize, scratch: usize, relu: bool): void {
  const g = changetype<ConvGeometry>(geom);
  const K = convK(geom);
  const groups = g.groups;
  const CinG = g.Cin / groups, CoutG = g.Cout / groups;
  const P = g.Hout * g.Wout;
  const Hp = paddedRows(g), Wp = paddedCols(g);
  const panelsA = panelsOf(CoutG, MR);
  const groupA = <usize>(panelsA * MR * K) * 4;
  const offsets = scratch;
  const images = offsets + <usize>(K + 4) * 4; // a padded image, or one im2col panel
  // Direct when few A panels share each B panel; with many, one packed
  // im2col panel in L1 serves them all better than reading K scattered rows
  // of the image per panel (measured: VGG-like, 16 panels, K = 576: 36 vs 23
  // GFLOP/s; LeNet conv2, 4 panels: 40 vs 32 the other way).
  const direct = forwardIsDirect(g);
  // No padding and windows inside the image: read the image itself, rows W apart.
  const inPlace = readsInPlace(g, Hp, Wp);
  const rowsImg = inPlace ? g.H : Hp, colsImg = inPlace ? g.W : Wp;
  if (direct) tapOffsets(geom, rowsImg, colsImg, offsets);
  for (let n = 0; n < g.N; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const ag = a + <usize>((n * g.Cin + gi * CinG) * g.H * g.W) * 4;
      const planes = <usize>((n * g.Cout + gi * CoutG) * P) * 4;
      const zg = z + planes;
      const rg: usize = residual == 0 ? 0 : residual + planes;
      if (bias != 0) fillBias(zg, bias + <usize>(gi * CoutG) * 4, CoutG, P);
      const wg = packedW + <usize>gi * groupA;
      if (direct) {
        let img = ag;
        if (!inPlace) {
          padImage(ag, CinG, g.H, g.W, images, Hp, Wp, g.padTop, g.padLeft);
          img = images;
        }
        // 1×1, stride 1, no padding: the image is the column matrix; all of it is one "row".
        const flat = isFlat(g, Hp, Wp);
        forwardDirect(g, K, wg, img, colsImg, offsets, zg, rg, flat ? 1 : g.Hout, flat ? P : g.Wout, bias != 0, relu);
      } else {
        forwardPanels(geom, K, wg, ag, images, zg, rg, bias != 0, relu, panelColumns(g, K));
      }
    }
  }
}

/**
 * One image and group of the direct path: Z_g (CoutG rows of P floats at
 * `zg`) from the image `img` (rows `colsImg` floats apart) through the tap
 * offsets; the output is `outRows` × `outCols`. Each block of NR columns
 * gets the epilogue once its K blocks are summed.
 */
function forwardDirect(g: ConvGeometry, K: i32, wg: usize, img: usize, colsImg: i32, offsets: usize,
  zg: usize, rg: usize, outRows: i32, outCols: i32, hasBias: bool, relu: bool): void {
  const CoutG = g.Cout / g.groups, P = g.Hout * g.Wout;
  const panelsA = panelsOf(CoutG, MR);
  for (let i = 0; i < outRows; i++) {
    for (let j0 = 0; j0 < outCols; j0 += NR) {
      const width = min(NR, outCols - j0);
      const base = img + <usize>((i * g.strideH * colsImg + j0) * 4);
      const tile = <usize>((i * outCols + j0) * 4);
      for (let pc = 0; pc < K; pc += CONV_DEPTH_BLOCK) {
        const kc = min(CONV_DEPTH_BLOCK, K - pc);
        const beta: f32 = pc == 0 && !hasBias ? 0 : 1;
        for (let ip = 0; ip < panelsA; ip++) {
          microkernelIndirectB(kc, wg + <usize>(ip * K + pc) * MR * 4, base, offsets + <usize>pc * 4,
            zg + tile + <usize>(ip * MR * P) * 4, P, 1, beta, min(MR, CoutG - ip * MR), width);
        }
      }
      if (rg != 0 || relu) epilogue(zg + tile, rg == 0 ? <usize>0 : rg + tile, CoutG, width, P, relu);
    }
  }
}

/**
 * One image and group of the im2col path: `block` columns (a multiple of NR)
 * at a time packed into im2col panels at `cols`, each K block of them run
 * through the A panels in blocks of A_BLOCK_PANELS (each A block from L2 for
 * every B panel), then the block's epilogue. With block = NR: one panel,
 * every A panel in order. Every output element gets the same sum over the
 * same K blocks whatever the blocking: the same bits.
 */
function forwardPanels(geom: usize, K: i32, wg: usize, ag: usize, cols: usize, zg: usize, rg: usize, hasBias: bool, relu: bool, block: i32): void {
  const g = changetype<ConvGeometry>(geom);
  const CoutG = g.Cout / g.groups, P = g.Hout * g.Wout;
  const panelsA = panelsOf(CoutG, MR);
  for (let j0 = 0; j0 < P; j0 += block) {
    const blockWidth = min(block, P - j0);
    const panelsB = panelsOf(blockWidth, NR);
    for (let jp = 0; jp < panelsB; jp++) im2colPanel(geom, ag, j0 + jp * NR, min(NR, blockWidth - jp * NR), cols + <usize>(jp * K * NR) * 4);
    for (let pc = 0; pc < K; pc += CONV_DEPTH_BLOCK) {
      const kc = min(CONV_DEPTH_BLOCK, K - pc);
      const beta: f32 = pc == 0 && !hasBias ? 0 : 1;
      for (let ib = 0; ib < panelsA; ib += A_BLOCK_PANELS) {
        const ie = min(panelsA, ib + A_BLOCK_PANELS);
        for (let jp = 0; jp < panelsB; jp++) {
          const width = min(NR, blockWidth - jp * NR);
          const pb = cols + <usize>((jp * K + pc) * NR) * 4;
          const zc = zg + <usize>(j0 + jp * NR) * 4;
          for (let ip = ib; ip < ie; ip++) {
            microkernel(kc, wg + <usize>(ip * K + pc) * MR * 4, pb, zc + <usize>(ip * MR * P) * 4, P, 1, beta, min(MR, CoutG - ip * MR), width);
          }
        }
      }
    }
    if (rg != 0 || relu) epilogue(zg + <usize>j0 * 4, rg == 0 ? <usize>0 : rg + <usize>j0 * 4, CoutG, blockWidth, P, relu);
  }
}

/**
 * The fused epilogue on a `rows` × `width` block of z (rows `ld` floats
 * apart): z ← z + r (when `r` ≠ 0, same layout), then z ← relu(z) (when
 * `relu`: z where z > 0 or NaN, else +0, as the relu op).
 */
function epilogue(z: usize, r: usize, rows: i32, width: i32, ld: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  for (let f = 0; f < rows; f++) {
    const zr = z + <usize>(f * ld) * 4;
    const rr = r + <usize>(f * ld) * 4;
    let e = 0;
    for (; e + 4 <= width; e += 4) {
      let v = v128.load(zr + <usize>e * 4);
      if (r != 0) v = f32x4.add(v, v128.load(rr + <usize>e * 4));
      if (relu) v = v128.bitselect(zero, v, f32x4.le(v, zero));
      v128.store(zr + <usize>e * 4, v);
    }
    for (; e < width; e++) {
      let v = load<f32>(zr + <usize>e * 4);
      if (r != 0) v += load<f32>(rr + <usize>e * 4);
      if (relu && v <= 0) v = 0;
      store<f32>(zr + <usize>e * 4, v);
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
