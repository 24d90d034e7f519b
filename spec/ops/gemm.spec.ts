import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { gemm } from "../../src/ops/gemm.js";
import { Random } from "../../src/random.js";
import { fcParams } from "../support/properties.js";
import { throwsOpError } from "../support/assertions.js";

/** op(X) written out as a plain nested array [rows][cols] from its stored layout. */
function logical(data: ArrayLike<number>, trans: boolean, rows: number, cols: number, ld: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: number[] = [];
    for (let q = 0; q < cols; q++) row.push(trans ? data[q * ld + r] : data[r * ld + q]);
    out.push(row);
  }
  return out;
}

/** The obviously-correct triple loop on nested arrays: α·A·B + β·C (with β = 0 ignoring C). */
function naive(A: number[][], B: number[][], C: number[][], alpha: number, beta: number): number[][] {
  return A.map((row, i) =>
    B[0] === undefined
      ? []
      : B[0].map((_, j) => {
          let s = 0;
          for (let p = 0; p < row.length; p++) s += row[p] * B[p][j];
          return alpha * s + (beta === 0 ? 0 : beta * C[i][j]);
        }),
  );
}

function filled(n: number, rng: Random, f64: boolean): Float32Array | Float64Array {
  const x = f64 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform() * 2 - 1;
  return x;
}

test("a 2×3 · 3×2 product worked by hand", () => {
  const a = new Float64Array([1, 2, 3, 4, 5, 6]); // [[1,2,3],[4,5,6]]
  const b = new Float64Array([7, 8, 9, 10, 11, 12]); // [[7,8],[9,10],[11,12]]
  const c = new Float64Array(4);
  gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2);
  // [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
  assert.equal([...c], [58, 64, 139, 154]);
  // α = 2, β = −1 on top of that C: 2·AB − AB = AB.
  gemm(false, false, 2, 2, 3, 2, a, 3, b, 2, -1, c, 2);
  assert.equal([...c], [58, 64, 139, 154]);
  // Aᵀ with A stored [3, 2] = [[1,4],[2,5],[3,6]] gives the same product.
  const at = new Float64Array([1, 4, 2, 5, 3, 6]);
  const c2 = new Float64Array(4);
  gemm(true, false, 2, 2, 3, 1, at, 2, b, 2, 0, c2, 2);
  assert.equal([...c2], [58, 64, 139, 154]);
});

test("all four transpose combinations, leading dimensions above the minimum, random α, β (float64 and float32)", () => {
  fc.assert(
    fc.property(
      fc.record({
        m: fc.integer({ min: 1, max: 9 }),
        n: fc.integer({ min: 1, max: 9 }),
        k: fc.integer({ min: 1, max: 9 }),
        transA: fc.boolean(),
        transB: fc.boolean(),
        padA: fc.integer({ min: 0, max: 3 }),
        padB: fc.integer({ min: 0, max: 3 }),
        padC: fc.integer({ min: 0, max: 3 }),
        alpha: fc.constantFrom(1, -0.5, 2.25),
        beta: fc.constantFrom(0, 1, -1.5),
        f64: fc.boolean(),
        seed: fc.integer({ min: 0, max: 1e6 }),
      }),
      ({ m, n, k, transA, transB, padA, padB, padC, alpha, beta, f64, seed }) => {
        const rng = new Random(seed);
        const [aRows, aCols] = transA ? [k, m] : [m, k];
        const [bRows, bCols] = transB ? [n, k] : [k, n];
        const lda = aCols + padA, ldb = bCols + padB, ldc = n + padC;
        const a = filled(aRows * lda, rng, f64);
        const b = filled(bRows * ldb, rng, f64);
        const c = filled(m * ldc, rng, f64);
        const before = c.slice();
        const expected = naive(logical(a, transA, m, k, lda), logical(b, transB, k, n, ldb), logical(c, false, m, n, ldc), alpha, beta);
        gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        const tol = f64 ? 1e-12 : 1e-5;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < ldc; j++) {
            const got = c[i * ldc + j];
            if (j >= n) {
              assert.is(got, before[i * ldc + j], `padding column (${i}, ${j}) was written`);
              continue;
            }
            const want = expected[i][j];
            assert.ok(Math.abs(got - want) <= tol * (1 + Math.abs(want)), `C(${i},${j}) = ${got}, expected ${want}; m=${m} n=${n} k=${k} transA=${transA} transB=${transB} lda=${lda} ldb=${ldb} ldc=${ldc}`);
          }
        }
      },
    ),
    fcParams(200),
  );
});

test("β = 0 overwrites C: NaN and Infinity in C do not propagate", () => {
  for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
    const a = new Float32Array([1, 2, 3, 4]);
    const b = new Float32Array([1, 0, 0, 1]);
    const c = new Float32Array([NaN, Infinity, -Infinity, NaN]);
    gemm(transA, transB, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2);
    // op(B) = I in either orientation, so C = op(A).
    assert.equal([...c], transA ? [1, 3, 2, 4] : [1, 2, 3, 4]);
  }
});

test("k = 0 gives β·C; α = 0 does not read A and B", () => {
  const c = new Float64Array([1, 2, 3, 4]);
  gemm(false, false, 2, 2, 0, 1, new Float64Array(0), 1, new Float64Array(0), 2, 3, c, 2);
  assert.equal([...c], [3, 6, 9, 12]);
  const nan = new Float64Array([NaN, NaN, NaN, NaN]);
  gemm(false, false, 2, 2, 2, 0, nan, 2, nan, 2, 0.5, c, 2);
  assert.equal([...c], [1.5, 3, 4.5, 6]);
  // m = 0 or n = 0: nothing to do, nothing read.
  gemm(false, false, 0, 0, 5, 1, new Float64Array(0), 5, new Float64Array(0), 1, 0, new Float64Array(0), 1);
});

test("float32 output is the float64 sum rounded once", () => {
  // 1 + 2⁻²⁴ + 2⁻²⁴: adding term by term in float32 would lose both small terms.
  const a = new Float32Array([1, 2 ** -24, 2 ** -24]);
  const b = new Float32Array([1, 1, 1]);
  const c = new Float32Array(1);
  gemm(false, false, 1, 1, 3, 1, a, 3, b, 1, 0, c, 1);
  assert.is(c[0], Math.fround(1 + 2 ** -23));
});

test("bad arguments throw OpError naming the argument", () => {
  const a = new Float64Array(6), b = new Float64Array(6), c = new Float64Array(4);
  throwsOpError(() => gemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2), /^gemm: lda: expected an integer ≥ max\(1, 3\) \(the row length of a\), got 2$/);
  throwsOpError(() => gemm(false, false, 2, 2, 3, 1, a, 3, b, 1, 0, c, 2), /gemm: ldb: expected an integer ≥ max\(1, 2\) \(the row length of b\), got 1/);
  throwsOpError(() => gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 1), /gemm: ldc: expected an integer ≥ max\(1, 2\)/);
  throwsOpError(() => gemm(false, false, 2, 2, 3, 1, a, 4, b, 2, 0, c, 2), /gemm: a: expected at least 7 elements \(2 rows of 3, lda = 4\), got 6/);
  throwsOpError(() => gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, new Float64Array(3), 2), /gemm: c: expected at least 4 elements/);
  throwsOpError(() => gemm(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2), /gemm: m: expected an integer ≥ 0, got -1/);
  throwsOpError(() => gemm(false, false, 2, 2.5, 3, 1, a, 3, b, 2, 0, c, 2), /gemm: n: expected an integer ≥ 0, got 2.5/);
  throwsOpError(() => gemm(false, false, 2, 2, 3, 1, new Float32Array(6), 3, b, 2, 0, c, 2), /gemm: a: expected a Float64Array \(the type of c\), got Float32Array/);
  throwsOpError(() => gemm("N" as unknown as boolean, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2), /gemm: transA: expected true or false, got "N"/);
});

test.run();
