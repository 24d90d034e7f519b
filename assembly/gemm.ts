// SGEMM with BLAS semantics, row-major: C ← α·op(A)·op(B) + β·C.
//
// Built the way the fast libraries build it (Goto / BLIS / XNNPACK):
//   - op(B) is packed into NR-wide panels, k-major and zero-padded:
//       panel j holds op(B)[p, j·NR + c] at (j·kc + p)·NR + c;
//   - op(A) is packed into MR-row panels, k-major and zero-padded:
//       panel i holds op(A)[i·MR + r, p] at (i·kc + p)·MR + r;
//   - K is cut into blocks of KC so that one B panel (KC×NR floats) stays
//     in L1 while the A panels of an M block (MC×KC) stay in L2;
//   - an MR×NR register-blocked microkernel multiplies one A panel by one B
//     panel: per k it broadcasts MR values of A (`v128.load32_splat`), loads
//     NR/4 vectors of B and does MR·NR/4 multiply-adds into accumulators.
// Padding makes every tile full inside the k loop (no branches there); an
// edge tile stores only its rows inside C, and a row cut by C's right edge
// goes through a small scratch row.
//
// All pointers are byte offsets into this module's memory; the JS side owns
// the allocation (src/backend/wasm.ts). Matrices are f32.

import { MAX_THREADS, threadIndex } from "./thread_local";

/** Rows of the register block (A values broadcast per k). */
export const MR: i32 = 4;
/** Columns of the register block (two f32x4 vectors of B per k). */
export const NR: i32 = 8;
/** K block: one packed B panel is KC·NR·4 = 8 KB (L1). */
export const KC: i32 = 256;
/** M block: the packed A block is MC·KC·4 = 256 KB (L2). */
export const MC: i32 = 256;
/** N block: the packed B block is KC·NC·4 = 2 MB at most. */
export const NC: i32 = 2048;

// Scratch row for edge tiles: a row of the register block that is cut by
// the right edge of C is parked here and its valid part merged into C.
// One row per thread (./thread_local.ts).
const EDGE_TILES: usize = memory.data(NR * 4 * MAX_THREADS, 16);

/** Rounds `x` up to a multiple of `q`. */
@inline
export function roundUp(x: i32, q: i32): i32 {
  return ((x + q - 1) / q) * q;
}

/**
 * Packs the kc×nc block of op(B) starting at row p0, column j0 into
 * ceil(nc/NR) panels at `dst`: panel j, row p, lane c ← op(B)[p0 + p, j0 + j·NR + c],
 * zero where j·NR + c ≥ nc. op(B)[p, j] is b[p·ldb + j], or b[j·ldb + p] when transB.
 */
export function packB(transB: bool, kc: i32, nc: i32, b: usize, ldb: i32, p0: i32, j0: i32, dst: usize): void {
  const panels = (nc + NR - 1) / NR;
  for (let jp = 0; jp < panels; jp++) {
    const jStart = j0 + jp * NR;
    const width = min(NR, nc - jp * NR);
    let out = dst + <usize>(jp * kc * NR) * 4;
    if (!transB && width == NR) {
      // Rows of B are contiguous: two vector copies per k.
      let src = b + (<usize>p0 * <usize>ldb + <usize>jStart) * 4;
      const step = <usize>ldb * 4;
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += step;
        out += NR * 4;
      }
    } else if (!transB) {
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>(p0 + p) * <usize>ldb + <usize>jStart) * 4;
        v128.store(out, f32x4.splat(0));
        v128.store(out, f32x4.splat(0), 16);
        for (let c = 0; c < width; c++) store<f32>(out + <usize>c * 4, load<f32>(src + <usize>c * 4));
        out += NR * 4;
      }
    } else if (width == NR) {
      // op(B)[p, j] = b[j·ldb + p]: eight rows of b, 4 k at a time, two 4×4 transposes.
      const step = <usize>ldb * 4;
      const r0 = b + (<usize>jStart * <usize>ldb + <usize>p0) * 4;
      const r1 = r0 + step, r2 = r1 + step, r3 = r2 + step;
      const r4 = r3 + step, r5 = r4 + step, r6 = r5 + step, r7 = r6 + step;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = <usize>p * 4;
        const o = out + <usize>(p * NR) * 4;
        transposeStore4(v128.load(r0 + off), v128.load(r1 + off), v128.load(r2 + off), v128.load(r3 + off), o);
        transposeStore4(v128.load(r4 + off), v128.load(r5 + off), v128.load(r6 + off), v128.load(r7 + off), o + 16);
      }
      for (; p < kc; p++) {
        const o = out + <usize>(p * NR) * 4, off = <usize>p * 4;
        store<f32>(o, load<f32>(r0 + off)); store<f32>(o, load<f32>(r1 + off), 4);
        store<f32>(o, load<f32>(r2 + off), 8); store<f32>(o, load<f32>(r3 + off), 12);
        store<f32>(o, load<f32>(r4 + off), 16); store<f32>(o, load<f32>(r5 + off), 20);
        store<f32>(o, load<f32>(r6 + off), 24); store<f32>(o, load<f32>(r7 + off), 28);
      }
    } else {
      // op(B)[p, j] = b[j·ldb + p]: each lane walks its own row of b.
      for (let p = 0; p < kc; p++) {
        v128.store(out, f32x4.splat(0));
        v128.store(out, f32x4.splat(0), 16);
        for (let c = 0; c < width; c++) {
          store<f32>(out + <usize>c * 4, load<f32>(b + (<usize>(jStart + c) * <usize>ldb + <usize>(p0 + p)) * 4));
        }
        out += NR * 4;
      }
    }
  }
}

/**
 * Stores the transpose of the 4×4 block with rows v0 … v3 as four vectors
 * NR floats apart at `o`: o[k·NR + r] = v_r[k].
 */
@inline
function transposeStore4(v0: v128, v1: v128, v2: v128, v3: v128, o: usize): void {
  const t0 = v128.shuffle<i32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(v2, v3, 0, 4, 1, 5);
  const t2 = v128.shuffle<i32>(v0, v1, 2, 6, 3, 7), t3 = v128.shuffle<i32>(v2, v3, 2, 6, 3, 7);
  v128.store(o, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5));
  v128.store(o, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7), NR * 4);
  v128.store(o, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5), NR * 8);
  v128.store(o, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7), NR * 12);
}

/**
 * Packs the mc×kc block of op(A) starting at row i0, column p0 into
 * ceil(mc/MR) panels at `dst`: panel i, row p, lane r ← op(A)[i0 + i·MR + r, p0 + p],
 * zero where i·MR + r ≥ mc. op(A)[i, p] is a[i·lda + p], or a[p·lda + i] when transA.
 */
export function packA(transA: bool, mc: i32, kc: i32, a: usize, lda: i32, i0: i32, p0: i32, dst: usize): void {
  const panels = (mc + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const iStart = i0 + ip * MR;
    const height = min(MR, mc - ip * MR);
    const out = dst + <usize>(ip * kc * MR) * 4;
    if (!transA && height == MR) {
      // Four rows of A, 4 k at a time: load 4×4, transpose with shuffles, store k-major.
      const r0 = a + (<usize>iStart * <usize>lda + <usize>p0) * 4;
      const step = <usize>lda * 4;
      const r1 = r0 + step, r2 = r1 + step, r3 = r2 + step;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = <usize>p * 4;
        const v0 = v128.load(r0 + off), v1 = v128.load(r1 + off), v2 = v128.load(r2 + off), v3 = v128.load(r3 + off);
        const t0 = v128.shuffle<i32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(v2, v3, 0, 4, 1, 5);
        const t2 = v128.shuffle<i32>(v0, v1, 2, 6, 3, 7), t3 = v128.shuffle<i32>(v2, v3, 2, 6, 3, 7);
        const o = out + <usize>(p * MR) * 4;
        v128.store(o, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5));
        v128.store(o, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(o, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(o, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7), 48);
      }
      for (; p < kc; p++) {
        const o = out + <usize>(p * MR) * 4, off = <usize>p * 4;
        store<f32>(o, load<f32>(r0 + off));
        store<f32>(o, load<f32>(r1 + off), 4);
        store<f32>(o, load<f32>(r2 + off), 8);
        store<f32>(o, load<f32>(r3 + off), 12);
      }
    } else if (transA && height == MR) {
      // Columns of op(A) are contiguous rows of a: one vector copy per k.
      let src = a + (<usize>p0 * <usize>lda + <usize>iStart) * 4;
      const step = <usize>lda * 4;
      let o = out;
      for (let p = 0; p < kc; p++) {
        v128.store(o, v128.load(src));
        src += step;
        o += MR * 4;
      }
    } else {
      if (height < MR) memory.fill(out, 0, <usize>(kc * MR) * 4);
      for (let r = 0; r < height; r++) {
        const i = iStart + r;
        let o = out + <usize>r * 4;
        if (!transA) {
          // Row i of A is contiguous: walk it, writing every MR-th float.
          let src = a + (<usize>i * <usize>lda + <usize>p0) * 4;
          for (let p = 0; p < kc; p++) {
            store<f32>(o, load<f32>(src));
            src += 4;
            o += MR * 4;
          }
        } else {
          let src = a + (<usize>p0 * <usize>lda + <usize>i) * 4;
          const step = <usize>lda * 4;
          for (let p = 0; p < kc; p++) {
            store<f32>(o, load<f32>(src));
            src += step;
            o += MR * 4;
          }
        }
      }
    }
  }
}

/**
 * The MR×NR microkernel: acc = Σ_p Apanel[p]ᵀ ⊗ Bpanel[p] over kc steps, then
 * C[0..mr, 0..nr] ← α·acc + β·C (β = 0 overwrites: C is not read, so NaN in C
 * does not propagate). `c` points at C's top-left element of this tile, row
 * stride ldc floats. mr ≤ MR and nr ≤ NR say how much of the tile is inside C.
 */
export function microkernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mr: i32, nr: i32): void {
  multiplyTile(false, false, kc, pa, pb, 0, c, ldc, alpha, beta, mr, nr);
}

/**
 * The microkernel with B read in place instead of from a packed panel: row p
 * of the B panel is the NR floats at `base + offsets[p]` (byte offsets, i32).
 * Convolution uses it to read the columns of im2col straight from a padded
 * image (one output row's pixels are consecutive there), skipping the copy.
 * Costs one more load and add per k step than `microkernel`; the same stores.
 */
export function microkernelIndirectB(kc: i32, pa: usize, base: usize, offsets: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mr: i32, nr: i32): void {
  multiplyTile(true, false, kc, pa, base, offsets, c, ldc, alpha, beta, mr, nr);
}

/**
 * The microkernel with its rows added to scattered places: C row r of the
 * tile is the NR floats at `base + offsets[r]` (byte offsets, u32), and the
 * tile is added to them (first nr lanes). Convolution's input gradient uses
 * it to add a tile of dcols straight onto a padded image (col2im fused into
 * the store). A and B come from packed panels as in `microkernel`.
 */
export function microkernelScatterC(kc: i32, pa: usize, pb: usize, base: usize, offsets: usize, mr: i32, nr: i32): void {
  multiplyTile(false, true, kc, pa, pb, offsets, base, 0, 1, 1, mr, nr);
}

/**
 * The one body of the three microkernels. `indirectB` and `scatterC` are
 * constants at each call site, so once inlined every kernel keeps only its
 * own loads and stores:
 *  - B row p is the packed panel's (`b`, NR floats a step), or with
 *    `indirectB` the NR floats at `b + offsets[p]`;
 *  - C row r ← α·acc + β·C at `c + r·ldc` floats, or with `scatterC` the
 *    NR floats at `c + offsets[r]` += acc (α, β, ldc unused).
 */
@inline
function multiplyTile(indirectB: bool, scatterC: bool, kc: i32, pa: usize, b: usize, offsets: usize, c: usize, ldc: i32, alpha: f32, beta: f32, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // One k step: broadcast 4 values of A, load 8 of B, 8 multiply-adds.
  // (Unrolling this loop in the source made it slower: binaryen and V8 then
  // hoist all loads of the unrolled steps, and the accumulators spill.)
  let pb = b;
  for (let p = 0; p < kc; p++) {
    if (indirectB) {
      pb = b + <usize>load<u32>(offsets);
      offsets += 4;
    }
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    pa += MR * 4;
    if (!indirectB) pb += NR * 4;
  }
  if (scatterC) {
    storeRow(c + <usize>load<u32>(offsets), c00, c01, 1, nr);
    if (mr > 1) storeRow(c + <usize>load<u32>(offsets, 4), c10, c11, 1, nr);
    if (mr > 2) storeRow(c + <usize>load<u32>(offsets, 8), c20, c21, 1, nr);
    if (mr > 3) storeRow(c + <usize>load<u32>(offsets, 12), c30, c31, 1, nr);
    return;
  }
  // Rows past mr are not stored; a row shorter than NR goes through EDGE_TILE.
  const va = f32x4.splat(alpha);
  const ldcBytes = <usize>ldc * 4;
  let row = c;
  storeRow(row, f32x4.mul(va, c00), f32x4.mul(va, c01), beta, nr);
  if (mr > 1) { row += ldcBytes; storeRow(row, f32x4.mul(va, c10), f32x4.mul(va, c11), beta, nr); }
  if (mr > 2) { row += ldcBytes; storeRow(row, f32x4.mul(va, c20), f32x4.mul(va, c21), beta, nr); }
  if (mr > 3) { row += ldcBytes; storeRow(row, f32x4.mul(va, c30), f32x4.mul(va, c31), beta, nr); }
}

/** C row ← (lo, hi) + β·C row for its first nr ≤ NR elements (β = 0: C not read). */
@inline
function storeRow(row: usize, lo: v128, hi: v128, beta: f32, nr: i32): void {
  if (nr == NR) {
    if (beta == 0) {
      v128.store(row, lo);
      v128.store(row, hi, 16);
    } else if (beta == 1) {
      v128.store(row, f32x4.add(v128.load(row), lo));
      v128.store(row, f32x4.add(v128.load(row, 16), hi), 16);
    } else {
      const vb = f32x4.splat(beta);
      v128.store(row, f32x4.add(f32x4.mul(vb, v128.load(row)), lo));
      v128.store(row, f32x4.add(f32x4.mul(vb, v128.load(row, 16)), hi), 16);
    }
    return;
  }
  const edgeTile = EDGE_TILES + <usize>(threadIndex * NR * 4);
  v128.store(edgeTile, lo);
  v128.store(edgeTile, hi, 16);
  for (let j = 0; j < nr; j++) {
    const q = row + <usize>j * 4;
    const v = load<f32>(edgeTile + <usize>j * 4);
    store<f32>(q, beta == 0 ? v : v + beta * load<f32>(q));
  }
}

/**
 * Runs the microkernel over every tile of an mc×nc block of C from packed
 * panels: `pa` holds ceil(mc/MR) A panels and `pb` ceil(nc/NR) B panels, both
 * of depth kc. `c` points at the block's top-left element.
 */
export function gemmPacked(mc: i32, nc: i32, kc: i32, alpha: f32, pa: usize, pb: usize, beta: f32, c: usize, ldc: i32): void {
  const aPanelBytes = <usize>(kc * MR) * 4;
  const bPanelBytes = <usize>(kc * NR) * 4;
  for (let j = 0; j < nc; j += NR) {
    const panelB = pb + <usize>(j / NR) * bPanelBytes;
    const nr = min(NR, nc - j);
    let panelA = pa;
    for (let i = 0; i < mc; i += MR) {
      microkernel(kc, panelA, panelB, c + (<usize>i * <usize>ldc + <usize>j) * 4, ldc, alpha, beta, min(MR, mc - i), nr);
      panelA += aPanelBytes;
    }
  }
}

/** Bytes of scratch that `sgemm` needs for its packed blocks (A block then B block). */
export function sgemmScratchBytes(m: i32, n: i32, k: i32): i32 {
  const kc = min(k, KC);
  const mc = roundUp(min(m, MC), MR);
  const nc = roundUp(min(n, NC), NR);
  return (mc * kc + kc * nc) * 4;
}

/** C ← β·C for an m×n block (β = 0 writes zeros, whatever C held). */
export function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * <usize>ldc * 4;
    if (beta == 0) memory.fill(row, 0, <usize>n * 4);
    else for (let j = 0; j < n; j++) store<f32>(row + <usize>j * 4, beta * load<f32>(row + <usize>j * 4));
  }
}

/**
 * C ← α·op(A)·op(B) + β·C, row-major, op(A) m×k, op(B) k×n, C m×n with
 * leading dimensions lda, ldb, ldc (in floats). `scratch` must hold
 * `sgemmScratchBytes(m, n, k)` bytes, 16-byte aligned.
 */
export function sgemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    if (beta != 1) scaleC(m, n, beta, c, ldc);
    return;
  }
  if (m == 1 && transB && !transA) {
    rowTimesTransposed(n, k, alpha, a, b, ldb, beta, c);
    return;
  }
  const packedA = scratch;
  const packedB = scratch + <usize>(roundUp(min(m, MC), MR) * min(k, KC)) * 4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(transB, kc, nc, b, ldb, pc, jc, packedB);
      const betaHere: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(transA, mc, kc, a, lda, ic, pc, packedA);
        gemmPacked(mc, nc, kc, alpha, packedA, packedB, betaHere, c + (<usize>ic * <usize>ldc + <usize>jc) * 4, ldc);
      }
    }
  }
}

/**
 * `sgemm` for one row of A and op(B) = bᵀ (a linear layer on one sample,
 * y = x·Wᵀ with W [n, k] row-major): C row ← α·a·bᵀ + β·C row without
 * packing B. Packing would copy all of W (VGG-16's first fully connected
 * layer: 411 MB) to read it once; here NR rows of W are read in place, four
 * k at a time, transposed in registers. Each output gets the microkernel's
 * sum: lane by lane over k within K blocks of KC, in order (row 0 of a tile:
 * acc ← acc + a[p]·b[j, p]), then C ← α·acc + β·C with β for the first block
 * and 1 after it — `storeRow`'s operations: the same bits as the packed path.
 */
function rowTimesTransposed(n: i32, k: i32, alpha: f32, a: usize, b: usize, ldb: i32, beta: f32, c: usize): void {
  const va = f32x4.splat(alpha);
  const step = <usize>ldb * 4;
  for (let j = 0; j < n; j += NR) {
    const nr = min(NR, n - j);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      let lo = f32x4.splat(0), hi = f32x4.splat(0);
      const x = a + <usize>pc * 4;
      if (nr == NR) {
        const r0 = b + (<usize>j * <usize>ldb + <usize>pc) * 4;
        const r1 = r0 + step, r2 = r1 + step, r3 = r2 + step, r4 = r3 + step, r5 = r4 + step, r6 = r5 + step, r7 = r6 + step;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const off = <usize>p * 4;
          // Columns p … p+3 of the 8 rows: two 4×4 transposes, then four k steps in order.
          const v0 = v128.load(r0 + off), v1 = v128.load(r1 + off), v2 = v128.load(r2 + off), v3 = v128.load(r3 + off);
          const v4 = v128.load(r4 + off), v5 = v128.load(r5 + off), v6 = v128.load(r6 + off), v7 = v128.load(r7 + off);
          const s0 = v128.shuffle<i32>(v0, v1, 0, 4, 1, 5), s1 = v128.shuffle<i32>(v2, v3, 0, 4, 1, 5);
          const s2 = v128.shuffle<i32>(v0, v1, 2, 6, 3, 7), s3 = v128.shuffle<i32>(v2, v3, 2, 6, 3, 7);
          const t0 = v128.shuffle<i32>(v4, v5, 0, 4, 1, 5), t1 = v128.shuffle<i32>(v6, v7, 0, 4, 1, 5);
          const t2 = v128.shuffle<i32>(v4, v5, 2, 6, 3, 7), t3 = v128.shuffle<i32>(v6, v7, 2, 6, 3, 7);
          let xs = v128.load32_splat(x + off);
          lo = f32x4.add(lo, f32x4.mul(xs, v128.shuffle<i32>(s0, s1, 0, 1, 4, 5)));
          hi = f32x4.add(hi, f32x4.mul(xs, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5)));
          xs = v128.load32_splat(x + off, 4);
          lo = f32x4.add(lo, f32x4.mul(xs, v128.shuffle<i32>(s0, s1, 2, 3, 6, 7)));
          hi = f32x4.add(hi, f32x4.mul(xs, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7)));
          xs = v128.load32_splat(x + off, 8);
          lo = f32x4.add(lo, f32x4.mul(xs, v128.shuffle<i32>(s2, s3, 0, 1, 4, 5)));
          hi = f32x4.add(hi, f32x4.mul(xs, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5)));
          xs = v128.load32_splat(x + off, 12);
          lo = f32x4.add(lo, f32x4.mul(xs, v128.shuffle<i32>(s2, s3, 2, 3, 6, 7)));
          hi = f32x4.add(hi, f32x4.mul(xs, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7)));
        }
        for (; p < kc; p++) {
          const off = <usize>p * 4;
          const xs = v128.load32_splat(x + off);
          const col0 = f32x4(load<f32>(r0 + off), load<f32>(r1 + off), load<f32>(r2 + off), load<f32>(r3 + off));
          const col1 = f32x4(load<f32>(r4 + off), load<f32>(r5 + off), load<f32>(r6 + off), load<f32>(r7 + off));
          lo = f32x4.add(lo, f32x4.mul(xs, col0));
          hi = f32x4.add(hi, f32x4.mul(xs, col1));
        }
      } else {
        // The last nr < NR outputs: lanes past nr stay zero (as the packed panel's zero padding).
        for (let p = 0; p < kc; p++) {
          const xs = v128.load32_splat(x + <usize>p * 4);
          const edge = EDGE_TILES + <usize>(threadIndex * NR * 4);
          v128.store(edge, f32x4.splat(0));
          v128.store(edge, f32x4.splat(0), 16);
          for (let l = 0; l < nr; l++) store<f32>(edge + <usize>l * 4, load<f32>(b + (<usize>(j + l) * <usize>ldb + <usize>(pc + p)) * 4));
          lo = f32x4.add(lo, f32x4.mul(xs, v128.load(edge)));
          hi = f32x4.add(hi, f32x4.mul(xs, v128.load(edge, 16)));
        }
      }
      storeRow(c + <usize>j * 4, f32x4.mul(va, lo), f32x4.mul(va, hi), pc == 0 ? beta : 1, nr);
    }
  }
}
