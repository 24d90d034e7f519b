/**
 * The public single-precision GEMM: the reference `gemm` of
 * ../ops/gemm.ts (same signature, layouts and BLAS semantics), run by the
 * WebAssembly SIMD kernel.
 *
 *   C ← α · op(A) · op(B) + β · C,   row-major, op(A) [m, k], op(B) [k, n], C [m, n]
 *
 * `sgemm` copies the parts of A, B and C it needs into the kernels' arena,
 * runs the kernel and copies C back. Callers that already keep their
 * matrices in the arena call the kernel export `sgemm` themselves (with a
 * scratch region of `sgemmScratchBytes(m, n, k)` in their layout) and copy
 * nothing.
 *
 * Where WebAssembly SIMD is missing, `sgemm` runs the reference `gemm`: the
 * same answer, slower.
 */
import { describeValue, fail } from "../errors.js";
import { gemm } from "../ops/gemm.js";
import { ArenaTooSmallError, instantiateKernelsSync } from "./wasm.js";
import { sgemmOnThreads, sgemmScratchBytesOnThreads } from "./parallel_kernels.js";

const OP = "sgemm";

/** Elements of a row-major matrix of `rows` rows of `cols`, `ld` apart (0 when empty). */
function extent(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) fail(OP, name, "an integer ≥ 0", describeValue(value));
}

function checkMatrix(name: string, ldName: string, array: Float32Array, rows: number, cols: number, ld: number): number {
  if (!(array instanceof Float32Array)) fail(OP, name, "a Float32Array", describeValue(array));
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) fail(OP, ldName, `an integer ≥ max(1, ${cols}) (the row length of ${name})`, describeValue(ld));
  const needed = extent(rows, cols, ld);
  if (array.length < needed) fail(OP, name, `at least ${needed} elements (${rows} rows of ${cols}, ${ldName} = ${ld})`, `${array.length}`);
  return needed;
}

/**
 * C ← α · op(A) · op(B) + β · C on Float32Arrays, row-major:
 * A is [m, k] (or [k, m] when `transA`) with rows `lda` apart, B is [k, n]
 * (or [n, k] when `transB`) with rows `ldb` apart, C is [m, n] with rows `ldc`
 * apart. β = 0 overwrites C (NaN in C does not propagate); α = 0 reads
 * neither A nor B. Elements of C between rows (when ldc > n) are left as
 * they were. Throws OpError on bad sizes or arrays.
 */
export function sgemm(
  transA: boolean, transB: boolean,
  m: number, n: number, k: number,
  alpha: number, a: Float32Array, lda: number,
  b: Float32Array, ldb: number,
  beta: number, c: Float32Array, ldc: number,
): void {
  if (typeof transA !== "boolean") fail(OP, "transA", "true or false", describeValue(transA));
  if (typeof transB !== "boolean") fail(OP, "transB", "true or false", describeValue(transB));
  checkDimension("m", m);
  checkDimension("n", n);
  checkDimension("k", k);
  if (typeof alpha !== "number") fail(OP, "alpha", "a number", describeValue(alpha));
  if (typeof beta !== "number") fail(OP, "beta", "a number", describeValue(beta));
  const aLength = checkMatrix("a", "lda", a, transA ? k : m, transA ? m : k, lda);
  const bLength = checkMatrix("b", "ldb", b, transB ? n : k, transB ? k : n, ldb);
  const cLength = checkMatrix("c", "ldc", c, m, n, ldc);
  if (m === 0 || n === 0) return;

  const kernels = instantiateKernelsSync();
  if (!kernels) {
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const { exports, arena } = kernels;
  let regions: number[];
  try {
    regions = arena.layout([aLength * 4, bLength * 4, cLength * 4, sgemmScratchBytesOnThreads(m, n, k)]);
  } catch (e) {
    if (!(e instanceof ArenaTooSmallError)) throw e;
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); // too large for the kernels' memory
    return;
  }
  const [pa, pb, pc, scratch] = regions;
  const heap = arena.f32;
  heap.set(a.subarray(0, aLength), pa / 4);
  heap.set(b.subarray(0, bLength), pb / 4);
  heap.set(c.subarray(0, cLength), pc / 4);
  sgemmOnThreads(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, scratch);
  c.set(arena.f32.subarray(pc / 4, pc / 4 + cLength));
}

/** Bytes of scratch the kernel export `sgemm` needs for an m×n×k problem (for callers that lay out the arena themselves). */
export function sgemmScratchBytes(m: number, n: number, k: number): number {
  const kernels = instantiateKernelsSync();
  if (!kernels) throw new Error("sgemmScratchBytes: the wasm kernels are unavailable here (WebAssembly SIMD missing)");
  return kernels.exports.sgemmScratchBytes(m, n, k);
}
