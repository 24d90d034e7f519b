// The wasm SGEMM against the reference gemm (src/ops/gemm.ts, the stated
// oracle) in float64, and its packing routines on their own.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { sgemm } from "../../src/backend/sgemm.js";
import { requireKernels } from "../../src/backend/wasm.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { getBackend, withBackend } from "../../src/backend/dispatch.js";
import { gemm } from "../../src/ops/gemm.js";
import { OpError } from "../../src/errors.js";
import { Random } from "../../src/random.js";
import { fcParams } from "../support/properties.js";

assert.ok(loadKernelsSync(), "the wasm kernels load on Node 20 (WebAssembly SIMD)");
assert.is(getBackend(), "wasm", "sgemm runs the kernel on the wasm backend");
const kernels = requireKernels();
const { MR, NR, KC, MC } = kernels;
const geometry = `tile MR×NR = ${MR}×${NR}, KC = ${KC}, MC = ${MC}`;

/** op(X)[r, c] of a row-major X with leading dimension ld. */
function at(x: ArrayLike<number>, trans: boolean, ld: number, r: number, c: number): number {
  return trans ? x[c * ld + r] : x[r * ld + c];
}

/**
 * Checks sgemm against the reference gemm on float64 copies (Σ_p op(A)_ip op(B)_pj
 * in float64), within 1e-5 + 1e-5·(|α|·Σ|a·b| + |β·c|) (Σ|a·b| is gemm on |A|, |B|),
 * and that C's gaps (ldc > n) are untouched.
 */
function checkCase(m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, beta: number, pad: [number, number, number], seed: number, nanInC = false): void {
  const rng = new Random(seed);
  const lda = (transA ? m : k) + pad[0], ldb = (transB ? k : n) + pad[1], ldc = n + pad[2];
  const a = new Float32Array((transA ? k : m) * lda).map(() => rng.uniformIn(-1, 1));
  const b = new Float32Array((transB ? n : k) * ldb).map(() => rng.uniformIn(-1, 1));
  const c = new Float32Array(m * ldc).map(() => (nanInC ? NaN : rng.uniformIn(-1, 1)));
  const before = c.slice();
  sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  const want = Float64Array.from(before);
  gemm(transA, transB, m, n, k, alpha, Float64Array.from(a), lda, Float64Array.from(b), ldb, beta, want, ldc);
  const size = new Float64Array(m * ldc);
  gemm(transA, transB, m, n, k, 1, Float64Array.from(a, Math.abs), lda, Float64Array.from(b, Math.abs), ldb, 0, size, ldc);
  const where = `m=${m} n=${n} k=${k} transA=${transA} transB=${transB} α=${alpha} β=${beta} lda=${lda} ldb=${ldb} ldc=${ldc}; ${geometry}`;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      const got = c[i * ldc + j];
      if (j >= n) {
        assert.ok(Object.is(got, before[i * ldc + j]), `C[${i}, ${j}] beyond n changed; ${where}`);
        continue;
      }
      const old = beta === 0 ? 0 : beta * before[i * ldc + j];
      const tol = 1e-5 + 1e-5 * (Math.abs(alpha) * size[i * ldc + j] + Math.abs(old));
      if (!(Math.abs(got - want[i * ldc + j]) <= tol)) {
        assert.unreachable(`C[${i}, ${j}] = ${got}, expected ${want[i * ldc + j]} (tolerance ${tol.toExponential(2)}); ${where}`);
      }
    }
  }
}

// Sizes around the blocking: below, at and above multiples of MR, NR, KC; primes.
const edges = [1, 2, 3, MR - 1, MR, MR + 1, NR - 1, NR, NR + 1, 2 * NR + 3, 13, 31, 37, 64, 97];
const kEdges = [1, 2, 7, KC - 1, KC, KC + 1, 2 * KC + 5, 257, 300];

test("sgemm matches the reference gemm on random sizes, transposes, α, β and leading dimensions", () => {
  const dim = fc.oneof(fc.constantFrom(...edges), fc.integer({ min: 1, max: 300 }));
  const depth = fc.oneof(fc.constantFrom(...kEdges), fc.integer({ min: 1, max: 300 }));
  fc.assert(
    fc.property(
      dim, dim, depth, fc.boolean(), fc.boolean(),
      fc.constantFrom(1, -0.5, 2.25), fc.constantFrom(0, 1, -0.75),
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })),
      fc.integer({ min: 0, max: 1e6 }),
      (m, n, k, tA, tB, alpha, beta, pad, seed) => {
        // Keep the float64 oracle cheap: at most ~4M multiply-adds per case.
        if (m * n * k > 4e6) k = Math.max(1, Math.floor(4e6 / (m * n)));
        checkCase(m, n, k, tA, tB, alpha, beta, pad, seed);
      },
    ),
    fcParams(60),
  );
});

test("every transpose combination at block edges (m, n, k just around MR, NR, KC)", () => {
  let seed = 1;
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    for (const [m, n, k] of [[MR, NR, KC], [MR + 1, NR - 1, KC + 1], [MR - 1, NR + 1, KC - 1], [MC + 3, 2 * NR + 1, 2 * KC + 1], [1, 1, 1]]) {
      checkCase(m, n, k, tA, tB, 1.5, 0.5, [1, 2, 3], seed++);
    }
  }
});

test("one row times a transposed B (a linear layer on one sample, B read in place) = the same row of the packed path, bit for bit", () => {
  const rng = new Random(21);
  let compared = 0;
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 600 }), fc.constantFrom(0, 3), fc.constantFrom(1, -0.5), fc.constantFrom(0, 1, 0.25),
    (n, k, extra, alpha, beta) => {
      const ldb = k + extra;
      const b = new Float32Array(n * ldb).map(() => rng.uniformIn(-1, 1));
      const x = new Float32Array(k).map(() => rng.uniformIn(-1, 1));
      const c0 = new Float32Array(n).map(() => rng.uniformIn(-1, 1));
      const one = c0.slice();
      sgemm(false, true, 1, n, k, alpha, x, k, b, ldb, beta, one, n);
      // Two equal rows: m = 2 takes the packed path (packA, packB, microkernel); its first row is the reference here.
      const two = new Float32Array(2 * n);
      two.set(c0, 0);
      two.set(c0, n);
      const xx = new Float32Array(2 * k);
      xx.set(x, 0);
      xx.set(x, k);
      sgemm(false, true, 2, n, k, alpha, xx, k, b, ldb, beta, two, n);
      const bits = (f: Float32Array) => [...new Uint32Array(f.buffer, f.byteOffset, f.length)];
      assert.equal(bits(one), bits(two.subarray(0, n)), `n ${n}, k ${k}, ldb ${ldb}, α ${alpha}, β ${beta}`);
      compared++;
    }), fcParams(60));
  assert.is(compared, 60);
});

test("β = 0 overwrites C: NaN in C does not propagate (full and edge tiles)", () => {
  for (const [m, n, k] of [[MR * 3, NR * 2, 17], [MR * 2 + 1, NR + 3, KC + 9], [1, 1, 1]]) {
    checkCase(m, n, k, false, false, 1, 0, [0, 0, 2], m * n, true);
    checkCase(m, n, k, true, true, -2, 0, [0, 0, 0], m + n, true);
  }
});

test("α = 0 reads neither A nor B; k = 0 gives β·C", () => {
  const a = new Float32Array([NaN, NaN, NaN, NaN]);
  const b = new Float32Array([NaN, NaN, NaN, NaN]);
  const c = new Float32Array([1, 2, 3, 4]);
  sgemm(false, false, 2, 2, 2, 0, a, 2, b, 2, 0.5, c, 2);
  assert.equal([...c], [0.5, 1, 1.5, 2]);
  const c0 = new Float32Array([NaN, 5]);
  sgemm(false, false, 1, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 0, c0, 2);
  assert.equal([...c0], [0, 0]);
  const c1 = new Float32Array([3, 5]);
  sgemm(false, false, 1, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 2, c1, 2);
  assert.equal([...c1], [6, 10]);
});

test("a 2×2 product worked by hand", () => {
  // [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]; with α = 2, β = 1 and C = 1: [39 45; 87 101]
  const c = new Float32Array([1, 1, 1, 1]);
  sgemm(false, false, 2, 2, 2, 2, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([5, 6, 7, 8]), 2, 1, c, 2);
  assert.equal([...c], [39, 45, 87, 101]);
  // Aᵀ·B with A = [1 3; 2 4] stored: the same product.
  const d = new Float32Array(4);
  sgemm(true, false, 2, 2, 2, 1, new Float32Array([1, 3, 2, 4]), 2, new Float32Array([5, 6, 7, 8]), 2, 0, d, 2);
  assert.equal([...d], [19, 22, 43, 50]);
});

test("on the js backend sgemm is the reference gemm, bit for bit", () => {
  const rng = new Random(21);
  const m = 37, n = 29, k = 300;
  const a = new Float32Array(m * k).map(() => rng.uniformIn(-1, 1)), b = new Float32Array(k * n).map(() => rng.uniformIn(-1, 1));
  const c0 = new Float32Array(m * n).map(() => rng.uniformIn(-1, 1));
  const reference = c0.slice(), ours = c0.slice();
  gemm(false, false, m, n, k, 1.5, a, k, b, n, 0.5, reference, n);
  withBackend("js", () => sgemm(false, false, m, n, k, 1.5, a, k, b, n, 0.5, ours, n));
  assert.equal([...ours], [...reference]);
});

test("bad arguments throw OpError naming the argument", () => {
  const x = new Float32Array(4);
  assert.throws(() => sgemm(false, false, 2, 2, 2, 1, x, 1, x, 2, 0, x, 2), (e: unknown) => e instanceof OpError && /sgemm: lda: expected an integer ≥ max\(1, 2\)/.test((e as Error).message));
  assert.throws(() => sgemm(false, false, 2, 2, 3, 1, x, 3, x, 2, 0, x, 2), /sgemm: a: expected at least 6 elements/);
  assert.throws(() => sgemm(false, false, 2, 2, 2, 1, new Float64Array(4) as unknown as Float32Array, 2, x, 2, 0, x, 2), /sgemm: a: expected a Float32Array/);
  assert.throws(() => sgemm(false, false, -1, 2, 2, 1, x, 2, x, 2, 0, x, 2), /sgemm: m: expected an integer ≥ 0/);
});

// ───────────── packing routines on their own ─────────────

/** Runs a packing export on `src` (copied into the arena) and returns the packed floats. */
function pack(which: "A" | "B", trans: boolean, rows: number, cols: number, src: Float32Array, ld: number, r0: number, c0: number): Float32Array {
  const { exports, arena } = kernels;
  const width = which === "A" ? MR : NR;
  // A: rows = mc, cols = kc; B: rows = kc, cols = nc.
  const panels = Math.ceil((which === "A" ? rows : cols) / width);
  const depth = which === "A" ? cols : rows;
  const outLength = panels * width * depth;
  const [ps, pd] = arena.layout([src.length * 4, outLength * 4]);
  arena.f32.set(src, ps / 4);
  arena.f32.fill(NaN, pd / 4, pd / 4 + outLength); // padding must be written, not left over
  if (which === "A") exports.packA(trans ? 1 : 0, rows, cols, ps, ld, r0, c0, pd);
  else exports.packB(trans ? 1 : 0, rows, cols, ps, ld, r0, c0, pd);
  return arena.f32.slice(pd / 4, pd / 4 + outLength);
}

/**
 * Checks one packing export against op(X) read directly: panels `width` lanes
 * wide across op(X)'s `wide` axis (A: its mc rows, MR lanes; B: its nc
 * columns, NR lanes), k-major, zero-padded, from the block at (r0, c0).
 */
function checkPacking(which: "A" | "B", trans: boolean, rows: number, cols: number, r0: number, c0: number, ldPad: number, rng: Random): void {
  const rowsOp = r0 + rows, colsOp = c0 + cols;
  const ld = (trans ? rowsOp : colsOp) + ldPad;
  const x = new Float32Array((trans ? colsOp : rowsOp) * ld).map(() => rng.uniformIn(-1, 1));
  const packed = pack(which, trans, rows, cols, x, ld, r0, c0);
  const width = which === "A" ? MR : NR, wide = which === "A" ? rows : cols, depth = which === "A" ? cols : rows;
  for (let q = 0; q < Math.ceil(wide / width); q++) {
    for (let p = 0; p < depth; p++) {
      for (let l = 0; l < width; l++) {
        const i = q * width + l;
        const want = i >= wide ? 0 : which === "A" ? at(x, trans, ld, r0 + i, c0 + p) : at(x, trans, ld, r0 + p, c0 + i);
        assert.is(packed[(q * depth + p) * width + l], want, `pack${which} trans=${trans} ${rows}×${cols} panel ${q} p ${p} lane ${l}`);
      }
    }
  }
}

test("packA: MR-row panels, k-major, zero-padded, from op(A) blocks at an offset", () => {
  const rng = new Random(7);
  for (const trans of [false, true]) {
    for (const [mc, kc] of [[MR, 5], [MR * 2 + 3, 9], [1, 1], [MR - 1, KC]]) checkPacking("A", trans, mc, kc, 2, 3, 1, rng);
  }
});

test("packB: NR-wide panels, k-major, zero-padded, from op(B) blocks at an offset", () => {
  const rng = new Random(8);
  for (const trans of [false, true]) {
    for (const [kc, nc] of [[5, NR], [9, NR * 2 + 3], [1, 1], [KC, NR - 1]]) checkPacking("B", trans, kc, nc, 1, 4, 2, rng);
  }
});

test("microkernel: one MR×NR tile from packed panels, full and edge stores, β = 0 / 1 / other", () => {
  const { exports, arena } = kernels;
  const rng = new Random(9);
  const kc = 11, ldc = NR + 3;
  const pa = new Float32Array(kc * MR).map(() => rng.uniformIn(-1, 1));
  const pb = new Float32Array(kc * NR).map(() => rng.uniformIn(-1, 1));
  for (const [mr, nr, beta] of [[MR, NR, 0], [MR, NR, 1], [MR, NR, -2], [MR - 1, NR - 3, 0], [1, 1, 0.5], [MR, 5, 1]]) {
    const c0 = new Float32Array(MR * ldc).map(() => rng.uniformIn(-1, 1));
    const [a, b, c] = arena.layout([pa.length * 4, pb.length * 4, c0.length * 4]);
    arena.f32.set(pa, a / 4);
    arena.f32.set(pb, b / 4);
    arena.f32.set(c0, c / 4);
    exports.microkernel(kc, a, b, c, ldc, 0.5, beta, mr, nr);
    const got = arena.f32.slice(c / 4, c / 4 + c0.length);
    for (let r = 0; r < MR; r++) {
      for (let j = 0; j < ldc; j++) {
        let want = c0[r * ldc + j];
        if (r < mr && j < nr) {
          let dot = 0;
          for (let p = 0; p < kc; p++) dot += pa[p * MR + r] * pb[p * NR + j];
          want = 0.5 * dot + (beta === 0 ? 0 : beta * c0[r * ldc + j]);
        }
        assert.ok(Math.abs(got[r * ldc + j] - want) <= 1e-5, `mr=${mr} nr=${nr} β=${beta}: C[${r}, ${j}] = ${got[r * ldc + j]}, expected ${want}`);
      }
    }
  }
});

test.run();
