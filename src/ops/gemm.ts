/**
 * The reference general matrix multiply (GEMM) with BLAS semantics, row-major:
 *
 *   C ← α · op(A) · op(B) + β · C,    op(A) [m, k], op(B) [k, n], C [m, n],
 *
 * where op(X) is X or its transpose Xᵀ. Matrices live in flat typed arrays
 * with a leading dimension (the distance between the starts of two rows), so
 * a matrix may be a window of a larger one:
 *
 *   A not transposed: A [m, k],  element (i, p) at a[i·lda + p],  lda ≥ k
 *   A transposed:     A [k, m],  op(A)(i, p) = a[p·lda + i],       lda ≥ m
 *   B not transposed: B [k, n],  element (p, j) at b[p·ldb + j],  ldb ≥ n
 *   B transposed:     B [n, k],  op(B)(p, j) = b[j·ldb + p],       ldb ≥ k
 *   C:                C [m, n],  element (i, j) at c[i·ldc + j],  ldc ≥ n
 *
 * This is the oracle for the WebAssembly SGEMM (same signature) and the
 * multiply that `im2col.ts` builds convolution from. Plain loops: each
 * element of C is one dot product accumulated in a JS number (float64) and
 * stored once into C's element type.
 *
 * As in BLAS: β = 0 means C is only written, never read (NaN or garbage in C
 * does not propagate); α = 0 means A and B are not read.
 */
import type { FloatArray } from "../tensor.js";
import { describeValue, fail } from "../errors.js";

const OP = "gemm";

function dimension(op: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) fail(op, name, "an integer ≥ 0", describeValue(value));
}

/**
 * Checks the scalar arguments of a GEMM call named `op` ("gemm", or the
 * kernels' "sgemm"): transposes, sizes m, n, k and α, β. Throws OpError.
 */
export function checkGemmScalars(op: string, transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, beta: number): void {
  if (typeof transA !== "boolean") fail(op, "transA", "true or false", describeValue(transA));
  if (typeof transB !== "boolean") fail(op, "transB", "true or false", describeValue(transB));
  dimension(op, "m", m);
  dimension(op, "n", n);
  dimension(op, "k", k);
  if (typeof alpha !== "number") fail(op, "alpha", "a number", describeValue(alpha));
  if (typeof beta !== "number") fail(op, "beta", "a number", describeValue(beta));
}

/**
 * Checks a leading dimension and that the array holds `rows` rows of `cols`
 * (row-major, `ld` apart) for the GEMM call named `op`. Throws OpError.
 */
export function checkMatrix(op: string, name: string, ldName: string, array: FloatArray, rows: number, cols: number, ld: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) fail(op, ldName, `an integer ≥ max(1, ${cols}) (the row length of ${name})`, describeValue(ld));
  if (rows === 0 || cols === 0) return;
  const needed = (rows - 1) * ld + cols;
  if (array.length < needed) fail(op, name, `at least ${needed} elements (${rows} rows of ${cols}, ${ldName} = ${ld})`, `${array.length}`);
}

function arrayType(array: unknown): string {
  if (array instanceof Float32Array) return "Float32Array";
  if (array instanceof Float64Array) return "Float64Array";
  return describeValue(array);
}

/**
 * C ← α · op(A) · op(B) + β · C (row-major, see the file comment for the
 * layouts). `transA`/`transB` select op(X) = Xᵀ. A, B and C must be the same
 * kind of typed array (all Float32Array or all Float64Array).
 *
 * @param m rows of op(A) and C
 * @param n columns of op(B) and C
 * @param k columns of op(A) = rows of op(B)
 */
export function gemm(
  transA: boolean, transB: boolean,
  m: number, n: number, k: number,
  alpha: number, a: FloatArray, lda: number,
  b: FloatArray, ldb: number,
  beta: number, c: FloatArray, ldc: number,
): void {
  checkGemmScalars(OP, transA, transB, m, n, k, alpha, beta);
  const kind = arrayType(c);
  if (kind !== "Float32Array" && kind !== "Float64Array") fail(OP, "c", "a Float32Array or Float64Array", kind);
  if (arrayType(a) !== kind) fail(OP, "a", `a ${kind} (the type of c)`, arrayType(a));
  if (arrayType(b) !== kind) fail(OP, "b", `a ${kind} (the type of c)`, arrayType(b));
  // Stored shapes: A is [m, k] or, transposed, [k, m]; B is [k, n] or [n, k].
  checkMatrix(OP, "a", "lda", a, transA ? k : m, transA ? m : k, lda);
  checkMatrix(OP, "b", "ldb", b, transB ? n : k, transB ? k : n, ldb);
  checkMatrix(OP, "c", "ldc", c, m, n, ldc);

  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      // (op(A) · op(B))_ij = Σ_p op(A)_ip · op(B)_pj
      let dot = 0;
      if (alpha !== 0) {
        for (let p = 0; p < k; p++) {
          const aip = transA ? a[p * lda + i] : a[i * lda + p];
          const bpj = transB ? b[j * ldb + p] : b[p * ldb + j];
          dot += aip * bpj;
        }
      }
      const old = beta === 0 ? 0 : beta * c[i * ldc + j];
      c[i * ldc + j] = (alpha === 0 ? 0 : alpha * dot) + old;
    }
  }
}
