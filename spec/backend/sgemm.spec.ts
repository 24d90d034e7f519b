// The wasm SGEMM against a naive triple loop in float64, and its packing
// routines on their own.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { sgemm } from "../../src/backend/sgemm.js";
import { requireKernels } from "../../src/backend/wasm.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { OpError } from "../../src/errors.js";
import { Random } from "../../src/random.js";
import { fcParams } from "../support/properties.js";

assert.ok(loadKernelsSync(), "the wasm kernels load on Node 20 (WebAssembly SIMD)");
const kernels = requireKernels();
const { MR, NR, KC, MC } = kernels;
const geometry = `tile MR×NR = ${MR}×${NR}, KC = ${KC}, MC = ${MC}`;

/** op(X)[r, c] of a row-major X with leading dimension ld. */
function at(x: ArrayLike<number>, trans: boolean, ld: number, r: number, c: number): number {
  return trans ? x[c * ld + r] : x[r * ld + c];
}

/**
 * Checks sgemm against Σ_p op(A)_ip op(B)_pj summed in float64, within
 * 1e-5 + 1e-5·(|α|·Σ|a·b| + |β·c|), and that C's gaps (ldc > n) are untouched.
 */
function checkCase(m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, beta: number, pad: [number, number, number], seed: number, nanInC = false): void {
  const rng = new Random(seed);
  const lda = (transA ? m : k) + pad[0], ldb = (transB ? k : n) + pad[1], ldc = n + pad[2];
  const a = new Float32Array((transA ? k : m) * lda).map(() => rng.uniformIn(-1, 1));
  const b = new Float32Array((transB ? n : k) * ldb).map(() => rng.uniformIn(-1, 1));
  const c = new Float32Array(m * ldc).map(() => (nanInC ? NaN : rng.uniformIn(-1, 1)));
  const before = c.slice();
  sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  const where = `m=${m} n=${n} k=${k} transA=${transA} transB=${transB} α=${alpha} β=${beta} lda=${lda} ldb=${ldb} ldc=${ldc}; ${geometry}`;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      const got = c[i * ldc + j];
      if (j >= n) {
        assert.ok(Object.is(got, before[i * ldc + j]), `C[${i}, ${j}] beyond n changed; ${where}`);
        continue;
      }
      let dot = 0, size = 0;
      for (let p = 0; p < k; p++) {
        const t = at(a, transA, lda, i, p) * at(b, transB, ldb, p, j);
        dot += t;
        size += Math.abs(t);
      }
      const old = beta === 0 ? 0 : beta * before[i * ldc + j];
      const want = alpha * dot + old;
      const tol = 1e-5 + 1e-5 * (Math.abs(alpha) * size + Math.abs(old));
      if (!(Math.abs(got - want) <= tol)) {
        assert.unreachable(`C[${i}, ${j}] = ${got}, expected ${want} (tolerance ${tol.toExponential(2)}); ${where}`);
      }
    }
  }
}

// Sizes around the blocking: below, at and above multiples of MR, NR, KC; primes.
const edges = [1, 2, 3, MR - 1, MR, MR + 1, NR - 1, NR, NR + 1, 2 * NR + 3, 13, 31, 37, 64, 97];
const kEdges = [1, 2, 7, KC - 1, KC, KC + 1, 2 * KC + 5, 257, 300];

test("sgemm matches the triple loop on random sizes, transposes, α, β and leading dimensions", () => {
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

test("packA: MR-row panels, k-major, zero-padded, from op(A) blocks at an offset", () => {
  const rng = new Random(7);
  for (const trans of [false, true]) {
    for (const [mc, kc] of [[MR, 5], [MR * 2 + 3, 9], [1, 1], [MR - 1, KC]]) {
      const i0 = 2, p0 = 3;
      const rowsOp = i0 + mc, colsOp = p0 + kc;
      const ld = (trans ? rowsOp : colsOp) + 1;
      const a = new Float32Array((trans ? colsOp : rowsOp) * ld).map(() => rng.uniformIn(-1, 1));
      const packed = pack("A", trans, mc, kc, a, ld, i0, p0);
      for (let ip = 0; ip < Math.ceil(mc / MR); ip++) {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) {
            const i = ip * MR + r;
            const want = i < mc ? at(a, trans, ld, i0 + i, p0 + p) : 0;
            assert.is(packed[(ip * kc + p) * MR + r], want, `packA trans=${trans} mc=${mc} kc=${kc} panel ${ip} p ${p} lane ${r}`);
          }
        }
      }
    }
  }
});

test("packB: NR-wide panels, k-major, zero-padded, from op(B) blocks at an offset", () => {
  const rng = new Random(8);
  for (const trans of [false, true]) {
    for (const [kc, nc] of [[5, NR], [9, NR * 2 + 3], [1, 1], [KC, NR - 1]]) {
      const p0 = 1, j0 = 4;
      const rowsOp = p0 + kc, colsOp = j0 + nc;
      const ld = (trans ? rowsOp : colsOp) + 2;
      const b = new Float32Array((trans ? colsOp : rowsOp) * ld).map(() => rng.uniformIn(-1, 1));
      const packed = pack("B", trans, kc, nc, b, ld, p0, j0);
      for (let jp = 0; jp < Math.ceil(nc / NR); jp++) {
        for (let p = 0; p < kc; p++) {
          for (let l = 0; l < NR; l++) {
            const j = jp * NR + l;
            const want = j < nc ? at(b, trans, ld, p0 + p, j0 + j) : 0;
            assert.is(packed[(jp * kc + p) * NR + l], want, `packB trans=${trans} kc=${kc} nc=${nc} panel ${jp} p ${p} lane ${l}`);
          }
        }
      }
    }
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
